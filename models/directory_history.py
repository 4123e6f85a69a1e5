"""The directory's history: when each service was open, full or closed, so that a past
period's report measures distances to the directory as it was then, not as it is today.

``service_history`` holds validity intervals: one row per state of a service, valid from
``valid_from`` (inclusive) to ``valid_to`` (exclusive; NULL while it is the current state).
Triggers of migration 0016 write it in the same transaction as the change, on both engines,
whatever makes the change (the dashboard's form and its full, room-again and deactivate
actions, ``flask directory import``, the hourly lifting of old "full" marks, an operator's
SQL): a change of any column the bot reads (``ServiceInfo``) or of ``is_active`` closes the
open interval and opens the next one; deleting the service closes it. A change is dated by the
service's ``updated_at`` when the change sets it (the app does, by its own clock,
``webhooks.timesource``), otherwise by the database's clock. History before migration 0016 is
not known: the migration records each service as it was then, valid since ``BEGINNING``.

Times are UTC; a day is Cambodia's calendar day (``models.stats`` dates periods so). Services
are organisations: nothing about any texter or any staff member is kept here (who changed a
service is in the audit log, ``webhooks.outreach.audit``, as before).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    Index,
    Integer,
    String,
    Text,
    and_,
    case,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.directory import ServiceInfo
from core.vocabulary import CAMBODIA
from models.base import Base, UTCDateTime
from models.services import remembered_info

#: The start of the history: what migration 0016 found was valid "since" then (not known
#: before the migration).
BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)

#: The columns of ``service`` a state is made of: what the bot reads (``ServiceInfo``) and
#: whether the service is active. The triggers of migration 0016 list the same ones.
STATE_COLUMNS = (
    "service_type", "name_km", "name_en", "address_km", "address_en", "province_code",
    "district_code", "commune_code", "latitude", "longitude", "phone", "opening_hours",
    "languages", "is_free", "is_voluntary", "is_walk_in", "is_full", "is_active", "is_sample",
    "verified_on",
)


class ServiceHistory(Base):
    """One state of one service and when it held (``valid_from`` <= t < ``valid_to``)."""

    __tablename__ = "service_history"
    __table_args__ = (Index("ix_service_history_service_id_valid_to", "service_id", "valid_to"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Not a foreign key: the history of a deleted service is kept.
    service_id: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    service_type: Mapped[str] = mapped_column(String(32))
    name_km: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    address_km: Mapped[str] = mapped_column(Text)
    address_en: Mapped[str] = mapped_column(Text)
    province_code: Mapped[str] = mapped_column(String(2))
    district_code: Mapped[str | None] = mapped_column(String(4))
    commune_code: Mapped[str | None] = mapped_column(String(6))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    phone: Mapped[str] = mapped_column(String(64))
    opening_hours: Mapped[str] = mapped_column(String(200))
    languages: Mapped[str] = mapped_column(String(64))
    is_free: Mapped[bool] = mapped_column(Boolean)
    is_voluntary: Mapped[bool] = mapped_column(Boolean)
    is_walk_in: Mapped[bool] = mapped_column(Boolean)
    is_full: Mapped[bool] = mapped_column(Boolean)
    is_active: Mapped[bool] = mapped_column(Boolean)
    is_sample: Mapped[bool] = mapped_column(Boolean)
    verified_on: Mapped[date | None] = mapped_column(Date)


def end_of_day(day: date) -> datetime:
    """The instant Cambodia's calendar day ``day`` ends (the next day's midnight in Phnom
    Penh), in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=CAMBODIA).astimezone(UTC)


def services_as_of(
    session: Session, moment_or_day: datetime | date, include_sample: bool
) -> list[ServiceInfo]:
    """The services the bot could list (active, voluntary; samples only if ``include_sample``)
    as they were at a moment (every change made at or before it counted) or at the end of a
    Cambodian calendar day: what ``models.stats.directory_services`` gave then. A moment
    after the last change gives what it gives now."""
    if isinstance(moment_or_day, datetime):
        if moment_or_day.tzinfo is None:
            raise ValueError("naive datetime given for a UTC moment")
        before = moment_or_day.astimezone(UTC) + timedelta(microseconds=1)
    else:
        before = end_of_day(moment_or_day)
    return _state_before(session, before, include_sample)


def _state_before(session: Session, before: datetime, include_sample: bool) -> list[ServiceInfo]:
    """Each service's state after every change made strictly before ``before``. Consecutive
    intervals meet (one's ``valid_to`` is the next one's ``valid_from``), so exactly one state
    per service that existed then matches; an empty interval (two changes at one instant)
    never does."""
    h = ServiceHistory.__table__.c
    query = select(
        h.service_id.label("id"), *(h[name] for name in _INFO_COLUMNS)
    ).where(
        h.valid_from < before,
        or_(h.valid_to.is_(None), h.valid_to >= before),
        h.is_active.is_(True),
        h.is_voluntary.is_(True),
    ).order_by(h.service_id)
    if not include_sample:
        query = query.where(and_(h.is_sample.is_(False)))
    # the same columns, in the same order, as the bot reads: unchanged rows' ServiceInfo reused
    return [remembered_info(row) for row in session.execute(query).all()]


class _Dated(Protocol):
    @property
    def end(self) -> date: ...


def at_period_end(
    session: Session, include_sample: bool
) -> Callable[[_Dated], list[ServiceInfo]]:
    """For ``models.stats``: the directory as it was at the end of each period asked for
    (``services_as_of`` its last day), read once per distinct last day."""
    read: dict[date, list[ServiceInfo]] = {}

    def services(period: _Dated) -> list[ServiceInfo]:
        if period.end not in read:
            read[period.end] = services_as_of(session, period.end, include_sample)
        return read[period.end]

    return services


_INFO_COLUMNS = tuple(name for name in STATE_COLUMNS if name != "is_active")


def close_history(session: Session, service_ids: Any, at: datetime) -> None:
    """End, at ``at``, the current state of the services ``service_ids`` (a select of ids)
    before they are deleted: a deletion is then dated by the app's clock like every other
    change, not by the database's (the trigger finds nothing left open)."""
    history = ServiceHistory.__table__
    session.execute(
        update(history)
        .where(history.c.valid_to.is_(None), history.c.service_id.in_(service_ids))
        .values(valid_to=case((history.c.valid_from > at, history.c.valid_from), else_=at))
    )
