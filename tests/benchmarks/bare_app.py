"""The benchmark's baseline: a bare Flask app that only checks the Twilio signature (with
twilio's own validator, like Sangkhim) and returns fixed TwiML. Served by gunicorn with the same
worker settings as Sangkhim. Run: gunicorn 'tests.benchmarks.bare_app:create_app()'."""

from __future__ import annotations

import os

from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator

FIXED_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Message>OK</Message></Response>'
)


def create_app() -> Flask:
    app = Flask(__name__)
    validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
    base = os.environ["PUBLIC_BASE_URL"].rstrip("/")

    @app.post("/webhooks/twilio/sms")
    def sms() -> Response:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not validator.validate(base + request.path, request.form, signature):
            abort(403)
        return Response(FIXED_TWIML, mimetype="text/xml")

    return app
