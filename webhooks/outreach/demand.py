"""What the demand pages show: a thin adapter over ``models.stats`` (the numbers the exports
publish), so a page and an export never show one count two ways.

Numbers come from protected cubes (``models.suppression``), one per whole, *ended* week or month:
counts below k read ``<k`` and ``x`` marks a count withheld so that a small one cannot be worked
out by subtraction. A date range therefore selects whole ended periods; the page charts one
number per period and breaks down one period at a time, exactly as ``flask demand export``
writes them. Channel and language, which the place cube has no dimension for, come from a
second protected cube over the whole country and every service, built by the same rule.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.geo import default_points
from models import stats
from models.base import reading
from models.demand_tables import PublishedDemandEvent
from models.directory_history import services_as_of
from models.suppression import Cube, Shown
from webhooks import timesource
from webhooks.database import get_db

ALL = stats.ALL
SERVICE_TYPES = stats.SERVICE_TYPES
CHANNELS = stats.CHANNELS
LOCALES = stats.LOCALES
#: How many periods a page covers when no start date is given.
DEFAULT_SPAN = {"week": 12, "month": 12}
#: The most periods one page charts (the latest ones of a longer range).
MAX_SPAN = {"week": 26, "month": 24}
#: Published periods never change (events are dated when they happen, none is ever deleted,
#: and a period is published once all its events are: ``periods``): their protected tables are
#: built once and stored (``models.protected_tables``, by the clock or the first reader), and
#: each worker keeps those it read for hours; a new worker warms the latest ones as it starts
#: (``warm``).
CACHE_SECONDS = 6 * 3600
CACHE_SIZE = 128

Display = int | str


@dataclass(frozen=True, slots=True)
class Filters:
    by: str = "week"
    start: date | None = None
    end: date | None = None
    service_type: str | None = None
    province_code: str | None = None
    district_code: str | None = None
    #: The label of the period broken down ("2026-W47", "2026-11"); default the latest.
    period: str | None = None
    #: The unmet ranking by "district" or by whole "province".
    level: str = "district"

    @property
    def place(self) -> str:
        """The cube's place value for these filters."""
        return self.district_code or self.province_code or ALL

    @property
    def service(self) -> str:
        return self.service_type or ALL

    def as_query(self, **changes: Any) -> dict[str, str]:
        """The filters as URL query arguments (CSV link, period links of the same view)."""
        values = {
            "start": self.start.isoformat() if self.start else "",
            "end": self.end.isoformat() if self.end else "",
            "service_type": self.service_type or "",
            "province": self.province_code or "",
            "district": self.district_code or "",
            "period": self.period or "",
            "level": self.level if self.level != "district" else "",
        }
        values.update({k: str(v) for k, v in changes.items()})
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True, slots=True)
class Cell:
    key: str
    shown: Display
    #: Orders by what is shown only (exact counts, then ``x``, then ``<k``).
    order: tuple[int, int] = (2, 0)


@dataclass(frozen=True, slots=True)
class Point:
    period: stats.Period
    requests: Display
    unmet: Display


@dataclass
class Breakdown:
    period: stats.Period
    requests: Display
    tables: dict[str, list[Cell]] = field(default_factory=dict)


def published_period() -> str:
    """The deployment's one granularity (``DEMAND_PERIOD``). The pages offer no other and
    ignore ``?by=``: a run of whole months can equal a run of whole weeks, and subtracting the
    weeks shown from the months would give a hidden small count away."""
    return str(current_app.config["DEMAND_PERIOD"])


def periods(filters: Filters, now: date | None = None) -> list[stats.Period]:
    """The whole, ended periods the filters' date range overlaps (default: the latest few,
    or the few up to the period asked for), each only once all its events are published (the
    hourly purge publishes the last hour's: ``stats.publishable_before``), so that a cached
    cube never misses one."""
    return view_plan(filters, now).periods


def view_plan(filters: Filters, now: date | None = None) -> Plan:
    """``plan`` for today and the database's publishing point."""
    now = now or timesource.cambodia_today()
    with reading(get_db().engine) as connection:
        ready = stats.publishable_before(connection, now)
    return plan(filters, now, ready)


# --- periods: which ones a view shows, and why (pure: ``now`` and ``ready`` are passed in) ----
_WEEK_LABEL = re.compile(r"(\d{4})-W(\d{2})")
_MONTH_LABEL = re.compile(r"(\d{4})-(\d{2})")
#: Labels before this year are not periods of this service (and would overflow date sums).
FIRST_YEAR = 2000


@dataclass(frozen=True, slots=True)
class Notice:
    """Something a view shows other than what was asked, said on the page (never silently).

    ``kind``: ``unknown`` (not a period label), ``other_granularity`` (a month asked of a
    weekly deployment or the reverse), ``future`` (not ended), ``unpublished`` (ended, its last
    events not published yet), ``outside`` (the period asked for lies outside the dates: the
    breakdown shows it, the chart the dates), ``widened_start`` / ``widened_end`` (a date
    inside a period: the whole period counted), ``unpublished_range`` (the dates reach into
    periods not published: left out), ``cut`` (more periods than ``MAX_SPAN``: the latest)."""

    kind: str
    #: What was asked: a period label, or the date.
    asked: str = ""
    #: The period shown instead, or the one a date was widened to.
    shown: stats.Period | None = None
    #: The first and last periods charted, for range notices.
    first: stats.Period | None = None
    last: stats.Period | None = None
    count: int = 0
    limit: int = 0


@dataclass(frozen=True, slots=True)
class Plan:
    #: The periods the chart covers (at most ``MAX_SPAN``).
    periods: list[stats.Period]
    #: The period broken down (may lie outside ``periods`` if asked for by label).
    chosen: stats.Period | None
    #: The period before ``chosen``, compared with it.
    previous: stats.Period | None
    notices: list[Notice] = field(default_factory=list)
    #: The latest published period (None before any has ended).
    latest: stats.Period | None = None


def parse_period(label: str, by: str) -> stats.Period | None:
    """The period a label ("2026-W20", "2026-05") names, in the granularity ``by``; None for
    anything else (a week that year does not have, a 13th month, another granularity)."""
    pattern = _WEEK_LABEL if by == "week" else _MONTH_LABEL
    found = pattern.fullmatch(label.strip())
    if found is None:
        return None
    year, number = int(found.group(1)), int(found.group(2))
    if year < FIRST_YEAR:
        return None
    try:
        day = date.fromisocalendar(year, number, 1) if by == "week" else date(year, number, 1)
    except ValueError:
        return None
    return stats.period_of(day, by)


def latest_published(ready: date, by: str) -> stats.Period:
    """The last period whose every day is before ``ready`` (published)."""
    latest = stats.period_of(ready - timedelta(days=1), by)
    if latest.end >= ready:
        latest = stats.period_of(latest.start - timedelta(days=1), by)
    return latest


def step(period: stats.Period, count: int) -> stats.Period:
    """The period ``count`` periods before (negative) or after (positive) ``period``."""
    for _ in range(abs(count)):
        day = period.start - timedelta(days=1) if count < 0 else period.end + timedelta(days=1)
        period = stats.period_of(day, period.by)
    return period


def plan(filters: Filters, now: date, ready: date) -> Plan:
    """Which periods a view charts and breaks down, and a notice for everything shown other
    than asked. ``now`` is today in Cambodia; ``ready`` the day before which every event is
    published (``stats.publishable_before``, at most ``now``)."""
    by = filters.by
    ready = min(ready, now)
    latest = latest_published(ready, by)
    refused: Notice | None = None
    asked: stats.Period | None = None
    if filters.period:
        label = filters.period[:40]
        found = parse_period(label, by)
        other = "month" if by == "week" else "week"
        if found is None:
            kind = "other_granularity" if parse_period(label, other) else "unknown"
            refused = Notice(kind, asked=label)
        elif found.end >= now:
            refused = Notice("future", asked=label)
        elif found.end >= ready:
            refused = Notice("unpublished", asked=label)
        else:
            asked = found

    if filters.start is not None:
        start, end = filters.start, filters.end or now - timedelta(days=1)
    else:
        if filters.end is not None:  # the few periods up to the one holding the end date
            anchor = stats.period_of(min(filters.end, ready - timedelta(days=1)), by)
            if anchor.end >= ready:
                anchor = step(anchor, -1)
        else:
            anchor = asked or latest
        start, end = step(anchor, -(DEFAULT_SPAN[by] - 1)).start, anchor.end
    shown = stats.ended_periods(start, min(end, latest.end), by, ready) if start <= end else []

    notices: list[Notice] = []
    if len(shown) > MAX_SPAN[by]:
        notices.append(Notice("cut", count=len(shown), limit=MAX_SPAN[by],
                              first=shown[-MAX_SPAN[by]], last=shown[-1]))
        shown = shown[-MAX_SPAN[by]:]
    if filters.start is not None and shown:
        first = stats.period_of(filters.start, by)
        if first.start != filters.start and first == shown[0]:
            notices.append(Notice("widened_start", asked=filters.start.isoformat(), shown=first))
    if filters.end is not None and shown:
        last = stats.period_of(filters.end, by)
        if last.end != filters.end and last == shown[-1]:
            notices.append(Notice("widened_end", asked=filters.end.isoformat(), shown=last))
    if filters.end is not None and stats.period_of(filters.end, by).end > latest.end:
        notices.append(Notice("unpublished_range", asked=filters.end.isoformat(),
                              last=shown[-1] if shown else None))

    chosen = asked or (shown[-1] if shown else None)
    if refused is not None:
        notices.insert(0, replace(refused, shown=chosen))
    explicit = filters.start is not None or filters.end is not None
    if asked is not None and explicit and asked not in shown:
        notices.append(Notice("outside", asked=asked.label, shown=asked,
                              first=shown[0] if shown else None,
                              last=shown[-1] if shown else None))
    previous = step(chosen, -1) if chosen is not None else None
    return Plan(shown, chosen, previous, notices, latest)


def choices(latest: stats.Period | None, first_day: date | None, chosen: stats.Period | None,
            limit: int = 160) -> list[stats.Period]:
    """The periods a planner can pick, newest first: every published one from the first with
    any demand (at most ``limit`` back), and the one shown."""
    if latest is None:
        return []
    found = [latest]
    while len(found) < limit:
        before = step(found[-1], -1)
        if first_day is None or before.end < first_day:
            break
        found.append(before)
    if chosen is not None and chosen not in found:
        found.append(chosen)
    return sorted(found, reverse=True)


def first_demand_day(session: Session) -> date | None:
    """The day of the oldest demand event (none is ever deleted), for the period picker."""
    return session.scalar(select(func.min(PublishedDemandEvent.day)))


# --- cubes, cached per app --------------------------------------------------------------------
_lock = threading.Lock()


def _cached(kind: str, period: stats.Period, k: int, build: Any) -> Cube:
    cache: dict[tuple[str, stats.Period, int], tuple[float, Cube]] = current_app.extensions.setdefault(
        "outreach.cubes", {}
    )
    key = (kind, period, k)
    now = time.monotonic()
    with _lock:
        hit = cache.get(key)
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1]
    cube = build()
    with _lock:
        if len(cache) >= CACHE_SIZE:
            for old in sorted(cache, key=lambda c: cache[c][0])[: CACHE_SIZE // 4]:
                cache.pop(old, None)
        cache[key] = (now, cube)
    return cube


def _prefetch(session: Session, chosen: Sequence[stats.Period], k: int) -> None:
    """Load the stored tables of the periods not in this worker's cache in one query."""
    cache = current_app.extensions.setdefault("outreach.cubes", {})
    now = time.monotonic()
    with _lock:
        missing = [p for p in chosen if not ((hit := cache.get(("demand", p, k))) is not None
                                             and now - hit[0] < CACHE_SECONDS)]
    if len(missing) < 2:
        return
    found = stats.stored_demand_cubes(session, missing, k)
    with _lock:
        for period, cube in found.items():
            cache[("demand", period, k)] = (now, cube)


def demand_cube(session: Session, period: stats.Period, k: int) -> Cube:
    return _cached("demand", period, k,
                   lambda: stats.demand_cube(session, period, k, engine=get_db().engine))


def audience_cube(session: Session, period: stats.Period, k: int) -> Cube:
    """Service requests of one period by channel × language, for the whole country."""
    return _cached("audience", period, k,
                   lambda: stats.audience_cube(session, period, k, engine=get_db().engine))


def warm(app: Any) -> None:
    """Compile the dashboard's templates in the background, so that the first planner to open
    the dashboard does not wait for them. Its tables are not loaded ahead: each ended period's
    are stored protected (``models/protected_tables.py``), so a first view reads them in one
    query (``make bench``: a first request after a restart took 50 ms, 79 at worst), and a
    worker that only ever answers texters would hold them for nothing (about 10 MB of Python
    objects for the default view's twelve periods). Failures are logged and harmless: the pages
    compile what they need."""

    def run() -> None:
        try:
            with app.app_context():
                for name in app.jinja_env.list_templates(filter_func=_dashboard_template):
                    app.jinja_env.get_template(name)  # compiled (or loaded) before a page asks
        except Exception as error:  # a warm-up must never take a worker down
            app.logger.warning("dashboard warm-up skipped (%s)", type(error).__name__)

    threading.Thread(target=run, name="dashboard-warm-up", daemon=True).start()


def _dashboard_template(name: str) -> bool:
    return name.startswith("outreach/") and name.endswith(".html")


def forget_cached() -> None:
    current_app.extensions.pop("outreach.cubes", None)


# --- what the pages show -----------------------------------------------------------------------
def series(session: Session, chosen: Sequence[stats.Period], filters: Filters, k: int) -> list[Point]:
    """Requests and unmet requests per period, for the filters' place and service."""
    _prefetch(session, chosen, k)
    points = []
    for period in chosen:
        cube = demand_cube(session, period, k)
        points.append(Point(
            period,
            cube.display(filters.place, filters.service, ALL),
            cube.display(filters.place, filters.service, stats.UNMET),
        ))
    return points


def breakdown(session: Session, period: stats.Period, filters: Filters, k: int,
              keep_small: bool = False, audience: bool = True) -> Breakdown:
    """One period's requests by province, district, service type, outcome, channel, language.

    Places below k are left out of the lists unless ``keep_small`` (a previous period's
    figures, looked up by key for the comparison columns); ``audience=False`` skips the
    channel and language tables (their own cube)."""
    frame = stats.default_frame()
    cube = demand_cube(session, period, k)
    place, service = filters.place, filters.service

    def cells(keys: Sequence[str], key_of: Any, hide_small: bool = False) -> list[Cell]:
        rows = []
        for key in keys:
            node = key_of(key)
            shown = cube.display(*node)
            if hide_small and not keep_small and cube.shown(*node) is Shown.SMALL:
                continue
            rows.append(Cell(key, shown, cube.sort_value(*node)))
        return sorted(rows, key=lambda c: (-c.order[0], -c.order[1], c.key))

    tables: dict[str, list[Cell]] = {}
    types = [filters.service_type] if filters.service_type else SERVICE_TYPES
    tables["service_type"] = cells(types, lambda s: (place, s, ALL))
    outcomes = {}
    for total, parts in ((stats.REACHED, stats.REACHED_OUTCOMES),
                         (stats.UNMET, stats.UNMET_OUTCOMES)):
        shown_parts = [cube.display(place, service, o) for o in parts]
        outcomes[total] = derived(cube.display(place, service, total), shown_parts)
        outcomes.update(zip(parts, shown_parts))
    tables["outcome"] = [
        Cell(o, outcomes[o], _order(outcomes[o], cube.sort_value(place, service, o)))
        for o in (stats.REACHED, *stats.REACHED_OUTCOMES, stats.UNMET, *stats.UNMET_OUTCOMES)
    ]
    if filters.district_code is None:
        provinces = [filters.province_code] if filters.province_code else frame.places("province")
        if not filters.province_code:
            tables["province"] = cells(provinces, lambda p: (p, service, ALL), hide_small=True)
        districts = [
            d for d in frame.places("district")
            if d != stats.UNKNOWN_PLACE and (not filters.province_code or d[:2] == filters.province_code)
        ]
        tables["district"] = cells(districts, lambda d: (d, service, ALL), hide_small=True)
    if audience and place == ALL and service == ALL:
        people = audience_cube(session, period, k)
        if people.shown(ALL, ALL) is cube.shown(ALL, ALL, ALL):
            tables["channel"] = _flat(people, CHANNELS, lambda c: (c, ALL))
            tables["locale"] = _flat(people, LOCALES, lambda loc: (ALL, loc))
    return Breakdown(period, cube.display(place, service, ALL), tables)


def change(now: Display, before: Display) -> int | None:
    """``now - before`` when both are exact counts; None otherwise. Never from ``<k`` or
    ``x``: the difference with a hidden count, next to the other count, would give it away."""
    if type(now) is int and type(before) is int:
        return now - before
    return None


def scales(session: Session, chosen: Sequence[stats.Period], filters: Filters,
           k: int) -> dict[str, int]:
    """One bar scale per breakdown table for every period of a view: the largest exact count
    the table shows in any of them, so that a bar's length means the same count whichever
    period is shown. Channel and language (a cube of their own, built only for the period
    shown) are scaled to the largest national total instead, which bounds them."""
    found: dict[str, int] = {}
    largest_total = 0
    for period in chosen:
        detail = breakdown(session, period, filters, k, audience=False)
        total = demand_cube(session, period, k).display(ALL, ALL, ALL)
        largest_total = max(largest_total, total if type(total) is int else 0)
        for name, rows in detail.tables.items():
            exact = [c.shown for c in rows if type(c.shown) is int]
            found[name] = max([found.get(name, 0), *exact])
    found["channel"] = found["locale"] = largest_total
    return found


@dataclass(frozen=True, slots=True)
class Headline:
    """The numbers a planner reads first, for one period and the filters, and the previous
    period's beside them."""

    requests: Display
    unmet: Display
    #: Unmet as a share of requests (0..1), when both are shown exactly.
    unmet_share: float | None
    #: Requests minus the previous period's, when both are shown exactly.
    change: int | None
    previous: stats.Period | None
    previous_requests: Display = ""
    previous_unmet: Display = ""
    #: Unmet minus the previous period's, when both are shown exactly.
    unmet_change: int | None = None


def unmet_of(detail: Breakdown) -> Display:
    """The not-met total a breakdown shows (derived from its parts where they give it)."""
    return next((c.shown for c in detail.tables.get("outcome", []) if c.key == stats.UNMET), "")


def headline(detail: Breakdown, before: Breakdown | None = None) -> Headline:
    requests, unmet = detail.requests, unmet_of(detail)
    share = None
    if type(requests) is int and type(unmet) is int and requests > 0:
        share = unmet / requests
    if before is None:
        return Headline(requests, unmet, share, None, None)
    previous_unmet = unmet_of(before)
    return Headline(requests, unmet, share, change(requests, before.requests), before.period,
                    before.requests, previous_unmet, change(unmet, previous_unmet))


def derived(total: Display, parts: Sequence[Display]) -> Display:
    """A withheld total whose parts are all shown exactly is their sum: anyone can add them
    up, so hiding it protects nothing and only hides the headline."""
    if not isinstance(total, int) and parts and all(isinstance(p, int) for p in parts):
        return sum(int(p) for p in parts)
    return total


def _order(shown: Display, order: tuple[int, int]) -> tuple[int, int]:
    return (2, shown) if isinstance(shown, int) else order


def _flat(cube: Cube, keys: Sequence[str], node: Any) -> list[Cell]:
    rows = [Cell(key, cube.display(*node(key)), cube.sort_value(*node(key))) for key in keys]
    return sorted(rows, key=lambda c: (-c.order[0], -c.order[1], c.key))


def unmet(session: Session, period: stats.Period, filters: Filters, k: int) -> stats.UnmetReport:
    """The statistics module's ranking for one period, narrowed to the filters' place and
    service (a filter only leaves rows out; it changes no number)."""
    # the directory as it was when the period ended (as it is now, for a period not ended)
    services = services_as_of(session, period.end,
                              include_sample=not current_app.config["PRODUCTION"])
    report = _cached_report(session, period, k, services, filters.level)
    rows = [
        row for row in report.rows
        if (not filters.service_type or row.service_type == filters.service_type)
        and (not filters.province_code or row.place.startswith(filters.province_code))
        and (not filters.district_code or row.place == filters.district_code)
    ]
    # the headline numbers for the filters' place and service, from the same protected cube
    cube = demand_cube(session, period, k)
    place = filters.place
    types = [filters.service_type] if filters.service_type else SERVICE_TYPES
    by_service = {
        s: (cube.display(place, s, ALL), cube.display(place, s, stats.UNMET)) for s in types
    }
    return stats.UnmetReport(report.period, report.k, cube.display(place, filters.service, ALL),
                             cube.display(place, filters.service, stats.UNMET), by_service,
                             rows, report.published)


def _cached_report(
    session: Session, period: stats.Period, k: int, services: Any, level: str = "district"
) -> stats.UnmetReport:
    # The counts come from the cached cube; the distances are measured again on every view,
    # to the directory as it was at the period's end (``services``: its history can be
    # corrected, e.g. by a restore, so it is not kept with the cube).
    return stats.unmet_report(session, period, k, services, default_points(), level=level,
                              cube=demand_cube(session, period, k))
