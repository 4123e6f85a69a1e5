"""``/outreach/alerts``: service and health alerts on the dashboard (README, "Service and health
alerts").

Every staff member sees the alerts in force and those that ended or were withdrawn lately (who
posted and who withdrew them, where, for how long). Team leads and admins (``StaffUser.is_lead``)
post, renew and withdraw them; anyone else is refused (403), whatever the request. The rules are
``core.alert_rules``'s, shown beside the fields they concern in the page's language, and the
writes ``webhooks.alerting``'s, as ``flask alerts`` uses them: the alert, its terms and the audit
entry in one transaction, then the Telegram channel if one is configured. Times on the page are
Phnom Penh time, to the minute, as everywhere on the dashboard.

Its routes are the dashboard's (``webhooks.outreach.blueprint``: its login, CSRF guard, headers
and error pages), but the module lives here, beside ``webhooks.alerting`` and the other alert
modules: ``webhooks.alerting`` records in the dashboard's audit log, so the dashboard's package
importing it would be an import cycle. The app factory imports it before the blueprint is
registered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any, Callable, TypeVar

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased
from werkzeug.wrappers import Response
from wtforms import Field, SelectChoice

from core.alert_info import AlertInfo, Scope, ScopeKind
from core.alert_rules import MAX_TERM, TEXT_SEGMENTS, AlertDraft, AlertFinding
from core.sms_length import code_units, segment_count, single_segment
from core.vocabulary import CAMBODIA
from core.vocabulary_labels import ALERT_KINDS
from models import alerts as storage
from models.alerts import Alert
from models.services import Service
from models.staff import StaffUser
from webhooks import alerting, timesource
from webhooks.database import get_db
from webhooks.outreach import i18n, labels
from webhooks.outreach.auth import staff
from webhooks.outreach.blueprint import bp
from webhooks.outreach.forms import (
    MOMENT_FORMAT,
    ActionForm,
    AlertForm,
    AlertRenewForm,
    district_choices,
    province_choices,
)

F = TypeVar("F", bound=Callable[..., Any])

#: Ended and withdrawn alerts stay listed this long after their end.
RECENT = timedelta(days=30)
#: The default term of a new alert.
DEFAULT_TERM = timedelta(days=7)
STATUS_LABELS = {
    "scheduled": _l("Not started yet"),
    "active": _l("In force"),
    "ended": _l("Expired"),
    "withdrawn": _l("Withdrawn"),
}
#: Which of the form's fields a finding of the rules is shown beside.
FINDING_FIELDS = {"kind": "kind", "scope": "scope_kind", "ends": "ends", "advice": "advice_km",
                  "text_km": "text_km", "text_en": "text_en", "advice_km": "advice_km",
                  "advice_en": "advice_en"}
#: The texts whose SMS length the form shows.
TEXT_FIELDS = ("text_km", "text_en", "advice_km", "advice_en")


def lead_required(view: F) -> F:
    """Team leads and admins only: anyone else is refused, with a page that says why."""
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not staff().is_lead:
            return not_a_lead()
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def not_a_lead() -> tuple[str, int]:
    return render_template(
        "outreach/error.html", title=_("Not allowed"),
        message=_("Only a team lead or an admin can post, renew or withdraw alerts."),
    ), 403


@dataclass(frozen=True, slots=True)
class Listed:
    """An alert as the page lists it."""

    info: AlertInfo
    status: str
    posted_at: datetime
    posted_by: str
    withdrawn_by: str
    where: str
    kind: str


def cambodia_minute(moment: datetime) -> datetime:
    """A UTC instant as the form's value: Phnom Penh time, to the minute, naive."""
    return moment.astimezone(CAMBODIA).replace(second=0, microsecond=0, tzinfo=None)


def from_form(value: datetime) -> datetime:
    """A form's moment (Phnom Penh time, naive) as a UTC instant."""
    return value.replace(tzinfo=CAMBODIA).astimezone(UTC)


def sms_length(text: str | None) -> dict[str, int]:
    """What the form shows under a text (the server's count, mirrored by ``sms_count.js``)."""
    text = text or ""
    return {"segments": segment_count(text), "units": code_units(text),
            "limit": single_segment(text)}


def _names(session: Session) -> dict[str, dict[str, str]]:
    return {str(row.id): {"km": row.name_km, "en": row.name_en}
            for row in session.execute(select(Service.id, Service.name_km, Service.name_en))}


def listing(session: Session, now: datetime, locale: str) -> list[Listed]:
    """The alerts in force or not started, then those that ended or were withdrawn within
    ``RECENT``; newest first within each."""
    poster, withdrawer = aliased(StaffUser), aliased(StaffUser)
    people = {row.id: (row.posted or "", row.withdrew or "") for row in session.execute(
        select(Alert.id, poster.email.label("posted"), withdrawer.email.label("withdrew"))
        .outerjoin(poster, poster.id == Alert.posted_by)
        .outerjoin(withdrawer, withdrawer.id == Alert.withdrawn_by))}
    names = _names(session)
    current, recent = [], []
    for row in storage.all_alerts(session, now):
        info = row.info
        if row.status == "withdrawn":
            assert info.withdrawn_at is not None
            if info.withdrawn_at < now - RECENT:
                continue
        elif row.status == "ended" and info.ends_at < now - RECENT:
            continue
        posted_by, withdrawn_by = people.get(info.id, ("", ""))
        listed = Listed(info, row.status, row.posted_at, posted_by, withdrawn_by,
                        alerting.scope_name(info.scope, locale, names.get(info.scope.code)
                                            if info.scope.kind is ScopeKind.SERVICE else None),
                        _(ALERT_KINDS[info.kind]))
        (current if row.status in ("active", "scheduled") else recent).append(listed)
    return current + recent


def _service_choices(session: Session, locale: str) -> list[SelectChoice]:
    """Every service of the directory, grouped by province (closed ones too: an alert may
    say where a closed service went)."""
    found = [SelectChoice("", _("Choose a service"))]
    rows = session.execute(select(Service.id, Service.name_km, Service.name_en,
                                  Service.province_code)
                           .order_by(Service.province_code, Service.name_en, Service.id))
    for row in rows:
        found.append(SelectChoice(str(row.id), row.name_km if locale == "km" else row.name_en,
                                  optgroup=labels.province(row.province_code)))
    return found


def _with_choices(form: AlertForm, session: Session) -> AlertForm:
    locale = i18n.select_locale()
    form.province.choices = province_choices(locale, _l("Choose a province"))
    form.district.choices = district_choices(locale, _l("Choose a district"))
    form.service.choices = _service_choices(session, locale)
    return form


def _scope(form: AlertForm) -> Scope | None:
    """The scope the form chose, or None (with the error beside the select to fill in)."""
    kind = ScopeKind(form.scope_kind.data)
    if kind is ScopeKind.COUNTRY:
        return Scope(kind)
    chosen: Field = {ScopeKind.PROVINCE: form.province, ScopeKind.DISTRICT: form.district,
                     ScopeKind.SERVICE: form.service}[kind]
    if not chosen.data:
        chosen.errors = [*chosen.errors, _("Choose where the alert applies.")]
        return None
    return Scope(kind, str(chosen.data))


def _text(value: str | None) -> str:
    # a textarea's line breaks come as CRLF; stored and counted as the browser showed them
    return (value or "").replace("\r\n", "\n").strip()


def _shown_finding(finding: AlertFinding) -> str:
    return _(finding.msgid, **dict(finding.values))


def _page(form: AlertForm, session: Session, now: datetime, warned: bool = False,
          status: int = 200) -> tuple[str, int]:
    locale = i18n.select_locale()
    return render_template(
        "outreach/alerts.html", form=form, alerts=listing(session, now, locale),
        can_post=staff().is_lead, warned=warned, statuses=STATUS_LABELS,
        sms={name: sms_length(getattr(form, name).data) for name in TEXT_FIELDS},
        # raw, with its placeholders: the page fills it, and the script again as one types
        sms_format=_("SMS: %(segments)s segment(s), %(units)s of %(limit)s characters"),
        max_segments=TEXT_SEGMENTS, max_days=MAX_TERM.days, action=ActionForm(),
        renew_default=cambodia_minute(now + DEFAULT_TERM).strftime(MOMENT_FORMAT),
    ), status


@bp.get("/alerts")
def alert_board() -> tuple[str, int]:
    now = timesource.now()
    form = AlertForm(formdata=None)
    form.starts.data = cambodia_minute(now)
    form.ends.data = cambodia_minute(now + DEFAULT_TERM)
    with get_db().reads() as session:
        return _page(_with_choices(form, session), session, now)


@bp.post("/alerts")
@lead_required
def alert_post() -> Any:
    now = timesource.now()
    with get_db().reads() as session:
        form = _with_choices(AlertForm(), session)
        valid = form.validate()
        scope = _scope(form) if valid else None
        if scope is None:
            return _page(form, session, now, status=400)
    assert form.starts.data is not None and form.ends.data is not None
    draft = AlertDraft(form.kind.data or "", scope, _text(form.text_km.data),
                       _text(form.text_en.data), _text(form.advice_km.data),
                       _text(form.advice_en.data), from_form(form.starts.data),
                       from_form(form.ends.data))
    about_services = bool(form.about_services.data)
    try:
        done = alerting.post(get_db().sessions, current_app.config, draft, staff().email, now,
                             about_services)
    except alerting.AlertRefused as refused:
        for finding in (*refused.verdict.errors, *refused.verdict.warnings):
            field = getattr(form, FINDING_FIELDS.get(finding.field, "kind"))
            field.errors = [*field.errors, _shown_finding(finding)]
        with get_db().reads() as session:
            return _page(form, session, now, warned=bool(refused.verdict.warnings), status=400)
    except (alerting.NotALead, LookupError):
        return not_a_lead()  # the role changed since the page was opened
    flash(_("The alert is posted. The bot and the public alerts page show it while it is in "
            "force."), "info")
    _channel(done)
    return redirect(url_for("outreach.alert_board"))


def _channel(done: alerting.Done) -> None:
    if done.channel is False:
        flash(_("The Telegram channel did not take it (see the server's log); the alert stands. "
                "Post it to the channel by hand."), "error")
    elif done.channel:
        flash(_("Posted to the Telegram channel too."), "info")


def _refused(refused: alerting.AlertRefused) -> None:
    for finding in refused.verdict.errors:
        flash(_shown_finding(finding), "error")


@bp.post("/alerts/<id:alert_id>/renew")
@lead_required
def alert_renew(alert_id: int) -> Response:
    form = AlertRenewForm()
    if not form.validate() or form.until.data is None:
        for message in form.until.errors:
            flash(str(message), "error")
        return redirect(url_for("outreach.alert_board"))
    until = from_form(form.until.data)
    return _change(
        lambda: alerting.renew(get_db().sessions, current_app.config, alert_id, until,
                               staff().email, timesource.now()),
        lambda: _("The alert is renewed until %(end)s.",
                  end=format_datetime(until, "d MMM yyyy, HH:mm")))


@bp.post("/alerts/<id:alert_id>/withdraw")
@lead_required
def alert_withdraw(alert_id: int) -> Response:
    """At once: any lead may take down any alert, whoever posted it (the audit log says who)."""
    return _change(
        lambda: alerting.withdraw(get_db().sessions, current_app.config, alert_id,
                                  staff().email, timesource.now()),
        lambda: _("The alert is withdrawn: the bot and the public page no longer show it."))


def _change(change: Callable[[], alerting.Done], said: Callable[[], str]) -> Response:
    """A renewal or a withdrawal of an alert that exists (404 otherwise): the rules' refusal
    shown, or what was done and what the Telegram channel made of it; back to the list."""
    try:
        done = change()
    except storage.AlertNotFound:
        abort(404)
    except alerting.AlertRefused as refused:
        _refused(refused)
        return redirect(url_for("outreach.alert_board"))
    except (alerting.NotALead, LookupError):
        return not_a_lead()  # type: ignore[return-value]
    flash(said(), "info")
    _channel(done)
    return redirect(url_for("outreach.alert_board"))
