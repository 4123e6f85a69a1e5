"""Chats with outreach workers under attack and over time: sealed values bound to their field
(N8), expiry on every path (N10), rotating HANDOFF_KEY (N11), a queue that cannot be flooded
(N7), and chats of a deactivated worker given to someone else (N18)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from bot.types import Inbound
from core.vocabulary import Channel
from models import AuditLog, Handoff, HandoffMessage
from tests.conftest import app_now
from tests.fake_bot_api import FakeBotApi
from tests.fake_twilio_api import ACCOUNT_SID, FakeTwilioApi
from tests.webhooks.channels import TwilioSender, count_rows, dump_database
from tests.webhooks.outreach.helpers import ADMIN, OUTREACH, login, make_user, post
from webhooks import pipeline

NUMBER = "+85512444555"
OUR_NUMBER = "+85523900100"
KEY_A = "OmV-sfo3JgxPK5CQHx1Dn3A8KM7hxwkU5QXeYudMKB0"  # random, as a real key is
KEY_B = "ZF6hSp2Hh2pMoI5Pw-8Qo9DRmD4IyS_x4OUJfXWy-mo"
SECOND = "second@example.org"
ROW = re.compile(r'data-testid="handoff-row-(\w+)"')


@pytest.fixture
def desk(make_app: Any, twilio_api: FakeTwilioApi, bot_api: FakeBotApi) -> Any:
    """Build apps with workers at work around the clock, on one database."""

    def build(**overrides: Any) -> Flask:
        app: Flask = make_app(**{
            "HANDOFF_HOURS": "24/7", "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_API_BASE_URL": twilio_api.url, "TELEGRAM_API_BASE_URL": bot_api.url,
            **overrides,
        })
        return app

    return build


@pytest.fixture
def app(desk: Any) -> Flask:
    app: Flask = desk()
    make_user(app, OUTREACH, "outreach")
    make_user(app, ADMIN, "admin")
    return app


def _worker(app: Flask, email: str = OUTREACH) -> FlaskClient:
    worker = app.test_client()
    assert login(worker, email).status_code == 302
    return worker


def _texter(app: Flask, number: str = NUMBER) -> TwilioSender:
    return TwilioSender(app.test_client(), "sms_english", number, To=OUR_NUMBER)


def _open(app: Flask, number: str = NUMBER, words: str = "we live near the old market") -> str:
    """A texter asks for a person, agrees and writes; returns the chat's handle."""
    texter = _texter(app, number)
    texter.send("can I talk to a real person?")
    assert "outreach worker will write" in " ".join(texter.send("yes"))
    if words:
        texter.send(words)
    with app.extensions["sangkhim.db"].engine.connect() as connection:
        handles = connection.execute(
            text("SELECT handle FROM handoff ORDER BY opened_at DESC")).scalars().all()
    return str(handles[0])


def _say(app: Flask, sender: str, words: str, now: datetime | None = None) -> str:
    """One message through the pipeline, from a texter with an address (no HTTP)."""
    with app.test_request_context():
        answer = pipeline.process(
            Inbound(Channel.SMS, sender, words, provider_id=uuid.uuid4().hex), now=now,
            address={"channel": "sms", "to": f"+855{abs(hash(sender)) % 10**8:08d}",
                     "from": OUR_NUMBER})
    return "\n".join(m.text for m in answer.messages)


# --- N8: each sealed value is bound to its field --------------------------------------------


def _sealed_address(app: Flask) -> bytes:
    with app.extensions["sangkhim.db"].engine.connect() as connection:
        return bytes(connection.execute(text("SELECT address FROM handoff_key")).scalar_one())


def test_a_database_writer_cannot_show_the_number_as_a_message(app: Flask) -> None:
    """N8: the sealed address copied over a sealed message (same key, same handoff) does not
    open as a message: the worker's page shows no number, and answers 200."""
    handle = _open(app)
    worker, path = _worker(app), f"/outreach/handoffs/{handle}"
    post(worker, f"{path}/claim", page=path)
    sealed = _sealed_address(app)
    with app.extensions["sangkhim.db"].engine.begin() as connection:
        connection.execute(text("UPDATE handoff_message SET body = :address"),
                           {"address": sealed})
    page = worker.get(path)
    assert page.status_code == 200
    shown = page.get_data(as_text=True)
    assert NUMBER not in shown and NUMBER.lstrip("+") not in shown
    assert 'data-testid="unreadable"' in shown


def test_a_database_writer_cannot_turn_a_texters_message_into_the_workers(
    app: Flask, twilio_api: FakeTwilioApi
) -> None:
    """N8: who wrote a message is sealed with it: flipping the stored direction makes the
    message unreadable, never the worker's words."""
    handle = _open(app)
    worker, path = _worker(app), f"/outreach/handoffs/{handle}"
    post(worker, f"{path}/claim", page=path)
    with app.extensions["sangkhim.db"].engine.begin() as connection:
        connection.execute(text("UPDATE handoff_message SET from_texter = NOT from_texter"))
    shown = worker.get(path).get_data(as_text=True)
    assert "old market" not in shown and 'data-testid="unreadable"' in shown


# --- N10: expiry holds on every path, not only when the purge runs ---------------------------


def _expire(app: Flask, hours: int = 8) -> None:
    """The chat's time ran out ``hours`` ago, and no purge has run since."""
    past = app_now(app).replace(second=0, microsecond=0) - timedelta(hours=hours)
    with app.extensions["sangkhim.db"].sessions() as session, session.begin():
        for row in session.scalars(select(Handoff)):
            row.expires_at = past


def test_a_chat_past_its_time_cannot_be_read_answered_or_fed(
    app: Flask, twilio_api: FakeTwilioApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle = _open(app)
    worker, path = _worker(app), f"/outreach/handoffs/{handle}"
    post(worker, f"{path}/claim", page=path)
    _expire(app)
    # no purge runs (texters' requests never purge; the clock has not ticked)
    assert handle not in worker.get("/outreach/handoffs").get_data(as_text=True)
    page = worker.get(path)
    assert page.status_code == 404 and "old market" not in page.get_data(as_text=True)
    assert post(worker, f"{path}/reply", {"text": "hello"}, page="/outreach/handoffs"
                ).status_code == 404
    assert twilio_api.sent == []
    # the texter's next message is the bot's again, and nothing of it is kept
    reply = _texter(app).send("my son injects heroin")
    assert reply and "Sent to the outreach worker" not in " ".join(reply)
    assert count_rows(app, HandoffMessage) == 1
    assert "injects heroin" not in dump_database(app)


# --- N11: rotating HANDOFF_KEY ---------------------------------------------------------------


def test_rotating_the_handoff_key_keeps_open_chats_working(
    desk: Any, twilio_api: FakeTwilioApi
) -> None:
    before = desk(HANDOFF_KEY=KEY_A)
    make_user(before, OUTREACH, "outreach")
    handle = _open(before)
    path = f"/outreach/handoffs/{handle}"
    post(_worker(before), f"{path}/claim", page=path)
    # the new key, and the old one as the previous: every worker restarts with both
    rotated = desk(HANDOFF_KEY=KEY_B, HANDOFF_KEY_PREVIOUS=KEY_A)
    texter = _texter(rotated)
    assert texter.send("are you still there?") == []  # relayed, not the static reply
    worker = _worker(rotated)
    page = worker.get(path)
    assert page.status_code == 200
    assert "old market" in page.get_data(as_text=True)
    assert "are you still there?" in page.get_data(as_text=True)
    assert post(worker, f"{path}/reply", {"text": "yes, here"}, page=path).status_code == 302
    assert twilio_api.sent[-1] == {"To": NUMBER, "From": OUR_NUMBER, "Body": "yes, here"}
    result = rotated.test_cli_runner().invoke(args=["handoffs", "rekey"])
    assert result.exit_code == 0, result.output
    assert "re-wrapped 1" in result.output
    # the old key is gone for good: the chat still opens with the new one alone
    after = desk(HANDOFF_KEY=KEY_B)
    page = _worker(after).get(path)
    assert page.status_code == 200 and "yes, here" in page.get_data(as_text=True)
    again = after.test_cli_runner().invoke(args=["handoffs", "rekey"])
    assert again.exit_code == 0 and "re-wrapped 0" in again.output


def test_a_key_changed_without_the_previous_one_fails_no_texter_and_no_page(
    desk: Any, twilio_api: FakeTwilioApi
) -> None:
    """Whoever changes HANDOFF_KEY and forgets HANDOFF_KEY_PREVIOUS has shredded the open
    chats: the texter gets the bot again (never the "try again later" of a failure), and the
    dashboard says what happened instead of a 500."""
    before = desk(HANDOFF_KEY=KEY_A)
    make_user(before, OUTREACH, "outreach")
    handle = _open(before)
    path = f"/outreach/handoffs/{handle}"
    post(_worker(before), f"{path}/claim", page=path)
    rotated = desk(HANDOFF_KEY=KEY_B)
    reply = " ".join(_texter(rotated).send("menu"))
    assert "1 Voluntary treatment" in reply
    page = _worker(rotated).get(path)
    assert page.status_code in (200, 404)
    assert "old market" not in page.get_data(as_text=True)


def test_previous_handoff_keys_are_checked_like_every_secret(tmp_path: Any) -> None:
    from tests.conftest import TEST_CONFIG
    from webhooks import config

    base = {**TEST_CONFIG, "SANGKHIM_ENV": "production",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "HANDOFF_KEY": KEY_B}
    loaded = config.load(tmp_path, {**base, "HANDOFF_KEY_PREVIOUS": KEY_A})
    assert loaded["HANDOFF_KEY_PREVIOUS"] == (KEY_A,)
    for bad, word in ((KEY_B, "differ"), ("short", "HANDOFF_KEY_PREVIOUS"),
                      (TEST_CONFIG["SECRET_KEY"], "differ"), ("a" * 40, "too easy to guess")):
        with pytest.raises(config.ConfigError) as error:
            config.load(tmp_path, {**base, "HANDOFF_KEY_PREVIOUS": bad})
        assert word in str(error.value) and bad not in str(error.value)
    with pytest.raises(config.ConfigError):  # a previous key without a current one
        config.load(tmp_path, {**base, "HANDOFF_KEY": "", "HANDOFF_KEY_PREVIOUS": KEY_A})


# --- N7: the queue cannot be flooded ---------------------------------------------------------


def test_the_waiting_queue_is_capped_and_the_texter_over_it_is_told(desk: Any) -> None:
    app = desk(HANDOFF_MAX_WAITING=3)
    make_user(app, OUTREACH, "outreach")
    for number in range(2):
        _say(app, f"k-flood-{number}", "can I talk to a real person?")
        assert "outreach worker will write" in _say(app, f"k-flood-{number}", "yes")
    # offered while there was room; the last place is taken before they say yes
    assert "outreach worker can write" in _say(app, "k-late", "can I talk to a real person?")
    _say(app, "k-flood-2", "can I talk to a real person?")
    assert "outreach worker will write" in _say(app, "k-flood-2", "yes")
    told = _say(app, "k-late", "yes")
    assert "too many people" in told and "119" in told
    assert count_rows(app, Handoff) == 3
    # asking while the queue is full is answered at once, with no offer to agree to
    full = _say(app, "k-later", "can I talk to a real person?")
    assert "too many people" in full and "Reply YES" not in full
    # a worker takes a chat: there is room again
    with app.extensions["sangkhim.db"].sessions() as session, session.begin():
        session.execute(text("UPDATE handoff SET claimed_by = (SELECT min(id) FROM staff_user)"
                             " WHERE handle = (SELECT min(handle) FROM handoff)"))
    assert "outreach worker can write" in _say(app, "k-later", "can I talk to a real person?")
    assert "outreach worker will write" in _say(app, "k-later", "yes")


def test_one_texter_never_has_two_chats(app: Flask) -> None:
    """Whatever the conversation's step says, a texter with an open chat gets no second one."""
    _say(app, "k-one", "can I talk to a real person?")
    _say(app, "k-one", "yes")
    with app.extensions["sangkhim.db"].sessions() as session, session.begin():
        handoff_id = session.scalars(select(Handoff.id)).one()
        session.execute(text(
            "UPDATE conversation SET step = 'confirm', data = :data WHERE sender_key = 'k-one'"
        ), {"data": json.dumps({"suggested": "handoff", "handoff": handoff_id})})
    _say(app, "k-one", "yes")
    assert count_rows(app, Handoff) == 1


def test_the_chats_page_ranks_by_age_and_is_paginated(
    desk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real chat opened first stays first when a flood of chats in which the bot read an
    emergency comes after it (times are kept to the minute: within a minute, chats come in
    no particular order); the page shows a page at a time."""
    from webhooks.outreach import chats as inbox

    monkeypatch.setattr(inbox, "PAGE_SIZE", 10)
    app = desk(HANDOFF_MAX_WAITING=100)
    make_user(app, OUTREACH, "outreach")
    earlier = app_now(app) - timedelta(minutes=3)
    _say(app, "k-real", "can I talk to a real person?", earlier)
    _say(app, "k-real", "yes", earlier)
    _say(app, "k-real", "can someone help my son", earlier)
    for number in range(14):
        sender = f"k-emergency-{number}"
        _say(app, sender, "can I talk to a real person?")
        _say(app, sender, "yes")
        _say(app, sender, "he is not breathing, lips blue")
    with app.extensions["sangkhim.db"].engine.connect() as connection:
        real = connection.execute(text(
            "SELECT handle FROM handoff WHERE emergency = :no"), {"no": False}).scalar_one()
        assert connection.execute(text(
            "SELECT count(*) FROM handoff WHERE emergency = :yes"), {"yes": True}).scalar() == 14
    worker = _worker(app)
    shown = ROW.findall(worker.get("/outreach/handoffs").get_data(as_text=True))
    assert len(shown) == 10 and shown[0] == real
    second = ROW.findall(worker.get("/outreach/handoffs?page=2").get_data(as_text=True))
    assert len(second) == 5 and not set(second) & set(shown)
    assert ROW.findall(worker.get("/outreach/handoffs?page=99999999999999").get_data(
        as_text=True)) == second
    flagged = ROW.findall(worker.get("/outreach/handoffs?emergency=1").get_data(as_text=True))
    assert len(flagged) == 10 and real not in flagged


# --- N18: a deactivated worker's chats go to someone else ------------------------------------


def _staff_id(app: Flask, email: str) -> int:
    from models import StaffUser

    with app.extensions["sangkhim.db"].sessions() as session:
        return int(session.scalars(select(StaffUser.id).where(StaffUser.email == email)).one())


def test_an_admin_gives_a_deactivated_workers_chat_to_another(
    app: Flask, twilio_api: FakeTwilioApi
) -> None:
    make_user(app, SECOND, "outreach")
    handle = _open(app)
    path = f"/outreach/handoffs/{handle}"
    post(_worker(app), f"{path}/claim", page=path)
    admin = _worker(app, ADMIN)
    assert post(admin, f"/outreach/users/{_staff_id(app, OUTREACH)}/active", {"active": "0"},
                page="/outreach/users").status_code == 302
    second = _worker(app, SECOND)
    assert post(second, f"{path}/assign", {"to": str(_staff_id(app, SECOND))},
                page=path).status_code == 403  # only an admin gives chats away
    assert post(admin, f"{path}/assign", {"to": str(_staff_id(app, SECOND))},
                page=path).status_code == 302
    page = second.get(path).get_data(as_text=True)
    assert "old market" in page
    assert post(second, f"{path}/reply", {"text": "I am here now"}, page=path).status_code == 302
    assert twilio_api.sent[-1]["Body"] == "I am here now"
    # released, it waits for anyone again
    assert post(admin, f"{path}/assign", {"to": ""}, page=path).status_code == 302
    assert "old market" not in second.get(path).get_data(as_text=True)
    with app.extensions["sangkhim.db"].sessions() as session:
        entries = list(session.scalars(select(AuditLog).where(
            AuditLog.action.in_(("handoff.reassign", "handoff.release")))))
    assert [e.action for e in entries] == ["handoff.reassign", "handoff.release"]
    written = " ".join(e.details + e.target_label for e in entries)
    assert "old market" not in written and "I am here now" not in written
    # nobody can be given a chat who cannot sign in
    assert post(admin, f"{path}/assign", {"to": str(_staff_id(app, OUTREACH))},
                page=path, follow_redirects=True).status_code == 200
    with app.extensions["sangkhim.db"].sessions() as session:
        assert session.scalars(select(Handoff.claimed_by)).one() is None


# --- N2: shredding waits for nobody long, and says when it could not finish -----------------


def test_a_reader_holding_an_old_snapshot_delays_shredding_and_it_is_logged(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """While another connection reads an old snapshot (SQLite) or holds the key table
    (PostgreSQL), the close still answers at once; the compaction that could not finish is
    logged without any key or identifier, and the next purge completes it."""
    from models import retention

    monkeypatch.setattr(retention, "SHRED_WAIT_MS", 100)
    monkeypatch.setattr(retention, "CHECKPOINT_PATIENCE_SECONDS", 0.05)
    handle = _open(app)
    path = f"/outreach/handoffs/{handle}"
    worker = _worker(app)
    engine = app.extensions["sangkhim.db"].engine
    reader = engine.raw_connection()
    try:
        cursor = reader.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("BEGIN")  # a deferred read: holds its snapshot of the WAL
        cursor.execute("SELECT count(*) FROM handoff_key")
        cursor.fetchall()
        with caplog.at_level("WARNING"):
            assert post(worker, f"{path}/close", {"confirm": "yes"}, page=path).status_code == 302
        assert "chat keys" in caplog.text
        assert handle not in caplog.text and NUMBER not in caplog.text
    finally:
        reader.rollback()
        reader.close()
    assert count_rows(app, Handoff) == 0
    assert retention.shred_keys(engine) is True  # what the next purge does


def test_chats_whose_keys_were_lost_end_quietly(app: Flask) -> None:
    """A PostgreSQL crash empties the unlogged key table: those chats can never be read again.
    The texter gets the bot, the Chats page no longer lists them, and the purge closes them and
    counts them like any other chat."""
    from models import PublishedDemandEvent, StagedDemandEvent, retention

    handle = _open(app)
    with app.extensions["sangkhim.db"].engine.begin() as connection:
        connection.execute(text("DELETE FROM handoff_key"))  # what crash recovery does
    reply = " ".join(_texter(app).send("menu"))
    assert "1 Voluntary treatment" in reply
    assert handle not in _worker(app).get("/outreach/handoffs").get_data(as_text=True)
    with app.extensions["sangkhim.db"].engine.begin() as connection:
        assert retention.purge(connection, app_now(app), 24, 7, 72).handoffs == 1
    assert count_rows(app, Handoff) == 0 and count_rows(app, HandoffMessage) == 0
    with app.extensions["sangkhim.db"].sessions() as session:
        # staged until the hour has ended and the purge publishes it (models/demand_events.py)
        outcomes = [*session.scalars(select(StagedDemandEvent.outcome)),
                    *session.scalars(select(PublishedDemandEvent.outcome))]
    assert "handoff_unanswered" in outcomes
