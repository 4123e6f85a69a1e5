"""``GET /healthz``, and degraded mode: a database outage still gets the texter a safe reply."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from bot.replies import Texts
from bot.types import Locale
from tests.conftest import TEST_CONFIG
from tests.webhooks.channels import (
    UNREACHABLE_DATABASE,
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
