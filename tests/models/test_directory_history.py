"""The directory's history (migration 0016, models/directory_history.py) on SQLite and
PostgreSQL: every way the directory changes writes it, ``services_as_of`` reads the directory as
it was at a moment or at the end of a Cambodian day, and a past period's report measures
"nearest open" to the directory as it was then (issue 26: a clinic added this week made last
week's row read "all over 50 km, nearest open 0 km")."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import delete, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core.geo import default_points, distance_km
from models import PublishedDemandEvent, Service, ServiceHistory
from models.base import make_engine
from models.directory_history import BEGINNING, at_period_end, end_of_day, services_as_of
from models.directory_io import import_rows
from models.services import expire_full
from models.stats import Period, directory_services, export_rows, unmet_report

K = 5


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def at(day: int, hour: int = 3, minute: int = 0, month: int = 3) -> datetime:
    """An instant of 2026 in UTC (03:00 UTC is 10:00 in Phnom Penh)."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def add(engine: Engine, name: str, when: datetime, **values: object) -> int:
    fields: dict[str, object] = {"service_type": "methadone", "province_code": "12",
                                 "district_code": "1204", "phone": "000", **values}
    with Session(engine) as session, session.begin():
        service = Service(name_km=name, name_en=name, updated_at=when, **fields)
        session.add(service)
        session.flush()
        return service.id


def change(engine: Engine, service_id: int, when: datetime, **values: object) -> None:
    """A change as the app makes it: through the ORM, dated by the app's clock."""
    with Session(engine) as session, session.begin():
        service = session.get(Service, service_id)
        assert service is not None
        for name, value in values.items():
            setattr(service, name, value)
        service.updated_at = when


def history(engine: Engine) -> list[ServiceHistory]:
    with Session(engine) as session:
        return list(session.scalars(select(ServiceHistory).order_by(
            ServiceHistory.service_id, ServiceHistory.valid_from, ServiceHistory.id)))


def listed(engine: Engine, when: datetime | date, include_sample: bool = False) -> list[str]:
    """What ``services_as_of`` lists: "name" open, "name (full)" full, "name @ province"."""
    with Session(engine) as session:
        found = services_as_of(session, when, include_sample)
    return sorted(f"{s.name_en}{' (full)' if s.is_full else ''}"
                  f"{'' if s.province_code == '12' else ' @ ' + s.province_code}" for s in found)


# --- every kind of change is kept ------------------------------------------------------------


def test_each_change_closes_an_interval_and_opens_the_next(engine: Engine) -> None:
    first = add(engine, "A", at(2))
    change(engine, first, at(4), is_full=True)
    with engine.begin() as connection:  # Core, as the hourly lifting of "full" marks writes
        connection.execute(update(Service).where(Service.id == first)
                           .values(is_full=False, updated_at=at(6)))
    with Session(engine) as session, session.begin():  # only bookkeeping: no new state
        session.execute(update(Service).values(full_by="admin", updated_at=at(7)))
    kept = history(engine)
    assert [(h.valid_from, h.valid_to, h.is_full) for h in kept] == [
        (at(2), at(4), False), (at(4), at(6), True), (at(6), None, False)]
    assert {(h.service_id, h.name_en, h.service_type, h.province_code) for h in kept} == {
        (first, "A", "methadone", "12")}


def test_plain_sql_and_deleting_are_kept_too(engine: Engine) -> None:
    first = add(engine, "A", at(2))
    with engine.begin() as connection:  # behind the app's back: dated by the database's clock
        connection.execute(text("UPDATE service SET name_en = 'B' WHERE id = :id"), {"id": first})
    kept = history(engine)
    assert [h.name_en for h in kept] == ["A", "B"]
    assert kept[0].valid_to == kept[1].valid_from and kept[1].valid_to is None
    assert kept[1].valid_from > at(2)  # later than the app's change, whatever the day is
    with engine.connect() as connection:  # a rolled-back change leaves no trace
        connection.execute(text("UPDATE service SET is_full = :yes"), {"yes": True})
        connection.rollback()
    assert len(history(engine)) == 2
    with engine.begin() as connection:
        connection.execute(delete(Service))
    closed = history(engine)
    assert len(closed) == 2 and all(h.valid_to is not None for h in closed)  # history is kept
    with Session(engine) as session:
        gone = closed[-1].valid_to
        assert gone is not None and services_as_of(session, gone + timedelta(days=1), True) == []
        assert [s.name_en for s in services_as_of(session, closed[-1].valid_from, True)] == ["B"]


def test_an_import_and_lifting_old_full_marks_are_kept(engine: Engine) -> None:
    old = add(engine, "Old", at(1), is_full=True, full_since=at(1))
    with Session(engine) as session, session.begin():
        assert [name for _, name in expire_full(session, now=at(10))] == ["Old"]
    assert [(h.valid_from, h.is_full) for h in history(engine)] == [(at(1), True), (at(10), False)]
    with Session(engine) as session, session.begin():
        row = {"service_type": "needle_exchange", "name_km": "N", "name_en": "New",
               "province_code": "02", "phone": "1", "updated_at": at(12)}
        assert import_rows(session, [row], replace="all") == 1
    kept = history(engine)
    assert [(h.service_id == old, h.name_en, h.valid_to is None) for h in kept][:2] == [
        (True, "Old", False), (True, "Old", False)]
    assert [(h.name_en, h.valid_to) for h in kept if h.valid_to is None] == [("New", None)]
    assert listed(engine, date(2026, 3, 11)) == ["Old"]


# --- services_as_of, table-driven -----------------------------------------------------------------

#: A (12), B (a sample), C (opened then closed), D (not voluntary: never listed).
#: Cambodia is UTC+7: 17:30 UTC on the 16th is 00:30 on the 17th in Phnom Penh.
TIMELINE = [
    ("add", "A", at(2), {}),
    ("add", "B", at(2), {"is_sample": True}),
    ("add", "D", at(2), {"is_voluntary": False}),
    ("change", "A", at(11), {"is_full": True}),
    ("change", "A", at(16, 17, 30), {"is_full": False}),
    ("add", "C", at(18), {}),
    ("change", "C", at(20), {"is_active": False}),
    ("change", "A", at(25), {"province_code": "02", "district_code": "0201"}),
    ("change", "B", at(25), {"service_type": "needle_exchange"}),
]

CASES: list[tuple[datetime | date, bool, list[str]]] = [
    (date(2026, 3, 1), True, []),  # before anything
    (date(2026, 3, 2), True, ["A", "B"]),
    (date(2026, 3, 2), False, ["A"]),  # no samples
    (date(2026, 3, 10), False, ["A"]),
    (date(2026, 3, 11), False, ["A (full)"]),  # full from the day it was marked
    (date(2026, 3, 16), False, ["A (full)"]),  # room again only on the 17th in Cambodia
    (date(2026, 3, 17), False, ["A"]),
    (at(16, 17, 29), False, ["A (full)"]),  # a moment: changes at or before it count
    (at(16, 17, 30), False, ["A"]),
    (at(11) - timedelta(microseconds=1), False, ["A"]),
    (date(2026, 3, 18), False, ["A", "C"]),
    (date(2026, 3, 20), False, ["A"]),  # closed
    (date(2026, 3, 25), True, ["A @ 02", "B"]),  # moved; another type
    (date(2027, 1, 1), True, ["A @ 02", "B"]),
]


@pytest.mark.parametrize(("when", "include_sample", "expected"), CASES,
                         ids=[f"{w}-{'sample' if s else 'real'}" for w, s, _ in CASES])
def test_services_as_of(engine: Engine, when: datetime | date, include_sample: bool,
                        expected: list[str]) -> None:
    ids: dict[str, int] = {}
    for kind, name, moment, values in TIMELINE:
        if kind == "add":
            ids[name] = add(engine, name, moment, **values)
        else:
            change(engine, ids[name], moment, **values)
    assert listed(engine, when, include_sample) == expected


def test_after_the_last_change_it_is_the_directory_of_today(engine: Engine) -> None:
    first = add(engine, "A", at(2), latitude=13.5, longitude=104.9, languages="km,en",
                opening_hours="Mo-Fr 08:00-17:00", verified_on=date(2026, 3, 1))
    add(engine, "B", at(3), is_sample=True)
    change(engine, first, at(4), is_full=True, name_km="ក")
    with Session(engine) as session:
        for include_sample in (True, False):
            now = sorted(directory_services(session, include_sample), key=lambda s: s.id)
            assert services_as_of(session, at(5), include_sample) == now  # the same ServiceInfo
    with pytest.raises(ValueError):
        services_as_of(Session(engine), datetime(2026, 3, 5), True)


def test_a_day_ends_at_midnight_in_phnom_penh() -> None:
    assert end_of_day(date(2026, 3, 16)) == at(16, 17)
    assert BEGINNING.year == 1970


# --- reports of past periods ----------------------------------------------------------------

LAST_WEEK = Period(date(2026, 11, 30), date(2026, 12, 6), "week")
WEEK_BEFORE = Period(date(2026, 11, 23), date(2026, 11, 29), "week")
KH = timedelta(hours=7)


def unmet_in_ban_lung(app: Flask, period: Period, n: int = 12) -> None:
    """``n`` methadone requests from Ban Lung (1602) in ``period``, each ended unmet."""
    with app.extensions["sangkhim.db"].sessions() as session, session.begin():
        for i in range(n):
            session.add(PublishedDemandEvent(
                day=period.start + timedelta(days=i % 7), hour=i % 24, channel="sms",
                locale="km", intent="find_methadone", service_type="methadone",
                province_code="16", district_code="1602", outcome="served_farther"))


def nearest(session: Session, period: Period, services: object) -> float | None:
    report = unmet_report(session, period, K, services, default_points())  # type: ignore[arg-type]
    (row,) = [r for r in report.rows if r.place == "1602"]
    return row.nearest_open_km


def test_a_clinic_added_this_week_does_not_change_last_week(app: Flask) -> None:
    engine = app.extensions["sangkhim.db"].engine
    add(engine, "City Methadone", at(1, month=11))  # Phnom Penh (1204), far from Ban Lung
    unmet_in_ban_lung(app, LAST_WEEK)
    # this week (Wednesday 9 December), a clinic opens in Ban Lung itself
    add(engine, "Ban Lung Methadone", datetime(2026, 12, 9, 10, tzinfo=UTC) - KH,
        province_code="16", district_code="1602")
    points = default_points()
    far = distance_km(points.point("1602"), points.point("1204"))  # type: ignore[arg-type]
    with app.extensions["sangkhim.db"].sessions() as session:
        as_of = at_period_end(session, include_sample=False)
        assert nearest(session, LAST_WEEK, as_of) == pytest.approx(far)
        today = directory_services(session, include_sample=False)
        # what the report said before: today's directory
        assert nearest(session, LAST_WEEK, today) == 0
        rows = [r for r in export_rows(session, [LAST_WEEK], "district", K,
                                       at_period_end(session, False), default_points())
                if r["district_code"] == "1602" and r["service_type"] == "methadone"]
    assert [r["nearest_open_service_km"] for r in rows] == [round(far)]


def test_a_service_marked_full_counts_as_full_only_from_then(app: Flask) -> None:
    engine = app.extensions["sangkhim.db"].engine
    add(engine, "City Methadone", at(1, month=11))  # Phnom Penh, far
    o_chum = add(engine, "O Chum Methadone", at(1, month=11),
                 province_code="16", district_code="1603")  # next to Ban Lung
    unmet_in_ban_lung(app, WEEK_BEFORE)
    unmet_in_ban_lung(app, LAST_WEEK)
    # marked full on Wednesday 2 December at 09:00 in Phnom Penh
    change(engine, o_chum, datetime(2026, 12, 2, 9, tzinfo=UTC) - KH, is_full=True)
    points = default_points()
    near = distance_km(points.point("1602"), points.point("1603"))  # type: ignore[arg-type]
    far = distance_km(points.point("1602"), points.point("1204"))  # type: ignore[arg-type]
    with app.extensions["sangkhim.db"].sessions() as session:
        as_of = at_period_end(session, include_sample=False)
        assert nearest(session, WEEK_BEFORE, as_of) == pytest.approx(near)  # still open then
        assert nearest(session, LAST_WEEK, as_of) == pytest.approx(far)  # full at the week's end
        assert [s.is_full for s in services_as_of(session, date(2026, 12, 1), False)
                if s.id == o_chum] == [False]
        assert [s.is_full for s in services_as_of(session, date(2026, 12, 2), False)
                if s.id == o_chum] == [True]
