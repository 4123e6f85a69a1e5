"""Twilio Messaging webhook: SMS, and WhatsApp when ``From`` is ``whatsapp:+…``.

verify (X-Twilio-Signature with twilio's own validator, against PUBLIC_BASE_URL + path) →
parse (whitelist into ``Inbound``; FromCity, FromZip, ProfileName… never get past here) →
pipeline → render (TwiML via twilio's ``MessagingResponse``).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, Response, abort, current_app, request
from twilio.request_validator import RequestValidator, get_signature_algorithm
from twilio.twiml.messaging_response import MessagingResponse

from bot.types import Channel, GeoPoint, Inbound
from webhooks import pipeline
from webhooks.pseudonym import sender_key

bp = Blueprint("twilio", __name__, url_prefix="/webhooks/twilio")

MAX_BODY_CHARS = 1600  # Twilio's own limit for a message body
#: The words on which Twilio itself opts an SMS sender out (the whole message, any case) and
#: blocks every further message until they send START. Twilio: "Customize users' opt-in and
#: opt-out experience with Advanced Opt-Out" (twilio.com/docs/messaging/tutorials/advanced-opt-out).
TWILIO_OPT_OUT_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
)


def signed_url() -> str:
    """The URL Twilio signed: our public base plus the path (and query, if any) requested."""
    query = request.query_string.decode("latin-1")
    return current_app.config["PUBLIC_BASE_URL"] + request.path + (f"?{query}" if query else "")


def verify() -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"])
    algorithm = get_signature_algorithm(request.headers.get("X-Twilio-Webhooks-Signature-Settings"))
    return bool(validator.validate(signed_url(), request.form, signature, algorithm))


def parse() -> Inbound | None:
    form = request.form
    address = form.get("From", "")
    message_sid = form.get("MessageSid") or form.get("SmsMessageSid") or ""
    if not address or not message_sid:
        return None
    channel = Channel.WHATSAPP if address.lower().startswith("whatsapp:") else Channel.SMS
    body = form.get("Body", "")[:MAX_BODY_CHARS]
    location = _location(form.get("Latitude"), form.get("Longitude"))
    has_media = form.get("NumMedia", "0").strip() not in ("", "0")
    return Inbound(
        channel=channel,
        sender_key=sender_key(current_app.config["PSEUDONYM_KEY"], channel, address),
        text=body,
        location=location,
        provider_id=message_sid,
        unsupported=not body.strip() and location is None and has_media,
        provider_opted_out=channel is Channel.SMS and _twilio_opt_out(form, body),
    )


def _twilio_opt_out(form: Mapping[str, str], body: str) -> bool:
    """Whether Twilio opted the sender out: it says so (``OptOutType``, with Advanced Opt-Out)
    or the message is one of its default opt-out words. WhatsApp has no such filtering."""
    opt_out_type = form.get("OptOutType", "")
    return opt_out_type.upper() == "STOP" or body.strip().casefold() in TWILIO_OPT_OUT_WORDS


def _location(latitude: str | None, longitude: str | None) -> GeoPoint | None:
    try:
        lat, lon = float(latitude or ""), float(longitude or "")
    except ValueError:
        return None
    if -90 <= lat <= 90 and -180 <= lon <= 180:
        return GeoPoint(lat, lon)
    return None


def render(outcome: pipeline.Outcome) -> Response:
    twiml = MessagingResponse()
    for message in outcome.messages:
        twiml.message(message.text)
    return Response(str(twiml), mimetype="text/xml")


@bp.post("/sms")
def sms() -> Response:
    if "twilio" not in current_app.config["CHANNELS"]:
        abort(404)
    if not verify():
        abort(403)
    inbound = parse()
    if inbound is None:
        abort(400, description="From and MessageSid are required")
    return render(pipeline.process(inbound))
