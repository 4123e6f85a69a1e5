"""Backups and a restore, done as docs/DEPLOY.md ("Backups and restore") says, on both engines:
a backup of a running deployment, restored into a fresh database, runs the app; it holds no
phone number and no message in the clear; and chats with outreach workers come back as
docs/PRIVACY.md says they do: a PostgreSQL dump taken with ``--no-unlogged-table-data`` holds
no chat key, so those chats end quietly; a SQLite copy holds the wrapped keys, so with the
``HANDOFF_KEY`` of that time the chat opens, and with another one it does not."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from sqlalchemy import select, text, update
from sqlalchemy.engine import make_url

from models import Handoff, HandoffKey, PublishedDemandEvent, Service, ServiceHistory
from models.directory_history import services_as_of
from models.stats import directory_services
from tests import pg_server
from tests.conftest import TEST_CONFIG
from tests.fake_bot_api import FakeBotApi
from tests.fake_twilio_api import ACCOUNT_SID, FakeTwilioApi
from tests.webhooks.channels import TwilioSender, count_rows, dump_database, publish_demand
from tests.webhooks.outreach.helpers import OUTREACH, login, make_user, post
from webhooks import create_app
from webhooks.timesource import Pinned

NUMBER = "+85512333444"
OUR_NUMBER = "+85523900100"
SECRET_WORDS = "we sleep behind the Orussey market"


def libpq_url(url: str, database: str | None = None) -> str:
    """The SQLAlchemy URL as pg_dump, pg_restore and psycopg take it."""
    parsed = make_url(url).set(drivername="postgresql")
    if database:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


@pytest.fixture
def running(make_app: Any, twilio_api: FakeTwilioApi, bot_api: FakeBotApi) -> Flask:
    """A deployment in use: its directory, published demand, a texter half-way through a
    conversation, and an open chat with an outreach worker."""
    app: Flask = make_app(HANDOFF_HOURS="24/7", TWILIO_ACCOUNT_SID=ACCOUNT_SID,
                          TWILIO_API_BASE_URL=twilio_api.url, TELEGRAM_API_BASE_URL=bot_api.url)
    assert app.test_cli_runner().invoke(args=["directory", "import", "--sample"]).exit_code == 0
    make_user(app, OUTREACH, "outreach")
    other = TwilioSender(app.test_client(), "sms_english", "+85512000111", To=OUR_NUMBER)
    assert other.send("I need methadone in Phnom Penh")
    texter = TwilioSender(app.test_client(), "sms_english", NUMBER, To=OUR_NUMBER)
    assert "never see your number" in " ".join(texter.send("can I talk to a real person?"))
    assert "An outreach worker will write here" in " ".join(texter.send("yes"))
    assert texter.send(SECRET_WORDS) == ["Sent to the outreach worker. They will answer here."]
    publish_demand(app)
    return app


def back_up_and_restore(app: Flask, tmp_path: Path) -> tuple[str, str]:
    """The backup as the guide takes it, as text (to search), and the URL of the fresh
    database it was restored into."""
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite"):
        source = make_url(url).database
        backup = tmp_path / "backup.db"
        # What `sqlite3 sangkhim.db ".backup backup.db"` does: a consistent copy while it runs.
        with sqlite3.connect(source) as live, sqlite3.connect(backup) as copy:
            live.backup(copy)
        restored = tmp_path / "restored.db"
        restored.write_bytes(backup.read_bytes())
        return backup.read_bytes().decode("latin-1"), f"sqlite:///{restored}"
    bindir = pg_server.find_bindir()
    dump = tmp_path / "sangkhim.dump"
    subprocess.run([str(bindir / "pg_dump"), "--no-unlogged-table-data", "--format=custom",
                    f"--file={dump}", libpq_url(url)], check=True, capture_output=True)
    as_sql = subprocess.run([str(bindir / "pg_restore"), "--file=-", str(dump)],
                            check=True, capture_output=True).stdout.decode()
    with psycopg.connect(libpq_url(url, "postgres"), autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS sangkhim_restored")
        admin.execute("CREATE DATABASE sangkhim_restored")
    subprocess.run([str(bindir / "pg_restore"), "--no-owner", "--exit-on-error",
                    f"--dbname={libpq_url(url, 'sangkhim_restored')}", str(dump)],
                   check=True, capture_output=True)
    restored_url = make_url(url).set(database="sangkhim_restored")
    return as_sql, restored_url.render_as_string(hide_password=False)


def count(app: Flask, model: type) -> int:
    return count_rows(app, model)


def test_a_backup_restores_into_a_working_app_and_keeps_chats_as_privacy_md_says(
    running: Flask, tmp_path: Path, twilio_api: FakeTwilioApi, bot_api: FakeBotApi,
    clock: Pinned,
) -> None:
    before = {model: count(running, model)
              for model in (Service, ServiceHistory, PublishedDemandEvent, Handoff)}
    wrapped = select(HandoffKey.wrapped_key)
    with running.extensions["sangkhim.db"].sessions() as session:
        [wrapped_key] = session.scalars(wrapped).all()
    backup, restored_url = back_up_and_restore(running, tmp_path)
    postgres = not restored_url.startswith("sqlite")

    # What the backup never holds in the clear.
    for secret in (NUMBER, NUMBER.lstrip("+"), SECRET_WORDS, "Orussey"):
        assert secret not in backup
    # The wrapped chat key: in a SQLite copy (PRIVACY.md: it opens with the HANDOFF_KEY of the
    # time), never in a PostgreSQL dump taken with --no-unlogged-table-data.
    key_text = wrapped_key.hex() if postgres else wrapped_key.decode("latin-1")
    assert (key_text in backup) is (not postgres)

    restored = create_app({**TEST_CONFIG, "DATABASE_URL": restored_url, "HANDOFF_HOURS": "24/7",
                           "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                           "TWILIO_API_BASE_URL": twilio_api.url,
                           "TELEGRAM_API_BASE_URL": bot_api.url})
    try:
        assert restored.test_client().get("/healthz").status_code == 200
        doctor = restored.test_cli_runner().invoke(args=["doctor"])
        assert "ok    database:" in doctor.output and "at revision" in doctor.output
        assert {model: count(restored, model) for model in before} == before
        if postgres:
            with restored.extensions["sangkhim.db"].engine.connect() as connection:
                persistence = connection.scalar(text(
                    "SELECT relpersistence FROM pg_class WHERE relname = 'handoff_key'"))
            assert persistence == "u"  # still unlogged after the restore
        assert count(restored, HandoffKey) == (0 if postgres else 1)
        # The directory's history came back as it was (the restore wrote none of its own),
        # and its triggers with it: a change after the restore is kept.
        with restored.extensions["sangkhim.db"].sessions() as session, session.begin():
            assert services_as_of(session, clock(), True) == sorted(
                directory_services(session, True), key=lambda s: s.id)
            session.execute(update(Service).where(Service.id == min(
                s.id for s in directory_services(session, True))).values(is_full=True))
        assert count(restored, ServiceHistory) == before[ServiceHistory] + 1

        worker = restored.test_client()
        assert login(worker, OUTREACH).status_code == 302  # staff accounts come back
        inbox = worker.get("/outreach/handoffs").get_data(as_text=True)
        with running.extensions["sangkhim.db"].sessions() as session:
            handle = session.scalars(select(Handoff.handle)).one()
        texter = TwilioSender(restored.test_client(), "sms_english", NUMBER, To=OUR_NUMBER)
        if postgres:
            # No key: the chat cannot be read, is not listed, and the texter has the bot.
            assert handle not in inbox
            assert "1 Voluntary treatment" in " ".join(texter.send("menu"))
        else:
            # The key came back with the copy: the chat opens with the HANDOFF_KEY of the time.
            assert handle in inbox
            path = f"/outreach/handoffs/{handle}"
            assert post(worker, f"{path}/claim", page=path).status_code == 302
            assert SECRET_WORDS in worker.get(path).get_data(as_text=True)
            assert NUMBER not in dump_database(restored)
    finally:
        restored.extensions["sangkhim.db"].engine.dispose()


def test_a_sqlite_copy_opens_no_chat_once_handoff_key_has_rotated(
    running: Flask, tmp_path: Path
) -> None:
    if not running.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("a PostgreSQL dump holds no chat key at all (the test above)")
    _, restored_url = back_up_and_restore(running, tmp_path)
    rotated = create_app({**TEST_CONFIG, "DATABASE_URL": restored_url, "HANDOFF_HOURS": "24/7",
                          "HANDOFF_KEY": "Q0x7m2Rk-vL9sWc4Jt8NbZ1pYh6GdEa3FuK5oTiXw_M"})
    try:
        make_user(rotated, "second@example.org", "outreach")
        worker = rotated.test_client()
        assert login(worker, "second@example.org").status_code == 302
        with rotated.extensions["sangkhim.db"].sessions() as session:
            handle = session.scalars(select(Handoff.handle)).one()
        path = f"/outreach/handoffs/{handle}"
        post(worker, f"{path}/claim", page="/outreach/handoffs")
        page = worker.get(path).get_data(as_text=True)
        assert 'data-testid="unreadable-chat"' in page and SECRET_WORDS not in page
    finally:
        rotated.extensions["sangkhim.db"].engine.dispose()
