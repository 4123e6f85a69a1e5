"""Abuse limits: a flood from one sender gets one polite notice, then silence; a conversation
gets a bounded number of replies; each worker answers a bounded number of messages a minute.

Nothing here sends anything on its own: Sangkhim only ever replies to a message it received,
so it cannot be used to pump SMS to numbers that did not write (no amplification), and a limited
message is answered with nothing at all. Per-sender counters live in the sender's conversation
row (keyed by pseudonym, deleted with it); the global limit is a token bucket in each worker's
memory, so it needs no shared row that every request would queue on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.types import Pace


@dataclass(frozen=True, slots=True)
class Limits:
    #: Messages one sender may send within ``window`` before the notice.
    burst: int = 30
    window: timedelta = timedelta(minutes=5)
    #: Replies one conversation may receive in its lifetime (it expires after STATE_TTL_HOURS).
    conversation_replies: int = 200
    #: Messages each worker answers per minute; beyond it, silence until tokens refill.
    worker_per_minute: int = 1200


@dataclass
class Counters:
    """The per-sender fields of a conversation row."""

    burst_start: datetime | None = None
    burst_count: int = 0
    limited: bool = False
    replies: int = 0


def judge_sender(counters: Counters, now: datetime, limits: Limits) -> Pace:
    """Count this message against the sender's window and lifetime; update ``counters``. What
    a message over the limits gets is the engine's to decide (``bot/pacing.py``)."""
    if counters.burst_start is None or now - counters.burst_start >= limits.window:
        counters.burst_start, counters.burst_count, counters.limited = now, 0, False
    counters.burst_count += 1
    over = counters.burst_count > limits.burst or counters.replies >= limits.conversation_replies
    if not over:
        counters.replies += 1
        return Pace.ANSWER
    if counters.limited:
        return Pace.SILENT
    counters.limited = True
    return Pace.NOTIFY


class TokenBucket:
    """A worker-wide limit: ``rate`` tokens a minute, bursts up to one minute's worth."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.tokens = float(per_minute)
        self.clock = clock
        self.updated = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = self.clock()
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False
