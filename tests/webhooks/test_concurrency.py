"""Real parallel requests (threads, each with its own connection) against one database:
the same delivery arriving twice at once is processed once; one sender's messages arriving at
once never corrupt the conversation. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from bot.replies import Texts
from core.vocabulary import Locale
from models import Conversation, ProcessedMessage
from tests.webhooks.channels import (
    TwilioSender,
    conversation,
    count_events,
    count_rows,
    fresh_sid,
    post_twilio,
    twiml_messages,
)
from webhooks import pipeline

PARALLEL = 8


def in_parallel(work: Callable[[int], Any], count: int = PARALLEL) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released together; return results in order."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        except BaseException as error:  # noqa: BLE001 - surfaced below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_the_same_delivery_at_once_is_processed_once(sample_app: Flask) -> None:
    sender = TwilioSender(sample_app.test_client(), "sms_english", "+85512345678")
    sender.send("hello")
    form = sender.form("methadone in Phnom Penh", sid=fresh_sid())

    def deliver(_index: int) -> tuple[int, list[str]]:
        response = post_twilio(sample_app.test_client(), form)
        return response.status_code, twiml_messages(response)

    results = in_parallel(deliver)
    assert {status for status, _ in results} == {200}
    replies = [tuple(messages) for _, messages in results if messages]
    assert replies and len(set(replies)) == 1  # everyone answered got the one reply
    assert "Methadone" in replies[0][0]
    assert count_rows(sample_app, ProcessedMessage) == 2
    assert count_events(sample_app) == 1  # counted once


def test_one_senders_messages_at_once_keep_one_consistent_conversation(sample_app: Flask) -> None:
    sender = TwilioSender(sample_app.test_client(), "sms_english", "+85512345678")
    texts = ["1", "Battambang", "MORE", "hello", "3", "Phnom Penh", "4", "2"]

    def deliver(index: int) -> int:
        form = sender.form(texts[index], sid=fresh_sid())
        return post_twilio(sample_app.test_client(), form).status_code

    assert in_parallel(deliver) == [200] * PARALLEL
    assert count_rows(sample_app, ProcessedMessage) == PARALLEL
    assert count_rows(sample_app, Conversation) == 1
    # No turn overwrote another's: each message was saved once, on top of the one before.
    row = conversation(sample_app, sender.key)
    assert row is not None
    assert row.replies == PARALLEL
    assert row.version == PARALLEL - 1  # created once, then updated by each later turn
    # The conversation is usable afterwards: a menu request gets the menu (in whichever
    # language the last of the parallel messages left it).
    menus = {Texts(locale).menu() for locale in Locale}
    assert sender.send("menu")[0] in menus


def test_many_senders_at_once_each_get_their_own_conversation(sample_app: Flask) -> None:
    def deliver(index: int) -> list[str]:
        sender = TwilioSender(sample_app.test_client(), "sms_english", f"+8551200000{index}")
        return sender.send("needle exchange Battambang")

    results = in_parallel(deliver)
    assert all(messages and "Battambang" in messages[0] for messages in results)
    assert count_rows(sample_app, Conversation) == PARALLEL
    assert count_events(sample_app) == PARALLEL


def test_a_turn_that_lost_a_race_is_worked_out_again_on_the_saved_conversation(
    sample_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deterministic version of the race above: while the first message is being worked out
    (after its conversation was read), a second message from the same sender is saved. The
    first must not overwrite it: it is worked out again on the new row, so both count."""
    sender = TwilioSender(sample_app.test_client(), "sms_english", "+85512345678")
    sender.send("hello")
    handle = pipeline.bot.handle
    interleaved: list[list[str]] = []

    def handle_with_a_message_in_between(*args: Any, **kwargs: Any) -> Any:
        if not interleaved:
            interleaved.append([])  # once only: the message in between is handled plainly
            interleaved[0] = sender.send("2")  # saved while the outer turn is undecided
        return handle(*args, **kwargs)

    monkeypatch.setattr(pipeline.bot, "handle", handle_with_a_message_in_between)
    first = sender.send("methadone in Battambang")
    assert interleaved and interleaved[0]  # the message in between was answered
    assert "Battambang" in first[0]  # and the outer one too, after working it out again
    row = conversation(sample_app, sender.key)
    assert row is not None
    assert row.replies == 3 and row.version == 2
    assert count_rows(sample_app, ProcessedMessage) == 3
    assert count_events(sample_app) == 1  # the rolled-back attempt counted nothing
