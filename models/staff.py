"""Outreach staff: accounts, the audit log of their changes, and login-throttle state.

Nothing here concerns texters: staff are the only people with rows, and the throttle keys
are keyed digests of what was typed at the login form (an e-mail address, a client address),
never the text itself.
"""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, UTCMinute, utcnow


class Role(enum.StrEnum):
    """Admins manage users and the directory; team leads post, renew and withdraw service and
    health alerts (admins may too); outreach staff read demand and mark services full."""

    ADMIN = "admin"
    LEAD = "lead"
    OUTREACH = "outreach"


def new_session_token() -> str:
    return secrets.token_hex(16)


class StaffUser(Base):
    __tablename__ = "staff_user"
    __table_args__ = (CheckConstraint("role IN ('admin', 'lead', 'outreach')", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Lower-cased; the login name.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: An argon2id hash (``$argon2id$…``), never the password.
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Part of the id kept in the session cookie: rotating it signs out every open session,
    #: copies of the cookie included (on logout, a password change, a deactivation or a role
    #: change).
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    #: Set when an admin chose the password (a temporary one); cleared by a password change.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_lead(self) -> bool:
        """May post, renew and withdraw alerts: a team lead, or an admin."""
        return self.role in (Role.ADMIN, Role.LEAD)

    # --- the interface Flask-Login expects -------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"


class AuditLog(Base):
    """Who changed what, when: one row per staff change, shown to admins. Times are kept to the
    minute, and rows for ``AUDIT_RETENTION_DAYS`` (``models.retention``)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCMinute, default=UTCMinute.now, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    #: Kept as text too, so the history still names a user who was later removed.
    actor_email: Mapped[str] = mapped_column(String(254))
    #: A dotted verb such as ``service.mark_full`` or ``user.create``.
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    #: A short label of the target (a service's English name, a user's e-mail).
    target_label: Mapped[str] = mapped_column(String(254), default="")
    #: JSON: the fields changed as ``{"field": [before, after]}``, or counts for an import.
    details: Mapped[str] = mapped_column(Text, default="{}")


class LoginThrottle(Base):
    """Failed logins per keyed digest (of an account's e-mail, or of a client address).

    Kept in the database so that every worker and instance counts the same failures."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
