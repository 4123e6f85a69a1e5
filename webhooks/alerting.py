"""Posting, renewing and withdrawing service and health alerts: the rules
(``core.alert_rules``), storage (``models.alerts``) and the audit log in one short transaction,
then the Telegram channel, outside it. The ``flask alerts`` commands and the dashboard's alerts
page (``webhooks.alert_board``) use it; only team leads and admins may
(``lead_by_email``).

A post to the channel that fails never loses the alert (it is committed first): it is logged
without its content and the outcome says so, for the operator (the CLI prints it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.alert_info import AlertInfo, Scope, ScopeKind
from core.alert_rules import AlertDraft, AlertFinding, Verdict, check, check_renewal
from core.catalogs import N_, translations
from core.place_codes import DISTRICT, PROVINCE, unit_rows
from core.vocabulary import CAMBODIA, Locale
from core.vocabulary_labels import ALERT_KINDS
from models import alerts as storage
from models.services import Service
from models.staff import StaffUser
from webhooks import metrics
from webhooks.adapter import SendError
from webhooks.outreach import audit

log = logging.getLogger(__name__)


class AlertRefused(ValueError):
    """The rules refuse it: every finding, errors and warnings not overridden."""

    def __init__(self, verdict: Verdict, about_services: bool = False) -> None:
        self.verdict = verdict
        shown = [*verdict.errors, *(() if about_services else verdict.warnings)]
        super().__init__("; ".join(map(str, shown)))


@dataclass(frozen=True)
class Done:
    """What became of a post, renewal or withdrawal: the alert, the warnings overridden, and
    whether the Telegram channel took it (None: no channel configured)."""

    alert_id: int
    warnings: tuple[AlertFinding, ...] = ()
    channel: bool | None = None


class NotALead(PermissionError):
    """The staff account is not a team lead (nor an admin): only leads post, renew and withdraw
    alerts; outreach workers read them."""


def staff_by_email(session: Session, email: str) -> StaffUser:
    user = session.scalars(
        select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower())
    ).first()
    if user is None or not user.is_active:
        raise LookupError(f"no active staff account has the e-mail {email.strip()!r}")
    return user


def lead_by_email(session: Session, email: str) -> StaffUser:
    """The active account ``email`` names, if it is a team lead or an admin."""
    user = staff_by_email(session, email)
    if not user.is_lead:
        raise NotALead(f"{user.email} is a {user.role} account, not a team lead: only team "
                       f"leads and admins post, renew and withdraw alerts (an admin can make "
                       f"it one: flask users set-role {user.email} --role lead)")
    return user


def service_phones(session: Session) -> dict[int, str]:
    """The directory's services, id → own phone (what the rules allow an alert to quote)."""
    return {row.id: row.phone for row in session.execute(select(Service.id, Service.phone))}


def post(sessions: Callable[[], Session], config: Mapping[str, Any], draft: AlertDraft,
         by_email: str, now: datetime, about_services: bool = False) -> Done:
    with sessions() as session, session.begin():
        user = lead_by_email(session, by_email)
        verdict = check(draft, now, service_phones(session))
        if verdict.refuses(about_services):
            raise AlertRefused(verdict, about_services)
        alert = storage.post(session, draft, user.id, now)
        audit.record(session, user, "alert.post", "alert", alert.id, _label(alert.text_en), {
            "kind": alert.kind, "scope": str(draft.scope), "text_km": alert.text_km,
            "text_en": alert.text_en, "advice_km": alert.advice_km,
            "advice_en": alert.advice_en, "starts_at": draft.starts_at.isoformat(),
            "ends_at": draft.ends_at.isoformat(),
            "warnings_overridden": [str(w) for w in verdict.warnings],
        })
        alert_id = alert.id
    info = _read(sessions, alert_id, now)
    return Done(alert_id, verdict.warnings, announce(config, info, "posted", sessions))


def renew(sessions: Callable[[], Session], config: Mapping[str, Any], alert_id: int,
          until: datetime, by_email: str, now: datetime) -> Done:
    with sessions() as session, session.begin():
        user = lead_by_email(session, by_email)
        alert = storage.find(session, alert_id)
        verdict = check_renewal(until, now, alert.withdrawn_at is not None,
                                storage.current_term(session, alert.id).starts_at)
        if verdict.refuses():
            raise AlertRefused(verdict)
        before, after = storage.renew(session, alert, until, user.id, now)
        audit.record(session, user, "alert.renew", "alert", alert.id, _label(alert.text_en),
                     {"ends_at": [before.isoformat(), after.isoformat()]})
    info = _read(sessions, alert_id, now)
    return Done(alert_id, (), announce(config, info, "renewed", sessions))


def withdraw(sessions: Callable[[], Session], config: Mapping[str, Any], alert_id: int,
             by_email: str, now: datetime) -> Done:
    with sessions() as session, session.begin():
        user = lead_by_email(session, by_email)
        alert = storage.find(session, alert_id)
        if alert.withdrawn_at is not None:
            raise AlertRefused(Verdict(
                (AlertFinding("id", N_("this alert was already withdrawn")),)))
        storage.withdraw(session, alert, user.id, now)
        audit.record(session, user, "alert.withdraw", "alert", alert.id, _label(alert.text_en),
                     {"withdrawn_at": [None, now.isoformat()]})
    info = _read(sessions, alert_id, now)
    return Done(alert_id, (), announce(config, info, "withdrawn", sessions))


def _label(text: str) -> str:
    return text if len(text) <= 80 else text[:79] + "…"


def _read(sessions: Callable[[], Session], alert_id: int, now: datetime) -> AlertInfo:
    with sessions() as session:
        return next(row.info for row in storage.all_alerts(session, now)
                    if row.info.id == alert_id)


# --- the Telegram channel ----------------------------------------------------------------------

#: The words of a channel post beside the alert's own (msgids, in Khmer then English).
EVENTS = {"posted": N_("New alert"), "renewed": N_("Alert renewed"),
          "withdrawn": N_("Alert withdrawn")}


def announce(config: Mapping[str, Any], info: AlertInfo, event: str,
             sessions: Callable[[], Session] | None = None) -> bool | None:
    """Send the alert to ``TELEGRAM_ALERTS_CHANNEL``, if set; after the commit, never inside a
    transaction. True if the channel took it, False if not (logged without the alert's words:
    the alert stands), None if no channel is configured."""
    if not config.get("TELEGRAM_ALERTS_CHANNEL"):
        return None
    # imported only when there is a channel to post to: the Telegram library is large, and a
    # process that never posts (the web workers' start-up, tests/test_startup.py) never loads it
    from webhooks import telegram_api

    names = _service_names(sessions, info.scope)
    try:
        telegram_api.post_to_channel(config, channel_text(info, event, names))
    except SendError as error:
        log.warning("alert %s (%s): the Telegram channel did not take it: %s",
                    info.id, event, error)
        metrics.alert_channel_post(
            "refused" if isinstance(error, telegram_api.TelegramRefused) else "failed")
        return False
    metrics.alert_channel_post("sent")
    return True


def _service_names(sessions: Callable[[], Session] | None, scope: Scope) -> dict[str, str]:
    if scope.kind is not ScopeKind.SERVICE or sessions is None:
        return {}
    with sessions() as session:
        row = session.execute(select(Service.name_km, Service.name_en)
                              .where(Service.id == int(scope.code))).first()
    return {} if row is None else {"km": row.name_km, "en": row.name_en}


def channel_text(info: AlertInfo, event: str, service_names: Mapping[str, str] | None = None
                 ) -> str:
    """A channel post: Khmer first, then English; the kind, where, the text, the advice and
    the term (Phnom Penh time)."""
    blocks = []
    for locale in (Locale.KM, Locale.EN):
        _ = translations(locale).gettext
        lines = [f"{_(EVENTS[event])} · {_(ALERT_KINDS[info.kind])}",
                 scope_name(info.scope, locale, service_names), info.text(locale)]
        if info.advice(locale):
            lines.append(_("What to do: %(advice)s") % {"advice": info.advice(locale)})
        if event != "withdrawn":
            lines.append(_("Until %(end)s") % {"end": shown_time(info.ends_at)})
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def shown_time(moment: datetime) -> str:
    """A moment in Phnom Penh time, as people read it everywhere: 2026-12-07 14:05."""
    return moment.astimezone(CAMBODIA).strftime("%Y-%m-%d %H:%M")


@cache
def _unit_names(level: int) -> dict[str, tuple[str, str]]:
    return {code: (km, en) for code, km, en in unit_rows(level)}


def scope_name(scope: Scope, locale: Locale | str,
               service_names: Mapping[str, str] | None = None) -> str:
    """Where an alert applies, in a language: "Whole country", a province's or district's
    name, or a service's name (its id if not given)."""
    _ = translations(locale).gettext
    index = 0 if locale == Locale.KM else 1
    if scope.kind is ScopeKind.COUNTRY:
        return _("Whole country")
    if scope.kind in (ScopeKind.PROVINCE, ScopeKind.DISTRICT):
        level = PROVINCE if scope.kind is ScopeKind.PROVINCE else DISTRICT
        names = _unit_names(level).get(scope.code)
        return names[index] if names else scope.code
    names = service_names or {}
    return names.get(str(locale)) or _("Service %(id)s") % {"id": scope.code}
