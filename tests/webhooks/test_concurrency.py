"""Real parallel requests (threads, each with its own connection) against one database:
the same delivery arriving twice at once is processed once; one sender's messages arriving at
once never corrupt the conversation. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from bot.replies import Texts
from bot.types import Locale
from models import Conversation, DemandEvent, ProcessedMessage
from tests.webhooks.channels import (
    TwilioSender,
    count_rows,
    fresh_sid,
    post_twilio,
    twiml_messages,
)

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
    assert count_rows(sample_app, DemandEvent) == 1  # counted once


def test_one_senders_messages_at_once_keep_one_consistent_conversation(sample_app: Flask) -> None:
    sender = TwilioSender(sample_app.test_client(), "sms_english", "+85512345678")
    texts = ["1", "Battambang", "MORE", "hello", "3", "Phnom Penh", "4", "2"]

    def deliver(index: int) -> int:
        form = sender.form(texts[index], sid=fresh_sid())
        return post_twilio(sample_app.test_client(), form).status_code

    assert in_parallel(deliver) == [200] * PARALLEL
    assert count_rows(sample_app, ProcessedMessage) == PARALLEL
    assert count_rows(sample_app, Conversation) == 1
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
    assert count_rows(sample_app, DemandEvent) == PARALLEL
