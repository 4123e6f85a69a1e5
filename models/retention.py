"""Retention: what ``flask purge`` deletes, as one plain function safe to run at any time.

- conversation state after ``STATE_TTL_HOURS`` of silence (the pipeline already ignores it);
- processed-delivery records after ``PROCESSED_RETENTION_DAYS`` (default 7);
- the key and digests of every closed day (``models.unique``): only the counts remain.

Demand events, daily counts and the directory are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from models.conversation import Conversation
from models.inbox import ProcessedMessage
from models.unique import close_days


@dataclass(frozen=True, slots=True)
class Purged:
    conversations: int
    processed: int
    daily_keys: int


def purge(
    session: Session, now: datetime, state_ttl_hours: int, processed_retention_days: int
) -> Purged:
    """Delete what has expired at ``now`` (the same clock and day as the demand events)."""
    state_cutoff = now - timedelta(hours=state_ttl_hours)
    inbox_cutoff = now - timedelta(days=processed_retention_days)
    states = session.execute(delete(Conversation).where(Conversation.updated_at < state_cutoff))
    inbox = session.execute(
        delete(ProcessedMessage).where(ProcessedMessage.received_at < inbox_cutoff)
    )
    keys = close_days(session, before=now.date())
    return Purged(
        conversations=states.rowcount,  # type: ignore[attr-defined]
        processed=inbox.rowcount,  # type: ignore[attr-defined]
        daily_keys=keys,
    )
