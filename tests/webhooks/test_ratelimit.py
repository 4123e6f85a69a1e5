"""Abuse limits: one sender's flood gets one notice then silence; STOP and emergencies always
get through; the per-worker bucket; no message is ever sent unprompted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask

from bot.types import Pace
from tests.webhooks.channels import TwilioSender, conversation, count_events
from webhooks.ratelimit import Counters, Limits, TokenBucket, judge_sender

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_a_burst_gets_one_notice_then_silence_and_the_window_resets() -> None:
    limits = Limits(burst=3, window=timedelta(minutes=5))
    counters = Counters()
    verdicts = [judge_sender(counters, NOW + timedelta(seconds=i), limits) for i in range(6)]
    assert verdicts == [Pace.ANSWER] * 3 + [Pace.NOTIFY] + [Pace.SILENT] * 2
    assert judge_sender(counters, NOW + timedelta(minutes=6), limits) is Pace.ANSWER


def test_a_conversation_gets_a_bounded_number_of_replies() -> None:
    limits = Limits(burst=1000, conversation_replies=4)
    counters = Counters()
    verdicts = [judge_sender(counters, NOW + timedelta(minutes=i), limits) for i in range(6)]
    assert verdicts[:4] == [Pace.ANSWER] * 4 and Pace.ANSWER not in verdicts[4:]


def test_the_worker_bucket_refills_with_time() -> None:
    clock = [0.0]
    bucket = TokenBucket(per_minute=60, clock=lambda: clock[0])
    assert all(bucket.take() for _ in range(60))
    assert not bucket.take()
    clock[0] += 2.0  # two seconds: two tokens
    assert bucket.take() and bucket.take() and not bucket.take()


def test_a_flood_from_one_sender_gets_one_notice_then_nothing(sample_app: Flask) -> None:
    sender = TwilioSender(sample_app.test_client(), "sms_english", "+85512345678")
    burst = sample_app.config["RATE_SENDER_BURST"]
    replies = [sender.send("hello") for _ in range(burst + 3)]
    assert all(replies[:burst])
    assert len(replies[burst]) == 1 and "many messages" in replies[burst][0]
    assert replies[burst + 1:] == [[], []]
    # STOP still works, and forgets the sender (counters included).
    assert "deleted" in sender.send("STOP")[0]
    assert conversation(sample_app, sender.key) is None


def test_an_emergency_is_answered_even_when_limited(sample_app: Flask) -> None:
    sender = TwilioSender(sample_app.test_client(), "sms_english", "+85512345678")
    for _ in range(sample_app.config["RATE_SENDER_BURST"] + 2):
        sender.send("hello")
    before = count_events(sample_app)
    reply = sender.send("my friend is not breathing")
    assert "119" in reply[0]
    assert count_events(sample_app) == before + 1


def test_other_senders_are_not_limited_by_one_flood(sample_app: Flask) -> None:
    flood = TwilioSender(sample_app.test_client(), "sms_english", "+85512345678")
    for _ in range(sample_app.config["RATE_SENDER_BURST"] + 2):
        flood.send("hello")
    other = TwilioSender(sample_app.test_client(), "sms_english", "+85512345679")
    assert other.send("hello")
