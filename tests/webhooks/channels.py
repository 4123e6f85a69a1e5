"""Helpers that speak to the webhooks the way Twilio and Telegram do: load a captured payload,
sign it, post it, and read the reply. Shared by the webhook, health and privacy tests."""

from __future__ import annotations

import copy
import itertools
import json
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode
from xml.etree import ElementTree

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from models import (
    Base,
    Conversation,
    PublishedDemandEvent,
    StagedDemandEvent,
    demand_events,
    upkeep,
)
from tests.conftest import FIXTURES, PINNED_NOW, TEST_CONFIG, app_now
from webhooks.pseudonym import sender_key

TWILIO_PATH = "/webhooks/twilio/sms"
TWILIO_URL = TEST_CONFIG["PUBLIC_BASE_URL"] + TWILIO_PATH
TELEGRAM_PATH = "/webhooks/telegram"
FORM = "application/x-www-form-urlencoded"
#: Port 1 on the loopback: nothing listens there, so every connection is refused at once.
UNREACHABLE_DATABASE = "postgresql+psycopg://x@127.0.0.1:1/none"

_update_ids = itertools.count(800_000_001)


# --- Twilio ---------------------------------------------------------------------------------------


def twilio_form(name: str, **changes: str | None) -> dict[str, str]:
    """A captured form (``tests/fixtures/twilio/NAME.txt``); a change of None drops a field."""
    raw = (FIXTURES / "twilio" / f"{name}.txt").read_text(encoding="utf-8").strip()
    form = dict(parse_qsl(raw, keep_blank_values=True, strict_parsing=True))
    for key, value in changes.items():
        if value is None:
            form.pop(key, None)
        else:
            form[key] = value
    return form


def twilio_signature(
    form: dict[str, str], url: str = TWILIO_URL, token: str = TEST_CONFIG["TWILIO_AUTH_TOKEN"]
) -> str:
    return str(RequestValidator(token).compute_signature(url, form))


def post_twilio(
    client: FlaskClient,
    form: dict[str, str],
    *,
    signature: str | None = "sign",
    body: str | bytes | None = None,
    content_type: str = FORM,
) -> TestResponse:
    """Post ``form`` as Twilio does. ``signature="sign"`` signs it correctly, None sends no
    header; ``body`` replaces the encoded form (to post something other than what was signed)."""
    headers = {}
    if signature == "sign":
        signature = twilio_signature(form)
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    data = urlencode(form) if body is None else body
    return client.post(TWILIO_PATH, data=data, content_type=content_type, headers=headers)


def twiml_messages(response: TestResponse) -> list[str]:
    """The texts of ``<Response><Message>…</Message></Response>``, in order."""
    assert response.mimetype == "text/xml", response.get_data(as_text=True)
    root = ElementTree.fromstring(response.get_data())
    assert root.tag == "Response"
    assert all(child.tag == "Message" for child in root)
    return [child.text or "" for child in root]


def fresh_sid() -> str:
    return "SM" + uuid.uuid4().hex


class TwilioSender:
    """One texter (SMS or WhatsApp) having a conversation, each turn with a new MessageSid."""

    def __init__(self, client: FlaskClient, fixture: str, address: str, **fields: str) -> None:
        self.client, self.fixture, self.address, self.fields = client, fixture, address, fields
        self.channel = "whatsapp" if address.startswith("whatsapp:") else "sms"

    def form(self, text: str, sid: str | None = None) -> dict[str, str]:
        sid = sid or fresh_sid()
        return twilio_form(
            self.fixture, From=self.address, Body=text, MessageSid=sid, SmsMessageSid=sid,
            SmsSid=sid, **self.fields,
        )

    def send(self, text: str, sid: str | None = None) -> list[str]:
        response = post_twilio(self.client, self.form(text, sid))
        assert response.status_code == 200, response.get_data(as_text=True)
        return twiml_messages(response)

    @property
    def key(self) -> str:
        return sender_key(TEST_CONFIG["PSEUDONYM_KEY"], self.channel, self.address)


# --- Telegram -------------------------------------------------------------------------------------


def telegram_update(
    name: str,
    *,
    update_id: int | None = None,
    text: str | None = None,
    language_code: str | None = None,
) -> dict[str, Any]:
    """A captured Update (``tests/fixtures/telegram/NAME.json``) with optional changes."""
    payload: dict[str, Any] = json.loads(
        (FIXTURES / "telegram" / f"{name}.json").read_text(encoding="utf-8")
    )
    if update_id is not None:
        payload["update_id"] = update_id
    message = payload.get("message") or payload.get("edited_message") or {}
    if text is not None:
        message["text"] = text
    if language_code is not None:
        message["from"]["language_code"] = language_code
    return payload


def post_telegram(
    client: FlaskClient,
    payload: Any = None,
    *,
    secret: str | None = TEST_CONFIG["TELEGRAM_WEBHOOK_SECRET"],
    body: str | bytes | None = None,
    content_type: str = "application/json",
) -> TestResponse:
    """Post an Update as Telegram does; ``body`` sends raw bytes instead of ``payload``."""
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    data = json.dumps(payload, ensure_ascii=False) if body is None else body
    return client.post(TELEGRAM_PATH, data=data, content_type=content_type, headers=headers)


def send_message_text(response: TestResponse, chat_id: int) -> str:
    """Check a ``sendMessage`` reply inside the webhook response and return its text."""
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) <= {"method", "chat_id", "text", "reply_markup"}, body
    assert body["method"] == "sendMessage"
    assert body["chat_id"] == chat_id
    return str(body["text"])


class TelegramUser:
    """One Telegram user in a private chat; each turn is a new Update with a fresh update_id."""

    def __init__(
        self, client: FlaskClient, *, user_id: int, username: str, first_name: str,
        language_code: str = "en",
    ) -> None:
        self.client, self.chat_id = client, user_id
        self.template = telegram_update("private_text", language_code=language_code)
        person = {"id": user_id, "first_name": first_name, "username": username}
        self.template["message"]["from"].update(person, last_name="Test")
        self.template["message"]["chat"].update(person, last_name="Test")

    def update(self, text: str, update_id: int | None = None) -> dict[str, Any]:
        payload = copy.deepcopy(self.template)
        payload["update_id"] = update_id or next(_update_ids)
        payload["message"]["text"] = text
        return payload

    def send(self, text: str, update_id: int | None = None) -> str:
        response = post_telegram(self.client, self.update(text, update_id))
        return send_message_text(response, self.chat_id)

    @property
    def key(self) -> str:
        return sender_key(TEST_CONFIG["PSEUDONYM_KEY"], "telegram", str(self.chat_id))


# --- the database -------------------------------------------------------------------------------


def dump_database(app: Flask) -> str:
    """Every row of every table, every value as text (for privacy assertions)."""
    lines = []
    with app.extensions["sangkhim.db"].engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(select(table)):
                lines.append(f"{table.name}: " + " | ".join(str(value) for value in row))
    return "\n".join(lines)


def count_rows(app: Flask, model: type) -> int:
    with app.extensions["sangkhim.db"].sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def count_events(app: Flask) -> int:
    """Demand events recorded, staged by the turns or already published by an hourly purge."""
    return count_rows(app, StagedDemandEvent) + count_rows(app, PublishedDemandEvent)


def publish_demand(app: Flask, now: datetime | None = None) -> int:
    """What the next hourly purge does with the demand events staged so far (by default,
    every one, even those dated in the future): publish them."""
    later = now or PINNED_NOW + timedelta(days=3650)
    return demand_events.publish(app.extensions["sangkhim.db"].engine, later)


def clock_tick(app: Flask, now: datetime | None = None, force: bool = False) -> upkeep.Run:
    """One tick of ``flask clock`` at ``now`` (by default, the app's next hour's first minute:
    the hourly purge is due), as the clock process would run it."""
    at = now or (app_now(app) + timedelta(hours=1)).replace(minute=1)
    return upkeep.run_due(app.extensions["sangkhim.db"].engine, at,
                          upkeep.Settings.from_config(app.config), force=force)


def say_sms(app: Flask, sender: str, text: str, now: datetime, sid: str) -> list[str]:
    """One SMS through the pipeline at ``now`` (no HTTP), from the pseudonym ``sender``: the
    replies' texts."""
    from bot.types import Inbound
    from core.vocabulary import Channel
    from webhooks import pipeline

    with app.app_context():
        answer = pipeline.process(Inbound(Channel.SMS, sender, text, provider_id=sid), now)
    return [m.text for m in answer.messages]


def engine_of(app: Flask) -> Any:
    return app.extensions["sangkhim.db"].engine


def conversation(app: Flask, key: str) -> Conversation | None:
    with app.extensions["sangkhim.db"].sessions() as session:
        return session.get(Conversation, key)
