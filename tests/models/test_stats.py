"""Demand statistics (models/stats.py) on SQLite and PostgreSQL: whole ended periods, one
protected cube behind every level, the unmet-demand ranking and the distance to the nearest
open service."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from core.geo import default_points, distance_km
from models import DailyUniqueSender, PublishedDemandEvent, Service
from models.stats import (
    Period,
    default_frame,
    directory_services,
    ended_periods,
    export_rows,
    nearest_open_km,
    period_of,
    unmet_report,
)

WEEK = Period(date(2026, 11, 16), date(2026, 11, 22), "week")
K = 5


# --- periods and places (no database) -----------------------------------------------------------


def test_a_week_runs_monday_to_sunday_and_a_month_is_the_calendar_month() -> None:
    assert period_of(date(2026, 11, 19), "week") == WEEK
    assert WEEK.label == "2026-W47"
    month = period_of(date(2026, 2, 14), "month")
    assert (month.start, month.end, month.label) == (date(2026, 2, 1), date(2026, 2, 28), "2026-02")
    assert period_of(date(2027, 1, 1), "week").label == "2026-W53"  # ISO weeks cross years
    with pytest.raises(ValueError):
        period_of(date(2026, 1, 1), "day")


def test_only_whole_periods_that_have_ended_are_published() -> None:
    # A range cutting two weeks gets both whole weeks; the week still running is left out.
    weeks = ended_periods(date(2026, 11, 11), date(2026, 11, 30), "week", today=date(2026, 11, 30))
    assert [w.label for w in weeks] == ["2026-W46", "2026-W47", "2026-W48"]
    weeks = ended_periods(date(2026, 11, 11), date(2026, 11, 30), "week", today=date(2026, 11, 29))
    assert [w.label for w in weeks] == ["2026-W46", "2026-W47"]
    months = ended_periods(date(2026, 10, 31), date(2026, 11, 1), "month", today=date(2026, 12, 1))
    assert [m.label for m in months] == ["2026-10", "2026-11"]


def test_every_event_has_a_place_in_the_fixed_frame() -> None:
    frame = default_frame()
    assert len(frame.provinces) == 25 and len(frame.districts) > 190
    assert frame.leaf("16", "1602") == "1602"
    assert frame.leaf("16", None) == "16?"
    assert frame.leaf("16", "1699") == "16?"  # a code the frame does not know
    assert frame.leaf(None, None) == frame.leaf("99", None) == "?"
    assert frame.name("1602") == "Ratanak Kiri › Ban Lung"
    assert frame.name("16?") == "Ratanak Kiri › (district not named)"


def test_nearest_open_service_skips_full_ones() -> None:
    points = default_points()
    from core.directory import ServiceInfo
    from core.vocabulary import ServiceType

    def clinic(district: str, full: bool) -> ServiceInfo:
        return ServiceInfo(id=1, service_type=ServiceType.METHADONE, name_km="", name_en="x",
                           address_km="", address_en="", province_code=district[:2],
                           district_code=district, phone="", is_full=full)

    near, far = clinic("1602", full=True), clinic("1204", full=False)
    expected = distance_km(points.point("1602"), points.point("1204"))  # type: ignore[arg-type]
    assert nearest_open_km("1602", "methadone", [near, far], points) == pytest.approx(expected)
    assert nearest_open_km("16?", "methadone", [near, far], points) == pytest.approx(expected)
    assert nearest_open_km("1602", "methadone", [near], points) is None
    assert nearest_open_km("?", "methadone", [far], points) is None
    assert nearest_open_km("1602", "needle_exchange", [far], points) is None


# --- from the database ----------------------------------------------------------------------------


def add_events(app: Flask, *rows: tuple[str | None, str | None, str | None, str, int]) -> None:
    with app.extensions["sangkhim.db"].sessions() as session, session.begin():
        for province, district, service, outcome, n in rows:
            for i in range(n):
                session.add(PublishedDemandEvent(
                    day=date(2026, 11, 16 + i % 7), hour=i % 24, channel="sms", locale="km",
                    intent="find_methadone", service_type=service, province_code=province,
                    district_code=district, outcome=outcome,
                ))
        session.add(DailyUniqueSender(day=date(2026, 11, 17), service_type="methadone",
                                      province_code="16", district_code="1602", senders=9))
        session.add(Service(service_type="methadone", name_km="ក", name_en="City Methadone",
                            province_code="12", district_code="1204", is_sample=False))


RATANAKIRI = (
    ("16", "1602", "methadone", "served_farther", 12),
    ("16", "1603", "methadone", "served_farther", 3),
    ("16", None, "methadone", "served_farther", 6),
    ("12", "1204", "methadone", "served_within_10km", 20),
    (None, None, None, "emergency", 7),  # not a service request: not in these tables
    ("16", "1602", "methadone", "served_farther", 0),
)


def rows_of(app: Flask, level: str) -> list[dict[str, object]]:
    with app.extensions["sangkhim.db"].sessions() as session:
        services = directory_services(session, include_sample=False)
        return list(export_rows(session, [WEEK], level, K, services, default_points()))


def test_district_export(app: Flask) -> None:
    add_events(app, *RATANAKIRI)
    rows = {(r["district_code"] or r["province_code"] + "?", r["service_type"]): r
            for r in rows_of(app, "district")}
    assert set(rows) == {("1602", "methadone"), ("1602", "all"), ("16?", "methadone"), ("16?", "all"),
                         ("1204", "methadone"), ("1204", "all")}  # Ban Lung's 3 are under k: no row
    ban_lung = rows[("1602", "methadone")]
    assert ban_lung["district"] == "Ban Lung" and ban_lung["province_km"] == "រតនគិរី"
    assert (ban_lung["requests"], ban_lung["served_farther"], ban_lung["unmet"]) == (12, 12, 12)
    assert ban_lung["served_within_10km"] == 0  # none: a zero is about nobody
    assert ban_lung["sender_days"] == 9
    expected_km = distance_km(default_points().point("1602"), default_points().point("1204"))  # type: ignore[arg-type]
    assert ban_lung["nearest_open_service_km"] == round(expected_km)
    assert rows[("16?", "methadone")]["district"] == "(district not named)"
    assert rows[("16?", "methadone")]["requests"] == "x"  # protects the 3 beside it
    assert rows[("1204", "all")]["nearest_open_service_km"] == ""


def test_province_export_reads_the_same_cube(app: Flask) -> None:
    add_events(app, *RATANAKIRI)
    rows = {(r["province_code"], r["service_type"]): r for r in rows_of(app, "province")}
    assert rows[("16", "methadone")]["requests"] == 21
    assert rows[("16", "methadone")]["unmet"] == 21
    assert rows[("12", "methadone")]["served_within_10km"] == 20
    assert all(r["district_code"] == "" for r in rows.values())


def test_unmet_ranking(app: Flask) -> None:
    add_events(app, *RATANAKIRI)
    with app.extensions["sangkhim.db"].sessions() as session:
        services = directory_services(session, include_sample=False)
        report = unmet_report(session, WEEK, K, services, default_points())
    # the 3 of a third district hide one of the two others: not the largest need
    assert [(r.place, r.unmet) for r in report.rows] == [("1602", 12), ("16?", "x")]
    assert report.requests == 41 and report.unmet == 21
    assert report.by_service["methadone"] == (41, 21)
    assert report.rows[0].nearest_open_km is not None and report.rows[0].nearest_open_km > 200


def test_nothing_is_published_from_too_little(app: Flask) -> None:
    add_events(app, ("16", "1602", "methadone", "served_farther", 3))
    assert [r for r in rows_of(app, "district") if r["requests"] != "<5"] == []
    with app.extensions["sangkhim.db"].sessions() as session:
        report = unmet_report(session, WEEK, K, [], default_points())
    assert report.rows == [] and report.requests == "<5"
