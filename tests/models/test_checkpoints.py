"""The SQLite checkpointer (models/checkpoints.py): the write-ahead log is copied back by a thread
of the worker, not by a texter's commit, and the web connections keep only a safety net."""

from __future__ import annotations

import runpy
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.pool import StaticPool

from models import checkpoints
from models.base import make_engine
from webhooks.database import get_db

ROOT = Path(__file__).resolve().parents[2]


def _autocheckpoint(engine: object) -> int:
    with engine.connect() as connection:  # type: ignore[attr-defined]
        return int(connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar())


def _log_frames(path: Path) -> int:
    """Frames in the log that no checkpoint has copied back yet (read without copying any)."""
    with sqlite3.connect(path) as connection:
        # NOOP: reports the log's size and how much of it is checkpointed, and copies nothing
        _busy, logged, copied = connection.execute("PRAGMA wal_checkpoint(NOOP)").fetchone()
    return int(logged - copied)


@pytest.mark.timed_wait  # the thread waits a second between passes
def test_the_log_is_copied_back_by_the_thread_not_by_commits(tmp_path: Path) -> None:
    path = tmp_path / "turns.db"
    engine = make_engine(f"sqlite:///{path}")
    assert _autocheckpoint(engine) == 1000  # SQLite's default: a commit may checkpoint
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE turn (id INTEGER PRIMARY KEY, body TEXT)"))
    checkpointer = checkpoints.start(engine, interval=0.01)
    assert checkpointer is not None
    try:
        assert _autocheckpoint(engine) == checkpoints.SAFETY_PAGES
        for number in range(200):
            with engine.begin() as connection:
                connection.execute(text("INSERT INTO turn (body) VALUES (:b)"), {"b": "x" * 900})
        passes = checkpointer.passes
        assert checkpointer.wait_for_passes(passes + 2, timeout=30)
        assert checkpointer.copied >= 200  # every commit wrote at least one page
        assert _log_frames(path) == 0
    finally:
        checkpointer.stop()
        engine.dispose()
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM turn").fetchone() == (200,)


def test_without_a_checkpointer_commits_keep_sqlites_default(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    assert _autocheckpoint(engine) == 1000
    engine.dispose()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:",
                                 "sqlite:///file:x?mode=memory&uri=true",
                                 "postgresql+psycopg://someone@127.0.0.1/sangkhim"])
def test_nothing_to_checkpoint_but_a_sqlite_file(url: str) -> None:
    engine = create_engine(url, poolclass=StaticPool)
    assert checkpoints.sqlite_file(engine) is None
    assert checkpoints.start(engine) is None


@pytest.mark.timed_wait
def test_a_gunicorn_worker_starts_one_on_sqlite(make_app: object, db_url: str) -> None:
    """``post_worker_init`` (gunicorn.conf.py) starts it for the worker's own app."""
    app: Flask = make_app()  # type: ignore[operator]
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    worker = SimpleNamespace(wsgi=app)
    hooks["post_worker_init"](worker)
    checkpointer = worker.sangkhim_checkpointer
    try:
        if db_url.startswith("sqlite"):
            assert isinstance(checkpointer, checkpoints.Checkpointer)
            assert checkpointer.wait_for_passes(1, timeout=30)
            with app.app_context():
                assert _autocheckpoint(get_db().engine) == checkpoints.SAFETY_PAGES
        else:
            assert checkpointer is None  # PostgreSQL checkpoints by itself
    finally:
        if checkpointer is not None:
            checkpointer.stop()


def test_another_app_served_with_these_settings_gets_nothing_of_sangkhims() -> None:
    """The benchmarks serve their baselines with this gunicorn.conf.py: a plain Flask app must
    boot as it is (no database to checkpoint, no dashboard to warm)."""
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    worker = SimpleNamespace(wsgi=Flask("baseline"))
    hooks["post_worker_init"](worker)
    assert not hasattr(worker, "sangkhim_checkpointer")
