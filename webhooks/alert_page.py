"""``/alerts``: the service and health alerts in force, for anyone (no login), in Khmer first or
English (``?lang=km|en``).

It shows what the alerts say and where, and nothing else: no counts, no demand, nothing about
any texter. It is cacheable (``Cache-Control: public``, a few minutes, so a proxy or a phone
keeps it and a crowd does not reach the database), with an ``ETag`` made from what it shows (the
alerts in force, their last change, the language): an alert that expires changes it without
any change being recorded. The headers are the dashboard's strict ones (no script at all).
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, current_app, request
from sqlalchemy import select
from sqlalchemy.engine import Connection

from core.alert_info import AlertInfo, ScopeKind
from core.catalogs import translations
from core.vocabulary import Locale
from core.vocabulary_labels import ALERT_KINDS
from models import alerts as storage
from models.base import reading
from models.services import Service
from webhooks import alerting, timesource
from webhooks.database import get_db
from webhooks.outreach import secure_page

bp = Blueprint("alerts_page", __name__)

#: How long a browser or proxy may keep the page (seconds).
MAX_AGE = 300


def _etag(locale: Locale, alerts: list[AlertInfo], changed: object) -> str:
    seen = "|".join(f"{a.id}:{a.ends_at.isoformat()}" for a in alerts)
    return hashlib.sha256(f"{locale}|{changed}|{seen}".encode()).hexdigest()[:32]


@bp.get("/alerts")
def alerts() -> Response:
    wanted = request.args.get("lang", "")
    locale = Locale.EN if wanted == Locale.EN else Locale.KM
    now = timesource.now()
    with reading(get_db().engine) as connection:
        shown = storage.active_alerts(connection, now)
        changed = storage.last_change(connection)
        names = _service_names(connection, shown)
    # health alerts first, then the newest
    shown.sort(key=lambda a: (a.kind != "health", -a.starts_at.timestamp(), a.id))
    response = Response(mimetype="text/html")
    response.set_etag(_etag(locale, shown, changed), weak=True)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["Vary"] = "Accept-Encoding"
    _headers(response)
    if request.if_none_match.contains_weak(response.get_etag()[0]):
        response.status_code = 304
        return response
    gettext = translations(locale).gettext
    other = Locale.EN if locale == Locale.KM else Locale.KM
    # the template alone, without the app's context processors: the dashboard's would read the
    # login session, and the response would then vary by cookie (no shared cache could keep it)
    response.set_data(current_app.jinja_env.get_template("alerts.html").render( _=gettext, locale=locale, other=other, alerts=shown,
        kind_label=lambda a: gettext(ALERT_KINDS[a.kind]),
        where=lambda a: alerting.scope_name(a.scope, locale, names.get(a.scope.code)
                                            if a.scope.kind is ScopeKind.SERVICE else None),
        shown_time=alerting.shown_time,
    ))
    return response


def _service_names(connection: Connection, shown: list[AlertInfo]) -> dict[str, dict[str, str]]:
    """The names of the services the alerts shown are about (scope code → {"km", "en"})."""
    ids = [int(a.scope.code) for a in shown if a.scope.kind is ScopeKind.SERVICE]
    if not ids:
        return {}
    rows = connection.execute(select(Service.id, Service.name_km, Service.name_en)
                              .where(Service.id.in_(ids)))
    return {str(row.id): {"km": row.name_km, "en": row.name_en} for row in rows}


def _headers(response: Response) -> None:
    # A public page has no forms: it sends no referrer at all.
    secure_page(response, referrer_policy="no-referrer")
