"""Staff login, logout, password change and the language switch.

Sessions are Flask's signed cookie (HttpOnly, SameSite=Lax, Secure in production), ended after
a few idle hours and at most ``OUTREACH_SESSION_MAX_HOURS`` after login. A signed cookie stays
valid wherever a copy of it went, so the user id kept in it includes the account's session
token, checked on every request: logging out, a password change, a deactivation or a role change
sets a new token, and every earlier cookie of that account stops working.
"""

from __future__ import annotations

import hmac
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any, Callable, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from models.base import utcnow
from models.staff import StaffUser, new_session_token
from webhooks.database import get_db
from webhooks.outreach import accounts, audit, devices, i18n, throttle
from webhooks.outreach.blueprint import bp, login_manager
from webhooks.outreach.forms import ActionForm, LoginForm, PasswordChangeForm
from webhooks.outreach.passwords import hash_password, needs_rehash, verify_password

F = TypeVar("F", bound=Callable[..., Any])
LOGIN_AT = "outreach_login_at"
#: Set in ``app.extensions`` once the X-Forwarded-For warning has been logged.
FORWARDED_WARNED = "outreach.forwarded_for_warned"
log = logging.getLogger(__name__)
#: How a known device's delay is waited (the tests record it instead).
pause = time.sleep


# --- the current user -------------------------------------------------------------------------
@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    number, _sep, token = user_id.partition(":")
    if not number.isdigit() or not token:
        return None
    with get_db().reads() as db_session:
        user = db_session.get(StaffUser, int(number))
    if user is None or not user.is_active:
        return None
    if not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


def staff() -> StaffUser:
    """The signed-in staff member (the guard has made sure there is one)."""
    return current_user._get_current_object()  # type: ignore[no-any-return]


def admin_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not staff().is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def session_expired() -> bool:
    """True past the absolute limit since login, however active the session was."""
    started = session.get(LOGIN_AT)
    if not isinstance(started, (int, float)):
        return True
    limit = timedelta(hours=current_app.config["OUTREACH_SESSION_MAX_HOURS"])
    return datetime.now(UTC).timestamp() - started > limit.total_seconds()


# --- logging in -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LoginResult:
    user: StaffUser | None = None
    locked_until: datetime | None = None


def authenticate(
    email: str, password: str, address: str, now: datetime | None = None,
    known: Mapping[int, str] | None = None,
) -> LoginResult:
    """Check a login and count failures (the rules are in ``throttle``): an account name that
    must wait is refused unchecked, even with the right password, except from a device where
    the account has logged in before (``known``: account id -> device id, from the signed
    cookie of ``devices``), which is checked after a delay and counts failures of its own; an
    address with many failures refuses no right password, but makes each account that fails
    from it wait at once."""
    now = now or utcnow()
    config = current_app.config
    policy = throttle.Policy.from_config(config)
    account_key, address_key = throttle.keys(config["SECRET_KEY"], email, address)
    device_key = _known_device_key(email, known or {})
    if device_key is not None and _waiting(account_key, policy, now):
        pause(devices.DELAY_SECONDS)  # outside the transaction: no row is held meanwhile
    with get_db().sessions() as db_session, db_session.begin():
        account = throttle.counting(db_session, account_key, policy, now, lock=True)
        until = throttle.waiting_until(account, now)
        past_the_wait = False
        if until is not None:
            if device_key is None:
                return LoginResult(locked_until=until)
            device = throttle.counting(db_session, device_key, policy, now, lock=True)
            device_until = throttle.waiting_until(device, now)
            if device_until is not None:
                return LoginResult(locked_until=device_until)
            past_the_wait = True  # a known device: a delay, not a lockout
        user = accounts.find(db_session, email)
        good = verify_password(user.password_hash if user else None, password)
        if good and user is not None and user.is_active:
            if not past_the_wait:  # the outsider's failures keep counting against them
                throttle.clear(db_session, account_key)
            if device_key is not None:
                throttle.clear(db_session, device_key)
            user.last_login_at = now
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            audit.record(db_session, user, "auth.login", "user", user.id, user.email,
                         {"known_device": True} if past_the_wait else None)
            return LoginResult(user=user)
        limit = policy.max_failures_per_address
        busy = throttle.counting(db_session, address_key, policy, now)
        at_least = policy.max_failures if busy is not None and busy.failures >= limit else 0
        until = throttle.record_failure(
            db_session, account_key, policy.max_failures, policy, now, at_least
        )
        throttle.record_failure(db_session, address_key, limit, policy, now)
        if device_key is not None:
            device_until = throttle.record_failure(
                db_session, device_key, policy.max_failures, policy, now
            )
            if past_the_wait:  # the device answers for itself; the account waited already
                until = device_until
        if until is not None and user is not None and not past_the_wait:
            minutes = math.ceil((until - now).total_seconds() / 60)
            audit.record(db_session, None, "auth.locked", "user", user.id, user.email,
                         {"minutes": minutes})
        throttle.forget_expired(db_session, policy, now)
        return LoginResult(locked_until=until)


def _known_device_key(email: str, known: Mapping[int, str]) -> str | None:
    """The throttle key of this browser's device id for the account ``email`` names, if the
    account has logged in on it before (only a cookie we signed can say so)."""
    if not known:
        return None
    with get_db().sessions() as db_session:
        user = accounts.find(db_session, email)
    device = known.get(user.id) if user is not None else None
    return throttle.device_key(current_app.config["SECRET_KEY"], device) if device else None


def _waiting(account_key: str, policy: throttle.Policy, now: datetime) -> bool:
    with get_db().sessions() as db_session:
        row = throttle.counting(db_session, account_key, policy, now)
        return throttle.waiting_until(row, now) is not None


def client_address() -> str:
    """The client's address; behind ``SANGKHIM_PROXY_COUNT`` trusted proxies, the address
    the nearest of them saw (X-Forwarded-For, counted from the right)."""
    proxies = int(current_app.config.get("SANGKHIM_PROXY_COUNT", 0) or 0)
    forwarded = request.headers.get("X-Forwarded-For", "")
    if proxies > 0:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    elif forwarded and not current_app.extensions.get(FORWARDED_WARNED):
        # Once per app (per process): no address in the message, only the setting to fix.
        current_app.extensions[FORWARDED_WARNED] = True
        log.warning(
            "a login request came with X-Forwarded-For but SANGKHIM_PROXY_COUNT is 0: if the "
            "app runs behind a reverse proxy, every login counts as coming from the proxy's "
            "address; set SANGKHIM_PROXY_COUNT to the number of trusted proxies"
        )
    return request.remote_addr or ""


def safe_next(target: str | None) -> str:
    """Only a path inside the dashboard: never an address elsewhere (no open redirect)."""
    default = url_for("outreach.demand")
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/outreach/") or "\\" in target:
        return default
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("outreach.demand"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        known = devices.known()
        result = authenticate(form.email.data or "", form.password.data or "", client_address(),
                              known=known)
        if result.user is not None:
            i18n.fresh_session()  # nothing carried over from before the login but the language
            login_user(result.user)
            session.permanent = True
            session[LOGIN_AT] = datetime.now(UTC).timestamp()
            if result.user.must_change_password:
                response = redirect(url_for("outreach.password"))
            else:
                response = redirect(safe_next(request.args.get("next")))
            devices.remember(response, result.user.id, known)  # this browser is known now
            return response
        if result.locked_until is not None:
            # The short format drops the seconds: a minute later, trying at that time works.
            until = result.locked_until + timedelta(minutes=1)
            flash(_("Too many failed attempts. Try again after %(time)s.",
                    time=format_time(until, "short")), "error")
            status = 429
        else:
            flash(_("The e-mail address or the password is wrong."), "error")
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("outreach/login.html", form=form), status


@bp.post("/logout")
def logout() -> Response:
    """Log out everywhere: a new session token ends this cookie, any copy of it, and the
    account's other sessions (a signed cookie cannot be taken back any other way)."""
    user = staff()
    with get_db().sessions() as db_session, db_session.begin():
        account = db_session.get(StaffUser, user.id)
        if account is not None:
            account.session_token = new_session_token()
        audit.record(db_session, user, "auth.logout", "user", user.id, user.email)
    logout_user()
    i18n.fresh_session()
    flash(_("You have logged out."), "info")
    return redirect(url_for("outreach.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def password() -> Any:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        with get_db().sessions() as db_session, db_session.begin():
            user = db_session.get(StaffUser, staff().id)
            assert user is not None
            if not verify_password(user.password_hash, form.current_password.data or ""):
                form.current_password.errors = [_("The current password is wrong.")]
            else:
                try:
                    accounts.change_password(db_session, user, form.new_password.data or "")
                except accounts.StaffAccountError as error:
                    form.new_password.errors = [_(str(error))]
                else:
                    login_user(user)  # the new session token: this session stays signed in
                    flash(_("Your password has been changed."), "info")
                    return redirect(url_for("outreach.demand"))
    return render_template("outreach/password.html", form=form)


@bp.post("/language")
def set_language() -> Response:
    """Switch the dashboard's language (kept in the session, before and after login)."""
    ActionForm()  # the CSRF token was checked by the guard
    chosen = request.form.get("locale", "")
    if chosen in i18n.LOCALES:
        session[i18n.SESSION_KEY] = chosen
    return redirect(safe_next(request.form.get("next")) if current_user.is_authenticated
                    else url_for("outreach.login"))


login_manager.login_view = "outreach.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"

