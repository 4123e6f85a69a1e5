"""De-identified demand events: no sender key, no time finer than the hour, no free text.

An event is written in two steps, so that nothing in storage ties it to the turn that made it
or orders it by arrival (docs/PRIVACY.md, "What is stored"):

1. **Staged.** The turn's transaction, which also writes the texter's conversation row, the
   delivery record and the day's digest, writes the event into ``demand_event_staged`` (``stage``),
   with whether it counted a new sender for the day (``models.unique``). A staged row is as
   bare as a published one: a random id, the hour at finest, no sender key. Only the
   transaction links it to the turn (PostgreSQL's ``xmin``, SQLite's write-ahead log), and the
   staged row lives about an hour.
2. **Published.** The hourly purge (the ``flask clock`` process's hourly run, and ``flask
   purge``; never a texter's request: ``models.upkeep``) moves the events of every *ended*
   hour into ``demand_event`` (``publish``), in batches:
   each batch is one transaction that deletes the staged rows, writes them with new random ids,
   in the order of those ids (a random order), and adds the batch's new senders to the day's
   counts. Every event of a batch thus has the same ``xmin`` and lies in no order of arrival;
   the batch holds one hour's events (the hour is in each row anyway). The staging table is
   then vacuumed (PostgreSQL) or the write-ahead log truncated (SQLite), so the staged copies,
   and with them their link to the turns, are gone.

Several processes may publish at once (two instances' clocks, an operator's ``flask purge``;
the upkeep lock lets one run at a time, but a batch does not rely on it): a batch takes a
PostgreSQL advisory lock, or SQLite's write lock, and deletes what it moves in the same
transaction, so an event moves exactly once. A turn that is rolled back (a redelivery,
a conflict, an error) stages nothing. Statistics read ``demand_event`` only: the latest hour
appears after the next hourly purge, and a period is published only once none of its events is
still staged (``first_staged_day``, ``models.stats``).
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.engine import Connection, Engine, Row

from core.vocabulary import CAMBODIA
from models.base import Executor, not_vacuumable, writer_turn
from models.demand_tables import EVENT_COLUMNS, PublishedDemandEvent, StagedDemandEvent
from models.unique import add_senders

log = logging.getLogger(__name__)


#: Events moved per transaction (an hour's events are usually far fewer).
BATCH = 5000
#: The PostgreSQL advisory lock a batch holds while it moves events (any fixed number that
#: no other code uses; ``pg_advisory_xact_lock`` releases it with the transaction).
PUBLISH_LOCK = 0x53414E474B48494D  # "SANGKHIM"

_staged = StagedDemandEvent.__table__
_published = PublishedDemandEvent.__table__
_STAGE = insert(_staged)
_FIRST_STAGED = select(func.min(_staged.c.day))


def stage(connection: Connection, values: dict[str, Any], new_sender: bool = False) -> None:
    """Write a turn's event into the staging table (``values``: ``EVENT_COLUMNS``), in the
    turn's own transaction: if the turn is rolled back, nothing is staged."""
    row = {column: values.get(column) for column in EVENT_COLUMNS}
    connection.execute(_STAGE, {"id": uuid.uuid4().hex, **row, "new_sender": new_sender})


def first_staged_day(executor: Executor) -> date | None:
    """The earliest day with an event not yet published, if any: periods that end before it
    are complete in ``demand_event``."""
    return executor.execute(_FIRST_STAGED).scalar()  # type: ignore[no-any-return]


def oldest_staged_hour(executor: Executor) -> datetime | None:
    """The start of the earliest hour with an event not yet published, if any (an aware
    datetime, Cambodia's hour): how far behind publishing is, for /metrics."""
    first = executor.execute(
        select(_staged.c.day, _staged.c.hour).order_by(_staged.c.day, _staged.c.hour).limit(1)
    ).first()
    if first is None:
        return None
    return datetime.combine(first.day, time(first.hour), tzinfo=CAMBODIA)


def publish(engine: Engine, now: datetime, batch: int = BATCH) -> int:
    """Move the staged events of every hour that has ended at ``now`` (Cambodia's hours, like
    the events') into ``demand_event``; returns how many. Safe to run often and from several
    processes at once. Events of the current hour stay staged: a batch that held the first
    events of an hour would tell which they were."""
    local = now.astimezone(CAMBODIA)
    ended = (_staged.c.day < local.date()) | (
        (_staged.c.day == local.date()) & (_staged.c.hour < local.hour)
    )
    chosen = select(_staged.c.id).where(ended).order_by(_staged.c.id).limit(batch)
    take = (
        delete(_staged)
        .where(_staged.c.id.in_(chosen.scalar_subquery()))
        .returning(*(_staged.c[c] for c in (*EVENT_COLUMNS, "new_sender")))
    )
    moved = 0
    while True:
        with writer_turn(engine), engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # One mover at a time; its DELETE, a later statement, then sees what a mover
                # before it committed (SQLite's BEGIN IMMEDIATE already holds the write lock).
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                   {"key": PUBLISH_LOCK})
            rows = connection.execute(take).all()
            if rows:
                _write(connection, rows)
        moved += len(rows)
        if len(rows) < batch:
            break
    if moved:
        _sweep(engine)
    return moved


def _write(connection: Connection, rows: Sequence[Row[Any]]) -> None:
    """One batch: the events with new random ids, written in the order of those ids (a random
    order: neither where they lie nor PostgreSQL's ``ctid`` follows arrival), then the day's
    new senders, cell by cell."""
    events = [{"id": uuid.uuid4().hex, **{c: row._mapping[c] for c in EVENT_COLUMNS}}
              for row in rows]
    events.sort(key=lambda event: str(event["id"]))
    connection.execute(insert(_published), events)
    senders = Counter(
        (row.day, row.service_type, row.province_code or "", row.district_code or "")
        for row in rows if row.new_sender and row.service_type
    )
    for (day, service_type, province_code, district_code), count in sorted(senders.items()):
        add_senders(connection, day, service_type, province_code, district_code, count)


def _sweep(engine: Engine) -> None:
    """Remove the moved rows' old copies where the engine keeps them: PostgreSQL's dead
    tuples (with their ``xmin``) by vacuuming the staging table; SQLite's pages in the
    write-ahead log by checkpointing and truncating it (deleted rows themselves are
    overwritten, ``secure_delete``)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "postgresql":
            if not_vacuumable(connection, (StagedDemandEvent.__tablename__,)):
                log.warning("the staged demand events cannot be vacuumed: the database role "
                            "does not own demand_event_staged (flask doctor checks this)")
                return
            connection.execute(text(f"VACUUM {StagedDemandEvent.__tablename__}"))
        elif engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
