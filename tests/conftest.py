"""Shared fixtures. Every test that uses ``app`` (or ``db_url``) runs on SQLite and on a real
PostgreSQL server; PostgreSQL runs are skipped, with the reason shown, only where no server
can be started."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from core.vocabulary import CAMBODIA
from models import Base
from models import migrate as migrations
from models.base import make_engine
from tests import pg_server
from tests.fake_bot_api import TOKEN as TELEGRAM_TOKEN
from tests.fake_bot_api import bot_api  # noqa: F401  (a fixture: the fake Telegram Bot API)
from tests.fake_twilio_api import twilio_api  # noqa: F401  (a fixture: the fake Twilio REST API)
from webhooks import timesource

FIXTURES = Path(__file__).parent / "fixtures"

#: The instant every test app lives at (``webhooks.timesource``), unless its test moves the
#: ``clock``: a Wednesday's working hour in Phnom Penh, on no public holiday, after every fixed
#: date the tests use as the past (the weeks of November 2026 have ended). Whether a service is
#: open, the day and week a demand event falls in, whether a chat has expired all follow from
#: it, so no test's outcome depends on when the suite runs (``make test-clock`` checks).
PINNED_NOW = datetime(2026, 12, 9, 10, 0, tzinfo=CAMBODIA)
#: Today on Cambodia's calendar at ``PINNED_NOW``.
PINNED_TODAY = PINNED_NOW.date()

#: Tests run in development unless they say otherwise (an unset SANGKHIM_ENV is production).
#: The keys are random (``secrets.token_urlsafe``), as production demands of them, so that a test
#: can switch to production with them; the Bot API is a closed port on this machine, over https
#: as production demands (tests that send point it at the fake server, ``bot_api``).
TEST_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "SANGKHIM_ENV": "development",
    "SECRET_KEY": "cmRBZXVX--lE0WabE8DRHI-CDWDQ31FWp0Ai6YFMV7A",
    "PSEUDONYM_KEY": "x5bOMj4rPeCQ8HC907CIUvskZ34Y7xziFiGOfbo-UyY",
    "TWILIO_AUTH_TOKEN": "test-twilio-auth-token",
    "PUBLIC_BASE_URL": "https://sangkhim.example.org",
    "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
    "TELEGRAM_WEBHOOK_SECRET": "sF9BeMU-LOoBN244AlhNq_aFGLFV7nU0",
    "TELEGRAM_API_BASE_URL": "https://127.0.0.1:9/bot",
}


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is faster)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    migrations.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[pg_server.PostgresServer]:
    """The session's PostgreSQL server, migrated; its ``data_dir`` is None for an existing server
    (``SANGKHIM_TEST_POSTGRES_URL``), whose files the tests cannot read."""
    try:
        server = pg_server.start()
    except pg_server.Unavailable as reason:
        if os.environ.get("SANGKHIM_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required here (SANGKHIM_REQUIRE_POSTGRES) but: {reason}")
        pytest.skip(f"PostgreSQL unavailable: {reason}")
    try:
        migrations.upgrade(server.url)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: pg_server.PostgresServer) -> str:
    return postgres_server.url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "sangkhim.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    with engine.begin() as conn:
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {tables}"))
        # as a migrated database has it (migration 0015): the directory's version row
        conn.execute(text("INSERT INTO directory_version (id, token) VALUES (1, 1)"))
    engine.dispose()
    return url


def app_now(app: Flask) -> datetime:
    """The instant ``app`` lives at (its clock: the ``clock`` fixture's for the tests' apps), in
    UTC; what a test compares the app's times with, rather than the wall clock."""
    with app.app_context():
        return timesource.now()


@pytest.fixture
def clock() -> timesource.Pinned:
    """The clock of this test's apps, at ``PINNED_NOW``: ``clock.advance(timedelta(...))`` moves
    every one of them, ``clock()`` reads it (never the wall clock)."""
    return timesource.Pinned(PINNED_NOW)


@pytest.fixture
def make_app(db_url: str, tmp_path: Path, clock: timesource.Pinned) -> Iterator[Any]:
    """Build apps on this test's database, living at the ``clock``'s instant; extra config
    overrides the test defaults."""
    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        from webhooks import create_app

        app = create_app({**TEST_CONFIG, "DATABASE_URL": db_url, **overrides})
        timesource.pin(app, clock)
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["sangkhim.db"].engine.dispose()


@pytest.fixture
def app(make_app: Any) -> Flask:
    return make_app()  # type: ignore[no-any-return]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def sample_app(app: Flask) -> Flask:
    """The app with the bundled SAMPLE directory loaded."""
    result = app.test_cli_runner().invoke(args=["directory", "import", "--sample"])
    assert result.exit_code == 0, result.output
    return app


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens", action="store_true",
        help="rewrite the golden transcripts (tests/bot/goldens) from what the bot says now",
    )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))
