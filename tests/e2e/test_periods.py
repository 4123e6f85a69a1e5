"""End to end, in headless Chromium: a planner picks an older week with the period picker (a
plain form, no script) and reads that week's numbers beside the week before, with the change
column; a period that is not published is said so on the page, in Khmer and in English."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from models import stats
from tests.e2e.conftest import last_sunday
from tests.e2e.live import LiveServer, serve
from tests.e2e.test_dashboard import LOCALES, log_in, page, t, text_of  # noqa: F401 (fixture)
from tests.webhooks.outreach.helpers import OUTREACH, add_events, make_user
from webhooks.database import get_db
from webhooks.outreach import demand


@pytest.fixture
def weeks(sample_app: Flask) -> Iterator[LiveServer]:
    """Four ended weeks of demand in a few places (a small count among them), an outreach
    worker, the app under a real server. Few places keep the protected tables quick to build
    (the 150-a-week ``live`` demand takes minutes cold: see ``make bench``)."""
    app = sample_app
    make_user(app, OUTREACH, "outreach")
    rows = []
    for week in range(4):
        day = str(last_sunday() - timedelta(days=2 + 7 * week))
        rows += [
            (day, "12", "1201", "methadone", "served_within_10km", "sms", "km", 12 + 3 * week),
            (day, "12", "1203", "needle_exchange", "only_full", "telegram", "en", 8 + week),
            (day, "02", "0203", "methadone", "no_service", "sms", "km", 6 + 2 * week),
            (day, "17", "1710", "voluntary_treatment", "served_10_50km", "whatsapp", "km",
             3 + week),
        ]
    add_events(app, rows)
    # The protected tables of every week the test shows, built before the browser asks (a
    # cold page is timed by ``make bench``, not here, where a busy machine would time out).
    with app.test_request_context(), get_db().reads() as session:
        shown = demand.periods(demand.Filters())
        for period in [demand.step(shown[0], -1), *shown]:
            demand.demand_cube(session, period, app.config["K_ANONYMITY"])
            demand.audience_cube(session, period, app.config["K_ANONYMITY"])
    with serve(app) as server:
        yield server


def cubes(app: Flask, period: stats.Period) -> Any:
    with app.test_request_context(), get_db().sessions() as session:
        return stats.demand_cube(session, period, app.config["K_ANONYMITY"])


def number(text: str) -> int | None:
    text = text.replace(",", "").replace("+", "").strip()
    return int(text) if re.fullmatch(r"-?\d+", text) else None


@pytest.mark.parametrize("locale", LOCALES)
def test_a_planner_picks_an_older_week_and_compares_it(weeks: LiveServer, page: Any,
                                                        locale: str) -> None:
    app, base = weeks.app, weeks.url
    log_in(page, base, OUTREACH, locale)
    with app.test_request_context():
        shown = demand.periods(demand.Filters())
    latest, older = shown[-1], shown[-3]
    previous = demand.step(older, -1)

    # The picker offers the published weeks, newest first, the latest chosen.
    picker = page.locator("[data-testid=period-select]")
    assert picker.input_value() == latest.label
    options = picker.locator("option").evaluate_all("els => els.map(e => e.value)")
    assert options[0] == latest.label and older.label in options

    # Pick an older week and show it: the page is that week's, the form kept no script.
    picker.select_option(older.label)
    page.click("[data-testid=period-show]")
    page.wait_for_url(re.compile(rf".*period={older.label}.*"))
    assert page.locator("[data-testid=period-select]").input_value() == older.label
    now, before = cubes(app, older), cubes(app, previous)
    assert page.inner_text("[data-testid=total]") == text_of(now.display("*", "*", "*"))
    assert page.inner_text("[data-testid=kpi-requests]") == text_of(now.display("*", "*", "*"))
    assert not page.is_visible("[data-testid=period-notices]")

    # Each province: this week, the week before and the change, from the same cubes; a change
    # only where both counts are exact.
    table = page.locator("[data-testid=table-province]")
    assert t(locale, "Difference") in table.inner_text()
    rows = table.locator("li[data-key]")
    assert rows.count() > 0
    exact = 0
    for index in range(rows.count()):
        row = rows.nth(index)
        code = row.get_attribute("data-key")
        assert row.locator("[data-testid=now]").inner_text() == text_of(
            now.display(code, "*", "*"))
        assert row.locator("[data-testid=previous]").inner_text() == text_of(
            before.display(code, "*", "*"))
        change = row.locator("[data-testid=change]").inner_text()
        a, b = now.display(code, "*", "*"), before.display(code, "*", "*")
        if type(a) is int and type(b) is int:
            assert number(change) == a - b
            exact += 1
        else:
            assert change == "—"
    assert exact > 0
    assert page.is_visible("[data-testid=scale-legend]")

    # "Later" steps to the week after; a week not yet ended is refused, said so on the page.
    page.click("[data-testid=period-newer]")
    page.wait_for_url(re.compile(rf".*period={demand.step(older, 1).label}.*"))
    page.goto(f"{base}/outreach/demand?period={demand.step(latest, 1).label}")
    notice = page.inner_text("[data-testid=notice-future]")
    assert demand.step(latest, 1).label in notice
    if locale == "km":
        assert not re.search("[A-Za-z]{3,}", notice), notice
    assert page.locator("[data-testid=period-select]").input_value() == latest.label
