"""``GET /healthz``, and degraded mode: a database outage still gets the texter a safe reply."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from bot.replies import Texts
from bot.vocabulary import Locale
from tests.conftest import TEST_CONFIG
from tests.webhooks.channels import (
    UNREACHABLE_DATABASE,
    TwilioSender,
    post_telegram,
    post_twilio,
    send_message_text,
    telegram_update,
    twilio_form,
    twiml_messages,
)
from webhooks import create_app


@pytest.fixture
def broken_app() -> Iterator[Flask]:
    """An app whose database cannot be reached (needs no database fixture of its own)."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": UNREACHABLE_DATABASE})
    yield app
    app.extensions["sangkhim.db"].engine.dispose()


def test_healthz_answers_when_the_database_does(client: Flask) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable(broken_app: Flask) -> None:
    response = broken_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.is_json
    assert response.get_json()["status"] == "unavailable"


@pytest.mark.parametrize(
    ("fixture", "locale"),
    [
        pytest.param("sms_khmer", Locale.KM, id="khmer-sms"),
        pytest.param("sms_english", Locale.KM, id="bare-number-sms-defaults-to-khmer"),
        pytest.param("whatsapp_text", Locale.EN, id="english-whatsapp-question-gets-english"),
    ],
)
def test_twilio_message_gets_static_reply_without_database(
    broken_app: Flask, fixture: str, locale: Locale
) -> None:
    response = post_twilio(broken_app.test_client(), twilio_form(fixture))
    assert response.status_code == 200
    messages = twiml_messages(response)
    assert messages == [Texts(locale).unavailable()]
    assert "119" in messages[0] or "១១៩" in messages[0]  # Khmer writes it in Khmer digits


def test_telegram_message_gets_static_reply_without_database(broken_app: Flask) -> None:
    response = post_telegram(broken_app.test_client(), telegram_update("private_text"))
    text = send_message_text(response, 987654321)
    assert text == Texts(Locale.EN).unavailable()  # the language_code hint still applies
    assert "119" in text


def test_signature_is_still_checked_without_database(broken_app: Flask) -> None:
    response = post_twilio(broken_app.test_client(), twilio_form("sms_khmer"), signature=None)
    assert response.status_code == 403


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite has no server
def test_a_database_restart_costs_no_texter_a_reply(sample_app: Flask) -> None:
    """Pooled connections die with a server restart (here: every other backend is ended, as a
    restart would). The next message is still answered normally and /healthz still says ok:
    the dead connection fails once, the pool is refreshed and the work is done again."""
    engine = sample_app.extensions["sangkhim.db"].engine
    sender = TwilioSender(sample_app.test_client(), "sms_english", "+85512345678")
    assert sender.send("hello")
    _cut_pooled_connections(engine)
    reply = sender.send("methadone in Battambang")
    assert reply and "Battambang" in reply[0]
    _cut_pooled_connections(engine)
    assert sample_app.test_client().get("/healthz").status_code == 200


def _cut_pooled_connections(engine: Engine) -> None:
    with engine.connect() as connection:  # make sure the pool holds a connection to cut
        connection.execute(text("SELECT 1"))
    admin = create_engine(engine.url, poolclass=NullPool)
    with admin.connect() as connection:
        ended = connection.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )).scalar()
    admin.dispose()
    assert ended
