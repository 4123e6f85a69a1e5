"""Login throttling: repeated failures lock an account name, and a client address, for a while.

Counts live in the database (``LoginThrottle``) so every worker sees the same ones. Keys are
HMACs of what was typed and where it came from, never the text itself. A locked key refuses
even the right password until the lock ends; the answer is the same whether or not the account
exists, so the lock reveals nothing about which e-mail addresses have accounts.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.staff import LoginThrottle


@dataclass(frozen=True, slots=True)
class Policy:
    #: Failures of one account name within ``window`` that lock it.
    max_failures: int = 5
    #: Failures from one client address within ``window`` that lock it (many names).
    max_failures_per_address: int = 20
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)

    @classmethod
    def from_config(cls, config: dict) -> Policy:  # type: ignore[type-arg]
        return cls(
            max_failures=int(config.get("LOGIN_MAX_FAILURES", cls.max_failures)),
            max_failures_per_address=int(
                config.get("LOGIN_MAX_FAILURES_PER_ADDRESS", cls.max_failures_per_address)
            ),
            window=timedelta(minutes=int(config.get("LOGIN_WINDOW_MINUTES", 15))),
            lockout=timedelta(minutes=int(config.get("LOGIN_LOCKOUT_MINUTES", 15))),
        )


def keys(secret: str, email: str, address: str) -> tuple[str, str]:
    """The throttle keys of an account name and of a client address."""

    def digest(kind: str, value: str) -> str:
        message = f"login-throttle:{kind}:{value}".encode()
        return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()

    return digest("account", email.strip().casefold()), digest("address", address)


def locked_until(session: Session, key_list: tuple[str, ...], now: datetime) -> datetime | None:
    """The latest lock still in force on any of the keys, or None."""
    latest = None
    for key in key_list:
        row = session.get(LoginThrottle, key)
        if row is not None and row.locked_until is not None and row.locked_until > now:
            latest = max(latest or row.locked_until, row.locked_until)
    return latest


def record_failure(
    session: Session, key: str, limit: int, policy: Policy, now: datetime
) -> bool:
    """Count one failure; True if this failure locked the key."""
    row = session.get(LoginThrottle, key, with_for_update=True)
    if row is None:
        row = LoginThrottle(key=key, failures=0, window_start=now)
        session.add(row)
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError:  # another worker counted the first failure at the same moment
            row = session.get(LoginThrottle, key, with_for_update=True, populate_existing=True)
            assert row is not None
    if row.window_start <= now - policy.window or (
        row.locked_until is not None and row.locked_until <= now
    ):
        row.failures, row.window_start, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= limit:
        row.locked_until = now + policy.lockout
        return True
    return False


def clear(session: Session, key: str) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def forget_expired(session: Session, policy: Policy, now: datetime) -> None:
    """Drop counts that can no longer lock anything, so the table stays small."""
    stale = now - max(policy.window, policy.lockout)
    session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.window_start < stale,
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
        )
    )
