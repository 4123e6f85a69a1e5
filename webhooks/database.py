"""One engine and session factories per app; sessions are opened per unit of work.

``sessions`` are for work that writes: on SQLite each of their transactions takes the write
lock (BEGIN IMMEDIATE) until it ends, so keep them short, and never wait in one for anything
outside the database (a provider's API, a person). ``reads`` are for work that only reads
(pages, reports, exports): they begin no transaction, so they never take the write lock and
never make a texter wait, and they refuse writes."""

from __future__ import annotations

import threading

from flask import Flask, current_app
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from models.base import make_engine, make_sessionmaker, read_only, reading


class Database:
    """The engine and its session factories, made when first used: a ``flask`` command that
    never touches the database (``classify``, ``routes``, ``--help``) does not load the
    driver (on SQLite, ``sqlite3`` and its library: about 1 MB). A web worker makes them as
    it starts (``create_app``), so no texter waits for them."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._lock = threading.Lock()
        self._made: tuple[Engine, sessionmaker[Session], sessionmaker[Session]] | None = None

    def _make(self) -> tuple[Engine, sessionmaker[Session], sessionmaker[Session]]:
        made = self._made
        if made is None:
            with self._lock:
                made = self._made
                if made is None:
                    engine = make_engine(self._url)
                    made = self._made = (engine, make_sessionmaker(engine),
                                         make_sessionmaker(read_only(engine)))
        return made

    @property
    def engine(self) -> Engine:
        return self._make()[0]

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self._make()[1]

    @property
    def reads(self) -> sessionmaker[Session]:
        return self._make()[2]

    def ping(self) -> None:
        """Raise if the database cannot be reached. A pooled connection that died with a
        server restart fails once and invalidates the pool; the second try is the answer."""
        try:
            self._select_one()
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            self._select_one()

    def _select_one(self) -> None:
        with reading(self.engine) as connection:
            connection.execute(text("SELECT 1"))


def init_app(app: Flask, now: bool = True) -> None:
    """``now``: make the engine now (a web worker, a test), not at first use (a command)."""
    database = app.extensions["sangkhim.db"] = Database(app.config["DATABASE_URL"])
    if now:
        database.engine  # noqa: B018


def get_db() -> Database:
    return current_app.extensions["sangkhim.db"]  # type: ignore[no-any-return]
