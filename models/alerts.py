"""Service and health alerts (issue 28; README, "Service and health alerts").

An alert (``Alert``) says something about services or health for a scope (the whole country, a
province, a district or one service), in Khmer and English, for a term. Its terms
(``AlertTerm``) keep the directory's history honest (``models.directory_history`` does the same
for services): each term is an interval ``starts_at`` <= t < ``ends_at`` *as recorded* at
``recorded_at``, until a later record ``superseded_at`` it. So:

- posting records the first term;
- renewing an alert still running supersedes its term from the renewal instant with one that
  has the same start and the new end (the past is the same under both: the alert was active
  then either way); renewing one that has ended keeps the old term (it was true) and records a
  new one from the renewal instant;
- withdrawing sets ``withdrawn_at``: active before, not from then on.

``alerts_as_of(connection, moment)`` gives the alerts active at a moment as they were known
then (their end as it stood); ``active_alerts`` is the same at ``now``: alerts expire by
themselves, no job runs. The rules an alert keeps are ``core.alert_rules``'s, applied before
anything here is called. Who posted, renewed or withdrew is kept (a staff id) and audited by
the caller in the same transaction (``webhooks.alerting``). Nothing here is about a texter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, bindparam, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.alert_info import AlertInfo, Scope, ScopeKind
from core.alert_rules import AlertDraft
from core.vocabulary import AlertKind
from models.base import Base, Executor, UTCDateTime


class Alert(Base):
    """What an alert says and where, who posted it and whether it was withdrawn."""

    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    #: ``core.alert_info.ScopeKind``; ``scope_code`` a province or district code or a service
    #: id ("" for the whole country).
    scope_kind: Mapped[str] = mapped_column(String(16))
    scope_code: Mapped[str] = mapped_column(String(16), default="")
    text_km: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    advice_km: Mapped[str] = mapped_column(Text, default="")
    advice_en: Mapped[str] = mapped_column(Text, default="")
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    posted_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"))
    #: The last post, renewal or withdrawal (the public page's validator).
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class AlertTerm(Base):
    """One term of an alert, as recorded from ``recorded_at`` until ``superseded_at``."""

    __tablename__ = "alert_term"
    __table_args__ = (Index("ix_alert_term_alert_id_superseded_at", "alert_id", "superseded_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    set_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))


class AlertNotFound(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class AlertRow:
    """An alert with its latest term as recorded now, and whether it is active at ``now``
    (``flask alerts list --all``, the export)."""

    info: AlertInfo
    posted_at: datetime
    status: str  # "scheduled", "active", "ended" or "withdrawn"


def post(session: Session, draft: AlertDraft, by: int | None, now: datetime) -> Alert:
    """Record a new alert (already checked by ``core.alert_rules.check``) and its first term."""
    alert = Alert(
        kind=str(AlertKind(draft.kind)), scope_kind=str(draft.scope.kind),
        scope_code=draft.scope.code, text_km=draft.text_km.strip(),
        text_en=draft.text_en.strip(), advice_km=draft.advice_km.strip(),
        advice_en=draft.advice_en.strip(), posted_at=now, posted_by=by, changed_at=now,
    )
    session.add(alert)
    session.flush()
    session.add(AlertTerm(alert_id=alert.id, starts_at=draft.starts_at, ends_at=draft.ends_at,
                          recorded_at=now, set_by=by))
    session.flush()
    return alert


def find(session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise AlertNotFound(f"no alert has the id {alert_id}")
    return alert


def current_term(session: Session, alert_id: int) -> AlertTerm:
    """The latest term as recorded now."""
    term = session.scalars(
        select(AlertTerm).where(AlertTerm.alert_id == alert_id,
                                AlertTerm.superseded_at.is_(None))
        .order_by(AlertTerm.starts_at.desc(), AlertTerm.id.desc()).limit(1)
    ).first()
    if term is None:
        raise AlertNotFound(f"alert {alert_id} has no term")
    return term


def renew(session: Session, alert: Alert, new_end: datetime, by: int | None, now: datetime
          ) -> tuple[datetime, datetime]:
    """Give an alert a new end (checked by ``core.alert_rules.check_renewal``), without
    rewriting its past; returns (the end before, the new end)."""
    term = current_term(session, alert.id)
    before = term.ends_at
    if now < term.ends_at:  # still running (or not started): same start, new end, from now
        term.superseded_at = now
        start = term.starts_at
    else:  # it ended: it was true until then; a new term from now
        start = now
    session.add(AlertTerm(alert_id=alert.id, starts_at=start, ends_at=new_end,
                          recorded_at=now, set_by=by))
    alert.changed_at = now
    session.flush()
    return before, new_end


def withdraw(session: Session, alert: Alert, by: int | None, now: datetime) -> None:
    """Take an alert down from ``now`` (it stays active before, for past reports)."""
    alert.withdrawn_at = now
    alert.withdrawn_by = by
    alert.changed_at = now
    session.flush()


def _info(row: Any) -> AlertInfo:
    return AlertInfo(
        id=row.id, kind=AlertKind(row.kind), scope=Scope(ScopeKind(row.scope_kind),
                                                          row.scope_code or ""),
        text_km=row.text_km, text_en=row.text_en, advice_km=row.advice_km,
        advice_en=row.advice_en, starts_at=row.starts_at, ends_at=row.ends_at,
        withdrawn_at=row.withdrawn_at,
    )


_COLUMNS = (Alert.id, Alert.kind, Alert.scope_kind, Alert.scope_code, Alert.text_km,
            Alert.text_en, Alert.advice_km, Alert.advice_en, Alert.withdrawn_at,
            Alert.posted_at, AlertTerm.starts_at, AlertTerm.ends_at)


def alerts_as_of(executor: Executor, moment: datetime) -> list[AlertInfo]:
    """The alerts active at ``moment`` (started, not ended, not withdrawn), each with its term
    as it was recorded then: what a report about that moment, or the bot at that moment, saw.
    Terms of one alert never overlap, so each alert comes once. Ordered by id."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given for a UTC moment")
    rows = executor.execute(_AS_OF, {"moment": moment}).all()
    return [_info(row) for row in rows]


_MOMENT = bindparam("moment")
#: Built once: a turn that lists services reads the alerts in force (``SqlDirectory.alerts``),
#: and building the statement each time cost more than running it.
_AS_OF = select(*_COLUMNS).join(AlertTerm, AlertTerm.alert_id == Alert.id).where(
    AlertTerm.recorded_at <= _MOMENT,
    (AlertTerm.superseded_at.is_(None)) | (AlertTerm.superseded_at > _MOMENT),
    AlertTerm.starts_at <= _MOMENT, AlertTerm.ends_at > _MOMENT,
    (Alert.withdrawn_at.is_(None)) | (Alert.withdrawn_at > _MOMENT),
).order_by(Alert.id)


@dataclass(frozen=True, slots=True)
class AlertSpan:
    """An interval ``start`` <= t < ``end`` in which an alert was in force *as recorded at t*
    (what ``alerts_as_of(t)`` gave): only its kind and scope, never its texts."""

    alert_id: int
    kind: AlertKind
    scope: Scope
    start: datetime
    end: datetime


def alerts_during(executor: Executor, start: datetime, end: datetime) -> list[AlertSpan]:
    """Each alert's intervals within ``start`` <= t < ``end`` in which it was in force as
    recorded at t: t is in an interval exactly when ``alerts_as_of(executor, t)`` lists it.

    A term counts from when it was both recorded and started until its end, its supersession
    or the alert's withdrawal, whichever comes first: an alert posted on the 5th saying it
    started on the 2nd covers from the 5th; a renewal of a running alert continues it without a
    gap, one of an ended alert leaves the gap it had. One alert's touching intervals are merged.
    Ordered by alert id, then start. (The demand chart's marks: ``webhooks.outreach.alert_marks``.)
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("naive datetime given for a UTC moment")
    rows = executor.execute(
        select(Alert.id, Alert.kind, Alert.scope_kind, Alert.scope_code, Alert.withdrawn_at,
               AlertTerm.starts_at, AlertTerm.ends_at, AlertTerm.recorded_at,
               AlertTerm.superseded_at)
        .join(AlertTerm, AlertTerm.alert_id == Alert.id).where(
            AlertTerm.recorded_at < end, AlertTerm.starts_at < end, AlertTerm.ends_at > start,
            (AlertTerm.superseded_at.is_(None)) | (AlertTerm.superseded_at > start),
            (Alert.withdrawn_at.is_(None)) | (Alert.withdrawn_at > start),
        )
    ).all()
    pieces = []
    for row in rows:
        lower = max(start, row.starts_at, row.recorded_at)
        upper = min(end, row.ends_at, *(m for m in (row.superseded_at, row.withdrawn_at)
                                        if m is not None))
        if lower < upper:
            pieces.append((row.id, lower, upper, row))
    spans: list[AlertSpan] = []
    for alert_id, lower, upper, row in sorted(pieces, key=lambda p: (p[0], p[1], p[2])):
        if spans and spans[-1].alert_id == alert_id and spans[-1].end >= lower:
            previous = spans.pop()
            lower, upper = previous.start, max(previous.end, upper)
        spans.append(AlertSpan(alert_id, AlertKind(row.kind),
                               Scope(ScopeKind(row.scope_kind), row.scope_code or ""),
                               lower, upper))
    return spans


def active_alerts(executor: Executor, now: datetime) -> list[AlertInfo]:
    """The alerts in force now: ``alerts_as_of(now)``."""
    return alerts_as_of(executor, now)


def all_alerts(executor: Executor, now: datetime) -> list[AlertRow]:
    """Every alert with its latest term as recorded now and its status at ``now``, newest
    first."""
    latest = (select(AlertTerm.alert_id, func.max(AlertTerm.id).label("term_id"))
              .where(AlertTerm.superseded_at.is_(None)).group_by(AlertTerm.alert_id).subquery())
    rows = executor.execute(
        select(*_COLUMNS).join(latest, latest.c.alert_id == Alert.id)
        .join(AlertTerm, AlertTerm.id == latest.c.term_id).order_by(Alert.id.desc())
    ).all()
    result = []
    for row in rows:
        info = _info(row)
        if info.withdrawn_at is not None and info.withdrawn_at <= now:
            status = "withdrawn"
        elif now < info.starts_at:
            status = "scheduled"
        elif now < info.ends_at:
            status = "active"
        else:
            status = "ended"
        result.append(AlertRow(info, row.posted_at, status))
    return result


def last_change(executor: Executor) -> datetime | None:
    """When any alert was last posted, renewed or withdrawn."""
    return executor.execute(select(func.max(Alert.changed_at))).scalar()


#: The columns of the alerts' CSV (``flask alerts export``): HSDS has no alert object, so
#: alerts travel beside the directory's HSDS files, in a CSV of their own (README, "Service and
#: health alerts"). Times are ISO 8601 in UTC; a term is the latest as recorded at export time.
EXPORT_COLUMNS = (
    "alert_id", "kind", "scope", "text_km", "text_en", "advice_km", "advice_en",
    "starts_at", "ends_at", "posted_at", "withdrawn_at", "status",
)


def export_rows(executor: Executor, now: datetime) -> list[tuple[object, ...]]:
    """Every alert, newest first, as the rows of ``EXPORT_COLUMNS`` (no staff, no texter)."""
    def iso(moment: datetime | None) -> str:
        return "" if moment is None else moment.isoformat(timespec="seconds")

    return [
        (row.info.id, str(row.info.kind), str(row.info.scope), row.info.text_km,
         row.info.text_en, row.info.advice_km, row.info.advice_en, iso(row.info.starts_at),
         iso(row.info.ends_at), iso(row.posted_at), iso(row.info.withdrawn_at), row.status)
        for row in all_alerts(executor, now)
    ]
