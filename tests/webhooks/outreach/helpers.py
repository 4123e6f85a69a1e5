"""Helpers for the dashboard's request tests: accounts, CSRF tokens, logging in."""

from __future__ import annotations

import re
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from models.demand_tables import PublishedDemandEvent
from webhooks.database import get_db
from webhooks.outreach import accounts

PASSWORD = "a long test password"
ADMIN, OUTREACH = "admin@example.org", "worker@example.org"
_TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def make_user(app: Flask, email: str, role: str, password: str = PASSWORD, temporary: bool = False) -> int:
    with app.app_context(), get_db().sessions() as session, session.begin():
        return accounts.create(session, email, role, password, temporary=temporary).id


def token(client: FlaskClient, path: str = "/outreach/login") -> str:
    page = client.get(path)
    found = _TOKEN.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> TestResponse:
    return client.post("/outreach/login", data={
        "csrf_token": token(client), "email": email, "password": password,
    })


def post(client: FlaskClient, path: str, data: dict | None = None, page: str = "/outreach/directory",
         **kwargs) -> TestResponse:  # type: ignore[type-arg]
    """A form post with a valid CSRF token taken from ``page``."""
    return client.post(path, data={"csrf_token": token(client, page), **(data or {})}, **kwargs)


def add_events(app: Flask, rows: list[tuple[str, str | None, str | None, str | None, str, str, str, int]]) -> None:
    """``(day, province, district, service_type, outcome, channel, locale, count)`` rows."""
    with app.app_context(), get_db().sessions() as session, session.begin():
        for day, province, district, service, outcome, channel, locale, count in rows:
            for _ in range(count):
                session.add(PublishedDemandEvent(
                    day=date.fromisoformat(day), hour=10, channel=channel, locale=locale,
                    intent="find_clinic", service_type=service, province_code=province,
                    district_code=district, outcome=outcome,
                ))
