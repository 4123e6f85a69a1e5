"""The statements of one conversation turn, the webhook's hot path.

Every inbound message runs a handful of these (a read, then a short write transaction), so they
are built once, with bound parameters, and run on the Core connection: building a statement
anew, or going through the ORM's unit of work, costs more than running it (``make bench``).
Columns and types are the models' own, so what is written here reads back the same through the
ORM.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection, Row

from models.base import dialect_insert
from models.conversation import Conversation
from models.inbox import ProcessedMessage

_conversation = Conversation.__table__
_delivery = ProcessedMessage.__table__

_LOAD = select(_conversation).where(_conversation.c.sender_key == bindparam("sender_key"))
_LOAD_FOR_UPDATE = _LOAD.with_for_update()
_INSERT = insert(_conversation)
_UNCHANGED = (_conversation.c.sender_key == bindparam("key")) & (
    _conversation.c.version == bindparam("seen_version")
)
_UPDATE = update(_conversation).where(_UNCHANGED).values(version=_conversation.c.version + 1)
_DELETE = delete(_conversation).where(_UNCHANGED)
_STORED_REPLY = select(_delivery.c.reply).where(_delivery.c.inbound_key == bindparam("inbound_key"))


def load_conversation(
    connection: Connection, sender_key: str, lock: bool = False
) -> Row[Any] | None:
    """The sender's conversation row. With ``lock`` it stays locked until the transaction ends
    (PostgreSQL; on SQLite the write transaction already holds the only write lock)."""
    locking = lock and connection.dialect.name == "postgresql"
    statement = _LOAD_FOR_UPDATE if locking else _LOAD
    return connection.execute(statement, {"sender_key": sender_key}).first()


def insert_conversation(connection: Connection, values: dict[str, Any]) -> None:
    """A new sender's row. A plain INSERT on purpose: if another message from the same new
    sender created it first, this fails (IntegrityError) and the turn is worked out again on
    that row, rather than overwriting it."""
    connection.execute(_INSERT, values)


def update_conversation(
    connection: Connection, sender_key: str, seen_version: int, values: dict[str, Any]
) -> bool:
    """Save the row if it still has the version the turn read; False if another turn saved
    or deleted it in the meantime (nothing is written then)."""
    parameters = {"key": sender_key, "seen_version": seen_version, **values}
    return connection.execute(_UPDATE, parameters).rowcount == 1


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
