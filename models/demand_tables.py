"""The demand event tables, staged and published (``models/demand_events.py`` says how an event
moves from one to the other). Their own module, below both that one and ``models/unique.py``,
which reads the staged table when it counts a day's senders.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Boolean, Date, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class _EventColumns:
    """What an event says, staged or published (the day apart: indexed once published)."""

    hour: Mapped[int] = mapped_column(SmallInteger)
    channel: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(8))
    intent: Mapped[str] = mapped_column(String(32))
    service_type: Mapped[str | None] = mapped_column(String(32))
    province_code: Mapped[str | None] = mapped_column(String(2))
    district_code: Mapped[str | None] = mapped_column(String(4))
    outcome: Mapped[str] = mapped_column(String(32))


class PublishedDemandEvent(_EventColumns, Base):
    __tablename__ = "demand_event"
    #: SQLite: stored in the order of the random ids, not of arrival (migration 0007).
    __table_args__ = {"sqlite_with_rowid": False}

    #: Random, so the key carries no order of arrival that could link events to each other.
    id: Mapped[str] = mapped_column(
        String(32), primary_key=True, default=lambda: uuid.uuid4().hex
    )
    day: Mapped[date] = mapped_column(Date, index=True)


class StagedDemandEvent(_EventColumns, Base):
    """An event written by a turn, waiting for the hourly purge to publish it (migration 0010).
    No index but its random key: nothing kept beside it sorts it by arrival."""

    __tablename__ = "demand_event_staged"
    __table_args__ = {"sqlite_with_rowid": False}

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    #: The request counted a sender not yet counted that day for its service type and place
    #: (``models.unique``): publishing adds one to that day's count.
    new_sender: Mapped[bool] = mapped_column(Boolean, default=False)


#: The columns an event has, staged or published (the id aside).
EVENT_COLUMNS = ("day", "hour", "channel", "locale", "intent", "service_type", "province_code",
                 "district_code", "outcome")
