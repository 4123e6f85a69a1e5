"""``POST /webhooks/telegram`` with captured Update payloads."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from flask import Flask

from bot.replies import Texts
from core.vocabulary import Locale
from models import Conversation, ProcessedMessage, PublishedDemandEvent, StagedDemandEvent
from tests.conftest import FIXTURES, TEST_CONFIG
from tests.webhooks.channels import (
    TelegramUser,
    conversation,
    count_events,
    count_rows,
    post_telegram,
    send_message_text,
    telegram_update,
)

EN, KM = Texts(Locale.EN), Texts(Locale.KM)
CHAT_ID = 987654321  # the private chat in the fixtures (the user's own id)


@pytest.mark.parametrize(
    ("fixture", "changes", "expected"),
    [
        pytest.param("private_text", {}, EN.menu(), id="english-hello-gets-english-menu"),
        pytest.param("private_text_khmer", {}, KM.menu(), id="khmer-text-beats-english-hint"),
        pytest.param("private_text", {"text": "1"}, EN.ask_place("find_clinic"),
                     id="bare-1-follows-english-language-code"),
        pytest.param("private_text", {"text": "1", "language_code": "km"},
                     KM.ask_place("find_clinic"), id="bare-1-follows-khmer-language-code"),
        pytest.param("private_text", {"text": "1", "language_code": "fr"},
                     KM.ask_place("find_clinic"), id="other-language-code-defaults-to-khmer"),
        pytest.param("private_photo", {}, EN.text_only(), id="photo-with-caption-gets-text-only"),
        pytest.param("private_sticker", {}, EN.text_only(), id="sticker-gets-text-only"),
        pytest.param("private_voice", {}, EN.text_only(), id="voice-gets-text-only"),
        pytest.param("private_voice", {"language_code": "km"}, KM.text_only(),
                     id="voice-khmer-user-gets-khmer-text-only"),
    ],
)
def test_private_message_is_answered_in_the_webhook_response(
    sample_app: Flask, fixture: str, changes: dict[str, Any], expected: str
) -> None:
    response = post_telegram(sample_app.test_client(), telegram_update(fixture, **changes))
    assert send_message_text(response, CHAT_ID) == expected


def test_private_location_is_answered(sample_app: Flask) -> None:
    text = send_message_text(
        post_telegram(sample_app.test_client(), telegram_update("private_location")), CHAT_ID
    )
    assert text.strip()


def test_long_private_text_is_answered_within_telegram_limit(sample_app: Flask) -> None:
    update = telegram_update("private_text", text="x" * 5000)
    response = post_telegram(sample_app.test_client(), update)
    assert 0 < len(send_message_text(response, CHAT_ID)) <= 4096


@pytest.mark.parametrize(
    "fixture",
    [
        "edited_message",
        "channel_post",
        "group_message",
        "supergroup_message",
        "callback_query",
        "inline_query",
        "my_chat_member",
        "unknown_update",
        # Real shapes python-telegram-bot cannot build in full: older updates whose users have
        # no is_bot, photo sizes without file_unique_id (before Bot API 4.5), a restricted
        # member with the permission fields of before Bot API 6.5.
        "edited_message_without_is_bot",
        "callback_query_without_is_bot",
        "inline_query_without_is_bot",
        "channel_post_legacy_photo",
        "my_chat_member_restricted",
    ],
)
def test_update_that_is_not_a_private_message_gets_no_reply(
    app: Flask, caplog: pytest.LogCaptureFixture, fixture: str
) -> None:
    """Telegram needs a 200 or it redelivers; nothing is answered, stored, counted or logged."""
    caplog.set_level(logging.DEBUG)
    response = post_telegram(app.test_client(), telegram_update(fixture))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_data() == b""
    assert caplog.records == []
    for model in (ProcessedMessage, Conversation, StagedDemandEvent, PublishedDemandEvent):
        assert count_rows(app, model) == 0


def test_private_message_from_a_user_without_is_bot_is_answered(sample_app: Flask) -> None:
    """Older updates have no ``is_bot``; the language hint is still read from ``from``."""
    update = telegram_update("private_text_without_is_bot")
    response = post_telegram(sample_app.test_client(), update)
    assert send_message_text(response, CHAT_ID) == EN.ask_place("find_clinic")


def _without_is_bot(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_is_bot(v) for k, v in value.items() if k != "is_bot"}
    if isinstance(value, list):
        return [_without_is_bot(v) for v in value]
    return value


@pytest.mark.parametrize(
    "fixture", sorted(path.stem for path in (FIXTURES / "telegram").glob("*.json"))
)
def test_every_fixture_is_handled_alike_without_is_bot(app: Flask, fixture: str) -> None:
    """Only a private message is answered, whether or not its users carry ``is_bot``."""
    update = _without_is_bot(telegram_update(fixture))
    response = post_telegram(app.test_client(), update)
    if update.get("message", {}).get("chat", {}).get("type") == "private":
        assert send_message_text(response, CHAT_ID).strip()
    else:
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_data() == b""


def _legacy_photo(update: dict[str, Any]) -> dict[str, Any]:
    for size in update["message"]["photo"]:
        del size["file_unique_id"]
    return update


def _legacy_sticker(update: dict[str, Any]) -> dict[str, Any]:
    for field in ("type", "is_video", "is_animated", "file_unique_id"):
        del update["message"]["sticker"][field]
    return update


@pytest.mark.parametrize(
    "update",
    [
        pytest.param(_legacy_photo(telegram_update("private_photo")),
                     id="photo-sizes-without-file_unique_id"),
        pytest.param(_legacy_sticker(telegram_update("private_sticker")),
                     id="sticker-from-before-sticker-types"),
    ],
)
def test_private_media_in_an_older_shape_gets_text_only(
    sample_app: Flask, update: dict[str, Any]
) -> None:
    """Fields the bot never reads cannot turn a message into a 400."""
    response = post_telegram(sample_app.test_client(), update)
    assert send_message_text(response, CHAT_ID) == EN.text_only()


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("wrong-secret", id="wrong"),
        pytest.param(TEST_CONFIG["TELEGRAM_WEBHOOK_SECRET"][:-1], id="prefix-of-the-secret"),
        pytest.param("TEST-TELEGRAM-SECRET_0123", id="other-case"),
    ],
)
def test_wrong_secret_token_is_forbidden(app: Flask, secret: str | None) -> None:
    response = post_telegram(app.test_client(), telegram_update("private_text"), secret=secret)
    assert response.status_code == 403
    assert count_rows(app, ProcessedMessage) == 0


def _private(**message: Any) -> dict[str, Any]:
    base = {"message_id": 1, "date": 1732400000, "chat": {"id": CHAT_ID, "type": "private"}}
    return {"update_id": 42, "message": {**base, **message}}


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        pytest.param("{not json", "application/json", 400, id="malformed-json"),
        pytest.param("", "application/json", 400, id="empty-body"),
        pytest.param("[]", "application/json", 400, id="empty-array"),
        pytest.param(json.dumps([telegram_update("private_text")]), "application/json", 400,
                     id="update-inside-array"),
        pytest.param("null", "application/json", 400, id="null"),
        pytest.param(json.dumps({**telegram_update("private_text"), "update_id": "731000001"}),
                     "application/json", 400, id="update_id-as-string"),
        pytest.param(json.dumps({**telegram_update("private_text"), "update_id": True}),
                     "application/json", 400, id="update_id-as-boolean"),
        pytest.param(json.dumps({"message": telegram_update("private_text")["message"]}),
                     "application/json", 400, id="no-update_id"),
        pytest.param(json.dumps({"update_id": 42, "message": "hello"}), "application/json", 400,
                     id="message-not-an-object"),
        pytest.param(json.dumps({"update_id": 42, "message": {"message_id": 1}}),
                     "application/json", 400, id="message-without-chat"),
        pytest.param(json.dumps(_private(text=5)), "application/json", 400, id="text-is-a-number"),
        pytest.param(json.dumps(_private(text=["1"])), "application/json", 400,
                     id="text-is-a-list"),
        pytest.param(json.dumps(_private(text="1", date=10**20)), "application/json", 400,
                     id="date-out-of-range"),
        pytest.param(json.dumps(_private(text="1", chat={"id": "abc", "type": "private"})),
                     "application/json", 400, id="chat-id-not-a-number"),
        pytest.param(json.dumps(_private(text="1", **{"from": {
            "id": 1, "is_bot": False, "first_name": "S", "language_code": 5}})),
            "application/json", 400, id="language_code-is-a-number"),
        pytest.param(json.dumps(_private(location={"latitude": "north", "longitude": 104.9})),
                     "application/json", 400, id="location-not-a-number"),
        pytest.param("update_id=42", "application/x-www-form-urlencoded", 400, id="form-not-json"),
        pytest.param(json.dumps({"update_id": 42, "message": {"message_id": 1, "date": 1,
                                                             "chat": "private"}}),
                     "application/json", 400, id="chat-not-an-object"),
        pytest.param(json.dumps(_private(text="1", **{"from": "Sokha"})), "application/json",
                     400, id="from-not-an-object"),
        pytest.param(json.dumps(telegram_update("private_text", text="x" * (1 << 20))),
                     "application/json", 413, id="1MB-body"),
    ],
)
def test_bad_input_is_a_client_error(app: Flask, body: str, content_type: str, status: int) -> None:
    response = post_telegram(app.test_client(), body=body, content_type=content_type)
    assert response.status_code == status, response.get_data(as_text=True)
    assert count_rows(app, ProcessedMessage) == 0


def test_redelivered_update_id_is_processed_once(sample_app: Flask) -> None:
    """Telegram redelivers until it gets a 200: the repeat must not count or move the state."""
    user = TelegramUser(sample_app.test_client(), user_id=CHAT_ID, username="sokha_test",
                        first_name="Sokha")
    user.send("hello")
    user.send("1")

    first = user.send("Battambang", update_id=731_500_001)
    assert user.send("Battambang", update_id=731_500_001) == first
    assert count_events(sample_app) == 1
    assert count_rows(sample_app, ProcessedMessage) == 3

    page_two = user.send("MORE", update_id=731_500_002)
    assert user.send("MORE", update_id=731_500_002) == page_two
    assert _offset(sample_app, user.key) == 6

    user.send("MORE", update_id=731_500_003)  # a new update does move on
    assert _offset(sample_app, user.key) == 9


def _offset(app: Flask, key: str) -> int:
    row = conversation(app, key)
    assert row is not None
    return int(json.loads(row.data)["shown"]["offset"])


def test_stop_deletes_the_conversation(app: Flask) -> None:
    user = TelegramUser(app.test_client(), user_id=CHAT_ID, username="sokha_test",
                        first_name="Sokha", language_code="km")
    user.send("ម៉ឺនុយ")
    assert conversation(app, user.key) is not None
    assert user.send("ឈប់") == KM.stopped()
    assert conversation(app, user.key) is None
