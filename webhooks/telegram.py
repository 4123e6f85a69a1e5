"""Telegram webhook: private messages only; the reply goes back inside the webhook response.

verify (X-Telegram-Bot-Api-Secret-Token, constant-time) → parse (python-telegram-bot's
``Update.de_json`` over only the fields the bot uses; names, usernames and ids never get past
here except the chat id needed to address the reply, which is used in memory and never stored)
→ pipeline → render: ``ADAPTER``, this module's channel adapter (``webhooks/adapter.py``).

Every other kind of update (edits, channel posts, callback and inline queries, chat member
changes, kinds Telegram adds later) is acknowledged with an empty 200 before python-telegram-bot
sees it: its classes require fields that other Bot API versions do not send (older users have
no ``is_bot``, photo sizes no ``file_unique_id`` before Bot API 4.5…), and a 4xx would only make
Telegram retry. A private message is parsed from the fields the bot uses alone, for the same reason.
"""

from __future__ import annotations

import functools
import hmac
import sys
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flask import Response, abort, current_app, jsonify, request

from bot.types import Inbound
from core.geo import GeoPoint
from core.vocabulary import CAPABILITIES, Capabilities, Channel, Locale
from webhooks.adapter import Acknowledge, Parsed
from webhooks.pseudonym import sender_key

if TYPE_CHECKING:
    from telegram import Message, Update

    from webhooks.pipeline import Answer

MAX_TEXT_CHARS = 4096  # Telegram's own limit for a message


@functools.cache
def update_class() -> type[Update]:
    """python-telegram-bot's ``Update``, imported at first use: the library takes about 0.07 s
    to import, which every process would pay whether it answers Telegram or not. gunicorn's
    master calls this when the channel is on (``TelegramAdapter.preload``), so a worker's first
    Telegram message does not wait for it; a process serving on its own imports it then.

    python-telegram-bot loads ``cryptography``, if it is installed, for Telegram Passport
    (decrypting identity documents sent to a bot), which Sangkhim never asks for; that would
    add about 6 MB to every web worker (mostly the relocated pages of its Rust library).
    So the library is imported with ``cryptography`` hidden, which it handles as "not
    installed" (Passport would then say so); ``cryptography`` itself stays importable
    afterwards, for what Sangkhim seals with it (``models/sealing.py``).

    Likewise httpx (which the library's own HTTP client imports) is imported without its
    command-line client, ``httpx._main``: httpx imports it at once when click, rich and
    Pygments are installed, as they are in a development install (pytest brings Pygments),
    which cost every process about 50 ms of Pygments' lexer tables. In a production install
    the attempt already fails at once; hidden, it does so everywhere."""
    return _without_unused_parts()


#: Modules python-telegram-bot would load that Sangkhim never uses, hidden while it loads.
_UNUSED = ("cryptography", "httpx._main")


#: One thread at a time hides modules and imports: two first Telegram updates at once (a
#: threaded server) would otherwise each restore what the other hid.
_importing = threading.Lock()


def _without_unused_parts() -> type[Update]:
    with _importing:
        if "telegram" in sys.modules:
            from telegram import Update  # already loaded, one way or the other

            return Update
        hidden = [name for name in _UNUSED
                  if name not in sys.modules and name.partition(".")[0] not in sys.modules]
        for name in hidden:
            sys.modules[name] = None  # type: ignore[assignment]  # "not installed"
        try:
            from telegram import Update
        finally:
            for name in hidden:
                del sys.modules[name]
        return Update


class Ignored(Exception):
    """An update Sangkhim does not answer (edits, channel posts, groups, unknown kinds)."""


def _message() -> tuple[Inbound, int]:
    """The inbound message of the current request and the chat to answer; raise ``Ignored``
    or abort(400)."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not _is_int(payload.get("update_id")):
        abort(400, description="expected a Telegram Update object")
    if payload.get("message") is None:
        raise Ignored
    # python-telegram-bot does not check field types, so a wrongly typed field (text: 5,
    # date: 10**20, language_code: 5) only fails when used: every such failure is a 400.
    try:
        update = update_class().de_json(
            {"update_id": payload["update_id"], "message": _used_fields(payload["message"])}, None
        )
        message = update.message
        if message is None or message.chat.type != "private":
            raise Ignored
        inbound, chat_id = _inbound(update.update_id, message), message.chat.id
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError):
        abort(400, description="malformed Telegram Update")
    if not _is_int(chat_id):
        abort(400, description="malformed Telegram Update")
    return inbound, chat_id


#: The fields of a Message the bot reads, besides ``chat`` and ``from``.
USED_FIELDS = ("message_id", "date", "text", "location", "venue")


def _used_fields(message: object) -> dict[str, Any]:
    """The part of a Message the bot reads: chat id and type, text, location or venue, and the
    sender's language code (a hint), for python-telegram-bot to parse. Fields the bot never reads
    cannot fail the parse, however they are shaped; the sender's ``id``, ``is_bot`` and
    ``first_name``, which python-telegram-bot requires but older updates may lack, are filled in
    rather than copied, so the sender's id and name are not even parsed."""
    chat = message.get("chat") if isinstance(message, dict) else None
    sender = message.get("from", {}) if isinstance(message, dict) else None
    if not isinstance(message, dict) or not isinstance(chat, dict) or not isinstance(sender, dict):
        abort(400, description="malformed Telegram Update")
    used = {key: message[key] for key in USED_FIELDS if key in message}
    used["chat"] = {"id": chat.get("id"), "type": chat.get("type")}
    if "language_code" in sender:
        hint = sender["language_code"]
        used["from"] = {"id": 0, "is_bot": False, "first_name": "", "language_code": hint}
    return used


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _inbound(update_id: int, message: Message) -> Inbound:
    location = None
    if message.location is not None:
        location = GeoPoint(float(message.location.latitude), float(message.location.longitude))
    elif message.venue is not None:
        venue = message.venue.location
        location = GeoPoint(float(venue.latitude), float(venue.longitude))
    text = message.text or ""
    if not isinstance(text, str):
        raise TypeError("message text is not a string")
    text = text[:MAX_TEXT_CHARS]
    return Inbound(
        channel=Channel.TELEGRAM,
        sender_key=sender_key(
            current_app.config["PSEUDONYM_KEY"], "telegram", str(message.chat.id)
        ),
        text=text,
        location=location,
        locale_hint=_hint(message),
        provider_id=str(update_id),
        unsupported=not text.strip() and location is None,
    )


def _hint(message: Message) -> Locale | None:
    code = (message.from_user.language_code or "") if message.from_user else ""
    if code.startswith("km"):
        return Locale.KM
    if code.startswith("en"):
        return Locale.EN
    return None


class TelegramAdapter:
    """Telegram private chats; the reply rides in the webhook response (``sendMessage``)."""

    name = "telegram"
    path = "/telegram"
    serves = (Channel.TELEGRAM,)
    labels = {Channel.TELEGRAM: "Telegram"}
    required_settings = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET")
    secret_settings = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET")

    def capabilities(self, channel: Channel) -> Capabilities:
        return CAPABILITIES[channel]

    def verify(self) -> bool:
        expected = current_app.config["TELEGRAM_WEBHOOK_SECRET"]
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())

    def parse(self) -> Parsed:
        try:
            inbound, chat_id = _message()
        except Ignored:
            raise Acknowledge(Response(status=200)) from None
        return Parsed(inbound, chat_id, {"channel": "telegram", "chat_id": chat_id})

    def render(self, answer: Answer, parsed: Parsed) -> Response:
        """The reply goes inside the webhook response; map pins follow through the Bot API
        once the response is sent (if the Bot API is unreachable, only the pins are lost)."""
        assert parsed.reply_to is not None  # parse always sets it
        chat_id: int = parsed.reply_to
        if not answer.messages:
            return Response(status=200)
        text = "\n\n".join(m.text for m in answer.messages)[:MAX_TEXT_CHARS]
        body: dict[str, Any] = {"method": "sendMessage", "chat_id": chat_id, "text": text}
        buttons = [b for m in answer.messages for b in m.buttons]
        if buttons:
            body["reply_markup"] = {
                "keyboard": [
                    [{"text": b.label, "request_location": b.request_location}] for b in buttons
                ],
                "resize_keyboard": True,
                "one_time_keyboard": True,
            }
        response = jsonify(body)
        venues = [v for m in answer.messages for v in m.venues]
        if venues and current_app.config.get("TELEGRAM_BOT_TOKEN"):
            config = dict(current_app.config)
            from webhooks import telegram_api  # the Bot API client: only when there are pins

            response.call_on_close(lambda: telegram_api.send_venues(config, chat_id, venues))
        return response

    def send(self, config: Mapping[str, Any], address: Mapping[str, Any], text: str) -> None:
        from webhooks import telegram_api

        telegram_api.send_text(config, int(address["chat_id"]), text)

    def preload(self) -> None:
        """python-telegram-bot (``update_class``), which is otherwise imported at the first
        Telegram update."""
        update_class()


ADAPTER = TelegramAdapter()
