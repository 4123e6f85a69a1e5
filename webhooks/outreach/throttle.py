"""Login throttling: failures make an account name wait, longer after each further failure.

Counts live in the database (``LoginThrottle``) so every worker sees the same ones. Keys are
HMACs of what was typed and where it came from, never the text itself.

- An **account name** that has failed ``max_failures`` times must wait ``FIRST_WAIT`` before its
  next try, and each further failure doubles the wait, up to ``lockout``. While it waits even the
  right password is refused, unchecked; the answer is the same whether or not the account
  exists, so it reveals nothing about which e-mail addresses have accounts.
- A **client address** is never refused outright: behind a reverse proxy every member of staff
  has the proxy's address, and one person's guesses must not lock out the rest. Once it has
  ``max_failures_per_address`` failures, though, it is *busy*: every wrong password from it makes
  the account tried wait at once. A guesser there gets one try per account and back-off step
  instead of ``max_failures``, while a colleague with the right password still gets in.

- A **known device** (``webhooks/outreach/devices.py``: a browser where the account has logged
  in before) is not refused while its account waits: its password is checked after a delay. It
  has failures of its own, with the account's limit and back-off, so a copied device cookie
  gives a guesser nothing.

Failures are forgotten after a quiet ``window``: from the first failure while a key is below its
limit, from the end of its last wait once it has reached it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.staff import LoginThrottle

#: The wait once a key reaches its limit; each further failure doubles it, up to the lockout.
FIRST_WAIT = timedelta(minutes=1)
#: Doublings beyond this change nothing (any lockout is shorter) and would overflow a timedelta.
MAX_DOUBLINGS = 30


@dataclass(frozen=True, slots=True)
class Policy:
    #: Failures of one account name after which it must wait before each try.
    max_failures: int = 5
    #: Failures from one client address after which each wrong password from it makes the
    #: account tried wait at once.
    max_failures_per_address: int = 20
    window: timedelta = timedelta(minutes=15)
    #: The longest wait.
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

    def wait(self, beyond: int) -> timedelta:
        """The wait after a failure ``beyond`` failures past the limit (0: the one reaching it)."""
        return min(self.lockout, FIRST_WAIT * 2 ** min(max(beyond, 0), MAX_DOUBLINGS))


def keys(secret: str, email: str, address: str) -> tuple[str, str]:
    """The throttle keys of an account name and of a client address."""

    def digest(kind: str, value: str) -> str:
        message = f"login-throttle:{kind}:{value}".encode()
        return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()

    return digest("account", email.strip().casefold()), digest("address", address)


def device_key(secret: str, device: str) -> str:
    """The throttle key of a known device (its random id, from the signed cookie)."""
    message = f"login-throttle:device:{device}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _forgotten(row: LoginThrottle, policy: Policy, now: datetime) -> bool:
    if row.locked_until is None:
        return row.window_start <= now - policy.window
    return row.locked_until <= now - policy.window


def counting(
    session: Session, key: str, policy: Policy, now: datetime, lock: bool = False
) -> LoginThrottle | None:
    """The key's row while its failures still count. ``lock`` holds the row until the end of
    the transaction (PostgreSQL), so that parallel tries of one account take turns rather than
    all slipping through the moment a wait ends."""
    row = session.get(LoginThrottle, key, with_for_update=True if lock else None)
    return None if row is None or _forgotten(row, policy, now) else row


def waiting_until(row: LoginThrottle | None, now: datetime) -> datetime | None:
    """The end of the key's wait, if it is waiting now."""
    if row is not None and row.locked_until is not None and row.locked_until > now:
        return row.locked_until
    return None


def record_failure(
    session: Session, key: str, limit: int, policy: Policy, now: datetime, at_least: int = 0
) -> datetime | None:
    """Count one failure (and at least ``at_least`` in all); the end of the wait it starts."""
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
    if _forgotten(row, policy, now):
        row.failures, row.window_start, row.locked_until = 0, now, None
    row.failures = max(row.failures + 1, at_least)
    if row.failures < limit:
        return None
    row.locked_until = now + policy.wait(row.failures - limit)
    return row.locked_until


def clear(session: Session, key: str) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def forget_expired(session: Session, policy: Policy, now: datetime) -> None:
    """Drop counts that are forgotten anyway, so the table stays small."""
    stale = now - policy.window
    session.execute(
        delete(LoginThrottle).where(
            or_(
                and_(LoginThrottle.locked_until.is_(None), LoginThrottle.window_start <= stale),
                LoginThrottle.locked_until <= stale,
            )
        )
    )
