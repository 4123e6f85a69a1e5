"""``flask demand export`` and ``flask demand report`` through ``app.test_cli_runner()``."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

from flask import Flask

from models import PublishedDemandEvent
from models.stats import EXPORT_COLUMNS
from tests.conftest import PINNED_TODAY
from tests.synthetic import last_week

TODAY = PINNED_TODAY  # the day the test apps live at (tests/conftest.py)
MONDAY = last_week(TODAY)


def add(app: Flask, district: str, service: str, outcome: str, n: int) -> None:
    with app.extensions["sangkhim.db"].sessions() as session, session.begin():
        for i in range(n):
            session.add(PublishedDemandEvent(
                day=MONDAY + timedelta(days=i % 7), hour=10, channel="telegram", locale="en",
                intent="find_methadone", service_type=service, province_code=district[:2],
                district_code=district, outcome=outcome,
            ))


def cli(app: Flask, *args: str) -> tuple[int, str, str]:
    result = app.test_cli_runner().invoke(args=["demand", *args])
    return result.exit_code, result.stdout, result.stderr


def test_export_writes_the_last_weeks_as_csv(app: Flask) -> None:
    add(app, "1602", "methadone", "served_farther", 8)
    add(app, "1603", "methadone", "no_service", 2)
    code, out, err = cli(app, "export")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    assert {r["period"] for r in rows} == {f"{MONDAY.isocalendar()[0]}-W{MONDAY.isocalendar()[1]:02d}"}
    ban_lung = [r for r in rows if r["district_code"] == "1602" and r["service_type"] == "methadone"]
    # Ratanak Kiri's 10 is shown, so Ban Lung's 8 is withheld: 10 - 8 would give the 2 away
    assert ban_lung[0]["requests"] == "x" and ban_lung[0]["no_service"] == "<5"
    assert not [r for r in rows if r["district_code"] == "1603"]


def test_export_by_month_and_province_to_a_file(app: Flask, tmp_path: Path) -> None:
    app.config["DEMAND_PERIOD"] = "month"
    add(app, "1602", "methadone", "served_farther", 8)
    target = tmp_path / "demand.csv"
    first = (MONDAY - timedelta(days=62)).isoformat()
    code, _, err = cli(app, "export", "--by", "month", "--level", "province", "--from", first,
                       "--to", MONDAY.isoformat(), "-o", str(target))
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert all(r["district_code"] == "" and len(r["period"]) == 7 for r in rows)


def test_export_refuses_a_range_with_no_ended_period(app: Flask) -> None:
    code, _, err = cli(app, "export", "--from", TODAY.isoformat(), "--to", TODAY.isoformat())
    assert code != 0 and "ended" in err
    code, _, err = cli(app, "export", "--from", "2026-11-20", "--to", "2026-11-01")
    assert code != 0


def test_report_ranks_places_by_unmet_demand(app: Flask) -> None:
    add(app, "1602", "methadone", "served_farther", 9)
    add(app, "1101", "needle_exchange", "no_service", 6)
    add(app, "1204", "methadone", "served_within_10km", 30)
    code, out, err = cli(app, "report")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Unmet demand, week ")
    ranked = [line for line in lines if line[:3].strip().isdigit()]
    assert "Ratanak Kiri › Ban Lung" in ranked[0] and "methadone" in ranked[0]
    assert "needle and syringe exchange" in ranked[1]
    assert "Tuol Kouk" not in out  # everyone there found a service nearby
    assert "Service requests: 45; ended unmet: 15" in out
    assert '"<5"' in out  # the legend


def test_report_of_an_empty_week_says_so(app: Flask) -> None:
    code, out, _ = cli(app, "report")
    assert code == 0
    assert "no place had 5 or more unmet requests" in out or "Not published" in out


# --- weeks and months cannot be subtracted ----------------------------------------------------

#: September to November 2025 start on a Monday and end on a Sunday: 13 whole ISO weeks.
SPAN_START = date(2025, 9, 1)
SPAN_WEEKS = 13


def _span(app: Flask, hidden_week: int) -> None:
    """Six requests in each week of the span but one, which has two (published as "<5")."""
    with app.extensions["sangkhim.db"].sessions() as session, session.begin():
        for week in range(SPAN_WEEKS):
            for i in range(2 if week == hidden_week else 6):
                session.add(PublishedDemandEvent(
                    day=SPAN_START + timedelta(weeks=week, days=i % 7), hour=10,
                    channel="sms", locale="km", intent="find_methadone",
                    service_type="methadone", province_code="16", district_code="1602",
                    outcome="served_farther",
                ))


def _requests(out: str) -> dict[str, str]:
    return {r["period"]: r["requests"] for r in csv.DictReader(io.StringIO(out))
            if r["district_code"] == "1602" and r["service_type"] == "methadone"}


def test_the_other_granularity_is_refused_so_weeks_and_months_cannot_be_subtracted(
    app: Flask,
) -> None:
    """The audit's attack: the three months equal the sum of their 13 weeks, so months minus
    the weeks shown would give the hidden week away (74 - 72 = 2). One granularity only."""
    _span(app, hidden_week=6)
    span = ("--from", SPAN_START.isoformat(), "--to", "2025-11-30")
    code, out, err = cli(app, "export", *span)
    assert code == 0, err
    weeks = _requests(out)
    assert len(weeks) == SPAN_WEEKS - 1 and set(weeks.values()) == {"6"}  # the small one hidden
    code, _, err = cli(app, "export", "--by", "month", *span)
    assert code != 0 and "DEMAND_PERIOD" in err
    code, _, err = cli(app, "report", "--by", "month", *span)
    assert code != 0 and "DEMAND_PERIOD" in err

    app.config["DEMAND_PERIOD"] = "month"  # a deployment that publishes months instead
    code, out, err = cli(app, "export", *span)
    assert code == 0, err
    assert set(_requests(out)) == {"2025-09", "2025-10", "2025-11"}
    code, _, err = cli(app, "export", "--by", "week", *span)
    assert code != 0 and "DEMAND_PERIOD" in err


def test_audit_proves_the_published_weeks_safe(app: Flask) -> None:
    add(app, "1602", "methadone", "served_farther", 8)
    add(app, "1603", "methadone", "no_service", 2)
    add(app, "1201", "needle_exchange", "served_within_10km", 13)
    code, out, err = cli(app, "audit")
    assert code == 0, err
    week = f"{MONDAY.isocalendar()[0]}-W{MONDAY.isocalendar()[1]:02d}"
    line = [row for row in out.splitlines() if row.startswith(week)]
    assert line and "none can be worked out" in line[0] and "small counts checked" in line[0]
