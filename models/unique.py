"""Daily unique senders without tracking (docs/PRIVACY.md, "Small numbers").

Each day has its own random key (``secrets.token_bytes``), kept in the database only while the
day is open. A service request is counted once per sender, day, service type and place: its
digest ``HMAC(day key, sender_key | service type | province | district)`` is stored for the day,
and only a digest not seen before adds one to that cell's count. Each cell has its own digest,
so a sender's digests of one day share nothing either.

A day closes at the first request of a later day, or at the app's hourly purge (or ``flask
purge``), on Cambodia's calendar: its key and digests are deleted and only the counts remain, so two days share nothing that could link them. STOP deletes
the sender's digests of the open day at once (the counts stay: the request did happen).

The webhook does not add to a count itself: its turn records the digest and stages the demand
event with ``new_sender`` set (``count_sender(..., later=True)``), and the hourly publication of
staged events adds each batch's new senders (``add_senders``), so a count row is written by no
transaction that names a sender (``models.demand_events``).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, LargeBinary, String, bindparam, delete, func, select, union
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Executor, connection_of, dialect_insert, insert_ignore
from models.demand_tables import StagedDemandEvent

KEY_BYTES = 32


class DailyKey(Base):
    """The open day's random key; deleted when the day closes."""

    __tablename__ = "daily_key"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    key: Mapped[bytes] = mapped_column(LargeBinary(KEY_BYTES))


class DailySenderDigest(Base):
    """One (sender, service type, place) already counted today, as a keyed digest only."""

    __tablename__ = "daily_sender_digest"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)


class DailyUniqueSender(Base):
    """How many different senders asked for a service type in a place on a day.

    Place codes are "" where unknown: ``district_code`` "" means only the province was named."""

    __tablename__ = "daily_unique_sender"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    service_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    province_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    district_code: Mapped[str] = mapped_column(String(4), primary_key=True)
    senders: Mapped[int] = mapped_column(Integer)


def count_sender(
    session: Executor,
    day: date,
    sender_key: str,
    service_type: str,
    province_code: str | None,
    district_code: str | None,
    later: bool = False,
) -> bool:
    """Count this sender once for the day and cell; True if they were not counted yet. With
    ``later`` only the digest is recorded, and the caller has the one added afterwards
    (``add_senders``, through the staged demand event)."""
    cell = (service_type, province_code or "", district_code or "")
    digest = _digest(day_key(session, day), sender_key, cell)
    if not insert_ignore(session, DailySenderDigest, {"day": day, "digest": digest}):
        return False
    if not later:
        _increment(session, day, cell)
    return True


def add_senders(
    session: Executor, day: date, service_type: str, province_code: str, district_code: str,
    senders: int,
) -> None:
    """Add ``senders`` new senders to a day's count for a cell ("" where a place is unknown)."""
    _increment(session, day, (service_type, province_code, district_code), senders)


def day_key(session: Executor, day: date) -> bytes:
    """The day's key, made (and every earlier day closed) at the day's first request."""
    connection = connection_of(session)
    key = connection.execute(_DAY_KEY, {"day": day}).scalar()
    if key is None:
        close_days(connection, before=day)
        insert_ignore(connection, DailyKey, {"day": day, "key": secrets.token_bytes(KEY_BYTES)})
        key = connection.execute(_DAY_KEY, {"day": day}).scalar()
    assert key is not None
    return bytes(key)


_DAY_KEY = select(DailyKey.key).where(DailyKey.day == bindparam("day"))


def forget_sender(session: Executor, sender_key: str) -> int:
    """STOP: delete this sender's digests of every open day. The counts are kept.

    The statements are built once (``_FORGET``): a STOP flood must cost no more than ordinary
    messages, and this runs inside the STOP's write transaction."""
    forgotten = 0
    for day, key in session.execute(_OPEN_DAYS).all():
        # DISTINCT: the database folds the day's counts and the hour's staged events into
        # their few cells, rather than sending every staged event here
        cells = {tuple(cell) for cell in session.execute(_cells(), {"day": day})}
        digests = [_digest(bytes(key), sender_key, tuple(cell)) for cell in sorted(cells)]
        for chunk in _chunks(digests, 500):
            result = session.execute(_FORGET, {"day": day, "digests": chunk})
            forgotten += result.rowcount  # type: ignore[attr-defined]
    return forgotten


@functools.cache
def _cells() -> Any:
    """Every cell (service type, province, district) counted on a day: those with a count row,
    and those whose first sender of the day is still staged (no count row yet)."""
    Staged = StagedDemandEvent
    counted = select(
        DailyUniqueSender.service_type, DailyUniqueSender.province_code,
        DailyUniqueSender.district_code,
    ).where(DailyUniqueSender.day == bindparam("day"))
    staged = (
        select(Staged.service_type, func.coalesce(Staged.province_code, ""),
               func.coalesce(Staged.district_code, ""))
        .where(Staged.day == bindparam("day"), Staged.new_sender.is_(True),
               Staged.service_type.is_not(None))
    )
    return union(counted, staged)  # UNION: distinct rows


_OPEN_DAYS = select(DailyKey.day, DailyKey.key)
_FORGET = delete(DailySenderDigest).where(
    DailySenderDigest.day == bindparam("day"),
    DailySenderDigest.digest.in_(bindparam("digests", expanding=True)),
)


def close_days(session: Executor, before: date) -> int:
    """Delete the keys and digests of every day before ``before``; return the keys deleted."""
    result = session.execute(delete(DailyKey).where(DailyKey.day < before))
    session.execute(delete(DailySenderDigest).where(DailySenderDigest.day < before))
    return result.rowcount  # type: ignore[attr-defined,no-any-return]


def _digest(key: bytes, sender_key: str, cell: tuple[str, ...]) -> str:
    message = "|".join((sender_key, *cell)).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _increment(session: Executor, day: date, cell: tuple[str, str, str], senders: int = 1) -> None:
    service_type, province_code, district_code = cell
    connection = connection_of(session)
    connection.execute(
        _increment_statement(connection.dialect.name),
        {"day": day, "service_type": service_type, "province_code": province_code,
         "district_code": district_code, "senders": senders},
    )


@functools.cache
def _increment_statement(dialect: str) -> Any:
    table = DailyUniqueSender.__table__
    statement = dialect_insert(dialect)(table)
    return statement.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],  # type: ignore[attr-defined]
        set_={"senders": table.c.senders + statement.excluded.senders},  # type: ignore[attr-defined]
    )


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
