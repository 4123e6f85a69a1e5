"""What ``make chaos`` (tests/chaos.py) relies on, and how it judges a run.

The harness knows what each text it sends must count (``CORPUS``): checked here against the real
pipeline, on both engines, at pinned instants, after every other text of the corpus. Its verdicts
(answered, double counts, duplicate replies, recovery) are pure functions of what it saw, tested
on made-up timelines, including the ones that must fail. Its response classifier is tested on
the app's own responses (a reply, and the safe reply to signed requests with the database down).
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from sqlalchemy import select, union_all

from bot.types import Inbound
from core.vocabulary import Channel, Locale
from models import PublishedDemandEvent, StagedDemandEvent
from tests import chaos
from tests.chaos import (
    ANSWERED,
    CONNECTION_FAILED,
    CORPUS,
    SAFE_REPLY,
    SERVER_ERROR,
    Attempt,
    Delivery,
    Probe,
    Request,
    Timeline,
)
from tests.conftest import TEST_CONFIG
from tests.webhooks.channels import UNREACHABLE_DATABASE
from webhooks import pipeline
from webhooks.examples import SMS_PATH, TELEGRAM_PATH, telegram_request, twilio_request
from webhooks.pseudonym import sender_key

#: Instants the corpus is checked at (UTC): a weekday morning in Cambodia (08:00 ICT), a Sunday
#: night (23:30 ICT) and New Year's Eve a minute before midnight in Cambodia.
INSTANTS = (
    datetime(2027, 3, 3, 1, 0, tzinfo=UTC),
    datetime(2027, 3, 7, 16, 30, tzinfo=UTC),
    datetime(2026, 12, 31, 16, 59, tzinfo=UTC),
)


def _order() -> list[int]:
    """Indexes into CORPUS such that every text follows every text (itself too) at least once:
    an Eulerian circuit of the complete directed graph with loops (each ``i`` then ``j``)."""
    n = len(CORPUS)
    unused = {i: list(range(n)) for i in range(n)}
    stack, circuit = [0], []
    while stack:
        node = stack[-1]
        if unused[node]:
            stack.append(unused[node].pop())
        else:
            circuit.append(stack.pop())
    return circuit[::-1]


def _events(app: Flask) -> Counter[tuple[str, str, str]]:
    engine = app.extensions["sangkhim.db"].engine
    columns = ("channel", "service_type", "province_code")
    both = union_all(*(select(*(getattr(model, c) for c in columns))
                       for model in (PublishedDemandEvent, StagedDemandEvent))).subquery()
    with engine.connect() as connection:
        return Counter((ch, st or "", pr or "") for ch, st, pr in
                       connection.execute(select(*(both.c[c] for c in columns))))


def test_the_order_follows_every_text_by_every_text() -> None:
    order = _order()
    pairs = set(itertools.pairwise(order))
    assert len(pairs) == len(CORPUS) ** 2
    assert len(order) == len(CORPUS) ** 2 + 1


@pytest.mark.parametrize("channel", [Channel.SMS, Channel.WHATSAPP, Channel.TELEGRAM])
def test_each_text_of_the_corpus_counts_once_whatever_came_before(
    make_app: Any, channel: Channel
) -> None:
    """What the harness expects in the database: one demand event per message answered, in the
    bucket of its text, after any other text of the corpus and at any hour."""
    app = make_app(RATE_SENDER_BURST=1000, RATE_CONVERSATION_REPLIES=100_000,
                   RATE_WORKER_PER_MINUTE=100_000)
    assert app.test_cli_runner().invoke(args=["directory", "import", "--sample"]).exit_code == 0
    expected: Counter[tuple[str, str, str]] = Counter()
    ids = itertools.count(1)
    with app.app_context():
        # every pair at the first instant; the corpus once, in order, at the others
        orders = (_order(), range(len(CORPUS)), range(len(CORPUS)))
        for moment, locale, order in zip(INSTANTS, (Locale.EN, Locale.KM, Locale.EN), orders,
                                         strict=True):
            key = sender_key(TEST_CONFIG["PSEUDONYM_KEY"], channel, f"chaos-{moment:%j}")
            for index in order:
                text = CORPUS[index]
                delivery = Delivery(channel, f"id{next(ids)}", "", text)
                inbound = Inbound(channel=channel, sender_key=key, text=text.text,
                                  locale_hint=locale, provider_id=delivery.provider_id)
                answer = pipeline.process(inbound, now=moment)
                assert answer.messages and not answer.degraded, text
                expected[delivery.bucket] += 1
    assert _events(app) == expected


# --- the classifier, on the app's own responses ---------------------------------------------------


def test_a_reply_is_answered_on_both_providers(sample_app: Flask) -> None:
    """The pipeline's answer at a pinned instant, rendered as each provider receives it."""
    from webhooks import telegram, twilio
    from webhooks.adapter import Parsed

    with sample_app.test_request_context():
        for channel, provider_id in ((Channel.SMS, "SM1"), (Channel.TELEGRAM, "1")):
            key = sender_key(TEST_CONFIG["PSEUDONYM_KEY"], channel, "chaos-reply")
            inbound = Inbound(channel=channel, sender_key=key, text=CORPUS[0].text,
                              locale_hint=Locale.EN, provider_id=provider_id)
            answer = pipeline.process(inbound, now=INSTANTS[0])
            response = (twilio.ADAPTER.render(answer, Parsed(inbound)) if channel == Channel.SMS
                        else telegram.ADAPTER.render(answer, Parsed(inbound, 700000001)))
            outcome, reply = chaos.classify(channel, response.status_code, response.get_data())
            assert outcome == ANSWERED and "Methadone" in reply, reply


def test_the_static_reply_with_the_database_down_is_the_safe_reply() -> None:
    from webhooks import create_app

    app = create_app({**TEST_CONFIG, "DATABASE_URL": UNREACHABLE_DATABASE})
    client = app.test_client()
    for text, sender in (("methadone", "+85512000002"), ("ម៉េតាដូន", "+85512000003")):
        params, headers = twilio_request(app.config, text, sender)
        response = client.post(SMS_PATH, data=urlencode(params), headers=headers,
                               content_type="application/x-www-form-urlencoded")
        assert chaos.classify(Channel.SMS, response.status_code, response.get_data()) == (
            SAFE_REPLY, "")
    update, headers = telegram_request(app.config, "methadone", "en", chat_id=700000002)
    response = client.post(TELEGRAM_PATH, data=json.dumps(update), headers=headers)
    assert chaos.classify(Channel.TELEGRAM, response.status_code, response.get_data())[0] == (
        SAFE_REPLY)


def test_what_is_not_a_reply() -> None:
    assert chaos.classify(Channel.SMS, 502, b"")[0] == SERVER_ERROR
    assert chaos.classify(Channel.SMS, 403, b"")[0] == chaos.CLIENT_ERROR
    assert chaos.classify(Channel.SMS, 200, b"<Response/>")[0] == chaos.NO_REPLY
    assert chaos.classify(Channel.SMS, 200, b"not xml")[0] == chaos.NO_REPLY
    assert chaos.classify(Channel.TELEGRAM, 200, b"")[0] == chaos.NO_REPLY
    assert chaos.classify(Channel.TELEGRAM, 200, b'{"method": "sendChatAction"}')[0] == (
        chaos.NO_REPLY)


# --- the verdicts, on made-up timelines -----------------------------------------------------------

TIMELINE = Timeline(db_down=10.0, db_back=13.0, kill_at=20.0)
SMS = CORPUS[0]


def _delivery(provider_id: str = "SM1", text: chaos.Text = SMS) -> Delivery:
    return Delivery(Channel.SMS, provider_id, "+85512000009", text)


def _attempt(instance: str, started: float, ended: float, outcome: str,
             reply: str = "") -> Attempt:
    return Attempt(instance, started, ended, outcome, reply or ("r" if outcome == ANSWERED else ""))


def test_a_safe_reply_answers_only_while_the_database_is_down() -> None:
    during = Request(_delivery(), [_attempt("a", 11.0, 11.1, SAFE_REPLY)])
    overlapping = Request(_delivery(), [_attempt("a", 12.9, 13.2, SAFE_REPLY)])
    after = Request(_delivery(), [_attempt("a", 14.0, 14.1, SAFE_REPLY)])
    assert chaos.is_answered(during, TIMELINE)
    assert chaos.is_answered(overlapping, TIMELINE)
    assert not chaos.is_answered(after, TIMELINE)
    figures = chaos.measure([after], TIMELINE, Counter(), set())
    assert figures.safe_replies_db_up == 1
    assert "safe replies with the database up" in chaos.misses(figures)


def test_a_request_answered_by_the_survivor_after_the_kill_is_answered() -> None:
    request = Request(_delivery(), [_attempt("b", 19.9, 20.0, CONNECTION_FAILED),
                                    _attempt("a", 20.0, 20.2, ANSWERED)])
    assert chaos.is_answered(request, TIMELINE)
    assert chaos.kill_recovery([request], TIMELINE) == pytest.approx(0.2)
    figures = chaos.measure([request], TIMELINE, Counter({request.delivery.bucket: 1}),
                            {(Channel.SMS, "SM1")})
    assert figures.to_killed == 1 and figures.failed_live == 0
    assert figures.answered == figures.messages == 1


def test_a_request_never_answered_after_the_kill_misses_recovery() -> None:
    request = Request(_delivery(), [_attempt("b", 19.0, 20.0, CONNECTION_FAILED),
                                    _attempt("a", 20.0, 35.0, CONNECTION_FAILED)])
    assert chaos.kill_recovery([request], TIMELINE) is None
    figures = chaos.measure([request], TIMELINE, Counter(), set())
    missed = chaos.misses(figures)
    assert "messages answered" in missed
    assert "connection failures on a live instance" in missed
    assert "s to recover: SIGKILL -> survivor answers all" in missed
    assert "readiness probes / not ready, database up" in missed


def test_recovery_after_the_database_returns() -> None:
    attempts = [_attempt("a", 12.0, 12.5, SAFE_REPLY), _attempt("a", 13.5, 14.0, ANSWERED),
                _attempt("b", 13.0, 25.0, ANSWERED)]
    assert chaos.db_recovery(attempts, "a", TIMELINE.db_back) == pytest.approx(1.0)
    assert chaos.db_recovery(attempts, "b", TIMELINE.db_back) == pytest.approx(12.0)
    requests = [Request(_delivery(f"SM{i}"), [a]) for i, a in enumerate(attempts)]
    missed = chaos.misses(chaos.measure(requests, TIMELINE, Counter(), set()))
    assert "s to recover: PostgreSQL back -> b answers" in missed
    assert "s to recover: PostgreSQL back -> a answers" not in missed


def test_readiness_after_the_database_returns() -> None:
    probes = [Probe("a", 11.0, 11.1, False),  # database down: not ready, rightly
              Probe("a", 13.2, 13.3, True),
              Probe("b", 13.1, 13.2, False),  # database up, not ready: a good instance taken out
              Probe("b", 14.0, 14.1, True),
              Probe("b", 20.5, 20.6, False)]  # killed: not a verdict
    assert chaos.ready_recovery(probes, "a", TIMELINE.db_back) == pytest.approx(0.3)
    assert chaos.ready_recovery(probes, "b", TIMELINE.db_back) == pytest.approx(1.1)
    assert chaos.unready_with_database_up(probes, TIMELINE) == 1
    figures = chaos.measure([], TIMELINE, Counter(), set(), probes=probes)
    assert "readiness probes / not ready, database up" in chaos.misses(figures)
    never = chaos.measure([], TIMELINE, Counter(), set(), probes=probes[:1])
    assert {"s to ready: PostgreSQL back -> a ready",
            "s to ready: PostgreSQL back -> b ready"} <= set(chaos.misses(never))


def test_double_counts_are_found_bucket_by_bucket() -> None:
    one, other = _delivery("SM1", CORPUS[0]), _delivery("SM2", CORPUS[5])
    requests = [Request(d, [_attempt("a", 1.0, 1.1, ANSWERED)]) for d in (one, other)]
    recorded = {(Channel.SMS, "SM1"), (Channel.SMS, "SM2")}
    right = chaos.measure(requests, TIMELINE, Counter([one.bucket, other.bucket]), recorded)
    assert (right.double_counts, right.lost_counts) == (0, 0)
    assert not chaos.misses(_recovered(right))
    # one counted twice, the other not at all: the totals agree, the buckets do not
    wrong = chaos.measure(requests, TIMELINE, Counter([one.bucket, one.bucket]), recorded)
    assert (wrong.double_counts, wrong.lost_counts) == (1, 1)
    assert {"duplicate demand events", "demand events missing"} <= set(chaos.misses(wrong))


def _recovered(figures: chaos.Figures) -> chaos.Figures:
    """The figures with the recovery targets met (a made-up run without faults)."""
    figures.db_recovery = dict.fromkeys(chaos.INSTANCES, 0.0)
    figures.ready_recovery = dict.fromkeys(chaos.INSTANCES, 0.0)
    figures.kill_recovery = 0.0
    figures.probes = 1
    return figures


def test_two_different_replies_to_one_delivery_id_are_duplicates() -> None:
    delivery = _delivery()
    same = [Request(delivery, [_attempt("a", 1.0, 1.1, ANSWERED, "x")]),
            Request(delivery, [_attempt("b", 1.0, 1.2, ANSWERED, "x")])]
    assert chaos.duplicate_replies(same) == 0
    different = [*same[:1], Request(delivery, [_attempt("b", 1.0, 1.2, ANSWERED, "y")])]
    assert chaos.duplicate_replies(different) == 1
    # the safe reply, then the real one on a redelivery: one answer, not two
    safe_then_real = [Request(delivery, [_attempt("a", 11.0, 11.1, SAFE_REPLY)]),
                      Request(delivery, [_attempt("b", 14.0, 14.1, ANSWERED, "x")])]
    assert chaos.duplicate_replies(safe_then_real) == 0
    figures = chaos.measure(different, TIMELINE, Counter({delivery.bucket: 1}),
                            {(Channel.SMS, "SM1")})
    assert "duplicate replies to one delivery id" in chaos.misses(figures)


def test_a_reply_the_database_did_not_record_is_reported() -> None:
    request = Request(_delivery(), [_attempt("a", 1.0, 1.1, ANSWERED)])
    figures = chaos.measure([request], TIMELINE, Counter(), set())
    assert figures.unrecorded == 1
    assert "replies not recorded for redeliveries" in chaos.misses(figures)


def test_leaks_are_found_in_the_logs(tmp_path: Any) -> None:
    log = tmp_path / "a.log"
    log.write_text('127.0.0.1 "POST /webhooks/twilio/sms HTTP/1.1" 200 310 41ms\n'
                   "error for +85512345678\n", encoding="utf-8")
    assert chaos.leaks([log], ["+85512345678", "85599999999", "methadone in Phnom Penh"]) == 1
    assert chaos.leaks([tmp_path / "missing.log"], ["+85512345678"]) == 0


def test_a_run_without_faults_cannot_pass() -> None:
    """No message, no recovery measured: every such target is missed, not met by default."""
    missed = chaos.misses(chaos.measure([], Timeline(), Counter(), set()))
    assert "messages answered" in missed
    assert "s to recover: SIGKILL -> survivor answers all" in missed
