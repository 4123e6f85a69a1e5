"""Privacy is asserted, not hoped for (DESIGN.md section 5).

Scripted conversations run on Twilio SMS, WhatsApp and Telegram; then the whole database and
every log record are searched for anything that identifies a texter or repeats what they wrote.
"""

from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from models import Base, Conversation
from tests.conftest import TEST_CONFIG
from tests.webhooks.channels import (
    UNREACHABLE_DATABASE,
    TelegramUser,
    TwilioSender,
    conversation,
    count_rows,
)
from webhooks import create_app

#: What Twilio's fixtures post about the texter besides the number (see tests/fixtures/twilio).
FROM_CITY, FROM_ZIP, FROM_STATE = "TAKHMAU", "12252", "PHNOM PENH"


@dataclass(frozen=True)
class Turn:
    text: str
    #: False for what the bot itself says or lists (menu digits, its own keywords, place names),
    #: which may rightly appear in stored replies or the directory.
    private: bool = True


def said(*texts: str) -> list[Turn]:
    return [Turn(t) for t in texts]


def bot_words(*texts: str) -> list[Turn]:
    return [Turn(t, private=False) for t in texts]


@dataclass
class Texter:
    name: str
    identifiers: tuple[str, ...]
    turns: list[Turn]
    stops: bool


def _conversations(app: Flask) -> tuple[list[Texter], dict[str, TwilioSender | TelegramUser]]:
    client = app.test_client()
    extra = {"FromCity": FROM_CITY, "FromZip": FROM_ZIP}
    senders: dict[str, TwilioSender | TelegramUser] = {
        "sms-english": TwilioSender(client, "sms_english", "+85512345678", **extra),
        "sms-khmer": TwilioSender(client, "sms_khmer", "+85598765432", **extra),
        "whatsapp": TwilioSender(client, "whatsapp_text", "whatsapp:+85587654321",
                                 ProfileName="Dara Sok", WaId="85587654321"),
        "telegram-english": TelegramUser(client, user_id=987654321, username="sokha_test",
                                         first_name="Sokha"),
        "telegram-khmer": TelegramUser(client, user_id=876543219, username="vanna_km",
                                       first_name="Vanna", language_code="km"),
    }
    texters = [
        Texter("sms-english", ("+85512345678", "85512345678", "012345678"),
               said("Hello, I need some help please")
               + bot_words("1")
               + said("I live in Battambang province near the market",
                      "How much does it cost at the clinic?")
               + bot_words("STOP"),
               stops=True),
        Texter("sms-khmer", ("+85598765432", "85598765432", "098765432"),
               bot_words("ម៉ឺនុយ", "1")
               + said("ខ្ញុំរស់នៅខេត្តបាត់ដំបង")
               + bot_words("4", "2"),
               stops=False),
        Texter("whatsapp", ("whatsapp:+85587654321", "+85587654321", "85587654321", "Dara Sok"),
               said("Where can I get clean needles?", "I am staying in Siem Reap now")
               + bot_words("MORE"),
               stops=False),
        Texter("telegram-english", ("987654321", "sokha_test", "Sokha"),
               said("hello")
               + bot_words("3")
               + said("ខ្ញុំនៅភ្នំពេញ", "Is methadone free for everyone?")
               + bot_words("STOP"),
               stops=True),
        Texter("telegram-khmer", ("876543219", "vanna_km", "Vanna"),
               bot_words("ម៉ឺនុយ", "5")
               + said("ខ្ញុំចង់ឈប់ប្រើថ្នាំ"),
               stops=False),
    ]
    return texters, senders


def _secrets(texters: list[Texter]) -> list[str]:
    found = [FROM_CITY, FROM_ZIP]
    for texter in texters:
        found.extend(texter.identifiers)
        found.extend(t.text for t in texter.turns if t.private and len(t.text) > 3)
    return found


def _contains(haystack: str, secret: str) -> bool:
    """Case-insensitive; short all-digit values (a zip code) only as a whole token, so a random
    hex id that happens to contain the digits is not mistaken for a leak."""
    if secret.isdigit() and len(secret) < 8:
        return re.search(rf"(?<![0-9A-Za-z]){secret}(?![0-9A-Za-z])", haystack) is not None
    return secret.casefold() in haystack.casefold()


def dump_database(app: Flask) -> str:
    """Every row of every table, every value as text."""
    lines = []
    with app.extensions["sangkhim.db"].engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(select(table)):
                lines.append(f"{table.name}: " + " | ".join(str(value) for value in row))
    return "\n".join(lines)


def _log_text(records: list[logging.LogRecord]) -> str:
    return "\n".join(f"{r.getMessage()}\n{r.exc_text or ''}" for r in records)


def test_no_identifier_or_message_text_is_stored_or_logged(
    sample_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    texters, senders = _conversations(sample_app)
    secrets = _secrets(texters)
    before = dump_database(sample_app)
    # The check below could not fail on a value that is in the database for other reasons.
    assert [s for s in secrets if _contains(before, s)] == []

    caplog.set_level(logging.DEBUG)
    for texter in texters:
        for turn in texter.turns:
            replies = senders[texter.name].send(turn.text)
            assert replies, f"{texter.name} got no reply to {turn.text!r}"

    after = dump_database(sample_app)
    assert count_rows(sample_app, Conversation) == 3  # the two who sent STOP are forgotten
    for texter in texters:
        row = conversation(sample_app, senders[texter.name].key)
        assert (row is None) == texter.stops, texter.name
    assert after != before

    leaks = [s for s in secrets if _contains(after, s)]
    assert leaks == [], f"stored in the database: {leaks}"

    # A database outage is where code is most tempted to log what it could not store.
    _talk_during_outage(texters, senders)
    assert any("database unavailable" in r.getMessage() for r in caplog.records)
    logged = _log_text(caplog.records)
    leaks = [s for s in secrets if _contains(logged, s)]
    assert leaks == [], f"written to the log: {leaks}"


def _talk_during_outage(
    texters: list[Texter], senders: dict[str, TwilioSender | TelegramUser]
) -> None:
    broken = create_app({**TEST_CONFIG, "DATABASE_URL": UNREACHABLE_DATABASE})
    try:
        for texter in texters:
            sender = copy.copy(senders[texter.name])
            sender.client = broken.test_client()
            for turn in texter.turns:
                assert sender.send(turn.text), texter.name
    finally:
        broken.extensions["sangkhim.db"].engine.dispose()


def test_the_check_finds_a_leak(sample_app: Flask) -> None:
    """The dump and the search see what is stored: a conversation row holding a number is found."""
    with sample_app.extensions["sangkhim.db"].sessions() as session, session.begin():
        session.add(Conversation(sender_key="k", step="menu", data='{"from": "+85512345678"}',
                                 updated_at=datetime.now(UTC)))
    assert _contains(dump_database(sample_app), "85512345678")
