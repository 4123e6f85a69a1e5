"""Anonymous handoffs, end to end: a texter asks for a person and agrees; an outreach worker
takes the chat in the dashboard, reads and answers through the channel's API (local fakes of
Twilio's REST API and Telegram's Bot API on 127.0.0.1); the chat closes (by the worker, by STOP,
or at expiry) and a dump of the database then finds neither the texter's address nor a word
of what was said."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import (
    AuditLog,
    Handoff,
    HandoffKey,
    HandoffMessage,
    PublishedDemandEvent,
    retention,
    sealing,
)
from models import handoffs as handoff_rows
from tests.conftest import PINNED_TODAY, app_now
from tests.fake_bot_api import FakeBotApi
from tests.fake_twilio_api import ACCOUNT_SID, FakeTwilioApi
from tests.webhooks.channels import (
    TelegramUser,
    TwilioSender,
    count_rows,
    dump_database,
    publish_demand,
)
from tests.webhooks.outreach.helpers import ADMIN, OUTREACH, login, make_user, post
from webhooks.database import get_db

NUMBER = "+85512777666"
OUR_NUMBER = "+85523900100"
CHAT_ID = 987650001
SECRET_WORDS = ("injects heroin", "bridge market", "thank you so much", "ស្ពាន")
WORKER_REPLY = "I can meet you at the drop-in tomorrow at 9."


@pytest.fixture
def handoff_app(make_app: Any, twilio_api: FakeTwilioApi, bot_api: FakeBotApi) -> Flask:
    app: Flask = make_app(
        HANDOFF_HOURS="24/7", TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_API_BASE_URL=twilio_api.url,
        TELEGRAM_API_BASE_URL=bot_api.url,
    )
    app.test_cli_runner().invoke(args=["directory", "import", "--sample"])
    make_user(app, OUTREACH, "outreach")
    make_user(app, ADMIN, "admin")
    return app


def _only_handoff(app: Flask) -> Any:
    with app.extensions["sangkhim.db"].sessions() as session:
        rows = list(session.scalars(select(Handoff)))
    assert len(rows) == 1, rows
    return rows[0]


def _only_key(app: Flask) -> Any:
    with app.extensions["sangkhim.db"].sessions() as session:
        rows = list(session.scalars(select(HandoffKey)))
    assert len(rows) == 1, rows
    return rows[0]


def _outcomes(app: Flask) -> list[str]:
    publish_demand(app)  # the next hourly purge publishes what closing a handoff staged
    with app.extensions["sangkhim.db"].sessions() as session:
        return sorted(str(o) for o in session.scalars(
            select(PublishedDemandEvent.outcome).where(PublishedDemandEvent.outcome.like("handoff%"))
        ))


def _worker(app: Flask, email: str = OUTREACH) -> FlaskClient:
    worker = app.test_client()
    assert login(worker, email).status_code == 302
    return worker


def _ask_for_a_person(texter: TwilioSender | TelegramUser) -> None:
    offer = texter.send("can I talk to a real person?")
    offer_text = offer if isinstance(offer, str) else "\n".join(offer)
    assert "never see your number" in offer_text
    opened = texter.send("yes")
    opened_text = opened if isinstance(opened, str) else "\n".join(opened)
    assert "An outreach worker will write here" in opened_text


def test_sms_texter_and_worker_talk_and_closing_deletes_everything(
    handoff_app: Flask, twilio_api: FakeTwilioApi
) -> None:
    app = handoff_app
    texter = TwilioSender(app.test_client(), "sms_english", NUMBER, To=OUR_NUMBER)
    _ask_for_a_person(texter)
    assert texter.send("my son injects heroin, we live near the bridge market") == [
        "Sent to the outreach worker. They will answer here."
    ]
    assert texter.send("are you there?") == []  # nothing more until the worker answers
    row = _only_handoff(app)
    assert NUMBER not in dump_database(app) and "bridge market" not in dump_database(app)

    worker = _worker(app)
    inbox = worker.get("/outreach/handoffs").get_data(as_text=True)
    assert row.handle in inbox and "SMS" in inbox and NUMBER not in inbox
    page = worker.get(f"/outreach/handoffs/{row.handle}").get_data(as_text=True)
    assert "bridge market" not in page  # not readable before the chat is taken
    path = f"/outreach/handoffs/{row.handle}"
    assert post(worker, f"{path}/claim", page=path).status_code == 302
    page = worker.get(path).get_data(as_text=True)
    assert "bridge market" in page and "are you there?" in page and NUMBER not in page
    wrapped = _only_key(app).wrapped_key

    assert post(worker, f"{path}/reply", {"text": WORKER_REPLY}, page=path).status_code == 302
    assert twilio_api.sent == [{"To": NUMBER, "From": OUR_NUMBER, "Body": WORKER_REPLY}]
    assert twilio_api.auth == [(ACCOUNT_SID, "test-twilio-auth-token")]
    assert texter.send("thank you so much") == []
    assert "thank you so much" in worker.get(path).get_data(as_text=True)

    assert post(worker, f"{path}/close", {"confirm": "yes"}, page=path).status_code == 302
    assert twilio_api.sent[-1]["To"] == NUMBER and "ended this chat" in twilio_api.sent[-1]["Body"]
    assert count_rows(app, Handoff) == 0 and count_rows(app, HandoffMessage) == 0
    assert count_rows(app, HandoffKey) == 0
    dump = dump_database(app)
    for secret in (NUMBER, *SECRET_WORDS, WORKER_REPLY, wrapped.hex()):
        assert secret not in dump, secret
    assert _outcomes(app) == ["handoff_answered", "handoff_asked"]
    with app.extensions["sangkhim.db"].sessions() as session:
        actions = [a.action for a in session.scalars(select(AuditLog).order_by(AuditLog.id))]
        details = " ".join(a.details + a.target_label for a in session.scalars(select(AuditLog)))
    assert [a for a in actions if a.startswith("handoff")] == [
        "handoff.claim", "handoff.reply", "handoff.close"]
    assert WORKER_REPLY not in details and "bridge" not in details

    # the texter's next message is the bot's again
    assert any("1 Voluntary treatment" in m for m in texter.send("menu"))


def test_telegram_handoff_goes_through_the_bot_api(
    handoff_app: Flask, bot_api: FakeBotApi
) -> None:
    app = handoff_app
    texter = TelegramUser(app.test_client(), user_id=CHAT_ID, username="someone_private",
                          first_name="Private", language_code="km")
    assert "បុគ្គលិក" in texter.send("ខ្ញុំចង់និយាយជាមួយមនុស្ស")
    texter.send("យល់ព្រម")
    texter.send("ខ្ញុំនៅក្បែរស្ពាន")
    row = _only_handoff(app)
    assert row.locale == "km" and row.channel == "telegram"
    worker = _worker(app)
    path = f"/outreach/handoffs/{row.handle}"
    post(worker, f"{path}/claim", page=path)
    assert "ខ្ញុំនៅក្បែរស្ពាន" in worker.get(path).get_data(as_text=True)
    post(worker, f"{path}/reply", {"text": "សួស្តី"}, page=path)
    sent = bot_api.params("sendMessage")
    assert sent["chat_id"] == CHAT_ID and sent["text"] == "សួស្តី"
    dump = dump_database(app)
    assert str(CHAT_ID) not in dump and "someone_private" not in dump and "ស្ពាន" not in dump


def test_stop_inside_a_handoff_ends_it_and_deletes_it(handoff_app: Flask) -> None:
    app = handoff_app
    texter = TwilioSender(app.test_client(), "sms_english", NUMBER, To=OUR_NUMBER)
    _ask_for_a_person(texter)
    texter.send("my son injects heroin")
    texter.send("STOP")
    assert count_rows(app, Handoff) == 0 and count_rows(app, HandoffMessage) == 0
    assert _outcomes(app) == ["handoff_asked", "handoff_unanswered"]
    assert "injects heroin" not in dump_database(app)


def test_an_emergency_inside_a_handoff_is_answered_and_flagged(handoff_app: Flask) -> None:
    app = handoff_app
    texter = TwilioSender(app.test_client(), "sms_english", NUMBER, To=OUR_NUMBER)
    _ask_for_a_person(texter)
    assert any("119" in m for m in texter.send("he is not breathing, lips blue"))
    row = _only_handoff(app)
    assert row.emergency
    worker = _worker(app)
    assert f"emergency-{row.handle}" in worker.get("/outreach/handoffs").get_data(as_text=True)


def test_expiry_destroys_the_key_and_everything_with_it(handoff_app: Flask) -> None:
    app = handoff_app
    texter = TwilioSender(app.test_client(), "sms_english", NUMBER, To=OUR_NUMBER)
    _ask_for_a_person(texter)
    texter.send("we live near the bridge market")
    wrapped = _only_key(app).wrapped_key
    later = app_now(app) + timedelta(hours=app.config["HANDOFF_TTL_HOURS"], minutes=1)
    with app.app_context(), get_db().sessions() as session, session.begin():
        done = retention.purge(session, later, 24, 7, app.config["HANDOFF_TTL_HOURS"])
    assert done.handoffs == 1
    dump = dump_database(app)
    assert wrapped.hex() not in dump and "bridge market" not in dump and NUMBER not in dump
    assert count_rows(app, HandoffMessage) == 0 and count_rows(app, HandoffKey) == 0
    assert _outcomes(app) == ["handoff_asked", "handoff_unanswered"]


def test_a_copy_of_the_database_alone_opens_nothing(handoff_app: Flask) -> None:
    app = handoff_app
    texter = TwilioSender(app.test_client(), "sms_english", NUMBER, To=OUR_NUMBER)
    _ask_for_a_person(texter)
    texter.send("we live near the bridge market")
    row = _only_handoff(app)
    for moment in (row.opened_at, row.last_message_at, row.expires_at):
        assert (moment.second, moment.microsecond) == (0, 0)  # to the minute, no finer
    keys = sealing.keyring(app.config["HANDOFF_KEY"])
    with app.extensions["sangkhim.db"].engine.connect() as connection:
        assert handoff_rows.address(connection, keys, row) == {
            "channel": "sms", "to": NUMBER, "from": OUR_NUMBER}
        with pytest.raises(sealing.SealError):  # another deployment's key, or none
            handoff_rows.address(connection, sealing.keyring("another key " * 4), row)
    with app.extensions["sangkhim.db"].sessions() as session:
        sealed = session.scalars(select(HandoffMessage.body)).one()
    stored = _only_key(app)
    key, current = keys.unwrap(stored.wrapped_key, handoff_rows.context(row.id, "key"))
    assert current and stored.scheme == handoff_rows.SCHEME
    mine = handoff_rows.context(row.id, handoff_rows.FROM_TEXTER)
    for other in (handoff_rows.context("another handoff", handoff_rows.FROM_TEXTER),
                  handoff_rows.context(row.id, handoff_rows.ADDRESS),
                  handoff_rows.context(row.id, handoff_rows.FROM_WORKER)):
        with pytest.raises(sealing.SealError):  # neither to another handoff nor another field
            sealing.unseal(key, sealed, other)
    assert sealing.unseal(key, sealed, mine) == b"we live near the bridge market"


def test_only_the_worker_who_took_a_chat_reads_and_answers_it(
    handoff_app: Flask, twilio_api: FakeTwilioApi
) -> None:
    app = handoff_app
    texter = TwilioSender(app.test_client(), "sms_english", NUMBER, To=OUR_NUMBER)
    _ask_for_a_person(texter)
    texter.send("we live near the bridge market")
    row = _only_handoff(app)
    path = f"/outreach/handoffs/{row.handle}"
    first, second = _worker(app), _worker(app, ADMIN)
    post(first, f"{path}/claim", page=path)
    assert post(second, f"{path}/claim", page=path).status_code == 302
    page = second.get(path).get_data(as_text=True)
    assert "bridge market" not in page and 'data-testid="thread"' not in page
    assert post(second, f"{path}/reply", {"text": "hello"}, page=path).status_code == 403
    assert twilio_api.sent == []
    assert second.get("/outreach/handoffs/AAAAA").status_code == 404
    assert second.get("/outreach/handoffs/not-a-handle").status_code == 404


def test_a_reply_that_cannot_be_sent_is_kept_as_not_delivered_and_can_be_sent_again(
    handoff_app: Flask, twilio_api: FakeTwilioApi
) -> None:
    app = handoff_app
    texter = TwilioSender(app.test_client(), "sms_english", NUMBER, To=OUR_NUMBER)
    _ask_for_a_person(texter)
    row = _only_handoff(app)
    worker, path = _worker(app), f"/outreach/handoffs/{row.handle}"
    post(worker, f"{path}/claim", page=path)
    twilio_api.refuse = True
    response = post(worker, f"{path}/reply", {"text": WORKER_REPLY}, page=path,
                    follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "មិនអាចផ្ញើចម្លើយបានទេ" in page  # the worker is told (the Khmer dashboard)
    assert WORKER_REPLY in page and 'data-testid="not-delivered"' in page  # and nothing is lost
    kept = _messages(app)
    assert [m.delivery for m in kept] == ["failed"]
    assert WORKER_REPLY.encode() not in kept[0].body  # kept sealed, like every message
    assert not _only_handoff(app).answered  # a reply that never arrived answers nothing

    twilio_api.refuse = False
    resend = f"{path}/messages/{kept[0].id}/resend"
    assert post(worker, resend, page=path).status_code == 302
    assert post(worker, resend, page=path).status_code == 302  # twice: sent once
    assert twilio_api.sent == [{"To": NUMBER, "From": OUR_NUMBER, "Body": WORKER_REPLY}]
    assert [m.delivery for m in _messages(app)] == ["sent"]
    assert _only_handoff(app).answered
    assert 'data-testid="not-delivered"' not in worker.get(path).get_data(as_text=True)
    assert post(worker, f"{path}/reply", {"text": ""}, page=path,
                follow_redirects=True).status_code == 200
    # closing deletes what was kept with everything else
    post(worker, f"{path}/close", {"confirm": "yes"}, page=path)
    assert count_rows(app, HandoffMessage) == 0 and WORKER_REPLY not in dump_database(app)


def _messages(app: Flask) -> list[Any]:
    with app.extensions["sangkhim.db"].sessions() as session:
        return list(session.scalars(select(HandoffMessage).order_by(HandoffMessage.id)))


@pytest.mark.parametrize("failure", ["timeout", "bug"])
def test_a_send_that_fails_in_any_way_is_no_server_error(
    handoff_app: Flask, twilio_api: FakeTwilioApi, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture, failure: str,
) -> None:
    from webhooks import channels
    from webhooks import twilio_api as twilio_rest

    app = handoff_app
    texter = TwilioSender(app.test_client(), "sms_english", NUMBER, To=OUR_NUMBER)
    _ask_for_a_person(texter)
    row = _only_handoff(app)
    worker, path = _worker(app), f"/outreach/handoffs/{row.handle}"
    post(worker, f"{path}/claim", page=path)
    if failure == "timeout":  # the provider takes longer than a worker is kept waiting
        monkeypatch.setattr(twilio_rest, "SEND_TIMEOUT_SECONDS", 0.5)
        twilio_api.hold = threading.Event()
    else:  # an error nobody foresaw, with the address in its message
        def broken(config: Any, address: Any, text: str) -> None:
            raise RuntimeError(f"cannot reach {address['to']}")

        monkeypatch.setattr(channels, "send", broken)
    try:
        response = post(worker, f"{path}/reply", {"text": WORKER_REPLY}, page=path)
    finally:
        if twilio_api.hold is not None:
            twilio_api.hold.set()
    assert response.status_code == 302
    assert [m.delivery for m in _messages(app)] == ["failed"]
    assert "not-delivered" in worker.get(path).get_data(as_text=True)
    assert NUMBER not in caplog.text and WORKER_REPLY not in caplog.text


@pytest.mark.parametrize(("channel", "action"),
                         [("sms", "reply"), ("telegram", "reply"), ("sms", "close")])
def test_a_slow_provider_does_not_make_texters_wait(
    handoff_app: Flask, twilio_api: FakeTwilioApi, bot_api: FakeBotApi, channel: str, action: str,
) -> None:
    """The audit's case: the provider takes seconds to accept a worker's message. The send
    happens outside any transaction, so texters meanwhile are answered at once, on SQLite too."""
    from tests.webhooks.outreach.helpers import token
    from tests.webhooks.test_locks import PROMPT_SECONDS, in_background

    app = handoff_app
    texter: TwilioSender | TelegramUser
    if channel == "sms":
        texter, provider = TwilioSender(app.test_client(), "sms_english", NUMBER,
                                        To=OUR_NUMBER), twilio_api
    else:
        texter, provider = TelegramUser(app.test_client(), user_id=CHAT_ID, username="someone",
                                        first_name="Someone", language_code="en"), bot_api
    _ask_for_a_person(texter)
    row = _only_handoff(app)
    worker, path = _worker(app), f"/outreach/handoffs/{row.handle}"
    post(worker, f"{path}/claim", page=path)
    form = {"csrf_token": token(worker, path), "text": WORKER_REPLY, "confirm": "yes"}
    other = TwilioSender(app.test_client(), "sms_english", "+85512300004")
    provider.hold, provider.arrived = threading.Event(), threading.Event()
    with in_background(lambda: worker.post(f"{path}/{action}", data=form)) as sending:
        try:
            assert provider.arrived.wait(timeout=30)  # the provider has the message, and waits
            start = time.monotonic()
            with in_background(lambda: other.send("methadone in Battambang")) as answer:
                answered = answer.result(timeout=PROMPT_SECONDS)
            with in_background(lambda: texter.send("are you still there?")) as relay:
                relay.result(timeout=PROMPT_SECONDS)
            waited = time.monotonic() - start
        finally:
            provider.hold.set()
        assert sending.result(timeout=60).status_code == 302
    assert "Battambang" in answered[0] and waited < 2 * PROMPT_SECONDS
    if action == "reply":
        assert [m.delivery for m in _messages(app) if not m.from_texter] == ["sent"]
        assert "are you still there?" in worker.get(path).get_data(as_text=True)
    else:
        assert count_rows(app, Handoff) == 0


def test_without_an_address_or_a_key_no_handoff_is_offered(make_app: Any) -> None:
    app = make_app()
    # the terminal chat has no address a worker's reply could go to
    result = app.test_cli_runner().invoke(args=["chat"], input="can I talk to a real person?\n")
    assert "no person reads this chat" in result.output
    app.config["HANDOFF_KEY"] = ""  # a deployment without handoffs
    texter = TwilioSender(app.test_client(), "sms_english", NUMBER, To=OUR_NUMBER)
    assert any("no person reads this chat" in m for m in texter.send("real person please"))
    assert count_rows(app, Handoff) == 0


def test_the_report_counts_handoffs_by_place_with_small_numbers_hidden(
    handoff_app: Flask,
) -> None:
    from tests.synthetic import last_week
    from tests.webhooks.outreach.helpers import add_events

    monday = last_week(PINNED_TODAY)  # of the last week that has ended, at the apps' clock
    week = str(monday + timedelta(days=2))  # its Wednesday
    add_events(handoff_app, [
        (week, "02", "0203", None, "handoff_asked", "sms", "km", 7),
        (week, "02", "0203", None, "handoff_answered", "sms", "km", 6),
        (week, "02", "0203", None, "handoff_unanswered", "sms", "km", 1),
        (week, "17", "1710", None, "handoff_asked", "telegram", "km", 2),
    ])
    result = handoff_app.test_cli_runner().invoke(
        args=["demand", "report", "--from", str(monday), "--to", str(monday + timedelta(days=6))])
    assert result.exit_code == 0, result.output
    section = result.output[result.output.index("Chats with outreach workers"):]
    assert "All of Cambodia" in section and "asked     9" in section  # the headline, kept
    # Battambang's 7 beside the country's 9 would give Siem Reap's 2 away: withheld instead
    assert "Battambang" in section and "asked     x" in section and "<5" in section
    assert "Siem" not in section  # two asked: the place is not listed


def test_out_of_hours_the_bot_answers_until_a_worker_writes(
    make_app: Any, twilio_api: FakeTwilioApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.types import Inbound
    from core.vocabulary import Channel
    from webhooks import pipeline
    from webhooks.outreach import chats as inbox

    app = make_app(HANDOFF_HOURS="Mo-Fr 08:00-17:00", TWILIO_ACCOUNT_SID=ACCOUNT_SID,
                   TWILIO_API_BASE_URL=twilio_api.url)
    app.test_cli_runner().invoke(args=["directory", "import", "--sample"])
    make_user(app, OUTREACH, "outreach")
    saturday = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)  # 10:00 in Phnom Penh
    address = {"channel": "sms", "to": NUMBER, "from": OUR_NUMBER}

    def say(text: str, minutes: int) -> str:
        with app.test_request_context():
            answer = pipeline.process(
                Inbound(Channel.SMS, "a" * 64, text, provider_id=f"SM{minutes:032d}"),
                now=saturday + timedelta(minutes=minutes), address=address)
        return "\n".join(m.text for m in answer.messages)

    say("can I talk to a real person?", 0)
    queued = say("yes", 1)
    # Monday to Wednesday are the Water Festival (23-25 November 2026): workers are back on
    # Thursday, as for any service that is not open every day (core/hours.py)
    assert "opens Thu 8:00" in queued and "reply MENU" in queued
    assert "Methadone" in say("3", 2)  # the bot answers meanwhile
    row = _only_handoff(app)
    # the dashboard's clock is the conversation's: a chat past its time is no longer shown
    monkeypatch.setattr(inbox, "_now", lambda: saturday + timedelta(hours=2))
    worker, path = _worker(app), f"/outreach/handoffs/{row.handle}"
    post(worker, f"{path}/claim", page=path)
    post(worker, f"{path}/reply", {"text": WORKER_REPLY}, page=path)
    assert twilio_api.sent[-1]["Body"] == WORKER_REPLY
    # a day and more later (past STATE_TTL_HOURS): the link to the worker is still there
    with app.app_context(), get_db().sessions() as session, session.begin():
        retention.purge(session, saturday + timedelta(hours=30), 24, 7, 72)
    reply = say("thank you so much", 31 * 60)
    assert reply == "Sent to the outreach worker. They will answer here."
    monkeypatch.setattr(inbox, "_now", lambda: saturday + timedelta(hours=31, minutes=1))
    assert "thank you so much" in worker.get(path).get_data(as_text=True)


def test_the_chats_page_counts_last_periods_handoffs(handoff_app: Flask) -> None:
    from tests.webhooks.outreach.helpers import add_events
    from webhooks.outreach import demand

    with handoff_app.test_request_context():
        period = demand.periods(demand.Filters())[-1]
    day = period.start.isoformat()
    add_events(handoff_app, [
        (day, "02", "0203", None, "handoff_asked", "sms", "km", 8),
        (day, "02", "0203", None, "handoff_answered", "sms", "km", 5),
        (day, "02", "0203", None, "handoff_unanswered", "sms", "km", 3),
    ])
    worker = _worker(handoff_app)
    post(worker, "/outreach/language", {"locale": "en"}, page="/outreach/handoffs")
    page = worker.get("/outreach/handoffs").get_data(as_text=True)
    counts = page[page.index('data-testid="handoff-counts"'):]
    assert "Battambang" in counts and "<td>8</td>" in counts and "<td>&lt;5</td>" in counts
