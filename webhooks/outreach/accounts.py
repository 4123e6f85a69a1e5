"""Staff accounts as plain functions, shared by the CLI and the admin pages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.catalogs import N_
from models.base import utcnow
from models.staff import Role, StaffUser, new_session_token
from webhooks.outreach import audit
from webhooks.outreach.passwords import hash_password, password_problem


class StaffAccountError(ValueError):
    """A request that cannot be done; the message is a msgid (translated where shown)."""


def normalise_email(email: str) -> str:
    return email.strip().casefold()


def find(session: Session, email: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(StaffUser.email == normalise_email(email)))


def create(
    session: Session,
    email: str,
    role: str,
    password: str,
    actor: StaffUser | None = None,
    temporary: bool = False,
) -> StaffUser:
    """A new account; ``temporary`` makes the user choose their own password at first login."""
    email = normalise_email(email)
    if role not in {r.value for r in Role}:
        raise StaffAccountError(N_("Unknown role."))
    if "@" not in email or len(email) > 254:
        raise StaffAccountError(N_("Enter an e-mail address."))
    problem = password_problem(password, email)
    if problem:
        raise StaffAccountError(problem)
    if find(session, email) is not None:
        raise StaffAccountError(N_("There is already an account with this e-mail address."))
    user = StaffUser(
        email=email,
        password_hash=hash_password(password),
        role=role,
        is_active=True,
        must_change_password=temporary,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", "user", user.id, email, {"role": role})
    return user


def change_password(session: Session, user: StaffUser, new_password: str, now: datetime | None = None) -> None:
    """Set the user's own new password and sign out their other sessions."""
    problem = password_problem(new_password, user.email)
    if problem:
        raise StaffAccountError(problem)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now or utcnow()
    user.must_change_password = False
    user.session_token = new_session_token()
    audit.record(session, user, "auth.password_change", "user", user.id, user.email)


def reset_password(session: Session, user: StaffUser, password: str, actor: StaffUser) -> None:
    """An admin sets a temporary password; the user must change it at the next login."""
    problem = password_problem(password, user.email)
    if problem:
        raise StaffAccountError(problem)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = True
    user.session_token = new_session_token()
    audit.record(session, actor, "user.password_reset", "user", user.id, user.email)


def set_role(session: Session, user: StaffUser, role: str, actor: StaffUser | None) -> None:
    """A new role (``actor`` None: from the command line); signs out the user's sessions."""
    if role not in {r.value for r in Role}:
        raise StaffAccountError(N_("Unknown role."))
    if role == user.role:
        return
    if user.role == Role.ADMIN and _other_active_admins(session, user) == 0:
        raise StaffAccountError(N_("Keep at least one active admin."))
    audit.record(session, actor, "user.update", "user", user.id, user.email,
                 {"role": [user.role, role]})
    user.role = role
    user.session_token = new_session_token()


def set_active(session: Session, user: StaffUser, active: bool, actor: StaffUser) -> None:
    if active == user.is_active:
        return
    if not active and user.role == Role.ADMIN and _other_active_admins(session, user) == 0:
        raise StaffAccountError(N_("Keep at least one active admin."))
    user.is_active = active
    user.session_token = new_session_token()
    action = "user.activate" if active else "user.deactivate"
    audit.record(session, actor, action, "user", user.id, user.email)


def _other_active_admins(session: Session, user: StaffUser) -> int:
    return session.scalar(
        select(func.count()).select_from(StaffUser).where(
            StaffUser.role == Role.ADMIN, StaffUser.is_active.is_(True), StaffUser.id != user.id
        )
    ) or 0


def listing(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.email)))
