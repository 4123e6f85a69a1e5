"""``GET /healthz`` (liveness) and ``GET /readyz`` (readiness), and degraded mode: a database
outage still gets the texter a safe reply."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from bot.replies import Texts
from core.vocabulary import Locale
from tests.conftest import TEST_CONFIG
from tests.webhooks.channels import (
    UNREACHABLE_DATABASE,
    TwilioSender,
    post_telegram,
    post_twilio,
    send_message_text,
    telegram_update,
    twilio_form,
    twiml_messages,
)
from webhooks import create_app


@pytest.fixture
def broken_app() -> Iterator[Flask]:
    """An app whose database cannot be reached (needs no database fixture of its own)."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": UNREACHABLE_DATABASE})
    yield app
    app.extensions["sangkhim.db"].engine.dispose()


def test_healthz_and_readyz_answer_when_the_database_does(client: Flask) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "database": "ok", "migrations": "current"}


def test_liveness_needs_no_database_and_readiness_says_it_is_unreachable(
    broken_app: Flask,
) -> None:
    client = broken_app.test_client()
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.is_json
    assert response.get_json() == {"status": "unavailable", "database": "unreachable",
                                   "migrations": "unknown"}


@pytest.mark.parametrize(
    ("version", "status", "migrations"),
    [("0012", 503, "behind"), ("9999_later_release", 200, "newer"), (None, 503, "missing")],
)
def test_readiness_compares_the_migrations_with_the_code(
    app: Flask, version: str | None, status: int, migrations: str
) -> None:
    """Behind (or never migrated) is not ready; a revision this code does not know is a newer
    release's, migrated by its release phase while this one still serves: ready."""
    engine = app.extensions["sangkhim.db"].engine
    with engine.begin() as connection:
        head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        connection.execute(text("DELETE FROM alembic_version"))
        if version is not None:
            connection.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": version})
    try:
        response = app.test_client().get("/readyz")
        assert (response.status_code, response.get_json()["migrations"]) == (status, migrations)
        assert app.test_client().get("/healthz").status_code == 200
    finally:  # the PostgreSQL database is the session's, shared with later tests
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM alembic_version"))
            connection.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": head})


@pytest.mark.timed_wait
def test_a_database_that_hangs_gets_readiness_a_503_not_a_hang(
    app: Flask, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit: during a restart on a large database, /healthz answered 503 after 15 s (the
    busy timeout). Here a connection holds the database (SQLite: an exclusive lock, as a
    migration or a copy can; PostgreSQL: a lock on alembic_version, as a migration does), and
    is released only after the requests below: liveness answers, readiness answers 503
    "timeout" (it could not have waited for the database), and while the first check is still
    stuck the next answers without starting another; once the lock goes, readiness is back.
    (How long each takes is measured by ``make bench``, not asserted here.)"""
    from webhooks import health

    monkeypatch.setattr(health, "READY_TIMEOUT", 0.5)
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    app.extensions["sangkhim.db"].engine.dispose()  # the blocker must be alone with the file
    release = _hold_the_database(db_url)
    try:
        assert client.get("/healthz").status_code == 200
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.get_json() == {"status": "unavailable", "database": "timeout",
                                       "migrations": "unknown"}
        assert _checks_running() == 1
        response = client.get("/readyz")  # the first check is still stuck
        assert (response.status_code, response.get_json()["database"]) == (503, "timeout")
        assert _checks_running() == 1
    finally:
        release()
    deadline = time.monotonic() + 30
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "readiness did not come back"
        time.sleep(0.2)


def _checks_running() -> int:
    return sum(1 for thread in threading.enumerate() if thread.name == "sangkhim-readiness")


def _hold_the_database(db_url: str) -> Any:
    """Block every reader of the database until the returned function is called."""
    if db_url.startswith("sqlite"):
        holder = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE alembic_version SET version_num = version_num")

        def release_sqlite() -> None:
            holder.execute("ROLLBACK")
            holder.close()

        return release_sqlite
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1),
                           poolclass=NullPool)
    connection = engine.connect()
    connection.begin()
    connection.execute(text("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE"))

    def release_postgresql() -> None:
        connection.rollback()
        connection.close()
        engine.dispose()

    return release_postgresql


@pytest.mark.parametrize(
    ("fixture", "locale"),
    [
        pytest.param("sms_khmer", Locale.KM, id="khmer-sms"),
        pytest.param("sms_english", Locale.KM, id="bare-number-sms-defaults-to-khmer"),
        pytest.param("whatsapp_text", Locale.EN, id="english-whatsapp-question-gets-english"),
    ],
)
def test_twilio_message_gets_static_reply_without_database(
    broken_app: Flask, fixture: str, locale: Locale
) -> None:
    response = post_twilio(broken_app.test_client(), twilio_form(fixture))
    assert response.status_code == 200
    messages = twiml_messages(response)
    assert messages == [Texts(locale).unavailable()]
    assert "119" in messages[0] or "១១៩" in messages[0]  # Khmer writes it in Khmer digits


def test_telegram_message_gets_static_reply_without_database(broken_app: Flask) -> None:
    response = post_telegram(broken_app.test_client(), telegram_update("private_text"))
    text = send_message_text(response, 987654321)
    assert text == Texts(Locale.EN).unavailable()  # the language_code hint still applies
    assert "119" in text


def test_signature_is_still_checked_without_database(broken_app: Flask) -> None:
    response = post_twilio(broken_app.test_client(), twilio_form("sms_khmer"), signature=None)
    assert response.status_code == 403


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite has no server
def test_a_database_restart_costs_no_texter_a_reply(sample_app: Flask) -> None:
    """Pooled connections die with a server restart (here: every other backend is ended, as a
    restart would). The next message is still answered normally and /readyz still says ready:
    the dead connection fails once, the pool is refreshed and the work is done again."""
    engine = sample_app.extensions["sangkhim.db"].engine
    sender = TwilioSender(sample_app.test_client(), "sms_english", "+85512345678")
    assert sender.send("hello")
    _cut_pooled_connections(engine)
    reply = sender.send("methadone in Battambang")
    assert reply and "Battambang" in reply[0]
    _cut_pooled_connections(engine)
    assert sample_app.test_client().get("/readyz").status_code == 200


def _cut_pooled_connections(engine: Engine) -> None:
    with engine.connect() as connection:  # make sure the pool holds a connection to cut
        connection.execute(text("SELECT 1"))
    admin = create_engine(engine.url, poolclass=NullPool)
    with admin.connect() as connection:
        ended = connection.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )).scalar()
    admin.dispose()
    assert ended
