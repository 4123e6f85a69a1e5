"""One engine and session factories per app; sessions are opened per unit of work.

``sessions`` are for work that writes: on SQLite each of their transactions takes the write
lock (BEGIN IMMEDIATE) until it ends, so keep them short, and never wait in one for anything
outside the database (a provider's API, a person). ``reads`` are for work that only reads
(pages, reports, exports): they begin no transaction, so they never take the write lock and
never make a texter wait, and they refuse writes."""

from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from models.base import make_engine, make_sessionmaker, read_only, reading


class Database:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions: sessionmaker[Session] = make_sessionmaker(engine)
        self.reads: sessionmaker[Session] = make_sessionmaker(read_only(engine))

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


def init_app(app: Flask) -> None:
    app.extensions["sangkhim.db"] = Database(make_engine(app.config["DATABASE_URL"]))


def get_db() -> Database:
    return current_app.extensions["sangkhim.db"]  # type: ignore[no-any-return]
