"""Browser fixtures: Debian's Chromium under Playwright, and the app under a real HTTP server.

Without a browser the end-to-end tests are skipped with the reason shown; CI sets
``SANGKHIM_REQUIRE_BROWSER=1`` (``.ci/run`` installs Chromium), where a missing browser fails."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from models import ProtectedTable, stats
from models.services import Service
from tests.conftest import PINNED_TODAY
from tests.e2e.live import CHROMIUM_ARGS, LiveServer, chromium_path, serve, synthetic_demand
from tests.webhooks.outreach.helpers import ADMIN, OUTREACH, make_user
from webhooks.database import get_db

#: The service the tests mark full in the browser (the other methadone services start full).
TARGET = "[SAMPLE] Methadone Clinic Phnom Penh"


def _unavailable(reason: str) -> None:
    if os.environ.get("SANGKHIM_REQUIRE_BROWSER"):
        pytest.fail(f"a browser is required here (SANGKHIM_REQUIRE_BROWSER) but: {reason}")
    pytest.skip(f"end-to-end tests need a browser: {reason}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Module-scoped: Playwright's sync API keeps an event loop running in this thread while it
    is open, which would disturb later tests that run their own (python-telegram-bot's)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    executable = chromium_path()
    if executable is None:
        _unavailable("no Chromium found (Debian: apt-get install chromium)")
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except Exception as error:  # a broken install: say so rather than erroring
            _unavailable(f"Chromium at {executable} did not start ({type(error).__name__})")
        yield launched
        launched.close()


def last_sunday(today: date | None = None) -> date:
    today = today or PINNED_TODAY  # the day the test apps live at (tests/conftest.py)
    return today - timedelta(days=today.weekday() + 1)


@pytest.fixture
def live(sample_app: Flask) -> Iterator[LiveServer]:
    """The app with the SAMPLE directory, made-up demand in the last 6 ended weeks, an admin
    and an outreach worker; every methadone service but ``TARGET`` already full."""
    app = sample_app
    make_user(app, ADMIN, "admin")
    make_user(app, OUTREACH, "outreach")
    with app.app_context(), get_db().sessions() as session, session.begin():
        session.add_all(synthetic_demand(last_sunday(), weeks=6, per_week=150))
        for service in session.scalars(select(Service).where(Service.service_type == "methadone")):
            service.is_full = service.name_en != TARGET
    with app.app_context():
        _protect_tables(app)
    with serve(app) as server:
        yield server


#: The protected tables of the synthetic weeks: the same in every test (fixed seed, pinned
#: day), so built once per run and copied into each test's database.
_TABLES: list[dict[str, Any]] = []


def _protect_tables(app: Flask) -> None:
    """What the clock does once a week is published: protect and store its tables, so that a
    page reads them as it would in a deployment instead of building them while the browser
    waits."""
    engine = get_db().engine
    if not _TABLES:
        stats.protect_ended_periods(engine, PINNED_TODAY, app.config["DEMAND_PERIOD"],
                                    int(app.config["K_ANONYMITY"]), horizon=14,
                                    budget=float("inf"))
        with engine.connect() as connection:
            _TABLES.extend(dict(row._mapping) for row in
                           connection.execute(select(ProtectedTable.__table__)))
        return
    with engine.begin() as connection:
        connection.execute(ProtectedTable.__table__.insert(), _TABLES)
