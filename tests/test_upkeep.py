"""Upkeep runs off the texter's path, once per deployment (``models.upkeep``, ``flask clock``).

No texter's request purges, publishes or compacts, STOP included: it only marks a compaction as
due, and the clock's next tick does it, once for many opt-outs. Two runs at once: one runs, the
other skips (a PostgreSQL advisory lock; a file lock on SQLite). With no traffic at all the
clock still purges. Every time is injected.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select, text

from models import (
    Conversation,
    Handoff,
    StagedDemandEvent,
    demand_events,
    handoffs,
    retention,
    sealing,
    upkeep,
)
from models.base import make_engine
from tests.webhooks.channels import clock_tick, conversation, count_rows, engine_of, say_sms

#: Monday 16 March 2026, 16:40 in Cambodia (UTC+7).
AT = datetime(2026, 3, 16, 9, 40, tzinfo=UTC)

#: What purge, publication and compaction say to the database, and a turn never does.
UPKEEP_SQL = re.compile(
    r"\bVACUUM\b|\bCLUSTER\b|wal_checkpoint|DELETE FROM (demand_event_staged|processed_message"
    r"|audit_log|handoff_key)\b|UPDATE processed_message SET reply",
    re.IGNORECASE,
)


class _Calls:
    """Records every call of the upkeep functions, and every statement that belongs to upkeep,
    while it is switched on."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.statements: list[str] = []


@pytest.fixture
def watched(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[_Calls]:
    seen = _Calls()
    for module, name in ((retention, "purge"), (retention, "compact"),
                         (retention, "shred_keys"), (retention, "checkpoint"),
                         (demand_events, "publish")):
        original = getattr(module, name)

        def spy(*args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
            seen.calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if UPKEEP_SQL.search(statement):
            seen.statements.append(statement)

    engine = engine_of(app)
    event.listen(engine, "before_cursor_execute", listen)
    yield seen
    event.remove(engine, "before_cursor_execute", listen)


# --- (a) nothing of upkeep in a texter's request -------------------------------------------------


def test_no_texters_request_purges_publishes_or_compacts(
    sample_app: Flask, watched: _Calls
) -> None:
    """Messages across an hour, a day (in Cambodia) and a month, with expired state waiting,
    staged events of ended hours, and opt-outs: the requests run none of it."""
    say_sms(sample_app, "k-old", "methadone in Battambang province", AT, "SM-0")
    moments = [AT + timedelta(minutes=5), AT + timedelta(hours=1),  # a new hour
               AT + timedelta(hours=8),  # past midnight in Cambodia: a new day
               AT + timedelta(days=20)]  # a new month, everything before expired
    for number, now in enumerate(moments):
        say_sms(sample_app, f"k-{number}", "methadone in Kampot province", now, f"SM-a{number}")
        say_sms(sample_app, f"k-{number}", "STOP", now + timedelta(seconds=30), f"SM-b{number}")
    client = sample_app.test_client()  # and through the webhook, as Twilio sends it
    from tests.webhooks.channels import TwilioSender

    sender = TwilioSender(client, "sms_english", "+85512300001")
    sender.send("hello")
    assert "deleted" in sender.send("STOP")[0]
    assert conversation(sample_app, "k-old") is not None  # expired, but no request purged it
    assert count_rows(sample_app, StagedDemandEvent) >= 5  # none published
    assert watched.calls == []
    assert watched.statements == []
    # the check can see: the clock's tick does all of it
    clock_tick(sample_app, AT + timedelta(days=20, minutes=2))
    assert {"purge", "publish", "compact"} <= set(watched.calls)
    assert watched.statements
    assert conversation(sample_app, "k-old") is None


# --- (b) and (e): STOP deletes at once, the compaction follows once ---------------------------


def test_a_stop_deletes_at_once_and_the_next_tick_compacts(app: Flask, watched: _Calls) -> None:
    clock_tick(app, AT)  # the hour's run is done: what follows is the STOP's doing only
    watched.calls.clear()
    say_sms(app, "k-stop", "hello", AT + timedelta(minutes=1), "SM-1")
    assert upkeep.state(engine_of(app))[upkeep.COMPACT] == (None, False)
    assert "deleted" in say_sms(app, "k-stop", "STOP", AT + timedelta(minutes=2), "SM-2")[0]
    assert conversation(app, "k-stop") is None  # at once, in the STOP's own turn
    assert upkeep.state(engine_of(app))[upkeep.COMPACT][1] is True  # a compaction is due
    assert watched.calls == []
    run = clock_tick(app, AT + timedelta(minutes=3))
    assert [job.kind for job in run.jobs] == ["compact"] and run.ok
    assert upkeep.state(engine_of(app))[upkeep.COMPACT][1] is False
    assert clock_tick(app, AT + timedelta(minutes=4)).jobs == []  # nothing due any more


def test_many_stops_make_one_compaction(app: Flask, watched: _Calls) -> None:
    clock_tick(app, AT)
    watched.calls.clear()
    for number in range(25):
        now = AT + timedelta(minutes=1, seconds=number)
        say_sms(app, f"k-{number}", "hello", now, f"SM-h{number}")
        say_sms(app, f"k-{number}", "STOP", now, f"SM-s{number}")
    assert count_rows(app, Conversation) == 0
    assert watched.calls == []
    run = clock_tick(app, AT + timedelta(minutes=2))
    assert [job.kind for job in run.jobs] == ["compact"]
    assert watched.calls.count("compact") == 1


def test_a_stop_that_ends_a_chat_has_its_key_shredded_by_the_next_tick(
    app: Flask, watched: _Calls
) -> None:
    clock_tick(app, AT)
    watched.calls.clear()
    keys = sealing.keyring_of(app.config)
    assert keys is not None
    with engine_of(app).begin() as connection:
        handoff = handoffs.open_handoff(
            connection, keys, address={"to": "+85512300002"}, channel="sms", locale="en",
            province_code=None, district_code=None, topic="talk", now=AT,
            ttl=timedelta(hours=72))
    say_sms(app, "k-chat", "hello", AT + timedelta(minutes=1), "SM-c1")
    with engine_of(app).begin() as connection:  # the texter's state names the chat
        connection.execute(Conversation.__table__.update().values(
            data=f'{{"handoff": "{handoff}"}}'))
    say_sms(app, "k-chat", "STOP", AT + timedelta(minutes=2), "SM-c2")
    assert count_rows(app, Handoff) == 0
    assert watched.calls == []  # not shredded in the texter's request
    run = clock_tick(app, AT + timedelta(minutes=3))
    assert [job.kind for job in run.jobs] == ["compact", "shred"] and run.ok


# --- (c) the lock -------------------------------------------------------------------------------


def test_two_runs_at_once_one_runs_the_other_skips(
    app: Flask, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two instances (two engines, as two processes would have) tick at the same moment: the
    one that took the lock runs, the other skips at once; afterwards the hour's purge is not
    run again by the second instance."""
    other = make_engine(db_url)
    settings = upkeep.Settings.from_config(app.config)
    inside, release = threading.Event(), threading.Event()
    original = retention.purge

    def slow_purge(*args: Any, **kwargs: Any) -> retention.Purged:
        inside.set()
        assert release.wait(30)
        return original(*args, **kwargs)

    monkeypatch.setattr(retention, "purge", slow_purge)
    results: list[upkeep.Run] = []
    first = threading.Thread(target=lambda: results.append(
        upkeep.run_due(engine_of(app), AT, settings)))
    first.start()
    try:
        assert inside.wait(30)  # the first run holds the lock, in the middle of its purge
        skipped = upkeep.run_due(other, AT, settings)
        assert not skipped.ran and skipped.jobs == []
    finally:
        release.set()
        first.join(30)
    assert results and results[0].ran and "purge" in [job.kind for job in results[0].jobs]
    again = upkeep.run_due(other, AT + timedelta(minutes=1), settings)
    assert again.ran and again.jobs == []  # the other instance sees the hour is done
    other.dispose()


def test_the_lock_is_free_again_after_a_run_and_after_a_failure(app: Flask) -> None:
    engine = engine_of(app)
    with upkeep.upkeep_lock(engine) as held:
        assert held
        with upkeep.upkeep_lock(engine) as second:
            assert not second
    with pytest.raises(RuntimeError), upkeep.upkeep_lock(engine) as held:
        assert held
        raise RuntimeError("the run failed")
    with upkeep.upkeep_lock(engine) as held:
        assert held


def test_flask_purge_waits_for_the_lock_and_fails_if_it_stays_held(app: Flask) -> None:
    with upkeep.upkeep_lock(engine_of(app)) as held:
        assert held
        result = app.test_cli_runner().invoke(args=["purge", "--wait", "0"])
    assert result.exit_code == 1 and "upkeep lock" in result.output
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "purged 0 expired conversation(s)" in result.output and "compact ok" in result.output


# --- (d) no traffic -----------------------------------------------------------------------------


def test_the_clock_purges_an_expired_chat_with_no_traffic(app: Flask) -> None:
    keys = sealing.keyring_of(app.config)
    assert keys is not None
    with engine_of(app).begin() as connection:
        handoffs.open_handoff(
            connection, keys, address={"to": "+85512300003"}, channel="sms", locale="en",
            province_code=None, district_code=None, topic="talk", now=AT, ttl=timedelta(hours=72))
    say_sms(app, "k-quiet", "hello", AT, "SM-q")
    assert clock_tick(app, AT + timedelta(hours=71)).purged.handoffs == 0  # type: ignore[union-attr]
    assert count_rows(app, Handoff) == 1
    run = clock_tick(app, AT + timedelta(hours=73))  # nobody has written since
    assert run.purged is not None and run.purged.handoffs == 1
    assert [job.kind for job in run.jobs] == ["purge", "publish", "compact", "shred"]
    assert count_rows(app, Handoff) == 0 and conversation(app, "k-quiet") is None


# --- the schedule -------------------------------------------------------------------------------


def test_the_hourly_run_once_an_hour_and_the_compaction_once_a_day(app: Flask) -> None:
    def kinds(now: datetime) -> list[str]:
        return [job.kind for job in clock_tick(app, now).jobs]

    assert kinds(AT) == ["purge", "publish", "compact"]  # the first tick ever: all of it
    assert kinds(AT + timedelta(minutes=1)) == []
    assert kinds(AT + timedelta(minutes=20)) == ["purge", "publish"]  # 10:00 UTC
    assert kinds(AT + timedelta(minutes=21)) == []
    # 17:00 UTC is midnight in Cambodia: the new day's compaction, whatever happened
    assert kinds(datetime(2026, 3, 16, 17, 0, 30, tzinfo=UTC)) == ["purge", "publish", "compact"]
    assert kinds(datetime(2026, 3, 16, 17, 5, tzinfo=UTC)) == []


def test_a_failed_job_stays_due_and_is_logged(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from sqlalchemy.exc import OperationalError

    def down(*_args: Any, **_kwargs: Any) -> None:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(retention, "purge", down)
    run = clock_tick(app, AT)
    assert [(job.kind, job.ok) for job in run.jobs][:1] == [("purge", False)]
    assert "purge failed" in caplog.text
    monkeypatch.undo()
    assert [job.kind for job in clock_tick(app, AT + timedelta(minutes=1)).jobs][:1] == ["purge"]


def test_the_clock_command_runs_a_tick(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["clock", "--once"])
    assert result.exit_code == 0, result.output
    state = upkeep.state(engine_of(app))
    assert state[upkeep.HOURLY][0] is not None and state[upkeep.DAILY][0] is not None


def test_the_clock_wakes_at_the_top_of_the_hour() -> None:
    assert upkeep.next_tick(datetime(2026, 3, 16, 9, 40, tzinfo=UTC), 60) == 60
    assert upkeep.next_tick(datetime(2026, 3, 16, 9, 59, 30, tzinfo=UTC), 60) == 31


def test_upkeep_state_holds_no_identifier(app: Flask) -> None:
    say_sms(app, "k-ident", "hello", AT, "SM-i")
    say_sms(app, "k-ident", "STOP", AT, "SM-j")
    clock_tick(app, AT)
    with engine_of(app).connect() as connection:
        rows = connection.execute(select(upkeep.Upkeep.__table__)).all()
    assert {row.job for row in rows} <= {upkeep.HOURLY, upkeep.DAILY, upkeep.COMPACT,
                                         upkeep.SHRED}
    for row in rows:  # times to the hour at finest
        assert row.last_run is None or (row.last_run.minute, row.last_run.second) == (0, 0)


def test_can_vacuum_is_true_for_the_tables_owner(app: Flask) -> None:
    assert retention.can_vacuum(engine_of(app))


def test_a_role_that_cannot_vacuum_is_warned_about_not_skipped_silently(
    app: Flask, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """PostgreSQL skips a table its role does not own with a mere notice and reports success;
    upkeep says so (a warning, ``can_vacuum`` for ``flask doctor``) and keeps it due."""
    if engine_of(app).dialect.name != "postgresql":
        pytest.skip("a PostgreSQL matter: SQLite has no roles")
    role = "sangkhim_tenant"
    with engine_of(app).begin() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                                  {"r": role}).first():
            connection.execute(text(f"CREATE ROLE {role} LOGIN"))
        connection.execute(text(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"))
    tenant = make_engine(db_url.replace("://sangkhim@", f"://{role}@"))
    try:
        assert not retention.can_vacuum(tenant)
        assert retention.compact(tenant) is False
        assert "does not own them" in caplog.text and "conversation" in caplog.text
        assert retention.shred_keys(tenant) is False
        run = upkeep.run_due(tenant, AT, upkeep.Settings.from_config(app.config), force=True)
        assert ("compact", False) in [(job.kind, job.ok) for job in run.jobs]
        assert upkeep.state(tenant)[upkeep.COMPACT][1] is True  # still due: tried again
    finally:
        tenant.dispose()
        with engine_of(app).begin() as connection:
            connection.execute(text(f"DROP OWNED BY {role}"))
            connection.execute(text(f"DROP ROLE {role}"))
