"""Opening hours in a structured form: a subset of OpenStreetMap's ``opening_hours`` syntax.

Accepted: ``24/7``; or rules separated by ``;``, each ``DAYS TIMES`` or ``DAYS off``, where DAYS is
a list of days or day ranges (``Mo-Fr``, ``Mo,We,Fr``, ``Sa``) and TIMES is a list of
``HH:MM-HH:MM`` ranges (``07:00-11:00,14:00-17:00``). Examples: ``Mo-Fr 08:00-17:00; Sa 08:00-12:00``.
The same structure maps to Open Referral HSDS ``schedules`` on export.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
#: RFC 5545 BYDAY codes, as HSDS schedules use them.
ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_TIME = r"(?:[01]\d|2[0-4]):[0-5]\d"
_RANGE = re.compile(rf"^({_TIME})-({_TIME})$")
_DAY_TOKEN = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)(?:-(Mo|Tu|We|Th|Fr|Sa|Su))?$")


class HoursError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Rule:
    days: tuple[int, ...]  # indexes into DAYS, in week order
    times: tuple[tuple[str, str], ...]  # empty: closed ("off")


@dataclass(frozen=True, slots=True)
class OpeningHours:
    rules: tuple[Rule, ...]
    always: bool = False

    def __str__(self) -> str:
        if self.always:
            return "24/7"
        return "; ".join(
            f"{_days_text(r.days, DAYS)} "
            + (",".join(f"{a}-{b}" for a, b in r.times) if r.times else "off")
            for r in self.rules
        )


def parse(text: str) -> OpeningHours:
    """Parse the accepted subset; raise ``HoursError`` saying what is wrong."""
    text = " ".join(text.split())
    if not text:
        raise HoursError("opening hours are empty")
    if text == "24/7":
        return OpeningHours((), always=True)
    rules = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        days_text, _, times_text = part.partition(" ")
        days = _parse_days(days_text)
        times_text = times_text.strip()
        if times_text == "off":
            times: tuple[tuple[str, str], ...] = ()
        else:
            times = tuple(_parse_range(t) for t in times_text.split(",") if t)
            if not times:
                raise HoursError(f"{part!r}: give times like 08:00-17:00, or 'off'")
        rules.append(Rule(days, times))
    if not rules:
        raise HoursError("opening hours are empty")
    return OpeningHours(tuple(rules))


def _parse_days(text: str) -> tuple[int, ...]:
    found: list[int] = []
    for token in text.split(","):
        match = _DAY_TOKEN.match(token)
        if not match:
            raise HoursError(f"{text!r}: days are Mo Tu We Th Fr Sa Su, ranges like Mo-Fr")
        first = DAYS.index(match.group(1))
        last = DAYS.index(match.group(2)) if match.group(2) else first
        if last < first:
            raise HoursError(f"{token!r}: a day range must run forward (Mo-Fr)")
        found.extend(range(first, last + 1))
    return tuple(sorted(set(found)))


def _parse_range(text: str) -> tuple[str, str]:
    match = _RANGE.match(text.strip())
    if not match or match.group(1) >= match.group(2):
        raise HoursError(f"{text!r}: times are HH:MM-HH:MM, opening before closing")
    return match.group(1), match.group(2)


def _days_text(days: tuple[int, ...], names: tuple[str, ...], dash: str = "-") -> str:
    """Runs of consecutive days as ranges: (0,1,2,3,4) -> 'Mo-Fr'; (0,2) -> 'Mo,We'."""
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(
        names[r[0]] if len(r) == 1 else f"{names[r[0]]}{dash}{names[r[-1]]}" for r in runs
    )


def describe(
    hours: OpeningHours,
    day_names: tuple[str, ...],
    always: str,
    closed: str,
    digits: Callable[[str], str] = str,
) -> str:
    """Human text in the reader's language: day names, ``always``/``closed`` words and digit
    conversion come from the caller (the gettext layer)."""
    if hours.always:
        return always
    parts = []
    for rule in hours.rules:
        days = _days_text(rule.days, day_names)
        if rule.times:
            times = ", ".join(f"{_short(a)}-{_short(b)}" for a, b in rule.times)
            parts.append(f"{days} {digits(times)}")
        else:
            parts.append(f"{days} {closed}")
    return "; ".join(parts)


def _short(time: str) -> str:
    hour, minute = time.split(":")
    return f"{int(hour)}:{minute}"


# --- open now? ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Status:
    """Whether a service is open at a moment, and if not when it next opens.

    ``open_now`` is None when the hours are unknown. ``opens_day`` counts days ahead (0: later
    today, 1: tomorrow...), ``opens_at`` is "HH:MM"; both None when it never opens."""

    open_now: bool | None
    opens_day: int | None = None
    opens_at: str | None = None
    #: Minutes until it opens (0 when open now); None when unknown or never.
    wait_minutes: int | None = None
    #: The weekday it next opens (0 = Monday), when it is closed now.
    opens_weekday: int | None = None
    #: "HH:MM" when it closes, when it is open now (None when open all day and night).
    closes_at: str | None = None


def status(hours: OpeningHours | None, weekday: int, time: str) -> Status:
    """The status at local ``weekday`` (0 = Monday) and ``time`` ("HH:MM")."""
    if hours is None:
        return Status(None)
    if hours.always:
        return Status(True, wait_minutes=0)
    now = _minutes(time)
    for ahead in range(8):
        day = (weekday + ahead) % 7
        for start, end in sorted(_ranges(hours, day)):
            if ahead == 0 and _minutes(start) <= now < _minutes(end):
                closes = None if end == "24:00" and _open_at_midnight(hours, day) else end
                return Status(True, wait_minutes=0, closes_at=closes)
            if ahead > 0 or _minutes(start) > now:
                wait = ahead * 24 * 60 + _minutes(start) - now
                return Status(False, ahead, start, wait, day)
    return Status(False)


def _open_at_midnight(hours: OpeningHours, day: int) -> bool:
    """Whether a range closing at 24:00 runs on into the next day (no closing time to say)."""
    return any(start == "00:00" for start, _ in _ranges(hours, (day + 1) % 7))


def _ranges(hours: OpeningHours, day: int) -> list[tuple[str, str]]:
    """The day's opening ranges: the last rule naming a day decides it (as in OSM)."""
    found: list[tuple[str, str]] = []
    for rule in hours.rules:
        if day in rule.days:
            found = list(rule.times)
    return found


def _minutes(time: str) -> int:
    hour, minute = time.split(":")
    return int(hour) * 60 + int(minute)


def short_time(time: str) -> str:
    """"08:00" -> "8:00", as people write it."""
    return _short(time)
