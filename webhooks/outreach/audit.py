"""The audit log: every change a staff member makes is recorded (who, what, when).

Rows are written in the same transaction as the change they describe, so a change and its
record are committed together or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from core.catalogs import N_
from models.staff import AuditLog, StaffUser

#: What each action is called in the dashboard (msgids; translated where shown).
ACTIONS = {
    "auth.login": N_("logged in"),
    "auth.logout": N_("logged out"),
    "auth.locked": N_("login locked after failed attempts"),
    "auth.password_change": N_("changed their password"),
    "user.create": N_("created a user"),
    "user.update": N_("changed a user"),
    "user.deactivate": N_("deactivated a user"),
    "user.activate": N_("reactivated a user"),
    "user.password_reset": N_("set a temporary password"),
    "service.create": N_("added a service"),
    "service.update": N_("edited a service"),
    "service.close": N_("closed a service"),
    "service.reopen": N_("reopened a service"),
    "service.mark_full": N_("marked a service full"),
    "service.mark_not_full": N_("marked a service as having room"),
    "directory.import": N_("imported a directory file"),
    "service.checked": N_("checked a service's entry"),
    "service.full_expired": N_("lifted a full mark a week old"),
    "handoff.claim": N_("took a chat with a texter"),
    "handoff.reply": N_("replied in a chat with a texter"),
    "handoff.close": N_("closed and deleted a chat with a texter"),
    "handoff.reassign": N_("gave a chat with a texter to another worker"),
    "handoff.release": N_("put a chat with a texter back in the waiting list"),
    "alert.post": N_("posted an alert"),
    "alert.renew": N_("renewed an alert"),
    "alert.withdraw": N_("withdrew an alert"),
}
#: Actions whose actor is the system rather than a signed-in user (a lock has no actor).
SYSTEM = "(system)"


def record(
    session: Session,
    actor: StaffUser | None,
    action: str,
    target_type: str,
    target_id: object = None,
    target_label: str = "",
    details: Mapping[str, Any] | None = None,
) -> AuditLog:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditLog(
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else SYSTEM,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        target_label=target_label[:254],
        details=json.dumps(dict(details or {}), ensure_ascii=False, sort_keys=True, default=str),
    )
    session.add(entry)
    return entry


def changes(before: Mapping[str, Any], after: Mapping[str, Any], fields: Iterable[str]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields that differ."""
    return {f: [before.get(f), after.get(f)] for f in fields if before.get(f) != after.get(f)}


def describe(
    details: str, named: Callable[[str, Any], str | None] | None = None
) -> list[tuple[str, str]]:
    """The details column as (name, value) pairs for display. ``named(field, value)`` names a
    coded value in the reader's language (a kind of service, a province), or None to show it
    as stored."""
    try:
        data = json.loads(details or "{}")
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    pairs = []
    for name, value in data.items():
        if isinstance(value, list) and len(value) == 2:
            pairs.append((name, f"{_show(value[0], name, named)} → {_show(value[1], name, named)}"))
        else:
            pairs.append((name, _show(value, name, named)))
    return pairs


def _show(value: Any, name: str = "", named: Callable[[str, Any], str | None] | None = None) -> str:
    if value is None or value == "":
        return "—"
    if named is not None and (shown := named(name, value)) is not None:
        return shown
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(value)
