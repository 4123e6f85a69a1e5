"""Accounts: the CLI, login and logout, sessions, CSRF, throttling, password change."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models.base import utcnow
from models.staff import AuditLog, LoginThrottle, StaffUser
from tests.webhooks.outreach.helpers import ADMIN, OUTREACH, PASSWORD, login, make_user, post, token
from webhooks.database import get_db
from webhooks.outreach.auth import LOGIN_AT, authenticate


def users(app: Flask) -> list[StaffUser]:
    with app.app_context(), get_db().sessions() as session:
        return list(session.scalars(select(StaffUser)))


def audit_actions(app: Flask) -> list[str]:
    with app.app_context(), get_db().sessions() as session:
        return [a.action for a in session.scalars(select(AuditLog).order_by(AuditLog.id))]


# --- flask users ---------------------------------------------------------------------------------
def test_users_create_prompts_twice_and_stores_an_argon2_hash(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["users", "create", "First.Admin@Example.org", "--role", "admin"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "created admin account first.admin@example.org" in result.output
    assert PASSWORD not in result.output
    [user] = users(app)
    assert user.email == "first.admin@example.org" and user.role == "admin" and user.is_active
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert not user.must_change_password
    assert audit_actions(app) == ["user.create"]


@pytest.mark.parametrize(
    ("args", "typed", "message"),
    [
        (["x@example.org", "--role", "admin"], "short\nshort\n", "at least 12 characters"),
        (["x@example.org", "--role", "boss"], f"{PASSWORD}\n{PASSWORD}\n", "Invalid value for '--role'"),
        (["x@example.org", "--role", "admin"], f"{PASSWORD}\nsomething else\n", "do not match"),
    ],
    ids=["short password", "unknown role", "passwords differ"],
)
def test_users_create_refuses_bad_input(app: Flask, args: list[str], typed: str, message: str) -> None:
    result = app.test_cli_runner().invoke(args=["users", "create", *args], input=typed)
    assert message in result.output
    assert users(app) == []


def test_users_create_refuses_a_second_account_with_the_same_email(app: Flask) -> None:
    make_user(app, ADMIN, "admin")
    result = app.test_cli_runner().invoke(
        args=["users", "create", ADMIN.upper(), "--role", "outreach"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code != 0 and "already an account" in result.output


def test_users_list_and_set_password(app: Flask, client: FlaskClient) -> None:
    make_user(app, ADMIN, "admin")
    runner = app.test_cli_runner()
    assert ADMIN in runner.invoke(args=["users", "list"]).output
    new = "another long password"
    result = runner.invoke(args=["users", "set-password", ADMIN], input=f"{new}\n{new}\n")
    assert result.exit_code == 0, result.output
    assert login(client, ADMIN).status_code == 401
    assert login(client, ADMIN, new).status_code == 302


# --- login and logout --------------------------------------------------------------------------
def test_every_dashboard_page_needs_a_login(app: Flask, client: FlaskClient) -> None:
    for path in ("/outreach/", "/outreach/demand", "/outreach/unmet", "/outreach/demand.csv",
                 "/outreach/directory", "/outreach/directory/export.csv", "/outreach/users",
                 "/outreach/audit", "/outreach/account/password"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/outreach/login"), path


def test_login_logout(app: Flask, client: FlaskClient) -> None:
    make_user(app, ADMIN, "admin")
    response = login(client, " Admin@Example.org ")
    assert response.status_code == 302 and response.headers["Location"] == "/outreach/demand"
    assert client.get("/outreach/demand").status_code == 200
    response = post(client, "/outreach/logout", page="/outreach/demand")
    assert response.status_code == 302 and response.headers["Location"] == "/outreach/login"
    assert client.get("/outreach/demand").status_code == 302
    assert audit_actions(app)[-2:] == ["auth.login", "auth.logout"]


def test_wrong_password_and_unknown_account_get_the_same_answer(app: Flask, client: FlaskClient) -> None:
    make_user(app, ADMIN, "admin")
    wrong = login(client, ADMIN, "not the password at all")
    unknown = login(client, "nobody@example.org", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    message = "The e-mail address or the password is wrong."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_a_deactivated_account_cannot_log_in(app: Flask, client: FlaskClient) -> None:
    make_user(app, ADMIN, "admin")
    make_user(app, OUTREACH, "outreach")
    login(client, ADMIN)
    worker_id = next(u.id for u in users(app) if u.email == OUTREACH)
    post(client, f"/outreach/users/{worker_id}/active", {"active": "0"}, page="/outreach/users")
    other = app.test_client()
    assert login(other, OUTREACH).status_code == 401


def test_next_only_leads_inside_the_dashboard(app: Flask, client: FlaskClient) -> None:
    make_user(app, ADMIN, "admin")
    for target, expected in (("/outreach/directory", "/outreach/directory"),
                             ("https://evil.example/outreach/", "/outreach/demand"),
                             ("//evil.example/outreach/", "/outreach/demand"),
                             ("/simulator", "/outreach/demand")):
        fresh = app.test_client()
        response = fresh.post(f"/outreach/login?next={target}", data={
            "csrf_token": token(fresh), "email": ADMIN, "password": PASSWORD})
        assert response.headers["Location"] == expected, target


# --- sessions and cookies ----------------------------------------------------------------------
def test_session_cookie_is_httponly_and_samesite(app: Flask, client: FlaskClient) -> None:
    make_user(app, ADMIN, "admin")
    response = login(client, ADMIN)
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


def test_session_cookie_is_secure_in_production(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(SANGKHIM_ENV="production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=8)


def test_a_password_change_signs_out_other_sessions(app: Flask) -> None:
    make_user(app, ADMIN, "admin")
    first, second = app.test_client(), app.test_client()
    login(first, ADMIN)
    login(second, ADMIN)
    new = "my own new password"
    response = post(first, "/outreach/account/password", {
        "current_password": PASSWORD, "new_password": new, "confirm": new,
    }, page="/outreach/account/password")
    assert response.status_code == 302
    assert first.get("/outreach/demand").status_code == 200  # this session stays
    assert second.get("/outreach/demand").status_code == 302  # the other one is signed out
    assert "auth.password_change" in audit_actions(app)
    assert login(app.test_client(), ADMIN, new).status_code == 302


def replay(app: Flask, cookie: str) -> FlaskClient:
    """A new browser that presents a session cookie copied from another one."""
    thief = app.test_client()
    thief.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), cookie)
    return thief


def session_cookie(app: Flask, client: FlaskClient) -> str:
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    assert cookie is not None
    return cookie.value


def test_logout_ends_a_copied_session_cookie(app: Flask) -> None:
    make_user(app, ADMIN, "admin")
    client, elsewhere = app.test_client(), app.test_client()
    login(client, ADMIN)
    login(elsewhere, ADMIN)
    copied = session_cookie(app, client)
    assert replay(app, copied).get("/outreach/demand").status_code == 200  # the copy works...
    post(client, "/outreach/logout", page="/outreach/demand")
    response = replay(app, copied).get("/outreach/demand")
    assert response.status_code == 302  # ...until its owner logs out
    assert response.headers["Location"].startswith("/outreach/login")
    assert elsewhere.get("/outreach/demand").status_code == 302  # every session of the account
    assert login(client, ADMIN).status_code == 302  # a new login works
    assert replay(app, copied).get("/outreach/demand").status_code == 302  # the old copy does not


def test_a_password_change_ends_a_copied_session_cookie(app: Flask) -> None:
    make_user(app, ADMIN, "admin")
    client = app.test_client()
    login(client, ADMIN)
    copied = session_cookie(app, client)
    new = "my own new password"
    post(client, "/outreach/account/password", {
        "current_password": PASSWORD, "new_password": new, "confirm": new,
    }, page="/outreach/account/password")
    assert client.get("/outreach/demand").status_code == 200
    assert replay(app, copied).get("/outreach/demand").status_code == 302


def test_deactivating_an_account_ends_its_copied_session_cookies(app: Flask) -> None:
    make_user(app, ADMIN, "admin")
    worker_id = make_user(app, OUTREACH, "outreach")
    worker = app.test_client()
    login(worker, OUTREACH)
    copied = session_cookie(app, worker)
    admin = app.test_client()
    login(admin, ADMIN)
    post(admin, f"/outreach/users/{worker_id}/active", {"active": "0"}, page="/outreach/users")
    assert worker.get("/outreach/demand").status_code == 302
    assert replay(app, copied).get("/outreach/demand").status_code == 302
    post(admin, f"/outreach/users/{worker_id}/active", {"active": "1"}, page="/outreach/users")
    assert replay(app, copied).get("/outreach/demand").status_code == 302  # not back to life


def test_password_change_checks_the_current_password_and_the_rules(app: Flask, client: FlaskClient) -> None:
    make_user(app, ADMIN, "admin")
    login(client, ADMIN)
    page = "/outreach/account/password"
    wrong = post(client, page, {"current_password": "nope nope nope", "new_password": "x" * 12,
                                "confirm": "x" * 12}, page=page)
    assert "The current password is wrong." in wrong.get_data(as_text=True)
    short = post(client, page, {"current_password": PASSWORD, "new_password": "short",
                                "confirm": "short"}, page=page)
    assert "Use at least 12 characters." in short.get_data(as_text=True)
    differ = post(client, page, {"current_password": PASSWORD, "new_password": "x" * 12,
                                 "confirm": "y" * 12}, page=page)
    assert "The two new passwords differ." in differ.get_data(as_text=True)


def test_a_temporary_password_must_be_changed_first(app: Flask, client: FlaskClient) -> None:
    make_user(app, OUTREACH, "outreach", temporary=True)
    response = login(client, OUTREACH)
    assert response.headers["Location"] == "/outreach/account/password"
    assert client.get("/outreach/demand").headers["Location"] == "/outreach/account/password"
    new = "chosen by the worker"
    post(client, "/outreach/account/password", {"current_password": PASSWORD, "new_password": new,
                                                "confirm": new}, page="/outreach/account/password")
    assert client.get("/outreach/demand").status_code == 200


# --- CSRF ----------------------------------------------------------------------------------------
def test_forms_without_a_csrf_token_are_refused(app: Flask, client: FlaskClient) -> None:
    make_user(app, ADMIN, "admin")
    assert client.post("/outreach/login", data={"email": ADMIN, "password": PASSWORD}).status_code == 400
    login(client, ADMIN)
    for path, data in (("/outreach/logout", {}), ("/outreach/directory/1/full", {"full": "1"}),
                       ("/outreach/language", {"locale": "en"}),
                       ("/outreach/users", {"email": "x@example.org", "role": "admin", "password": PASSWORD}),
                       ("/outreach/account/password", {})):
        response = client.post(path, data=data)
        assert response.status_code == 400, path
        assert "The form has expired" in response.get_data(as_text=True)
        bad = client.post(path, data={**data, "csrf_token": "forged"})
        assert bad.status_code == 400, path
    assert client.get("/outreach/demand").status_code == 200  # still logged in: logout was refused


def test_a_token_from_another_session_is_refused(app: Flask) -> None:
    make_user(app, ADMIN, "admin")
    mine, theirs = app.test_client(), app.test_client()
    login(mine, ADMIN)
    stolen = token(theirs)
    response = mine.post("/outreach/logout", data={"csrf_token": stolen})
    assert response.status_code == 400


# --- throttling -------------------------------------------------------------------------------
def test_five_failures_lock_the_account_even_for_the_right_password(app: Flask, client: FlaskClient) -> None:
    make_user(app, ADMIN, "admin")
    for _ in range(4):
        assert login(client, ADMIN, "wrong password!").status_code == 401
    locked = login(client, ADMIN, "wrong password!")
    assert locked.status_code == 429
    assert "Too many failed attempts. Try again after " in locked.get_data(as_text=True)
    right = login(app.test_client(), ADMIN)
    assert right.status_code == 429
    assert "auth.locked" in audit_actions(app)


def test_an_account_waits_longer_after_each_further_failure(app: Flask) -> None:
    """Five failures make the account wait 1 minute, each further one twice as long, up to
    LOGIN_LOCKOUT_MINUTES; while it waits even the right password is refused."""
    make_user(app, ADMIN, "admin")
    now, address = utcnow(), "192.0.2.1"
    with app.test_request_context():
        for _ in range(4):
            assert authenticate(ADMIN, "wrong password!", address, now=now).locked_until is None
        result = authenticate(ADMIN, "wrong password!", address, now=now)
        assert result.locked_until is not None
        waits = [result.locked_until - now]
        for _ in range(6):
            now = result.locked_until
            early = authenticate(ADMIN, PASSWORD, address, now=now - timedelta(seconds=1))
            assert early.user is None and early.locked_until == now
            result = authenticate(ADMIN, "wrong password!", "198.51.100.3", now=now)
            assert result.locked_until is not None
            waits.append(result.locked_until - now)
        assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 15, 15, 15)]
        # A quiet spell as long as the window after the last wait forgets the failures.
        now = result.locked_until + timedelta(minutes=15)
        assert authenticate(ADMIN, "wrong password!", address, now=now).locked_until is None
        later = authenticate(ADMIN, PASSWORD, address, now=now)
        assert later.user is not None and later.user.email == ADMIN


def test_the_wait_is_never_longer_than_the_lockout(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(LOGIN_MAX_FAILURES=2, LOGIN_LOCKOUT_MINUTES=3)
    now, waits = utcnow(), []
    with app.test_request_context():
        for _ in range(60):  # far past the point where 2**n minutes would overflow a timedelta
            result = authenticate("nobody@example.org", "guess", "192.0.2.5", now=now)
            waits.append(result.locked_until - now if result.locked_until else None)
            now = result.locked_until or now
    assert waits[:4] == [None, timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=3)]
    assert set(waits[3:]) == {timedelta(minutes=3)}


def test_unknown_accounts_lock_the_same_way(app: Flask) -> None:
    with app.test_request_context():
        results = [authenticate("nobody@example.org", "guess", "192.0.2.2") for _ in range(5)]
    assert [r.locked_until is not None for r in results] == [False] * 4 + [True]


def test_failures_from_a_shared_address_do_not_lock_out_everyone(make_app) -> None:  # type: ignore[no-untyped-def]
    """Behind a proxy every request has the proxy's address: someone's guesses from it must not
    refuse a colleague's right password. From such an address, though, each account gets one
    wrong guess before it must wait (instead of LOGIN_MAX_FAILURES)."""
    app = make_app(LOGIN_MAX_FAILURES_PER_ADDRESS=6)
    make_user(app, ADMIN, "admin")
    make_user(app, OUTREACH, "outreach")
    guesser = app.test_client()
    statuses = [login(guesser, f"guess{n}@example.org", "guess").status_code for n in range(8)]
    assert statuses == [401] * 6 + [429] * 2  # the address is over its limit...
    assert login(app.test_client(), ADMIN).status_code == 302  # ...a right password still works
    worker = app.test_client()
    assert login(worker, OUTREACH, "one typo only").status_code == 429
    assert login(worker, OUTREACH).status_code == 429  # that account now waits, from anywhere
    with app.test_request_context():
        assert authenticate(OUTREACH, PASSWORD, "198.51.100.8").locked_until is not None
        assert authenticate(ADMIN, PASSWORD, "198.51.100.8").user is not None


def test_a_busy_address_is_forgotten_after_a_quiet_window(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(LOGIN_MAX_FAILURES_PER_ADDRESS=3)
    make_user(app, OUTREACH, "outreach")
    now, address = utcnow(), "198.51.100.7"
    with app.test_request_context():
        results = [authenticate(f"guess{n}@example.org", "guess", address, now=now)
                   for n in range(3)]
        assert [r.locked_until for r in results] == [None] * 3  # the address refuses nothing
        later = now + timedelta(minutes=10)  # still busy: one guess puts an account to wait
        busy = authenticate("someone@example.org", "guess", address, now=later)
        assert busy.locked_until == later + timedelta(minutes=1)
        # That was the address's 4th failure (a 2-minute step); a window of quiet after it:
        quiet = later + timedelta(minutes=2 + 15)
        assert authenticate(OUTREACH, "one typo", address, now=quiet).locked_until is None


def test_a_forwarded_for_header_without_a_trusted_proxy_is_logged_once(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    make_user(app, ADMIN, "admin")
    caplog.set_level(logging.WARNING)
    for password in ("wrong password!", PASSWORD):
        client = app.test_client()
        client.post("/outreach/login", headers={"X-Forwarded-For": "203.0.113.77"},
                    data={"csrf_token": token(client), "email": ADMIN, "password": password})
    warnings = [r for r in caplog.records if "X-Forwarded-For" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert "SANGKHIM_PROXY_COUNT" in warnings[0].getMessage()
    assert "203.0.113" not in caplog.text


def test_no_warning_behind_a_configured_proxy(make_app, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    app = make_app(SANGKHIM_PROXY_COUNT=1)
    caplog.set_level(logging.WARNING)
    client = app.test_client()
    client.post("/outreach/login", headers={"X-Forwarded-For": "203.0.113.77"},
                data={"csrf_token": token(client), "email": ADMIN, "password": "guess"})
    assert not [r for r in caplog.records if "X-Forwarded-For" in r.getMessage()]


def test_throttle_rows_hold_no_email_or_address(app: Flask) -> None:
    with app.test_request_context():
        authenticate("secret.person@example.org", "guess", "203.0.113.9")
    with app.app_context(), get_db().sessions() as session:
        rows = list(session.scalars(select(LoginThrottle)))
    assert len(rows) == 2
    for row in rows:
        assert "secret" not in row.key and "203.0.113" not in row.key and len(row.key) == 64


def test_a_successful_login_clears_the_failures(app: Flask, client: FlaskClient) -> None:
    make_user(app, ADMIN, "admin")
    for _ in range(4):
        login(client, ADMIN, "wrong password!")
    assert login(client, ADMIN).status_code == 302
    post(client, "/outreach/logout", page="/outreach/demand")
    for _ in range(4):
        assert login(client, ADMIN, "wrong password!").status_code == 401


# --- headers ----------------------------------------------------------------------------------
def test_security_headers(app: Flask, client: FlaskClient) -> None:
    response = client.get("/outreach/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "<script" not in html and " style=" not in html and "https://" not in html


def test_the_khmer_font_is_served_by_the_app(client: FlaskClient) -> None:
    with client.get("/outreach/fonts/NotoSansKhmer.ttf") as response:
        assert response.status_code == 200 and response.mimetype == "font/ttf"
        assert response.data[:4] in (b"\x00\x01\x00\x00", b"true")
        assert "max-age=31536000" in response.headers["Cache-Control"]
    with client.get("/outreach/static/outreach.css") as response:
        css = response.get_data(as_text=True)
    assert "../fonts/NotoSansKhmer.ttf" in css and "http" not in css.split("@font-face")[1][:300]


def test_a_session_ends_at_the_absolute_limit(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(OUTREACH_SESSION_MAX_HOURS=1)
    make_user(app, ADMIN, "admin")
    client = app.test_client()
    assert login(client, ADMIN).status_code == 302
    assert client.get("/outreach/demand").status_code == 200
    with client.session_transaction() as session:  # logged in an hour and a second ago
        session[LOGIN_AT] -= 3601
    response = client.get("/outreach/demand")
    assert response.status_code == 302 and response.headers["Location"] == "/outreach/login"
    assert "Your session has ended" in client.get("/outreach/login").get_data(as_text=True)
