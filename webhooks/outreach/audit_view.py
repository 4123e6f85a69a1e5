"""The audit log page's filters (kind, person, days) and its names in the reader's language.

Sign-ins and sign-outs are most of the log and say little: they are left out unless asked
for (``signins=1``, one click on the page) or their kind is chosen. Days are Phnom Penh days,
as the page shows its times; a filter that cannot be read is ignored and said so, never an
error page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, not_

from core.vocabulary import CAMBODIA
from models.staff import AuditLog
from webhooks.outreach import audit

#: Sign-ins and sign-outs: left out unless asked for.
SIGN_INS = ("auth.login", "auth.logout")
#: The kinds offered first, each a group of actions (msgids translated where shown).
GROUPS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "auth": (_l("Sign-ins, locks and passwords"),
             tuple(a for a in audit.ACTIONS if a.startswith("auth."))),
    "user": (_l("Accounts"), tuple(a for a in audit.ACTIONS if a.startswith("user."))),
    "directory": (_l("Directory"), tuple(a for a in audit.ACTIONS
                                         if a.startswith(("service.", "directory.")))),
    "handoff": (_l("Chats with texters"),
                tuple(a for a in audit.ACTIONS if a.startswith("handoff."))),
    "alert": (_l("Service and health alerts"),
              tuple(a for a in audit.ACTIONS if a.startswith("alert."))),
}
#: ``who=`` for entries with no signed-in actor (a lock, the clock's upkeep).
SYSTEM = "system"
#: Fields whose stored value is a code the reader should see by name.
CODED_FIELDS = ("service_type", "role", "province_code", "district_code")


@dataclass(frozen=True)
class AuditFilters:
    """What the reader asked for, read from the query string."""

    kind: str = ""
    who: str = ""
    start: date | None = None
    end: date | None = None
    signins: bool = False
    #: Query values that could not be read (shown, then ignored).
    unread: tuple[str, ...] = field(default=())

    @property
    def actions(self) -> tuple[str, ...] | None:
        """The actions the kind stands for; None for every kind."""
        if self.kind in GROUPS:
            return GROUPS[self.kind][1]
        if self.kind in audit.ACTIONS:
            return (self.kind,)
        return None

    @property
    def hides_signins(self) -> bool:
        """Sign-ins are hidden: not asked for, and no kind chosen that holds them."""
        chosen = self.actions
        return not self.signins and (chosen is None or not set(chosen) & set(SIGN_INS))

    def where(self) -> list[ColumnElement[bool]]:
        """The SQL conditions of these filters."""
        conditions: list[ColumnElement[bool]] = []
        chosen = self.actions
        if chosen is not None:
            conditions.append(AuditLog.action.in_(chosen))
        if self.hides_signins:
            conditions.append(not_(AuditLog.action.in_(SIGN_INS)))
        if self.who == SYSTEM:
            conditions.append(AuditLog.actor_email == audit.SYSTEM)
        elif self.who:
            conditions.append(AuditLog.actor_id == int(self.who))
        if self.start is not None:
            conditions.append(AuditLog.at >= day_start(self.start))
        if self.end is not None:
            conditions.append(AuditLog.at < day_start(self.end + timedelta(days=1)))
        return [and_(*conditions)] if conditions else []

    def args(self, **changes: Any) -> dict[str, str]:
        """The query string of these filters (for the pager and the links), with ``changes``."""
        values: dict[str, Any] = {
            "kind": self.kind, "who": self.who,
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
            "signins": "1" if self.signins else "",
        }
        values.update(changes)
        return {name: str(value) for name, value in values.items() if value}

    @property
    def active(self) -> bool:
        return bool(self.kind or self.who or self.start or self.end)


def day_start(day: date) -> datetime:
    """The first moment of a Phnom Penh day, in UTC (as the log keeps its times)."""
    return datetime(day.year, day.month, day.day, tzinfo=CAMBODIA).astimezone(UTC)


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw.isascii() and len(raw) == 10 else None
    except ValueError:
        return None


def parse(args: Mapping[str, str], people: Iterable[int]) -> AuditFilters:
    """The filters of a query string. ``people``: the ids of the accounts one may pick."""
    unread: list[str] = []
    kind = args.get("kind", "").strip()
    if kind and kind not in GROUPS and kind not in audit.ACTIONS:
        unread.append("kind")
        kind = ""
    who = args.get("who", "").strip()
    if who and who != SYSTEM and not (who.isascii() and who.isdigit() and len(who) < 10
                                      and int(who) in set(people)):
        unread.append("who")
        who = ""
    days: list[date | None] = []
    for name in ("from", "to"):
        raw = args.get(name, "").strip()
        day = _day(raw) if raw else None
        if raw and day is None:
            unread.append(name)
        days.append(day)
    start, end = days
    if start is not None and end is not None and start > end:
        start, end = end, start  # "from 30 Nov to 1 Nov": the days between, either way
    return AuditFilters(kind=kind, who=who, start=start, end=end,
                        signins=args.get("signins") == "1", unread=tuple(unread))


def kind_choices() -> list[tuple[Any, list[tuple[str, Any]]]]:
    """The kind menu: each group, then its actions (labels translated when shown)."""
    return [
        (label, [(name, label), *[(action, audit.ACTIONS[action]) for action in actions]])
        for name, (label, actions) in GROUPS.items()
    ]


def target_name(entry: Any, services: Mapping[str, Any], km: bool) -> str:
    """What an entry was done to, in the reader's language where the directory names it in
    both (a service still listed); otherwise the label kept with the entry (a service's English
    name, an account's e-mail, a chat's handle, a file's name)."""
    if entry.target_type == "service" and entry.target_id in services:
        service = services[entry.target_id]
        return str((service.name_km if km else service.name_en) or entry.target_label)
    return str(entry.target_label)


def service_ids(entries: Iterable[Any]) -> set[int]:
    """The services the entries name (to fetch their names in one query)."""
    return {int(e.target_id) for e in entries
            if e.target_type == "service" and e.target_id and e.target_id.isdigit()}
