"""The app's one clock: the instant a texter's message, a dashboard page or a command is
handled at.

Code that serves a request asks ``now()`` (or ``cambodia_today()``) instead of the wall clock,
so that a test can set the instant the whole app lives at with ``pin(app, instant)``: the
opening status of a service, the day a demand event is dated, whether a chat has expired all
follow from it, and a test that checks them then gives the same answer at any hour of the day
(README, "Try it": the tests pass at any hour). Unpinned, which is always so outside the tests, it is the wall
clock in UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from flask import Flask, current_app, has_app_context

from core.vocabulary import CAMBODIA

__all__ = ["EXTENSION", "Pinned", "cambodia_today", "now", "pin"]

#: Where a pinned clock is kept, in ``app.extensions``.
EXTENSION = "sangkhim.timesource"


class Pinned:
    """A clock that shows one instant and moves only when told to (``advance``, ``set``), so
    that a test's requests all happen when the test says, however long they take."""

    def __init__(self, instant: datetime) -> None:
        self.instant = _aware(instant)

    def __call__(self) -> datetime:
        return self.instant

    def set(self, instant: datetime) -> None:
        self.instant = _aware(instant)

    def advance(self, delta: timedelta) -> datetime:
        self.instant += delta
        return self.instant


def pin(app: Flask, at: datetime | Pinned) -> Pinned:
    """Pin ``app``'s clock at an instant (timezone-aware), or to a clock that several apps
    share, and return the clock, to move it."""
    clock = at if isinstance(at, Pinned) else Pinned(at)
    app.extensions[EXTENSION] = clock
    return clock


def now() -> datetime:
    """The current instant, in UTC: the pinned clock of the current app if it has one, the
    wall clock otherwise (and outside an app context)."""
    if has_app_context():
        clock: Callable[[], datetime] | None = current_app.extensions.get(EXTENSION)
        if clock is not None:
            return clock().astimezone(UTC)
    return datetime.now(UTC)


def cambodia_today() -> date:
    """Today on Cambodia's calendar (demand events are dated in it) at ``now()``."""
    return now().astimezone(CAMBODIA).date()


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("a pinned instant needs its time zone (UTC or Cambodia's)")
    return instant.astimezone(UTC)
