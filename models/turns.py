"""The statements of one conversation turn, the webhook's hot path.

Every inbound message runs a handful of these (a read, then a short write transaction, on one
pooled connection: ``turn_connection``, ``writing``), so they are built once, with bound
parameters, compiled once per dialect and run on the driver's cursor (``models.prepared``):
building a statement anew, going through the ORM's unit of work, or even SQLAlchemy's execution
of a cached statement costs more than running it (``make bench``). Columns and types are the
models' own, converted by their own types, so what is written here reads back the same through
the ORM (``tests/models/test_prepared.py``).

A turn's writes (``save_turn``: the conversation row, the staged demand event, the delivery
record) are one statement on PostgreSQL, whose data-modifying ``WITH`` clauses make that
possible: one round trip instead of three. SQLite, which has none, runs them one by one in the
same transaction, in the same order of locks.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import uuid
from collections import namedtuple
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import (
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine

from models.base import BEGUN_BY_STATEMENT, READ_ONLY, dialect_insert
from models.conversation import Conversation
from models.demand_tables import EVENT_COLUMNS, StagedDemandEvent
from models.inbox import ProcessedMessage
from models.prepared import Prepared

_conversation = Conversation.__table__
_delivery = ProcessedMessage.__table__
_staged = StagedDemandEvent.__table__

#: The sender's row as ``load_conversation`` returns it: the table's columns, by name.
ConversationRow = namedtuple(  # type: ignore[misc]
    "ConversationRow", [column.key for column in _conversation.columns])

_LOAD = select(_conversation).where(_conversation.c.sender_key == bindparam("sender_key"))
_LOAD_FOR_UPDATE = _LOAD.with_for_update()
_PREPARED_LOAD = Prepared(_LOAD)
_PREPARED_LOAD_FOR_UPDATE = Prepared(_LOAD_FOR_UPDATE)
_UNCHANGED = (_conversation.c.sender_key == bindparam("key")) & (
    _conversation.c.version == bindparam("seen_version")
)
_DELETE = delete(_conversation).where(_UNCHANGED)
_STORED_REPLY = select(_delivery.c.reply).where(_delivery.c.inbound_key == bindparam("inbound_key"))


@contextlib.contextmanager
def turn_connection(engine: Engine) -> Iterator[Connection]:
    """One pooled connection for a whole turn: its read, then its write transaction
    (``writing``). Until then it reads only (``READ_ONLY``: autocommit, so no transaction is
    begun and SQLite's write lock is not taken while the engine works; writes refused)."""
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # no transaction is begun while it reads: SQLite's driver begins none by itself
            # (``models.base``), and SQLAlchemy's begin does not either with this option
            connection.execution_options(sangkhim_read_only=True, **{BEGUN_BY_STATEMENT: True})
        else:
            connection.execution_options(**READ_ONLY)
        yield connection


_BEGIN_IMMEDIATE = Prepared(text("BEGIN IMMEDIATE"))


@contextlib.contextmanager
def writing(connection: Connection) -> Iterator[Connection]:
    """The turn's one transaction, on the connection of ``turn_connection``: committed if the
    block ends normally, rolled back if it raises. SQLite's driver begins nothing by itself
    (``models.base``), so the transaction is begun here by statement, ``BEGIN IMMEDIATE``, which
    takes the write lock, as ``models.base`` has every write transaction do; on PostgreSQL the
    driver leaves autocommit and begins it. Every statement of the block, Core or prepared,
    runs inside it, and SQLAlchemy's commit or rollback (the driver's) ends it."""
    if connection.in_transaction():
        connection.rollback()  # what the reads began, logically: nothing to end on the database
    connection.execution_options(sangkhim_read_only=False)
    with connection.begin():
        if connection.dialect.name == "sqlite":
            _BEGIN_IMMEDIATE.execute(connection, {}).close()
        else:
            # psycopg begins the transaction itself before the block's first statement, as it
            # does outside autocommit (its own BEGIN costs less than a statement's execution);
            # SQLAlchemy puts the connection back in its default mode when it returns to the pool
            connection.connection.driver_connection.autocommit = False
        yield connection


def load_conversation(
    connection: Connection, sender_key: str, lock: bool = False
) -> Any | None:
    """The sender's conversation row (a ``ConversationRow``), or None. With ``lock`` it stays
    locked until the transaction ends (PostgreSQL; on SQLite the write transaction already
    holds the only write lock)."""
    locking = lock and connection.dialect.name == "postgresql"
    statement = _PREPARED_LOAD_FOR_UPDATE if locking else _PREPARED_LOAD
    rows = statement.rows(connection, statement.execute(connection, {"sender_key": sender_key}))
    return ConversationRow(*rows[0]) if rows else None


def delete_conversation(connection: Connection, sender_key: str, seen_version: int) -> bool:
    """STOP: delete the row if it still has the version the turn read; False otherwise."""
    parameters = {"key": sender_key, "seen_version": seen_version}
    return connection.execute(_DELETE, parameters).rowcount == 1


def record_delivery(connection: Connection, inbound_key: str, reply: str, hour: datetime) -> bool:
    """Record a delivery as answered with ``reply``; False if it was already recorded (the same
    MessageSid/update_id processed before, or concurrently by another worker: this waits for
    that transaction to end). The time is kept to the hour only: the record lives for days,
    and a precise time could be matched with an operator's records of who texted when."""
    statement = _record_statement(connection.dialect.name)
    values = {"inbound_key": inbound_key, "reply": reply, "received_at": hour}
    return connection.execute(statement, values).first() is not None


@functools.cache
def _record_statement(dialect: str) -> Any:
    return (
        dialect_insert(dialect)(_delivery)
        .on_conflict_do_nothing()
        .returning(_delivery.c.inbound_key)
    )


def stored_reply(connection: Connection, inbound_key: str) -> str | None:
    """The reply recorded for a delivery, as stored (JSON), or None if there is none."""
    return connection.execute(_STORED_REPLY, {"inbound_key": inbound_key}).scalar()


class Saved(enum.Enum):
    """What ``save_turn`` found."""

    #: Written: the conversation, the event if any, the delivery with its reply.
    SAVED = "saved"
    #: The conversation row is no longer the version the turn read (another turn saved or
    #: deleted it): nothing of the turn may stand; roll back and work it out again.
    CONFLICT = "conflict"
    #: The delivery was recorded before (a redelivery): roll back, answer the stored reply.
    REPEAT = "repeat"


#: The columns a turn writes into the sender's row (``values`` of ``save_turn``).
CONVERSATION_COLUMNS = ("locale", "step", "data", "updated_at", "burst_start", "burst_count",
                        "limited", "replies")


def save_turn(
    connection: Connection,
    sender_key: str,
    seen_version: int | None,
    values: dict[str, Any],
    event: dict[str, Any] | None,
    inbound_key: str,
    reply: str,
    hour: datetime,
) -> Saved:
    """Write a turn in the current transaction: the sender's row (a new one when
    ``seen_version`` is None, else only if it still has that version), the staged demand
    ``event`` (``EVENT_COLUMNS`` and ``new_sender``; None for none) and the delivery record
    with ``reply`` (``record_delivery``). A new sender's row that another turn created first
    raises ``IntegrityError`` (a plain INSERT: ``_prepared_write``). The row is written before the
    delivery is recorded, so concurrent turns of one sender take their locks in one order.

    On a CONFLICT or a REPEAT something may have been written: the caller rolls back."""
    parameters = {f"c_{column}": values[column] for column in CONVERSATION_COLUMNS}
    parameters.update(k_sender=sender_key, k_version=seen_version or 0,
                      d_key=inbound_key, d_reply=reply, d_hour=hour)
    if event is not None:
        parameters.update({f"e_{column}": event.get(column) for column in EVENT_COLUMNS})
        parameters.update(e_id=uuid.uuid4().hex, e_new_sender=bool(event.get("new_sender")))
    if connection.dialect.name != "postgresql":
        # SQLite: the same statements one by one, prepared (``models.prepared``)
        if seen_version is None:
            _prepared_write(True).execute(connection, parameters).close()
        else:
            cursor = _prepared_write(False).execute(connection, parameters)
            updated = cursor.rowcount
            cursor.close()
            if updated != 1:
                return Saved.CONFLICT
        if event is not None:
            _PREPARED_STAGE.execute(connection, parameters).close()
        record = _prepared_record(connection.dialect.name)
        if not record.rows(connection, record.execute(connection, parameters)):
            return Saved.REPEAT
        return Saved.SAVED
    statement = _one_statement(seen_version is None, event is not None)
    ((saved, recorded),) = statement.rows(connection, statement.execute(connection, parameters))
    if not saved:
        return Saved.CONFLICT
    return Saved.SAVED if recorded else Saved.REPEAT


def _columns() -> dict[str, Any]:
    """The conversation columns a turn writes, as parameters named ``c_<column>``."""
    return {column: bindparam(f"c_{column}", type_=_conversation.c[column].type)
            for column in CONVERSATION_COLUMNS}


@functools.cache
def _prepared_write(new: bool) -> Prepared:
    """A new sender's row, or the row saved only if it still has the version read (else no
    row is updated: another turn saved or deleted it in the meantime). The new row is a plain
    INSERT on purpose: if another message from the same new sender created it first, this
    fails (IntegrityError) and the turn is worked out again on that row, rather than
    overwriting it."""
    if new:
        return Prepared(insert(_conversation).values(
            sender_key=bindparam("k_sender", type_=_conversation.c.sender_key.type),
            version=0, **_columns()))
    return Prepared(
        update(_conversation)
        .where((_conversation.c.sender_key == bindparam("k_sender"))
               & (_conversation.c.version == bindparam("k_version")))
        .values(version=_conversation.c.version + 1, **_columns()))


def _event_parameters() -> dict[str, Any]:
    return {column: bindparam(f"e_{column}", type_=_staged.c[column].type)
            for column in (*EVENT_COLUMNS, "id", "new_sender")}


_PREPARED_STAGE = Prepared(insert(_staged).values(**_event_parameters()))


@functools.cache
def _prepared_record(dialect: str) -> Prepared:
    """``record_delivery``'s statement, with the turn's parameter names."""
    return Prepared(
        dialect_insert(dialect)(_delivery)
        .values(inbound_key=bindparam("d_key", type_=_delivery.c.inbound_key.type),
                reply=bindparam("d_reply", type_=_delivery.c.reply.type),
                received_at=bindparam("d_hour", type_=_delivery.c.received_at.type))
        .on_conflict_do_nothing()
        .returning(_delivery.c.inbound_key)
    )


@functools.cache
def _one_statement(new: bool, with_event: bool) -> Prepared:
    """PostgreSQL: a turn's writes as one statement, answering how many conversation rows
    and delivery records it wrote. The delivery is inserted only from the conversation write's
    result (``WHERE EXISTS``), so PostgreSQL writes the row, and takes its lock, first: with
    independent ``WITH`` clauses their order would be PostgreSQL's to choose, and two copies of
    one delivery could each lock what the other waits for. No parameter is named after a
    column: SQLAlchemy would take it for a further value to write."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    columns = _columns()
    if new:
        write = insert(_conversation).values(
            sender_key=bindparam("k_sender", type_=_conversation.c.sender_key.type),
            version=0, **columns,
        )
    else:
        write = (update(_conversation)
                 .where((_conversation.c.sender_key == bindparam("k_sender"))
                        & (_conversation.c.version == bindparam("k_version")))
                 .values(version=_conversation.c.version + 1, **columns))
    saved = write.returning(_conversation.c.sender_key).cte("saved")
    delivered = select(
        bindparam("d_key", type_=_delivery.c.inbound_key.type),
        bindparam("d_reply", type_=_delivery.c.reply.type),
        bindparam("d_hour", type_=_delivery.c.received_at.type),
    ).where(exists(select(literal_column("1")).select_from(saved)))
    recorded = (
        pg_insert(_delivery)
        .from_select(["inbound_key", "reply", "received_at"], delivered)
        .on_conflict_do_nothing()
        .returning(_delivery.c.inbound_key)
        .cte("recorded")
    )
    query = select(
        select(func.count()).select_from(saved).scalar_subquery(),
        select(func.count()).select_from(recorded).scalar_subquery(),
    )
    if with_event:
        query = query.add_cte(insert(_staged).values(**_event_parameters()).cte("staged"))
    return Prepared(query)
