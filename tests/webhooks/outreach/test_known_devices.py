"""Known devices (audit N13): an outsider's wrong passwords make an account wait, but they must
not lock its worker out. A browser where the account has logged in before (a signed cookie set
at that login) still gets in with the right password, after a short delay."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models.staff import AuditLog
from tests.webhooks.outreach.helpers import ADMIN, OUTREACH, PASSWORD, login, make_user, post
from webhooks.database import get_db
from webhooks.outreach import auth, devices

WRONG = "not the password at all"


@pytest.fixture
def delays(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays a known device waited (recorded, not slept)."""
    waited: list[float] = []
    monkeypatch.setattr(auth, "pause", waited.append)
    return waited


def known_device(app: Flask, email: str = OUTREACH) -> FlaskClient:
    """A browser where ``email`` has logged in (and out) before."""
    client = app.test_client()
    assert login(client, email).status_code == 302
    assert client.get_cookie(devices.COOKIE, path="/outreach/") is not None
    post(client, "/outreach/logout", page="/outreach/demand")
    return client


def lock_out(app: Flask, email: str = OUTREACH) -> None:
    """An outsider's five wrong passwords, from a browser of their own."""
    outsider = app.test_client()
    statuses = [login(outsider, email, WRONG).status_code for _ in range(5)]
    assert statuses == [401] * 4 + [429]


def test_an_outsider_cannot_lock_out_a_known_device(app: Flask, delays: list[float]) -> None:
    make_user(app, OUTREACH, "outreach")
    worker = known_device(app)
    lock_out(app)
    assert login(worker, OUTREACH).status_code == 302  # in, after a delay
    assert delays == [devices.DELAY_SECONDS]
    assert worker.get("/outreach/demand").status_code == 200


def test_a_new_device_still_waits(app: Flask, delays: list[float]) -> None:
    make_user(app, OUTREACH, "outreach")
    known_device(app)
    lock_out(app)
    assert login(app.test_client(), OUTREACH).status_code == 429
    assert delays == []


def test_no_delay_while_the_account_is_not_waiting(app: Flask, delays: list[float]) -> None:
    make_user(app, OUTREACH, "outreach")
    worker = known_device(app)
    assert login(worker, OUTREACH).status_code == 302
    assert delays == []


def test_the_outsider_s_failures_still_count_after_the_worker_got_in(
    app: Flask, delays: list[float]
) -> None:
    make_user(app, OUTREACH, "outreach")
    worker = known_device(app)
    lock_out(app)
    assert login(worker, OUTREACH).status_code == 302
    assert login(app.test_client(), OUTREACH, WRONG).status_code == 429  # still waiting
    assert login(app.test_client(), OUTREACH).status_code == 429


def test_a_known_device_that_guesses_is_throttled_itself(
    app: Flask, delays: list[float]
) -> None:
    """A stolen device cookie is no way round the back-off: the device has failures of its own."""
    make_user(app, OUTREACH, "outreach")
    device = known_device(app)
    lock_out(app)
    statuses = [login(device, OUTREACH, WRONG).status_code for _ in range(5)]
    assert statuses == [401] * 4 + [429]
    assert login(device, OUTREACH).status_code == 429  # now the device waits too


def test_a_device_is_known_for_its_own_accounts_only(app: Flask, delays: list[float]) -> None:
    """A shared office computer knows each account that has logged in on it, and no other."""
    third = "third@example.org"
    for email, role in ((OUTREACH, "outreach"), (ADMIN, "admin"), (third, "outreach")):
        make_user(app, email, role)
    shared = known_device(app, OUTREACH)
    assert login(shared, ADMIN).status_code == 302
    post(shared, "/outreach/logout", page="/outreach/demand")
    for email in (OUTREACH, ADMIN, third):
        lock_out(app, email)
    assert login(shared, third).status_code == 429
    for email in (OUTREACH, ADMIN):
        assert login(shared, email).status_code == 302
        post(shared, "/outreach/logout", page="/outreach/demand")


def test_a_forged_or_foreign_device_cookie_is_ignored(
    app: Flask, make_app: Any, delays: list[float]
) -> None:
    make_user(app, OUTREACH, "outreach")
    worker = known_device(app)
    cookie = worker.get_cookie(devices.COOKIE, path="/outreach/")
    assert cookie is not None
    lock_out(app)
    forged = app.test_client()
    forged.set_cookie(devices.COOKIE, cookie.value[:-2] + "xx", path="/outreach/")
    assert login(forged, OUTREACH).status_code == 429
    # signed with another SECRET_KEY: not this deployment's
    other = make_app(SECRET_KEY="ynGDK-E0KfPl7GbUabJvzM8Wj-gFhPfl9k42uGo-Rns")
    with other.test_request_context():
        foreign = devices.encode([(1, "d" * 22)])
    stranger = app.test_client()
    stranger.set_cookie(devices.COOKIE, foreign, path="/outreach/")
    assert login(stranger, OUTREACH).status_code == 429


def test_the_device_cookie(app: Flask) -> None:
    """HttpOnly, SameSite=Strict, only under /outreach/, for 90 days; it holds a user id and a
    random device id, signed, and nothing else (no e-mail address, no password)."""
    make_user(app, OUTREACH, "outreach")
    client = app.test_client()
    response = login(client, OUTREACH)
    [header] = [h for h in response.headers.getlist("Set-Cookie")
                if h.startswith(devices.COOKIE + "=")]
    for part in ("HttpOnly", "SameSite=Strict", "Path=/outreach/", "Max-Age=7776000"):
        assert part in header
    value = client.get_cookie(devices.COOKIE, path="/outreach/").value
    assert OUTREACH not in value and "worker" not in value.lower() and PASSWORD not in value


def test_the_device_cookie_is_secure_in_production(make_app: Any) -> None:
    app = make_app(SANGKHIM_ENV="production")
    make_user(app, OUTREACH, "outreach")
    response = login(app.test_client(), OUTREACH)
    [header] = [h for h in response.headers.getlist("Set-Cookie")
                if h.startswith(devices.COOKIE + "=")]
    assert "Secure" in header


def test_the_audit_log_says_a_known_device_got_in_while_the_account_waited(
    app: Flask, delays: list[float]
) -> None:
    make_user(app, OUTREACH, "outreach")
    worker = known_device(app)
    lock_out(app)
    login(worker, OUTREACH)
    with app.app_context(), get_db().sessions() as session:
        last = session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert last is not None and last.action == "auth.login" and "known_device" in last.details
