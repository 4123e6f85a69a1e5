"""The service directory: voluntary treatment, methadone, needle-syringe exchange, drop-in."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, TypeAlias
from weakref import WeakKeyDictionary

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    Integer,
    String,
    Text,
    bindparam,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.alert_info import AlertInfo
from core.directory import ServiceInfo
from core.vocabulary import ServiceType
from models.alerts import active_alerts
from models.base import Base, Executor, UTCDateTime, utcnow

#: The clock a change to a service is dated by (``Service.updated_at``, and so the directory's
#: history, ``models.directory_history``): the app sets its own (``webhooks.timesource.now``),
#: which a test can pin; the wall clock in UTC otherwise.
clock: Callable[[], datetime] = utcnow


def _changed_at() -> datetime:
    return clock()


class Service(Base):
    __tablename__ = "service"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_type: Mapped[str] = mapped_column(String(32), index=True)
    name_km: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    address_km: Mapped[str] = mapped_column(Text, default="")
    address_en: Mapped[str] = mapped_column(Text, default="")
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    district_code: Mapped[str | None] = mapped_column(String(4))
    commune_code: Mapped[str | None] = mapped_column(String(6))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    phone: Mapped[str] = mapped_column(String(64), default="")
    #: Structured opening hours, the OSM subset of ``core.hours`` ("Mo-Fr 08:00-17:00").
    opening_hours: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: Languages spoken, comma-separated ISO 639-1 codes ("km,en").
    languages: Mapped[str] = mapped_column(String(64), default="km", server_default="km")
    is_free: Mapped[bool] = mapped_column(Boolean, default=True)
    is_voluntary: Mapped[bool] = mapped_column(Boolean, default=True)
    is_walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    is_full: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_sample: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_changed_at,
                                                 onupdate=_changed_at)
    #: When it was marked full, and by which role (admin/outreach): shown to staff; a mark
    #: older than ``FULL_EXPIRES_DAYS`` is lifted (``expire_full``).
    full_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    full_by: Mapped[str | None] = mapped_column(String(16))
    #: The day staff last checked the entry with the service; texters are told when it is old.
    verified_on: Mapped[date | None] = mapped_column(Date)

    def info(self) -> ServiceInfo:
        return service_info(self)


def service_info(source: Any) -> ServiceInfo:
    """The engine's view of a service, from a ``Service`` or a row of its table."""
    return ServiceInfo(
        id=source.id,
        service_type=ServiceType(source.service_type),
        name_km=source.name_km,
        name_en=source.name_en,
        address_km=source.address_km,
        address_en=source.address_en,
        province_code=source.province_code,
        district_code=source.district_code,
        commune_code=source.commune_code,
        latitude=source.latitude,
        longitude=source.longitude,
        phone=source.phone,
        opening_hours=source.opening_hours,
        languages=tuple(code for code in source.languages.split(",") if code),
        is_free=source.is_free,
        is_voluntary=source.is_voluntary,
        is_walk_in=source.is_walk_in,
        is_full=source.is_full,
        is_sample=source.is_sample,
        verified_on=source.verified_on,
    )


#: A "full" mark is lifted after this many days unless staff mark it again: a full service
#: forgotten as full is hidden capacity.
FULL_EXPIRES_DAYS = 7


def expire_full(executor: Executor, now: datetime, days: int = FULL_EXPIRES_DAYS
                ) -> list[tuple[int, str]]:
    """Lift "full" marks older than ``days``; returns the (id, English name) of each service
    changed. Core statements, so it runs on a connection (the app's hourly purge) or a
    session (``flask purge``) alike."""
    table = Service.__table__
    stale = executor.execute(select(table.c.id, table.c.name_en).where(
        table.c.is_full.is_(True), table.c.full_since.is_not(None),
        table.c.full_since < now - timedelta(days=days),
    )).all()
    if stale:
        executor.execute(update(table).where(table.c.id.in_([row.id for row in stale]))
                         .values(is_full=False, full_since=None, full_by=None, updated_at=now))
    return [(row.id, row.name_en) for row in stale]


class DirectoryVersion(Base):
    """One row: a token that every change to ``service`` replaces, in the same transaction
    (triggers of migration 0015, on both engines). ``SqlDirectory`` reads it to know whether
    the services it keeps are still the database's."""

    __tablename__ = "directory_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[int] = mapped_column(BigInteger)


#: Services kept per (with samples?, service types): the directory's token and the services.
Kept: TypeAlias = dict[tuple[bool, tuple[str, ...]], tuple[int, tuple[ServiceInfo, ...]]]


class SqlDirectory:
    """``core.directory.Directory`` over the database, for one request's connection or session.

    In production sample entries are never served (``include_sample=False``).

    The services found are kept in the process, per database, and used again while the
    directory's token (``DirectoryVersion``) is unchanged: a message then reads one small row
    instead of every service of the asked types (over a thousand in a national directory).
    The token is read in the request's own transaction, and any change to the directory
    replaces it in the change's transaction, so what is served is never older than what
    reading the services would give. Without the row (a table emptied by hand), nothing is
    kept."""

    def __init__(
        self, executor: Executor, include_sample: bool = True, helpline: str | None = None,
        now: datetime | None = None,
    ) -> None:
        self._executor = executor
        self._include_sample = include_sample
        self.helpline = helpline
        self._now = now
        self._alerts: list[AlertInfo] | None = None

    def alerts(self) -> list[AlertInfo]:
        """The alerts in force at the instant it was made for (read once, when first asked).
        Without an instant there are none: a directory made for a listing, not a turn."""
        if self._now is None:
            return []
        if self._alerts is None:
            self._alerts = active_alerts(self._executor, self._now)
        return list(self._alerts)

    def find(self, service_types: Sequence[ServiceType]) -> list[ServiceInfo]:
        types = tuple(str(t) for t in service_types)
        token = self._executor.execute(_TOKEN).scalar()
        kept = _kept_for(self._executor)
        key = (self._include_sample, types)
        if token is not None and kept is not None and (found := kept.get(key)) is not None:
            if found[0] == token:
                return list(found[1])
        statement = _FIND_WITH_SAMPLE if self._include_sample else _FIND_REAL
        rows = self._executor.execute(statement, {"types": list(types)})
        services = [remembered_info(row) for row in rows.all()]  # fetched at once, not row by row
        if token is not None and kept is not None:
            kept[key] = (token, tuple(services))
        return services


def _kept_for(executor: Executor) -> Kept | None:
    """The services kept for the database ``executor`` works on (keyed by its engine's pool,
    which the app's engines for writes and for reads share); None if it cannot be told."""
    engine = getattr(executor, "engine", None)
    if engine is None and hasattr(executor, "get_bind"):
        engine = executor.get_bind()
    pool = getattr(engine, "pool", None)
    if pool is None:
        return None
    kept = _kept.get(pool)
    if kept is None:
        kept = _kept[pool] = {}
    return kept


#: Per database (its engine's pool, held weakly: a disposed engine's services go with it).
_kept: WeakKeyDictionary[Any, Kept] = WeakKeyDictionary()


def remembered_info(row: Any) -> ServiceInfo:
    """The ``ServiceInfo`` of a row, made once per distinct row: a national directory has over
    a thousand services, and building the same frozen objects again took much of the time of
    finding the nearest (``make bench``, directory scale). The row's values are the key, so a
    changed service is a new entry, never a stale one; the memo is per process and bounded
    (emptied when it outgrows ``_MEMO_LIMIT``, e.g. after many edits)."""
    key = tuple(row)
    found = _memo.get(key)
    if found is None:
        if len(_memo) >= _MEMO_LIMIT:
            _memo.clear()
        found = _memo[key] = service_info(row)
    return found


_MEMO_LIMIT = 20_000
_memo: dict[tuple[Any, ...], ServiceInfo] = {}
_services = Service.__table__
_TOKEN = select(DirectoryVersion.token).where(DirectoryVersion.id == 1)
#: Only the columns the engine reads (``service_info``), not the bookkeeping ones.
_FIND_COLUMNS = [_services.c[name] for name in (
    "id", "service_type", "name_km", "name_en", "address_km", "address_en", "province_code",
    "district_code", "commune_code", "latitude", "longitude", "phone", "opening_hours",
    "languages", "is_free", "is_voluntary", "is_walk_in", "is_full", "is_sample", "verified_on",
)]
_FIND_WITH_SAMPLE = select(*_FIND_COLUMNS).where(
    _services.c.service_type.in_(bindparam("types", expanding=True)),
    _services.c.is_active.is_(True),
    _services.c.is_voluntary.is_(True),
)
_FIND_REAL = _FIND_WITH_SAMPLE.where(_services.c.is_sample.is_(False))
