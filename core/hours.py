"""Opening hours in a structured form: a subset of OpenStreetMap's ``opening_hours`` syntax.

Accepted: ``24/7``; or rules separated by ``;``, each ``DAYS TIMES`` or ``DAYS off``, where DAYS is
a list of days or day ranges (``Mo-Fr``, ``Mo,We,Fr``, ``Sa``), and may hold ``PH`` (public
holidays: ``PH off``, ``PH 08:00-12:00``, ``Su,PH off``), and TIMES is a list of
``HH:MM-HH:MM`` ranges (``07:00-11:00,14:00-17:00``). Examples: ``Mo-Fr 08:00-17:00; Sa
08:00-12:00``, ``Mo-Fr 08:00-17:00; PH off``. The weekly rules map to Open Referral HSDS
``schedules`` on export (a ``PH`` rule has no weekly schedule: it stays in the text).

Public holidays. Many services close on Cambodia's public holidays (Khmer New Year, Pchum Ben,
the Water Festival...), and a texter who walks there for nothing may not come back. On a public
holiday:

- a ``PH`` rule decides (wherever it stands among the rules; canonical text puts rules that
  name only ``PH`` last, where OSM, which lets later rules win, reads them the same way);
- without one, a service open every day of the week (``Mo-Su ...`` or ``24/7``) keeps its
  usual hours: methadone dosing usually goes on through holidays;
- any other service counts as closed that day.

Which days are holidays is not known here: the caller passes a lookup (``HolidayLookup``, a
date to the holiday's name or None; ``bot.holiday.lookup`` for Cambodia), so this module stays
free of calendars and of the wall clock. Times are judged at a concrete local date and time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.catalogs import N_

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
#: OSM's day selector for public holidays.
PUBLIC_HOLIDAY = "PH"
#: RFC 5545 BYDAY codes, as HSDS schedules use them.
ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_TIME = r"(?:[01]\d|2[0-4]):[0-5]\d"
_RANGE = re.compile(rf"^({_TIME})-({_TIME})$")
_DAY_TOKEN = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)(?:-(Mo|Tu|We|Th|Fr|Sa|Su))?$")
#: How far ahead to look for the next opening: two weeks covers a weekly service whose one day
#: falls on a holiday, and a three-day holiday beside a weekend.
LOOKAHEAD_DAYS = 15

Ranges = tuple[tuple[str, str], ...]
#: A local date to the name of the public holiday on it, or None: the caller's calendar.
HolidayLookup = Callable[[date], str | None]


def no_holidays(day: date) -> str | None:
    """A calendar without public holidays (hours judged by the week alone)."""
    return None


class HoursError(ValueError):
    """What is wrong with opening hours: a msgid and its values, so that a page can show it in
    its own language (``str`` gives the English text, as before)."""

    def __init__(self, msgid: str, **values: str) -> None:
        super().__init__(msgid % values)
        self.msgid, self.values = msgid, values


@dataclass(frozen=True, slots=True)
class Rule:
    days: tuple[int, ...]  # indexes into DAYS, in week order
    times: Ranges  # empty: closed ("off")
    #: The rule holds on public holidays too (``PH`` among its days; alone when ``days`` is empty).
    holidays: bool = False


@dataclass(frozen=True, slots=True)
class OpeningHours:
    rules: tuple[Rule, ...]
    always: bool = False

    def __str__(self) -> str:
        if self.always:
            return "24/7"
        return "; ".join(
            f"{_rule_days(r, DAYS, PUBLIC_HOLIDAY)} "
            + (",".join(f"{a}-{b}" for a, b in r.times) if r.times else "off")
            for r in self.rules
        )

    @property
    def weekly_rules(self) -> tuple[Rule, ...]:
        """The rules that name days of the week (what a weekly HSDS schedule can say)."""
        return tuple(r for r in self.rules if r.days)


def parse(text: str) -> OpeningHours:
    """Parse the accepted subset; raise ``HoursError`` saying what is wrong."""
    text = " ".join(text.split())
    if not text:
        raise HoursError(N_("opening hours are empty"))
    if text == "24/7":
        return OpeningHours((), always=True)
    rules = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        days_text, _, times_text = part.partition(" ")
        days, holidays = _parse_days(days_text)
        times_text = times_text.strip()
        if times_text == "off":
            times: Ranges = ()
        else:
            times = tuple(_parse_range(t) for t in times_text.split(",") if t)
            if not times:
                raise HoursError(N_("%(part)s: give times like 08:00-17:00, or 'off'"),
                                 part=repr(part))
        rules.append(Rule(days, times, holidays))
    if not rules:
        raise HoursError(N_("opening hours are empty"))
    # Rules of public holidays alone go last: the same meaning here, and in OSM's reading.
    rules.sort(key=lambda rule: not rule.days)
    return OpeningHours(tuple(rules))


def _parse_days(text: str) -> tuple[tuple[int, ...], bool]:
    found: list[int] = []
    holidays = False
    for token in text.split(","):
        if token == PUBLIC_HOLIDAY:
            holidays = True
            continue
        match = _DAY_TOKEN.match(token)
        if not match:
            raise HoursError(N_(
                "%(part)s: days are Mo Tu We Th Fr Sa Su, ranges like Mo-Fr, "
                "and PH for public holidays"), part=repr(text))
        first = DAYS.index(match.group(1))
        last = DAYS.index(match.group(2)) if match.group(2) else first
        if last < first:
            raise HoursError(N_("%(part)s: a day range must run forward (Mo-Fr)"),
                             part=repr(token))
        found.extend(range(first, last + 1))
    return tuple(sorted(set(found))), holidays


def _parse_range(text: str) -> tuple[str, str]:
    match = _RANGE.match(text.strip())
    if not match or match.group(1) >= match.group(2):
        raise HoursError(N_("%(part)s: times are HH:MM-HH:MM, opening before closing"),
                         part=repr(text))
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


def _rule_days(rule: Rule, names: tuple[str, ...], holidays: str, comma: str = ",") -> str:
    """A rule's days, with the public-holiday word last when the rule names them."""
    days = _days_text(rule.days, names)
    if not rule.holidays:
        return days
    return f"{days}{comma}{holidays}" if days else holidays


def describe(
    hours: OpeningHours,
    day_names: tuple[str, ...],
    always: str,
    closed: str,
    digits: Callable[[str], str] = str,
    holidays: str = PUBLIC_HOLIDAY,
) -> str:
    """Human text in the reader's language: day names, ``always``/``closed`` words, the words
    for public holidays and digit conversion come from the caller (the gettext layer)."""
    if hours.always:
        return always
    parts = []
    for rule in hours.rules:
        days = _rule_days(rule, day_names, holidays, comma=", ")
        if rule.times:
            parts.append(f"{days} {digits(times_text(rule.times))}")
        else:
            parts.append(f"{days} {closed}")
    return "; ".join(parts)


def times_text(ranges: Ranges) -> str:
    """"8:00-12:00, 14:00-17:00", as people write it (Latin digits: the caller converts)."""
    return ", ".join(f"{_short(a)}-{_short(b)}" for a, b in ranges)


def _short(time: str) -> str:
    hour, minute = time.split(":")
    return f"{int(hour)}:{minute}"


# --- one day, and public holidays -----------------------------------------------------------------

ALL_DAY: Ranges = (("00:00", "24:00"),)


@dataclass(frozen=True, slots=True)
class Day:
    """One date's opening: ``ranges`` (empty: closed), and the public holiday's name when the
    holiday decided them that day (closed the service, or changed its hours)."""

    day: date
    ranges: Ranges
    holiday: str | None = None


def holiday_hours(hours: OpeningHours) -> Ranges | None:
    """The hours on any public holiday: a ``PH`` rule's (``()``: closed); None when the usual
    hours of the weekday hold (no ``PH`` rule, and open every day of the week); else closed."""
    for rule in reversed(hours.rules):
        if rule.holidays:
            return rule.times
    if hours.always or all(_ranges(hours, weekday) for weekday in range(7)):
        return None
    return ()


def on_day(hours: OpeningHours, day: date, holiday: HolidayLookup = no_holidays) -> Day:
    """The opening of ``day``, by the module's holiday policy (see the docstring)."""
    usual = ALL_DAY if hours.always else tuple(sorted(_ranges(hours, day.weekday())))
    name = holiday(day)
    if name is None:
        return Day(day, usual)
    decided = holiday_hours(hours)
    if decided is None:
        return Day(day, usual)
    decided = tuple(sorted(decided))
    return Day(day, decided, name if decided != usual else None)


# --- open now? ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Moment:
    """When to judge opening hours: a local date and time in Cambodia (its zone, or naive
    local time), and the public holidays that close services (none by default)."""

    at: datetime
    holiday: HolidayLookup = no_holidays


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
    #: Today's public holiday, when it closed the service today or changed its hours.
    holiday: str | None = None
    #: The holiday closed it all day (``holiday`` is set): "closed today: Khmer New Year".
    holiday_closed: bool = False


def status(
    hours: OpeningHours | None, at: datetime, holiday: HolidayLookup = no_holidays
) -> Status:
    """The status at ``at``, a local date and time in Cambodia (its zone, or naive local time),
    with public holidays from ``holiday``; the next opening skips holidays that close it."""
    if hours is None:
        return Status(None)
    if hours.always:
        return Status(True, wait_minutes=0)
    now = at.hour * 60 + at.minute
    today = on_day(hours, at.date(), holiday)
    name, closed = today.holiday, bool(today.holiday) and not today.ranges
    for ahead in range(LOOKAHEAD_DAYS):
        day = today if ahead == 0 else on_day(hours, today.day + timedelta(days=ahead), holiday)
        for start, end in day.ranges:
            if ahead == 0 and _minutes(start) <= now < _minutes(end):
                closes = None if end == "24:00" and _open_at_midnight(hours, day, holiday) else end
                return Status(True, wait_minutes=0, closes_at=closes, holiday=name)
            if ahead > 0 or _minutes(start) > now:
                wait = ahead * 24 * 60 + _minutes(start) - now
                return Status(False, ahead, start, wait, day.day.weekday(), holiday=name,
                              holiday_closed=closed)
    return Status(False, holiday=name, holiday_closed=closed)


def _open_at_midnight(hours: OpeningHours, day: Day, holiday: HolidayLookup) -> bool:
    """Whether a range closing at 24:00 runs on into the next day (no closing time to say)."""
    following = on_day(hours, day.day + timedelta(days=1), holiday)
    return any(start == "00:00" for start, _ in following.ranges)


def _ranges(hours: OpeningHours, weekday: int) -> list[tuple[str, str]]:
    """The weekday's usual ranges: the last rule naming the day decides it (as in OSM)."""
    found: list[tuple[str, str]] = []
    for rule in hours.rules:
        if weekday in rule.days:
            found = list(rule.times)
    return found


def _minutes(time: str) -> int:
    hour, minute = time.split(":")
    return int(hour) * 60 + int(minute)


def short_time(time: str) -> str:
    """"08:00" -> "8:00", as people write it."""
    return _short(time)
