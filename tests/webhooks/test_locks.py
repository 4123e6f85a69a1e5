"""Who holds SQLite's write lock, and for how long (docs/ARCHITECTURE.md, "Locks").

SQLite lets one writer in at a time, and a texter's message is a write: whatever holds the lock
makes texters wait, and after the busy timeout they get the "cannot answer" reply. So pages that
only read take no write lock, however long they take, and a write takes it only for its own
statements (a worker's reply is sent to the provider outside any transaction: see
test_handoffs.py). Runs on SQLite and PostgreSQL; the probes of the lock itself are SQLite's.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select

from models import Handoff, Service, stats
from tests.webhooks.channels import TwilioSender
from tests.webhooks.outreach.helpers import ADMIN, OUTREACH, add_events, login, make_user, post

#: A texter's answer normally takes milliseconds; this leaves room for a busy test machine,
#: and is far below the 15 s a write waits for the lock before the texter is told "cannot answer".
PROMPT_SECONDS = 5.0


@contextmanager
def in_background(work: Callable[[], Any]) -> Iterator[Future[Any]]:
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool.submit(work)


def test_a_slow_dashboard_page_does_not_make_a_texter_wait(
    sample_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit's case: a demand page that takes its time (here, it stops after its first
    query until told to go on) while texters write."""
    make_user(sample_app, OUTREACH, "outreach")
    add_events(sample_app, [("2026-11-18", "02", "0203", "methadone", "served_open", "sms",
                             "km", 7)])
    worker = sample_app.test_client()
    login(worker, OUTREACH)
    inside, go_on = threading.Event(), threading.Event()
    build = stats.demand_cube

    def slow_cube(*args: Any, **kwargs: Any) -> Any:
        cube = build(*args, **kwargs)  # the page has read from the database
        inside.set()
        go_on.wait(timeout=60)
        return cube

    monkeypatch.setattr(stats, "demand_cube", slow_cube)
    texter = TwilioSender(sample_app.test_client(), "sms_english", "+85512300001")
    with in_background(lambda: worker.get("/outreach/demand")) as page:
        try:
            assert inside.wait(timeout=60)
            with in_background(lambda: texter.send("methadone in Battambang")) as reply:
                start = time.monotonic()
                try:
                    answer = reply.result(timeout=PROMPT_SECONDS)
                finally:
                    go_on.set()
            waited = time.monotonic() - start
        finally:
            go_on.set()
        assert page.result(timeout=60).status_code == 200
    assert "Methadone" in answer[0] and "Battambang" in answer[0]
    assert waited < PROMPT_SECONDS


def _slow_to_wait_for_the_lock(app: Flask) -> None:
    """New connections give up on a taken write lock after 0.3 s instead of 15 s."""
    engine = app.extensions["sangkhim.db"].engine
    engine.dispose()

    def impatient(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout = 300")

    event.listen(engine, "connect", impatient)


def test_pages_that_only_read_answer_while_a_texters_write_holds_the_lock(
    make_app: Any,
) -> None:
    app = make_app(HANDOFF_HOURS="24/7")
    engine = app.extensions["sangkhim.db"].engine
    if engine.dialect.name != "sqlite":
        pytest.skip("the write lock is SQLite's: PostgreSQL writers lock rows, not the database")
    app.test_cli_runner().invoke(args=["directory", "import", "--sample"])
    make_user(app, ADMIN, "admin")
    add_events(app, [("2026-11-18", "02", "0203", "methadone", "served_open", "sms", "km", 7)])
    texter = TwilioSender(app.test_client(), "sms_english", "+85512300002")
    texter.send("can I talk to a real person?")
    texter.send("yes")
    texter.send("we live near the market")
    admin = app.test_client()
    login(admin, ADMIN)
    with app.extensions["sangkhim.db"].sessions() as session:
        handle = session.scalars(select(Handoff.handle)).one()
        service = session.scalars(select(Service.id)).first()
    chat = f"/outreach/handoffs/{handle}"
    post(admin, f"{chat}/claim", page=chat)
    assert "near the market" in admin.get(chat).get_data(as_text=True)  # now read: unread 0
    pages = ["/outreach/demand", "/outreach/demand?period=2026-W47", "/outreach/unmet",
             "/outreach/demand.csv", "/outreach/unmet.csv", "/outreach/directory",
             f"/outreach/directory/{service}", "/outreach/directory/export.csv",
             "/outreach/directory/export.json", "/outreach/users", "/outreach/audit",
             "/outreach/handoffs", chat, "/outreach/account/password", "/healthz", "/readyz",
             "/alerts", "/alerts?lang=en"]
    _slow_to_wait_for_the_lock(app)
    path = engine.url.database
    writer = sqlite3.connect(path, isolation_level=None)  # a texter's turn, mid-write
    writer.execute("BEGIN IMMEDIATE")
    try:
        statuses = {page: admin.get(page).status_code for page in pages}
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert statuses == {page: 200 for page in pages}


def test_a_page_that_only_reads_cannot_write(app: Flask) -> None:
    """Read sessions refuse writes on both engines, so a write slipped into a page that is meant
    to read fails in the tests instead of taking the lock in production."""
    from models.base import ReadOnlyError
    from webhooks.database import get_db

    with app.app_context(), get_db().reads() as session:
        assert session.scalars(select(Service.id)).all() == []
        session.add(Service(service_type="methadone", name_km="ក", name_en="A",
                            province_code="12"))
        with pytest.raises(ReadOnlyError):
            session.flush()
