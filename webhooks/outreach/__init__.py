"""The outreach dashboard under ``/outreach/``: demand at a glance, directory upkeep, and chats
with texters who asked for a person (``handoffs``).

``init_app(app)`` registers everything the dashboard needs: the blueprint, Flask-Login,
Flask-WTF's CSRF protection, Flask-Babel (Khmer and English from the bot's catalogs), strict
security headers, the Khmer web font, and the ``flask users`` command group. No page shows,
and no export contains, anything about a texter beyond de-identified, k-suppressed counts,
except a chat a texter opened with an outreach worker, to the worker who took it.
"""

from __future__ import annotations

import gzip
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime, format_number, format_percent
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from webhooks import errors
from webhooks.outreach import i18n
from webhooks.outreach.blueprint import RowId, bp, csrf, login_manager

#: Pages anyone may open: the login form, the language switch, the stylesheet and the font.
PUBLIC_ENDPOINTS = frozenset(
    {"outreach.login", "outreach.set_language", "outreach.static", "outreach.font"}
)
#: Pages a user with a temporary password may open before choosing their own.
BEFORE_PASSWORD_CHANGE = frozenset({"outreach.password", "outreach.logout"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)


def init_app(app: Flask) -> None:
    _configure(app)
    _cache_compiled_templates(app)
    i18n.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)

    errors.PAGES["/outreach"] = any_error
    # Importing the view modules attaches their routes to the blueprint.
    from webhooks.outreach import admin, auth, chats, directory_pages, views  # noqa: F401
    from webhooks.outreach.user_commands import users_cli

    if "outreach" not in app.blueprints:
        app.url_map.converters["id"] = RowId  # before the blueprint's routes are added
        app.register_blueprint(bp)
    app.cli.add_command(users_cli)


def _cache_compiled_templates(app: Flask) -> None:
    """Keep the templates' compiled code on disk (``instance/cache/templates``), keyed by each
    template's source: a worker that starts after the first one loads them instead of compiling
    them again (about 0.1 s of a restarted worker's first page). Where the directory cannot be
    made (a read-only disk), templates are compiled as before."""
    from jinja2 import FileSystemBytecodeCache

    where = Path(app.instance_path) / "cache" / "templates"
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(where))


def _configure(app: Flask) -> None:
    """Flask's and its extensions' settings, derived from the dashboard's own, which
    ``webhooks/config.py`` loaded and checked with the rest (a missing one is a KeyError here,
    never a silent default)."""
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(
        hours=app.config["OUTREACH_SESSION_IDLE_HOURS"]
    )
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if app.config.get("PRODUCTION"):
        app.config["SESSION_COOKIE_SECURE"] = True
    app.config["REMEMBER_COOKIE_SECURE"] = bool(app.config.get("SESSION_COOKIE_SECURE"))
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    # Webhooks are not forms: CSRF is checked by the dashboard's own guard (below), on every
    # state-changing request to /outreach/, and each form carries its token.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config["WTF_CSRF_TIME_LIMIT"] = app.config["OUTREACH_SESSION_IDLE_HOURS"] * 3600


@bp.before_request
def guard() -> Any:
    if request.endpoint == "outreach.directory_import":
        # A directory file is bigger than a webhook; only this page accepts one.
        request.max_content_length = current_app.config["OUTREACH_IMPORT_MAX_BYTES"]
    if request.method not in SAFE_METHODS:
        csrf.protect()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    from webhooks.outreach.auth import session_expired

    if session_expired():
        logout_user()
        i18n.fresh_session()
        flash(_("Your session has ended. Please log in again."), "info")
        return redirect(url_for("outreach.login"))
    if current_user.must_change_password and request.endpoint not in BEFORE_PASSWORD_CHANGE:
        return redirect(url_for("outreach.password"))
    return None


def secure_page(response: Response, referrer_policy: str = "same-origin") -> None:
    """The headers every page of ours carries: the dashboard's and the public alerts page's."""
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = referrer_policy
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    if current_app.config.get("PRODUCTION"):
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"


@bp.after_request
def security_headers(response: Response) -> Response:
    # Same-origin referrers: Flask-WTF checks the Referer of HTTPS form posts against the host.
    secure_page(response)
    headers = response.headers
    if request.endpoint not in ("outreach.static", "outreach.font"):
        headers["Cache-Control"] = "no-store"
    return compressed(response)


#: Text worth compressing (pages run to 50 KB or more; a phone on a slow link feels it).
COMPRESSIBLE = ("text/html", "text/css", "text/csv", "application/json", "image/svg+xml")


def compressed(response: Response) -> Response:
    """gzip a text response when the browser takes it (level 6: most of the gain, little CPU)."""
    if (
        response.direct_passthrough
        or response.status_code < 200 or response.status_code >= 300
        or "gzip" not in request.headers.get("Accept-Encoding", "")
        or response.mimetype not in COMPRESSIBLE
        or "Content-Encoding" in response.headers
    ):
        return response
    body = response.get_data()
    if len(body) < 1024:
        return response
    response.set_data(gzip.compress(body, compresslevel=6))
    response.headers["Content-Encoding"] = "gzip"
    response.headers.add("Vary", "Accept-Encoding")
    return response


@bp.app_context_processor
def dashboard_context() -> dict[str, Any]:
    from webhooks.outreach import labels

    return {"language_names": i18n.NAMES, "current_locale": i18n.select_locale, "labels": labels,
            "format_number": format_number, "format_percent": format_percent}


@bp.app_template_filter("day")
def day(value: Any) -> str:
    """A day nobody can misread: "5 Dec 2026"."""
    return format_date(value, "d MMM yyyy")


@bp.app_template_filter("when")
def when(value: Any) -> str:
    """A moment nobody can misread, in the reader's language: "5 Dec 2026, 14:05" (Phnom Penh
    time), never "12/5/26"."""
    return format_datetime(value, "d MMM yyyy, HH:mm")


def _error_page(status: int, title: str, message: str) -> tuple[str, int]:
    return render_template("outreach/error.html", title=title, message=message), status


@bp.errorhandler(CSRFError)
def csrf_error(error: CSRFError) -> tuple[str, int]:
    return _error_page(
        400,
        _("The form has expired"),
        _("Go back, reload the page and try again."),
    )


@bp.errorhandler(403)
def forbidden(error: HTTPException) -> tuple[str, int]:
    return _error_page(403, _("Not allowed"), _("Only an admin can do this."))


@bp.errorhandler(404)
def not_found(error: HTTPException) -> tuple[str, int]:
    return _error_page(404, _("Not found"), _("This page does not exist."))


def any_error(error: HTTPException) -> tuple[str, int]:
    """An error under /outreach/ that no view raised (no such page, a wrong method)."""
    if error.code == 404:
        return not_found(error)
    return _error_page(error.code or 500, _("Something went wrong"),
                       _("Go back and try again."))


@bp.errorhandler(413)
def too_large(error: HTTPException) -> tuple[str, int]:
    return _error_page(413, _("File too large"), _("The file is larger than this page accepts."))
