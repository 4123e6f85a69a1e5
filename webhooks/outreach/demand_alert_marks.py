"""The demand chart's alert marks: which periods a service or health alert covered the place
the chart shows, so that a drop or a spike can be read against it (issue 28).

An alert marks a period when it was in force, *as recorded then*, at some moment of it
(``models.alerts.alerts_during``: the past is never rewritten by a later renewal or
withdrawal) and it concerned the place shown or a part of it: a drop in a province's demand may
be a district's clinic closing. So the whole country's chart is marked by every alert, a
province's by the country's, its own and its districts' (each named), a district's by the
country's, its province's and its own (``overlaps``). A service's alert stands for its
service's place (its district, else its province) and marks only a chart of all kinds of
service or of that service's kind.

Privacy: the marks derive from alerts alone (kind, scope, dates), never from demand. Nothing
here reads a count, so a mark says nothing about a suppressed one (docs/PRIVACY.md); a mark's
words are a kind, a place and dates, never a number that could be read as a count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.alert_info import Scope, ScopeKind
from core.vocabulary import CAMBODIA, AlertKind
from core.vocabulary_labels import ALERT_KINDS
from models import stats
from models.alerts import AlertSpan, alerts_during
from models.services import Service
from webhooks.outreach import i18n, labels
from webhooks.outreach.demand import Filters


@dataclass(frozen=True, slots=True)
class AlertNote:
    """One alert's stretch on the chart, as the legend lists it."""

    kind: AlertKind
    scope: Scope
    #: Cambodian calendar days, inclusive, clipped to the periods charted.
    first: date
    last: date
    #: "Alert: Call before going · Phnom Penh, 3 Mar 2026 to 9 Mar 2026"
    text: str


@dataclass(frozen=True, slots=True)
class ChartAlerts:
    #: For each period charted, in order: the short texts of the alerts that covered it.
    by_period: list[list[str]]
    notes: list[AlertNote]

    @property
    def any(self) -> bool:
        return bool(self.notes)


def period_bounds(period: stats.Period) -> tuple[datetime, datetime]:
    """A period's days on Cambodia's calendar (the one demand is dated in) as UTC moments,
    the end exclusive."""
    start = datetime.combine(period.start, time(), CAMBODIA).astimezone(UTC)
    end = datetime.combine(period.end + timedelta(days=1), time(), CAMBODIA).astimezone(UTC)
    return start, end


def chart_alerts(session: Session, periods: Sequence[stats.Period], filters: Filters
                 ) -> ChartAlerts:
    """The alerts that covered the filters' place in each of ``periods``."""
    if not periods:
        return ChartAlerts([], [])
    bounds = [period_bounds(p) for p in periods]
    window_start, window_end = bounds[0][0], bounds[-1][1]
    spans = alerts_during(session, window_start, window_end)
    places = _service_places(session, spans)
    province = filters.province_code or (filters.district_code or "")[:2] or None
    shown = [s for s in spans if _covers(s.scope, places, province, filters.district_code,
                                         filters.service_type)]
    by_period = [[kind_and_place(s.kind, s.scope, places)
                  for s in shown if s.start < end and s.end > start]
                 for start, end in bounds]
    notes = []
    for span in shown:
        first = span.start.astimezone(CAMBODIA).date()
        last = (span.end - timedelta(microseconds=1)).astimezone(CAMBODIA).date()
        dates = _("%(start)s to %(end)s", start=format_date(first, "d MMM yyyy"),
                  end=format_date(last, "d MMM yyyy"))
        notes.append(AlertNote(span.kind, span.scope, first, last,
                               _("Alert: %(what)s, %(dates)s",
                                 what=kind_and_place(span.kind, span.scope, places),
                                 dates=dates)))
    return ChartAlerts(by_period, notes)


def kind_and_place(kind: AlertKind, scope: Scope,
                   places: dict[str, tuple[Scope, str, str]]) -> str:
    """"Call before going · Phnom Penh": an alert's kind and where, in the page's language."""
    return f"{_(ALERT_KINDS[kind])} · {scope_label(scope, places)}"  # the same in both languages


def scope_label(scope: Scope, places: dict[str, tuple[Scope, str, str]]) -> str:
    if scope.kind is ScopeKind.COUNTRY:
        return _("Whole country")
    if scope.kind is ScopeKind.PROVINCE:
        return labels.province(scope.code)
    if scope.kind is ScopeKind.DISTRICT:
        return labels.district(scope.code)
    found = places.get(scope.code)
    if found is None:
        return _("Service %(id)s", id=scope.code)
    return found[1]


def _covers(scope: Scope, places: dict[str, tuple[Scope, str, str]], province: str | None,
            district: str | None, service_type: str | None) -> bool:
    if scope.kind is ScopeKind.SERVICE:
        found = places.get(scope.code)
        if found is None:  # a service no longer in the directory: its place is not known
            return False
        place, _name, kind = found
        if service_type and kind != service_type:
            return False
        scope = place
    return overlaps(scope, province, district)


def overlaps(scope: Scope, province: str | None, district: str | None) -> bool:
    """Whether an alert's place (a scope other than a service's) and the chart's place share
    ground: one covers the other. No province: the whole country. (District codes nest their
    province's: "1201" is in "12".)"""
    if scope.kind is ScopeKind.COUNTRY or province is None:
        return True
    if scope.kind is ScopeKind.PROVINCE:
        return scope.code == province
    if district:
        return scope.code == district
    return scope.code.startswith(province)


def _service_places(session: Session, spans: Sequence[AlertSpan]
                    ) -> dict[str, tuple[Scope, str, str]]:
    """For the services alerts are about: (the scope of its place, its name in the page's
    language, its kind of service), by id as text."""
    ids = {int(s.scope.code) for s in spans
           if s.scope.kind is ScopeKind.SERVICE and s.scope.code.isdigit()}
    if not ids:
        return {}
    rows = session.execute(select(Service.id, Service.province_code, Service.district_code,
                                  Service.service_type, Service.name_km, Service.name_en)
                           .where(Service.id.in_(ids)))
    km = i18n.select_locale() == "km"
    return {
        str(row.id): (Scope(ScopeKind.DISTRICT, row.district_code) if row.district_code
                      else Scope(ScopeKind.PROVINCE, row.province_code),
                      row.name_km if km else row.name_en, row.service_type)
        for row in rows
    }
