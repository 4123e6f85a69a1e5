"""Declarative base, naming convention and engine/session construction.

A naming convention gives every constraint a stable name, so one Alembic history works on
SQLite (batch mode) and PostgreSQL alike.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import MetaData, create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import DateTime, TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every engine (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class UTCMinute(UTCDateTime):
    """A UTC time kept to the minute, whatever is written (ORM or Core): the seconds of a
    moment could be matched with a provider's records of who texted when."""

    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        value = super().process_bind_param(value, dialect)
        return None if value is None else value.replace(second=0, microsecond=0)

    @staticmethod
    def now() -> datetime:
        return utcnow().replace(second=0, microsecond=0)


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the settings each backend needs for concurrent webhook workers."""
    if url.startswith("sqlite"):
        # The driver's own transaction handling is switched off so that every transaction
        # starts with BEGIN IMMEDIATE: concurrent workers then queue for the write lock
        # (up to the timeout) instead of failing when a read turns into a write. So every
        # transaction takes the write lock: code that only reads uses ``reading`` or
        # ``read_only``, which begin none.
        engine = create_engine(url, connect_args={"timeout": 15, "isolation_level": None}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
    else:
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        # No pre-ping: it would cost every request a round trip. A connection that died with
        # the server fails its first statement instead, which invalidates the pool; the webhook
        # runs the turn again on a fresh connection (webhooks/pipeline.py), other callers
        # report it.
        engine = create_engine(url, **kwargs)
    event.listen(engine, "before_cursor_execute", _refuse_writes_when_reading)
    return engine


@contextlib.contextmanager
def writer_turn(engine: Engine) -> Iterator[None]:
    """Take turns with every other process writing to the same SQLite file; nothing on PostgreSQL.

    SQLite lets one writer in at a time, and a writer that finds the lock taken sleeps and
    retries with growing pauses (1, 2, 5, 10 … 100 ms), so under load a message can wait far
    longer than the writes it waits for. A blocking ``flock`` on a file beside the database
    wakes the next writer the moment the lock is released. Only the webhook's hot path uses it;
    other writers (dashboard, CLI) are rare and rely on the busy timeout as before."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:" or engine.url.query.get("mode") == "memory":
        yield
        return
    # Each turn opens the file anew: flock excludes other open files, in this process too.
    # (Keeping one open per thread saves the open and the close, but measured slower with two
    # workers taking turns: 525 against 575 messages a second, six rounds, December 2026.)
    with open(f"{path}-writers.lock", "a+b") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted rows (an opt-out, expired state) are overwritten with zeros, not left in free pages.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_begin_immediate(connection: Connection) -> None:
    options = connection.get_execution_options()
    if options.get("isolation_level") != "AUTOCOMMIT" and not options.get(BEGUN_BY_STATEMENT):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


#: An execution option: this connection's transactions are begun by statement, by the code
#: that uses it (the webhook's turn, ``models.turns.writing``), not when SQLAlchemy begins one.
#: On SQLite it stands for ``AUTOCOMMIT`` (the driver begins nothing by itself either), without
#: setting and resetting the driver's isolation level at every checkout.
BEGUN_BY_STATEMENT = "sangkhim_begun_by_statement"


#: Execution options of code that only reads: each statement on its own (autocommit), so no
#: BEGIN/COMMIT round trips on PostgreSQL and no write lock on SQLite (no transaction is begun,
#: and a statement holds its read snapshot only while it runs); and writes are refused.
READ_ONLY: dict[str, Any] = {"isolation_level": "AUTOCOMMIT", "sangkhim_read_only": True}
#: What a statement that only reads starts with.
_READS = ("SELECT", "WITH", "EXPLAIN", "SHOW", "VALUES")


class ReadOnlyError(RuntimeError):
    """A write on a connection or session meant for reads only (a bug: it would take the write
    lock that a reading page promises not to take)."""


def reading(engine: Engine) -> contextlib.AbstractContextManager[Connection]:
    """A connection for reads only (``READ_ONLY``)."""
    return engine.connect().execution_options(**READ_ONLY)


def read_only(engine: Engine) -> Engine:
    """``engine`` for reads only (``READ_ONLY``), for sessions of pages and commands that only
    read; it shares the engine's pool."""
    return engine.execution_options(**READ_ONLY)


def _refuse_writes_when_reading(
    connection: Connection, _cursor: Any, statement: str, *_args: Any
) -> None:
    if connection.get_execution_options().get("sangkhim_read_only"):
        first = statement.lstrip(" \n\t(").split(None, 1)[:1]
        if not first or first[0].upper() not in _READS:
            raise ReadOnlyError(f"a write on a read-only connection: {statement[:40]!r}")


def make_sessionmaker(engine: Engine) -> sessionmaker:  # type: ignore[type-arg]
    return sessionmaker(bind=engine, expire_on_commit=False)


#: Where a statement can run: a Core connection (the webhook's hot path) or an ORM session.
Executor = Connection | Session


def connection_of(executor: Executor) -> Connection:
    """The Core connection behind ``executor``, in its current transaction."""
    return executor if isinstance(executor, Connection) else executor.connection()


def insert_ignore(executor: Executor, model: type[Base], values: dict[str, Any]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING on the primary key; True if a row was inserted (told by
    RETURNING: the driver's row count is not reliable for this statement). A concurrent insert
    of the same key waits for the other transaction and then inserts nothing."""
    connection = connection_of(executor)
    statement = _insert_ignore_statement(connection.dialect.name, model)
    # Built once per dialect and table, with bound parameters, and run on the Core connection:
    # the ORM's bulk-insert machinery and building the statement anew cost more than running it.
    return connection.execute(statement, values).first() is not None


@functools.cache
def _insert_ignore_statement(dialect: str, model: type[Base]) -> Any:
    table = model.__table__  # type: ignore[attr-defined]
    key = next(iter(table.primary_key.columns))
    return dialect_insert(dialect)(table).on_conflict_do_nothing().returning(key)


def dialect_insert(name: str) -> Any:
    """The INSERT construct of a dialect, which has ON CONFLICT (both engines do)."""
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"unsupported database {name!r}")
    return insert


def not_vacuumable(connection: Connection, tables: tuple[str, ...]) -> list[str]:
    """Which of ``tables`` the current role may not vacuum (PostgreSQL: only a table's owner,
    a member of the owning role or a superuser may; PostgreSQL skips any other with a notice
    and reports success)."""
    if connection.dialect.name != "postgresql":
        return []
    rows = connection.execute(text(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relname = ANY(:tables) AND c.relkind = 'r' "
        "AND n.nspname = ANY(current_schemas(false)) "
        "AND NOT pg_has_role(current_user, c.relowner, 'USAGE') ORDER BY c.relname"),
        {"tables": list(tables)})
    return list(rows.scalars())
