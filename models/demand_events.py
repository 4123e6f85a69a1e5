"""De-identified demand events: no sender key, no time finer than the hour, no free text."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Date, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class DemandEvent(Base):
    __tablename__ = "demand_event"
    #: SQLite: stored in the order of the random ids, not of arrival (migration 0007).
    __table_args__ = {"sqlite_with_rowid": False}

    #: Random, so the key carries no order of arrival that could link events to each other.
    id: Mapped[str] = mapped_column(
        String(32), primary_key=True, default=lambda: uuid.uuid4().hex
    )
    day: Mapped[date] = mapped_column(Date, index=True)
    hour: Mapped[int] = mapped_column(SmallInteger)
    channel: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(8))
    intent: Mapped[str] = mapped_column(String(32))
    service_type: Mapped[str | None] = mapped_column(String(32))
    province_code: Mapped[str | None] = mapped_column(String(2))
    district_code: Mapped[str | None] = mapped_column(String(4))
    outcome: Mapped[str] = mapped_column(String(32))
