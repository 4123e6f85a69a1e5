"""``/simulator``: a local web chat with the engine, for development only (not registered in
production). The transcript lives in the signed session cookie of the browser, never on the server.
"""

from __future__ import annotations

import secrets
import uuid

from flask import Blueprint, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from bot.types import Inbound
from core.vocabulary import Channel
from webhooks import pipeline

bp = Blueprint("simulator", __name__)
MAX_TRANSCRIPT = 12
MAX_INPUT = 1600


@bp.get("/simulator")
def page() -> str:
    return render_template(
        "simulator.html",
        transcript=session.get("sim_transcript", []),
        channel=session.get("sim_channel", "sms"),
        channels=[c.value for c in Channel],
    )


@bp.post("/simulator")
def send() -> Response:
    channel = request.form.get("channel", "sms")
    if channel not in {c.value for c in Channel}:
        channel = "sms"
    if request.form.get("reset") or session.get("sim_channel") != channel:
        session["sim_sender"] = secrets.token_hex(16)
        session["sim_transcript"] = []
    session["sim_channel"] = channel
    text = request.form.get("text", "")[:MAX_INPUT]
    if text.strip():
        sender = session.setdefault("sim_sender", secrets.token_hex(16))
        inbound = Inbound(
            channel=Channel(channel), sender_key=sender, text=text, provider_id=str(uuid.uuid4())
        )
        replies = [m.text for m in pipeline.process(inbound).messages]
        transcript = session.get("sim_transcript", []) + [{"you": text, "bot": replies}]
        session["sim_transcript"] = transcript[-MAX_TRANSCRIPT:]
    return redirect(url_for("simulator.page"))
