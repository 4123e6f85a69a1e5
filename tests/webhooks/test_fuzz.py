"""Property-based fuzzing of both webhooks (hypothesis): random and mutated real payloads,
random Unicode (Khmer combining marks included), huge and empty fields. Whatever arrives:
never a 5xx, never a traceback in the response, never an identifier in the logs."""

from __future__ import annotations

import itertools
import json
import logging
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.webhooks.channels import (
    fresh_sid,
    post_telegram,
    post_twilio,
    telegram_update,
    twilio_form,
)

KHMER = st.characters(min_codepoint=0x1780, max_codepoint=0x17FF)
ANY_TEXT = st.text(
    alphabet=st.one_of(KHMER, st.characters(codec="utf-8", exclude_categories=("Cs",))),
    max_size=300,
)
FIELD = st.one_of(ANY_TEXT, st.just(""), st.text(max_size=5).map(lambda t: t * 2000))
FUZZ = settings(
    max_examples=60, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TWILIO_FIXTURES = ["sms_english", "sms_khmer", "whatsapp_text", "whatsapp_location", "mms_photo"]
TELEGRAM_FIXTURES = ["private_text", "private_text_khmer", "private_location", "private_photo",
                     "edited_message", "group_message", "channel_post"]
# Values that appear in the fixtures and must never reach a log line.
UPDATE_IDS = itertools.count(800_000_000)
IDENTIFIERS = ("85512345678", "85587654321", "987654321", "sokha_test", "Sokha", "Dara Sok")


def assert_safe(response: Any, caplog: pytest.LogCaptureFixture) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and 'File "' not in body
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    for identifier in IDENTIFIERS:
        assert identifier not in logged


@FUZZ
@given(fixture=st.sampled_from(TWILIO_FIXTURES), body=FIELD,
       extra=st.dictionaries(st.text(min_size=1, max_size=20), FIELD, max_size=4),
       drop=st.sets(st.sampled_from(["From", "MessageSid", "Body", "NumMedia", "Latitude"])))
def test_twilio_never_fails_on_signed_mutations(
    sample_app: Flask, caplog: pytest.LogCaptureFixture, fixture: str, body: str,
    extra: dict[str, str], drop: set[str],
) -> None:
    """Correctly signed, so every mutation reaches the parser and the engine."""
    caplog.set_level(logging.DEBUG)
    sender = f"+8559{next(UPDATE_IDS) % 10**8:08d}"  # a new texter each time (no abuse limit)
    form = {**twilio_form(fixture, Body=body, MessageSid=fresh_sid(), From=sender), **extra}
    for key in drop:
        form.pop(key, None)
    response = post_twilio(sample_app.test_client(), form)
    assert_safe(response, caplog)


@FUZZ
@given(raw=st.binary(max_size=2000), content_type=st.sampled_from(
    ["application/x-www-form-urlencoded", "application/json", "text/plain", ""]))
def test_twilio_never_fails_on_random_bytes(
    sample_app: Flask, caplog: pytest.LogCaptureFixture, raw: bytes, content_type: str
) -> None:
    caplog.set_level(logging.DEBUG)
    response = sample_app.test_client().post(
        "/webhooks/twilio/sms", data=raw, content_type=content_type,
        headers={"X-Twilio-Signature": "AAAA"},
    )
    assert response.status_code in (400, 403, 413, 415)
    assert_safe(response, caplog)


def _mutate(value: Any, replacement: Any, path: list[str]) -> Any:
    if not path or not isinstance(value, dict):
        return replacement
    key, rest = path[0], path[1:]
    return {**value, key: _mutate(value.get(key), replacement, rest)}


JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), ANY_TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8,
)
PATHS = st.sampled_from([
    ["message", "text"], ["message", "chat", "id"], ["message", "chat", "type"],
    ["message", "from", "language_code"], ["message", "location"], ["message", "date"],
    ["message"], ["update_id"], ["message", "location", "latitude"], ["edited_message"],
])


@FUZZ
@given(fixture=st.sampled_from(TELEGRAM_FIXTURES), path=PATHS, replacement=JSON_VALUE)
def test_telegram_never_fails_on_mutated_updates(
    sample_app: Flask, caplog: pytest.LogCaptureFixture, fixture: str, path: list[str],
    replacement: Any,
) -> None:
    caplog.set_level(logging.DEBUG)
    update = {**telegram_update(fixture), "update_id": next(UPDATE_IDS)}
    update = _mutate(update, replacement, path)
    response = post_telegram(sample_app.test_client(), update)
    assert_safe(response, caplog)


@FUZZ
@given(text=FIELD)
def test_telegram_answers_any_private_text(
    sample_app: Flask, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    caplog.set_level(logging.DEBUG)
    update = telegram_update("private_text", text=text, update_id=next(UPDATE_IDS))
    chat = next(UPDATE_IDS)  # a new texter each time, so the abuse limits never apply
    update["message"]["chat"]["id"] = update["message"]["from"]["id"] = chat
    response = post_telegram(sample_app.test_client(), update)
    assert_safe(response, caplog)
    if text.strip():
        assert response.status_code == 200 and response.get_json()["chat_id"] == chat
        assert response.get_json()["text"]


@FUZZ
@given(raw=st.binary(max_size=2000))
def test_telegram_never_fails_on_random_bytes(
    sample_app: Flask, caplog: pytest.LogCaptureFixture, raw: bytes
) -> None:
    caplog.set_level(logging.DEBUG)
    from tests.conftest import TEST_CONFIG

    response = sample_app.test_client().post(
        "/webhooks/telegram", data=raw, content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": TEST_CONFIG["TELEGRAM_WEBHOOK_SECRET"]},
    )
    assert response.status_code in (200, 400, 413)
    assert_safe(response, caplog)
    if response.status_code == 200 and response.data:
        json.loads(response.data)
