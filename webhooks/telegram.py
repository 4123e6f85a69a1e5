"""Telegram webhook: private messages only; the reply goes back inside the webhook response.

verify (X-Telegram-Bot-Api-Secret-Token, constant-time) → parse (python-telegram-bot's
``Update.de_json``; names, usernames and ids never get past here except the chat id needed to
address the reply, which is used in memory and never stored) → pipeline → render.
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request
from telegram import Message, Update

from bot.types import Channel, GeoPoint, Inbound, Locale
from webhooks import pipeline
from webhooks.pseudonym import sender_key

bp = Blueprint("telegram", __name__, url_prefix="/webhooks")

MAX_TEXT_CHARS = 4096  # Telegram's own limit for a message


class Ignored(Exception):
    """An update Sangkhim does not answer (edits, channel posts, groups, unknown kinds)."""


def verify() -> bool:
    expected = current_app.config["TELEGRAM_WEBHOOK_SECRET"]
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def parse() -> tuple[Inbound, int]:
    """Return the inbound message and the chat to answer; raise ``Ignored`` or abort(400)."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
        abort(400, description="expected a Telegram Update object")
    try:
        update = Update.de_json(payload, None)
    except (KeyError, TypeError, ValueError, AttributeError):
        abort(400, description="malformed Telegram Update")
    message = update.message
    if message is None or message.chat.type != "private":
        raise Ignored
    return _inbound(update.update_id, message), message.chat.id


def _inbound(update_id: int, message: Message) -> Inbound:
    location = None
    if message.location is not None:
        location = GeoPoint(message.location.latitude, message.location.longitude)
    elif message.venue is not None:
        location = GeoPoint(message.venue.location.latitude, message.venue.location.longitude)
    text = (message.text or "")[:MAX_TEXT_CHARS]
    return Inbound(
        channel=Channel.TELEGRAM,
        sender_key=sender_key(current_app.config["PSEUDONYM_KEY"], "telegram", str(message.chat.id)),
        text=text,
        location=location,
        locale_hint=_hint(message),
        provider_id=str(update_id),
        unsupported=not text.strip(),
    )


def _hint(message: Message) -> Locale | None:
    code = (message.from_user.language_code or "") if message.from_user else ""
    if code.startswith("km"):
        return Locale.KM
    if code.startswith("en"):
        return Locale.EN
    return None


def render(outcome: pipeline.Outcome, chat_id: int) -> Response:
    if not outcome.messages:
        return Response(status=200)
    text = "\n\n".join(m.text for m in outcome.messages)[:MAX_TEXT_CHARS]
    body: dict[str, Any] = {"method": "sendMessage", "chat_id": chat_id, "text": text}
    return jsonify(body)


@bp.post("/telegram")
def webhook() -> Response:
    if "telegram" not in current_app.config["CHANNELS"]:
        abort(404)
    if not verify():
        abort(403)
    try:
        inbound, chat_id = parse()
    except Ignored:
        return Response(status=200)
    return render(pipeline.process(inbound), chat_id)
