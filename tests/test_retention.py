"""What is kept, for how long, and how finely (docs/PRIVACY.md, "What is stored").

Stored times are no finer than their use needs; a delivery's reply is kept only for a
provider's retry; the clock purges and compacts (``models.upkeep``; tests/test_upkeep.py shows
it never happens in a texter's request), even while nobody writes; and on SQLite an opt-out
leaves no trace of the pseudonym in the database's files, write-ahead log included, once the
clock's next tick has compacted.
"""

from __future__ import annotations

import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text

from models import Conversation, retention
from models.inbox import ProcessedMessage
from models.retention import STORED_REPLY_HOURS, purge
from tests.webhooks.channels import (
    TwilioSender,
    clock_tick,
    conversation,
    count_rows,
    publish_demand,
    say_sms,
)

MONDAY = datetime(2026, 3, 16, 9, 41, 27, 123456, tzinfo=UTC)


def test_stored_times_are_no_finer_than_their_use(app: Flask) -> None:
    """The expiry needs hours and the abuse window minutes: nothing is stored to the second."""
    say_sms(app, "k-times", "hello", MONDAY, "SM1")
    row = conversation(app, "k-times")
    assert row is not None
    assert (row.updated_at.minute, row.updated_at.second, row.updated_at.microsecond) == (0, 0, 0)
    assert row.burst_start is not None
    assert (row.burst_start.second, row.burst_start.microsecond) == (0, 0)
    with app.extensions["sangkhim.db"].sessions() as session:
        received = session.scalars(select(ProcessedMessage.received_at)).all()
    assert received and all(t.minute == t.second == t.microsecond == 0 for t in received)


def test_a_stored_reply_is_kept_only_for_retries(app: Flask) -> None:
    first = say_sms(app, "k-retry", "1", MONDAY, "SM-retry")
    again = say_sms(app, "k-retry", "1", MONDAY + timedelta(seconds=20), "SM-retry")
    assert first and again == first
    with app.extensions["sangkhim.db"].engine.begin() as connection:
        purge(connection, MONDAY + timedelta(hours=STORED_REPLY_HOURS + 1), 24, 7)
    with app.extensions["sangkhim.db"].sessions() as session:
        replies = session.scalars(select(ProcessedMessage.reply)).all()
    assert replies == ["[]"]  # the delivery is still known, its reply is gone
    late = say_sms(app, "k-retry", "1", MONDAY + timedelta(hours=3), "SM-retry")
    assert late == []  # a very late retry is acknowledged, and counted nothing


def test_the_clock_purges_expired_state_while_nobody_writes(app: Flask) -> None:
    say_sms(app, "k-old", "hello", MONDAY, "SM-a")
    say_sms(app, "k-new", "hello", MONDAY + timedelta(hours=30), "SM-b")
    assert clock_tick(app, MONDAY + timedelta(hours=30, minutes=5)).ran
    assert conversation(app, "k-old") is None  # 30 hours of silence: gone, with no message
    assert conversation(app, "k-new") is not None


def _sqlite_files(app: Flask) -> bytes:
    path = Path(app.extensions["sangkhim.db"].engine.url.database)
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def test_an_opt_out_leaves_no_trace_in_the_sqlite_files(app: Flask) -> None:
    if app.extensions["sangkhim.db"].engine.dialect.name != "sqlite":
        pytest.skip("file contents are an SQLite matter; PostgreSQL is vacuumed instead")
    client = app.test_client()
    sender = TwilioSender(client, "sms_english", "+85512399999")
    sender.send("hello")
    sender.send("1")
    key = sender.key.encode()
    assert key in _sqlite_files(app)  # the check can see the pseudonym while it is stored
    sender.send("STOP")
    assert conversation(app, sender.key) is None  # deleted at once, by the STOP's own turn
    clock_tick(app)  # and compacted by the clock's next tick
    assert key not in _sqlite_files(app)


def _read_snapshot(app: Flask) -> sqlite3.Connection:
    """Another connection in the middle of a read (a backup, a report, a page): until it ends,
    the write-ahead log cannot be emptied."""
    reader = sqlite3.connect(app.extensions["sangkhim.db"].engine.url.database,
                             isolation_level=None, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM conversation").fetchone()
    return reader


def test_an_opt_out_during_a_long_read_leaves_no_trace_once_the_read_ends(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The STOP is answered at once; the clock's compaction is retried until the reader lets
    go (within a bound), without holding up texters meanwhile: a checkpoint that waits for
    readers also keeps every writer out."""
    if app.extensions["sangkhim.db"].engine.dialect.name != "sqlite":
        pytest.skip("file contents are an SQLite matter; PostgreSQL is vacuumed instead")
    monkeypatch.setattr(retention, "CHECKPOINT_PATIENCE_SECONDS", 30.0)
    sender = TwilioSender(app.test_client(), "sms_english", "+85512399997")
    sender.send("hello")
    sender.send("1")
    other = TwilioSender(app.test_client(), "sms_english", "+85512399996")
    other.send("hello")
    reader = _read_snapshot(app)
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            assert "deleted" in sender.send("STOP")[0]  # no compaction to wait for
            tick = pool.submit(clock_tick, app)
            time.sleep(0.3)  # the clock is waiting for the checkpoint
            assert not tick.done()
            assert other.send("2")  # another texter is answered meanwhile
            assert not tick.done()
        finally:
            reader.execute("COMMIT")
            reader.close()
        assert tick.result(timeout=30).ok
    assert conversation(app, sender.key) is None
    assert sender.key.encode() not in _sqlite_files(app)


def test_a_checkpoint_that_cannot_complete_is_logged_and_tried_again(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    if app.extensions["sangkhim.db"].engine.dialect.name != "sqlite":
        pytest.skip("the write-ahead log is SQLite's")
    monkeypatch.setattr(retention, "CHECKPOINT_PATIENCE_SECONDS", 0.5)
    number = "+85512399995"
    sender = TwilioSender(app.test_client(), "sms_english", number)
    sender.send("hello")
    assert "deleted" in sender.send("STOP")[0]
    clock_tick(app)  # the hourly run, so that the next ticks only compact
    sender.send("hello")
    assert "deleted" in sender.send("STOP")[0]
    reader = _read_snapshot(app)
    try:
        first = clock_tick(app)
    finally:
        reader.execute("COMMIT")
        reader.close()
    assert [(job.kind, job.ok) for job in first.jobs] == [("compact", False)]
    warnings = [r for r in caplog.records if r.name == "models.retention"]
    assert warnings and warnings[0].levelname == "WARNING"
    logged = caplog.text
    assert "checkpoint" in logged
    for secret in (sender.key, number, number[1:], app.config["PSEUDONYM_KEY"]):
        assert secret not in logged
    # the compaction stays due: once the reader has let go, the next tick empties the log
    second = clock_tick(app)
    assert [(job.kind, job.ok) for job in second.jobs] == [("compact", True)]
    assert sender.key.encode() not in _sqlite_files(app)


def test_an_opt_out_vacuums_postgresql_at_the_next_tick(app: Flask) -> None:
    engine = app.extensions["sangkhim.db"].engine
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")

    def vacuums() -> int:
        with engine.connect() as connection:
            return int(connection.execute(text(
                "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'conversation'"
            )).scalar() or 0)

    sender = TwilioSender(app.test_client(), "sms_english", "+85512399998")
    sender.send("hello")
    before = vacuums()
    sender.send("STOP")
    assert count_rows(app, Conversation) == 0
    assert vacuums() == before  # not in the texter's request
    assert clock_tick(app).ok
    assert vacuums() > before


def test_demand_events_are_stored_in_no_order_of_arrival(app: Flask) -> None:
    """A dump lists events in storage order (every column: no index covers it): it must be the
    order of their random ids."""
    for number in range(40):
        say_sms(app, f"k-order-{number}", "1", MONDAY + timedelta(minutes=number), f"SM-o{number}")
        say_sms(app, f"k-order-{number}", "0", MONDAY + timedelta(minutes=number, seconds=30),
             f"SM-p{number}")
    publish_demand(app)  # the hourly purge publishes them
    engine = app.extensions["sangkhim.db"].engine
    with engine.connect() as connection:
        stored = [row[0] for row in connection.execute(text("SELECT * FROM demand_event"))]
    assert len(stored) >= 40
    assert stored == sorted(stored)
