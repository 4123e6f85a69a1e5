"""Database upkeep off the texter's path, run by one instance at a time (``flask clock``).

What runs, and when (``run_due``, called by the clock about once a minute):

- **hourly** (the first tick of each UTC hour): the retention purge (``models.retention.purge``:
  expired state, old replies, closed days, chats past their time, old audit entries), then the
  publication of the demand events of the hours that have ended (``models.demand_events``);
  if the purge deleted anything, a compaction becomes due, and if it closed or re-wrapped a
  chat's key, a shredding of the key table;
- **soon after an opt-out or a closed chat**: the turn that deleted the texter's rows only
  *marks* a compaction (and, if a chat ended, a shredding) as due (``mark_due``, a read and at
  most one tiny write); the next tick compacts once, however many opt-outs came since. So a
  flood of STOP messages costs one compaction a minute, not one per message;
- **daily** (the first tick of each day in Cambodia): a compaction, whatever happened;
- **whenever a published period has no protected tables yet** (any tick, for at most about
  20 seconds a tick): they are built and stored (``models.stats.protect_ended_periods``), so
  that no dashboard view or export waits for the suppression and its audit.

A compaction is ``retention.compact`` (SQLite: the write-ahead log checkpointed and truncated;
PostgreSQL: a plain ``VACUUM`` of the tables that held pseudonyms, which takes no lock that
blocks inserts) and the shredding ``retention.shred_keys``. There is no ``CLUSTER`` and no
``VACUUM FULL`` of a table that texters write to.

**Once per deployment.** Every instance may run a clock; each run first takes a lock and skips
if another holds it (``upkeep_lock``): a PostgreSQL session-level advisory lock on a connection
of its own, or an ``flock`` on a file beside the SQLite database. What has run and what is due
is kept in the database (table ``upkeep``: a job's name, the hour or day it last ran, and whether
it is due; nothing about any texter), so two clocks do not each purge in the same hour, and a
mark made by any web worker is seen by whichever clock runs next.

A job that fails (the database is down) is logged and stays due: the next tick tries again.
``run_due`` returns a ``Run`` listing each job with its kind, duration and outcome, the one
place where upkeep can be counted (metrics) or printed (the CLI).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, String, bindparam, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from core.vocabulary import CAMBODIA
from models import demand_events, retention, sealing
from models.base import Base, UTCDateTime, reading, writer_turn

log = logging.getLogger(__name__)

#: The jobs kept in the ``upkeep`` table.
HOURLY = "hourly"  # purge + publish; ``last_run`` is the UTC hour it last ran for
DAILY = "daily"  # compaction; ``last_run`` is the start of the (Cambodian) day it ran for
COMPACT = "compact"  # ``due`` after an opt-out or a purge that deleted rows
SHRED = "shred"  # ``due`` after a chat's key was destroyed or re-wrapped

#: The kinds of work a run reports (``Job.kind``): what metrics count.
KINDS = ("purge", "publish", "compact", "shred", "tables")

#: The PostgreSQL advisory lock one upkeep run holds (session-level; distinct from the
#: publication's own transaction-level lock, ``demand_events.PUBLISH_LOCK``).
UPKEEP_LOCK = 0x53414E474B55504B  # "SANGKUPK"
#: How often the clock wakes up, in seconds (``flask clock --interval``).
TICK_SECONDS = 60


class Upkeep(Base):
    """What upkeep has done and what is due: one row per job, no identifier of any kind."""

    __tablename__ = "upkeep"

    job: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: The hour (UTC) the hourly job last ran for, or the day's start the daily job ran for.
    last_run: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: A compaction or a shredding is waiting for the next tick.
    due: Mapped[bool] = mapped_column(Boolean, default=False)


_table = Upkeep.__table__


@dataclass(frozen=True, slots=True)
class Settings:
    """The retention settings a purge needs (from the app's config: ``from_config``)."""

    state_ttl_hours: int
    processed_retention_days: int
    handoff_ttl_hours: int = 0
    audit_retention_days: int = retention.AUDIT_RETENTION_DAYS
    keys: sealing.Keyring | None = None
    #: The published statistics' granularity and k, for the protected tables; None: not built.
    demand_period: str | None = None
    k: int = 5

    @classmethod
    def from_config(cls, config: Any) -> Settings:
        return cls(config["STATE_TTL_HOURS"], config["PROCESSED_RETENTION_DAYS"],
                   config["HANDOFF_TTL_HOURS"], config["AUDIT_RETENTION_DAYS"],
                   sealing.keyring_of(config), config.get("DEMAND_PERIOD"),
                   int(config.get("K_ANONYMITY", 5)))


@dataclass(frozen=True, slots=True)
class Job:
    """One piece of work a run did: its kind (``KINDS``), how long it took, whether it
    completed (a compaction that a reader kept from completing is not ok), and how many rows
    it touched (purge: rows deleted or emptied; publish: events moved)."""

    kind: str
    seconds: float
    ok: bool
    count: int = 0


@dataclass(slots=True)
class Run:
    """What one ``run_due`` did. ``ran`` is False if another instance held the lock."""

    ran: bool
    jobs: list[Job] = field(default_factory=list)
    purged: retention.Purged | None = None
    published: int = 0

    @property
    def ok(self) -> bool:
        return all(job.ok for job in self.jobs)


# --- the request path's only part: a mark ---------------------------------------------------


def mark_due(engine: Engine, compact: bool = True, shred: bool = False) -> None:
    """Say that a compaction (and a shredding of chat keys) is due, after a turn deleted a
    texter's rows. Cheap: one read, and a write only if it was not due yet (the first opt-out
    of a minute), in its own short transaction, not the turn's (so the mark does not share
    the turn's transaction id, and the clock clears it within a minute). Never raises: a lost
    mark is made up for by the daily compaction."""
    jobs = [job for job, wanted in ((COMPACT, compact), (SHRED, shred)) if wanted]
    if not jobs:
        return
    try:
        with reading(engine) as connection:
            already = set(connection.execute(_DUE, {"jobs": jobs}).scalars())
        pending = [job for job in jobs if job not in already]
        if pending:
            with writer_turn(engine), engine.begin() as connection:
                for job in pending:
                    _set_due(connection, job, True)
    except SQLAlchemyError as error:
        log.warning("could not mark a compaction as due (%s); the daily one will do it",
                    type(error).__name__)


_DUE = select(_table.c.job).where(_table.c.job.in_(bindparam("jobs", expanding=True)),
                                  _table.c.due)
_UPSERT_DUE = text(
    "INSERT INTO upkeep (job, due) VALUES (:job, :due) "
    "ON CONFLICT (job) DO UPDATE SET due = excluded.due")
_UPSERT_RUN = text(
    "INSERT INTO upkeep (job, last_run, due) VALUES (:job, :at, false) "
    "ON CONFLICT (job) DO UPDATE SET last_run = excluded.last_run",
).bindparams(bindparam("at", type_=UTCDateTime()))


def _set_due(connection: Connection, job: str, due: bool) -> None:
    connection.execute(_UPSERT_DUE, {"job": job, "due": due})


def _set_run(connection: Connection, job: str, at: datetime) -> None:
    connection.execute(_UPSERT_RUN, {"job": job, "at": at})


def state(engine: Engine) -> dict[str, tuple[datetime | None, bool]]:
    """Each job's last run and whether it is due (for ``flask doctor`` and metrics)."""
    with reading(engine) as connection:
        return {row.job: (row.last_run, bool(row.due))
                for row in connection.execute(select(_table))}


# --- the lock -------------------------------------------------------------------------------

#: In-memory SQLite databases have no file to lock: a lock per process stands in for it.
_MEMORY_LOCK = threading.Lock()


@contextlib.contextmanager
def upkeep_lock(engine: Engine) -> Iterator[bool]:
    """Try to become the one instance running upkeep; yields whether it did (never waits).

    PostgreSQL: ``pg_try_advisory_lock`` on a connection held for the whole run (if the
    process dies, the server releases it with the connection). SQLite: a non-blocking
    ``flock`` on ``<database>-upkeep.lock`` (released by the kernel if the process dies)."""
    if engine.dialect.name == "postgresql":
        connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            held = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                           {"key": UPKEEP_LOCK}).scalar())
            try:
                yield held
            finally:
                if held:
                    try:
                        connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                                           {"key": UPKEEP_LOCK})
                    except SQLAlchemyError:
                        connection.invalidate()  # closing the session releases it anyway
        finally:
            connection.close()
        return
    path = engine.url.database
    if not path or path == ":memory:" or engine.url.query.get("mode") == "memory":
        held = _MEMORY_LOCK.acquire(blocking=False)
        try:
            yield held
        finally:
            if held:
                _MEMORY_LOCK.release()
        return
    # Each run opens the file anew: flock excludes other open files, in this process too.
    with open(f"{path}-upkeep.lock", "a+b") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


# --- the run ---------------------------------------------------------------------------------


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _day_start(moment: datetime) -> datetime:
    """The start of ``moment``'s day in Cambodia, in UTC (days are Cambodia's)."""
    local = moment.astimezone(CAMBODIA)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(moment.tzinfo)


def run_due(engine: Engine, now: datetime, settings: Settings, force: bool = False,
            wait: float = 0.0) -> Run:
    """Run whatever upkeep is due at ``now``, if no other instance is running it; ``force``
    runs everything (``flask purge``). ``wait``: seconds to keep trying for the lock (0: skip
    at once if it is held)."""
    deadline = time.monotonic() + wait
    while True:
        with upkeep_lock(engine) as held:
            if held:
                return _run(engine, now, settings, force)
        if time.monotonic() >= deadline:
            return Run(ran=False)
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))


def _run(engine: Engine, now: datetime, settings: Settings, force: bool) -> Run:
    run = Run(ran=True)
    with reading(engine) as connection:
        rows = {row.job: row for row in connection.execute(select(_table))}

    def last(job: str) -> datetime | None:
        row = rows.get(job)
        return row.last_run if row is not None else None

    def due(job: str) -> bool:
        row = rows.get(job)
        return bool(row is not None and row.due)

    compact, shred = due(COMPACT) or force, due(SHRED) or force
    hour, day = _hour(now), _day_start(now)
    previous_hour, previous_day = last(HOURLY), last(DAILY)
    if force or previous_hour is None or previous_hour < hour:
        purged = _timed(run, "purge", lambda: _purge(engine, now, settings))
        if purged is not None:
            run.purged = purged
            compact = compact or _deleted_any(purged)
            shred = shred or bool(purged.handoffs or purged.rewrapped)
            published = _timed(run, "publish", lambda: demand_events.publish(engine, now))
            if published is not None:
                run.published = published
                with writer_turn(engine), engine.begin() as connection:
                    _set_run(connection, HOURLY, hour)
    daily = force or previous_day is None or previous_day < day
    if compact or daily:
        _clear(engine, COMPACT)  # an opt-out from now on marks the next compaction
        if not _timed(run, "compact", lambda: retention.compact(engine)):
            _mark_again(engine, COMPACT)
        elif daily:
            with writer_turn(engine), engine.begin() as connection:
                _set_run(connection, DAILY, day)
    if shred:
        _clear(engine, SHRED)
        if not _timed(run, "shred", lambda: retention.shred_keys(engine)):
            _mark_again(engine, SHRED)
    if settings.demand_period:
        _protect_tables(run, engine, now, settings)
    return run


def _protect_tables(run: Run, engine: Engine, now: datetime, settings: Settings) -> None:
    """Build the protected tables of published periods that have none; reported only when it
    built some (or failed), so that a quiet minute's run lists nothing."""
    from models import stats  # the statistics (and the LP solver) only where tables are built

    jobs = len(run.jobs)
    built = _timed(run, "tables", lambda: stats.protect_ended_periods(
        engine, now.astimezone(CAMBODIA).date(), str(settings.demand_period), settings.k))
    if built == 0:
        del run.jobs[jobs:]


def _purge(engine: Engine, now: datetime, settings: Settings) -> retention.Purged:
    with writer_turn(engine), engine.begin() as connection:
        return retention.purge(
            connection, now, settings.state_ttl_hours, settings.processed_retention_days,
            settings.handoff_ttl_hours, settings.audit_retention_days, keys=settings.keys)


def _deleted_any(purged: retention.Purged) -> bool:
    return any((purged.conversations, purged.processed, purged.daily_keys, purged.replies,
                purged.handoffs, purged.audit_entries))


def _timed(run: Run, kind: str, work: Any) -> Any:
    """Do ``work``, record it in ``run`` as a ``Job`` and return its result (None if it
    failed: it is logged, never raised, so that the other jobs still run)."""
    start = time.monotonic()
    try:
        result = work()
    except SQLAlchemyError as error:
        log.warning("upkeep: %s failed (%s); it is tried again at the next tick", kind,
                    type(error).__name__)
        run.jobs.append(Job(kind, time.monotonic() - start, ok=False))
        return None
    ok = result is not False
    count = 0
    if isinstance(result, retention.Purged):
        count = sum((result.conversations, result.processed, result.daily_keys, result.replies,
                     result.handoffs, result.audit_entries))
    elif isinstance(result, int) and not isinstance(result, bool):
        count = result
    run.jobs.append(Job(kind, time.monotonic() - start, ok=ok, count=count))
    return result if ok else False


def _clear(engine: Engine, job: str) -> None:
    with writer_turn(engine), engine.begin() as connection:
        _set_due(connection, job, False)


def _mark_again(engine: Engine, job: str) -> None:
    try:
        with writer_turn(engine), engine.begin() as connection:
            _set_due(connection, job, True)
    except SQLAlchemyError:
        pass  # the database went away: the daily compaction makes up for it


def next_tick(now: datetime, interval: float = TICK_SECONDS) -> float:
    """Seconds to sleep until the next tick: ``interval``, but wake at the top of the hour so
    that the hourly purge is not late by up to a tick."""
    to_hour = (_hour(now) + timedelta(hours=1) - now).total_seconds()
    return max(1.0, min(interval, to_hour + 1.0))
