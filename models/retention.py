"""Retention: what expires, as plain functions safe to run at any time.

``purge`` deletes
- conversation state after ``STATE_TTL_HOURS`` of silence (the pipeline already ignores it);
- the reply stored with a processed delivery after ``STORED_REPLY_HOURS``: it only serves a
  provider's retry of a delivery whose answer was lost, which comes within seconds or minutes;
  the delivery's keyed id stays for ``PROCESSED_RETENTION_DAYS`` (default 7) so that a late
  retry is still not counted twice;
- processed-delivery records after ``PROCESSED_RETENTION_DAYS``;
- the key and digests of every closed day (``models.unique``): only the counts remain;
- "full" marks a week old (``models.services.expire_full``: a service forgotten as full is
  hidden capacity), each recorded in the audit log;
- handoffs to an outreach worker past their time (``HANDOFF_TTL_HOURS``), with their key, the
  texter's sealed address and every message (``models.handoffs``); and, while ``HANDOFF_KEY``
  is being rotated, it re-wraps the handoffs' keys under the new one;
- audit log entries older than ``AUDIT_RETENTION_DAYS`` (its chat entries name a chat's handle).

``compact`` then makes deleted rows unrecoverable where the engine allows it: SQLite overwrites
deleted content (``secure_delete``, set on every connection) and its write-ahead log is
checkpointed and truncated; PostgreSQL vacuums (plain ``VACUUM``, which lets inserts through) the
tables that held pseudonyms. A role that does not own them cannot vacuum them, and PostgreSQL
would skip them with a mere notice: ``compact`` logs a warning naming the tables instead, and
``can_vacuum`` answers it for ``flask doctor``. (Demand events need no rewrite: each batch is
published in the order of new random ids, ``models.demand_events``.)
On SQLite another connection in the middle of a read (a backup, a long report) keeps the log
from being emptied: the checkpoint is tried again, without making writers wait, for up to
``CHECKPOINT_PATIENCE_SECONDS``, and logged (with no identifier) if it still cannot complete;
the next compaction tries again.

``shred_keys`` makes destroyed handoff keys unrecoverable from the files: SQLite checkpoints and
truncates the write-ahead log (retried while a reader holds an old snapshot); PostgreSQL
rewrites the small unlogged ``handoff_key`` table (``VACUUM FULL``: a new file holding only the
live keys, the old one removed), so that no dead copy of a key stays on disk; the table is
small and only texters in a chat with a worker read it, and the rewrite gives up rather than
wait more than ``SHRED_WAIT_MS`` * 3 for its lock. It runs after a worker closes a chat (before
the page answers), at the clock's next tick after STOP ends one or a purge closed or
re-wrapped a chat key, at every ``flask purge``, and after a rekey.

None of this runs inside a texter's request: the ``flask clock`` process runs it
(``models.upkeep``: hourly purge, compaction soon after opt-outs, daily compaction), one
instance at a time; ``flask purge`` runs it all at once, on demand. Demand events, daily
counts and the directory are never deleted.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from core.vocabulary import CAMBODIA
from models import handoffs, sealing, services
from models.base import Executor, not_vacuumable
from models.conversation import Conversation
from models.inbox import ProcessedMessage
from models.staff import AuditLog
from models.unique import close_days

log = logging.getLogger(__name__)

#: How long audit log entries are kept by default (``AUDIT_RETENTION_DAYS``), and the bounds a
#: deployment may set: long enough to look into what staff did, short enough that the chat
#: entries do not outlive their use.
AUDIT_RETENTION_DAYS = 180
AUDIT_RETENTION_BOUNDS = (30, 730)
#: How long ``compact`` keeps trying to empty SQLite's write-ahead log while another connection
#: reads (each try gives way at once to writers and readers), and the pause between tries.
CHECKPOINT_PATIENCE_SECONDS = 2.0
_CHECKPOINT_PAUSES = (0.02, 0.05, 0.1, 0.2, 0.25)
#: Hours a delivery's reply is kept at least, for a provider's retry (received times are kept to
#: the hour, and the app purges hourly: a reply lives one to three hours).
STORED_REPLY_HOURS = 1
#: Tables whose deleted rows held pseudonyms or keyed digests (PostgreSQL vacuums them).
_VACUUMED = ("conversation", "processed_message", "daily_key", "daily_sender_digest",
             "handoff", "handoff_message")


#: A conversation linked to a handoff: talking with a worker, or waiting for one out of hours
#: (its state's data names the handoff: ``{"handoff": "<id>"}``).
_HANDOFF_MARK = '"handoff": "'
_IN_HANDOFF = (Conversation.step == "handoff") | Conversation.data.contains(_HANDOFF_MARK)


def in_handoff(step: str | None, data: str | None) -> bool:
    """Whether a stored conversation is linked to a handoff (then it lives as long as one)."""
    return step == "handoff" or _HANDOFF_MARK in (data or "")


@dataclass(frozen=True, slots=True)
class Purged:
    conversations: int
    processed: int
    daily_keys: int
    replies: int = 0
    handoffs: int = 0
    #: Handoff keys re-wrapped under the current HANDOFF_KEY (a rotation under way).
    rewrapped: int = 0
    audit_entries: int = 0


def purge(
    session: Executor, now: datetime, state_ttl_hours: int, processed_retention_days: int,
    handoff_ttl_hours: int = 0, audit_retention_days: int = AUDIT_RETENTION_DAYS,
    keys: sealing.Keyring | None = None,
) -> Purged:
    """Delete what has expired at ``now`` (the same clock and day as the demand events). A
    conversation with an outreach worker lives as long as its handoff may
    (``handoff_ttl_hours``); expired handoffs are closed, and their keys destroyed; audit log
    entries go after ``audit_retention_days``. With ``keys`` holding previous HANDOFF_KEYs,
    keys still wrapped under one are re-wrapped under the current key. Run ``shred_keys``
    after the transaction."""
    state_cutoff = now - timedelta(hours=state_ttl_hours)
    handoff_cutoff = now - timedelta(hours=max(handoff_ttl_hours, state_ttl_hours))
    closed = handoffs.close_expired(session, now)  # type: ignore[arg-type]
    rewrapped = 0
    if keys is not None and keys.previous:
        rewrapped = handoffs.rekey(session, keys).rewrapped  # type: ignore[arg-type]
    for service_id, name in services.expire_full(session, now):
        session.execute(insert(AuditLog.__table__).values(
            actor_id=None, actor_email="(system)", action="service.full_expired",
            target_type="service", target_id=str(service_id), target_label=name[:254],
            details="{}", at=now,
        ))
    inbox_cutoff = now - timedelta(days=processed_retention_days)
    reply_cutoff = now - timedelta(hours=STORED_REPLY_HOURS + 1)  # + 1: times are to the hour
    states = session.execute(delete(Conversation).where(
        Conversation.updated_at < state_cutoff,
        ~_IN_HANDOFF | (Conversation.updated_at < handoff_cutoff),
    ))
    inbox = session.execute(
        delete(ProcessedMessage).where(ProcessedMessage.received_at < inbox_cutoff)
    )
    replies = session.execute(
        update(ProcessedMessage)
        .where(ProcessedMessage.received_at <= reply_cutoff, ProcessedMessage.reply != "[]")
        .values(reply="[]")
    )
    keys = close_days(session, before=now.astimezone(CAMBODIA).date())  # days are Cambodia's
    audit = session.execute(delete(AuditLog).where(
        AuditLog.at < now - timedelta(days=audit_retention_days)
    ))
    return Purged(
        conversations=states.rowcount,  # type: ignore[attr-defined]
        processed=inbox.rowcount,  # type: ignore[attr-defined]
        daily_keys=keys,
        replies=replies.rowcount,  # type: ignore[attr-defined]
        handoffs=closed,
        rewrapped=rewrapped,
        audit_entries=audit.rowcount,  # type: ignore[attr-defined]
    )


def compact(engine: Engine) -> bool:
    """Make what ``purge`` and opt-outs deleted unrecoverable from the database's files, as far
    as the engine allows (see the module docstring and docs/PRIVACY.md); True if it completed.
    Runs outside any transaction. Nothing here blocks a texter's insert: SQLite's checkpoint
    gives way to writers, and PostgreSQL's plain ``VACUUM`` takes a lock that lets inserts,
    updates and deletes through (no ``CLUSTER``, no ``VACUUM FULL``)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "sqlite":
            return checkpoint(connection)
        if engine.dialect.name == "postgresql":
            refused = not_vacuumable(connection, _VACUUMED)
            if refused:
                # PostgreSQL would skip them with a mere notice: say it where an operator looks.
                log.warning(
                    "compaction cannot vacuum %s: the database role does not own them, so "
                    "deleted rows stay in the files until someone who does vacuums them "
                    "(run the clock as the tables' owner; flask doctor checks this)",
                    ", ".join(refused))
            allowed = [table for table in _VACUUMED if table not in refused]
            if allowed:
                connection.execute(text(f"VACUUM {', '.join(allowed)}"))
            return not refused
    return False  # pragma: no cover - only SQLite and PostgreSQL are supported


#: Every table that upkeep vacuums (PostgreSQL): ``compact``'s, the staged demand events
#: (``demand_events.publish``) and the chat keys (``shred_keys``).
VACUUMED_BY_UPKEEP = (*_VACUUMED, "demand_event_staged", "handoff_key")


def can_vacuum(engine: Engine) -> bool:
    """Whether upkeep can compact every table it must (always on SQLite). False means deleted
    rows would stay in PostgreSQL's files: ``flask doctor`` reports it, ``compact`` logs it."""
    if engine.dialect.name != "postgresql":
        return True
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return not not_vacuumable(connection, VACUUMED_BY_UPKEEP)


def checkpoint(connection: Connection, patience: float | None = None) -> bool:
    """Empty SQLite's write-ahead log, where old page images (a deleted pseudonym among them)
    stay until a checkpoint copies the log into the (securely overwritten) database and
    truncates it. True if it did.

    A checkpoint cannot complete while another connection reads an older snapshot, and one
    that waits for it (the busy timeout) keeps every writer out meanwhile: texters would wait.
    So each try waits for nobody, and tries are repeated, with short pauses, for up to
    ``patience`` seconds (``CHECKPOINT_PATIENCE_SECONDS``). If the log still cannot be
    emptied, that is logged, with no key, pseudonym or identifier of any kind."""
    patience = CHECKPOINT_PATIENCE_SECONDS if patience is None else patience
    deadline = time.monotonic() + patience
    saved = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    connection.exec_driver_sql("PRAGMA busy_timeout = 0")
    try:
        for attempt in range(10_000):
            try:
                busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
            except OperationalError:  # "database is locked": a writer is at work
                busy = None
            if busy is not None and busy[0] == 0:
                return True
            pause = _CHECKPOINT_PAUSES[min(attempt, len(_CHECKPOINT_PAUSES) - 1)]
            if time.monotonic() + pause > deadline:
                break
            time.sleep(pause)
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(saved or 0)}")
    log.warning(
        "the write-ahead log could not be checkpointed within %.1f s (another connection kept "
        "reading): rows deleted since the last checkpoint stay in it until the next compaction",
        patience,
    )
    return False


#: How long the rewrite of the key table may wait for its lock (PostgreSQL), in thirds, before
#: giving up for this time (SQLite's checkpoint has its own patience, ``checkpoint``).
SHRED_WAIT_MS = 500


def shred_keys(engine: Engine) -> bool:
    """Leave no copy of a destroyed handoff key in the database's files (see the module
    docstring); False, logged without any key or identifier, if it could not complete now
    (the next ``flask purge``, hourly, tries again). Runs outside any transaction."""
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if engine.dialect.name == "sqlite":
                done = checkpoint(connection)
            elif engine.dialect.name == "postgresql":
                if not_vacuumable(connection, ("handoff_key",)):
                    log.warning("destroyed chat keys cannot be compacted: the database role "
                                "does not own the handoff_key table (flask doctor checks this)")
                    return False
                connection.execute(text(f"SET lock_timeout = {SHRED_WAIT_MS * 3}"))
                try:
                    connection.execute(text("VACUUM FULL handoff_key"))
                finally:
                    connection.execute(text("RESET lock_timeout"))
                done = True
            else:  # pragma: no cover - only SQLite and PostgreSQL are supported
                done = False
    except DBAPIError as error:
        log.warning("destroyed chat keys could not be compacted yet (%s); the next flask "
                    "purge tries again", type(error).__name__)
        return False
    if not done:
        log.warning("destroyed chat keys may stay in the SQLite write-ahead log until the next "
                    "flask purge: a reader kept an old snapshot")
    return done
