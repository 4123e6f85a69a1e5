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
  texter's sealed address and every message (``models.handoffs``).

``compact`` then makes deleted rows unrecoverable where the engine allows it: SQLite overwrites
deleted content (``secure_delete``, set on every connection) and its write-ahead log is
checkpointed and truncated; PostgreSQL vacuums the tables that held pseudonyms, and rewrites the
demand events in the order of their random ids so that storage order says nothing of arrival.

The web app runs both itself (``webhooks.pipeline``: ``purge`` at the first message of each
hour, ``compact`` at the first of each day and after an opt-out), so retention does not depend on
an outside scheduler; ``flask purge`` runs them on demand. Demand events, daily counts and the
directory are never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, text, update
from sqlalchemy.engine import Engine

from bot.vocabulary import CAMBODIA
from models import handoffs, services
from models.base import Executor
from models.conversation import Conversation
from models.inbox import ProcessedMessage
from models.staff import AuditLog
from models.unique import close_days


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


def purge(
    session: Executor, now: datetime, state_ttl_hours: int, processed_retention_days: int,
    handoff_ttl_hours: int = 0,
) -> Purged:
    """Delete what has expired at ``now`` (the same clock and day as the demand events). A
    conversation with an outreach worker lives as long as its handoff may
    (``handoff_ttl_hours``); expired handoffs are closed, and their keys destroyed."""
    state_cutoff = now - timedelta(hours=state_ttl_hours)
    handoff_cutoff = now - timedelta(hours=max(handoff_ttl_hours, state_ttl_hours))
    closed = handoffs.close_expired(session, now)  # type: ignore[arg-type]
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
    return Purged(
        conversations=states.rowcount,  # type: ignore[attr-defined]
        processed=inbox.rowcount,  # type: ignore[attr-defined]
        daily_keys=keys,
        replies=replies.rowcount,  # type: ignore[attr-defined]
        handoffs=closed,
    )


def compact(engine: Engine, reorder_events: bool = False) -> None:
    """Make what ``purge`` and opt-outs deleted unrecoverable from the database's files, as far
    as the engine allows (see the module docstring and docs/PRIVACY.md). Runs outside any
    transaction; ``reorder_events`` also rewrites the demand events (PostgreSQL; daily)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "sqlite":
            # Old page images stay in the write-ahead log until a checkpoint copies the log
            # into the (securely overwritten) database and truncates it.
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        elif engine.dialect.name == "postgresql":
            connection.execute(text(f"VACUUM {', '.join(_VACUUMED)}"))
            if reorder_events:
                connection.execute(text("CLUSTER demand_event USING pk_demand_event"))
