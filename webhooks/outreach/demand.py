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

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from bot.geo import default_points
from models import stats
from models.base import reading
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
    """The whole, ended periods the filters' date range overlaps (default: the latest few),
    each only once all its events are published (the hourly purge publishes the last hour's:
    ``stats.publishable_before``), so that a cached cube never misses one."""
    now = now or timesource.cambodia_today()
    with reading(get_db().engine) as connection:
        ready = stats.publishable_before(connection, now)
    end = min(filters.end or now - timedelta(days=1), now - timedelta(days=1))
    if filters.start:
        start = filters.start
    else:
        latest = stats.period_of(end, filters.by)
        if latest.end >= ready:  # not ended, or not all published: step back to the last one
            latest = stats.period_of(latest.start - timedelta(days=1), filters.by)
        start = latest.start
        for _ in range(DEFAULT_SPAN[filters.by] - 1):
            start = stats.period_of(start - timedelta(days=1), filters.by).start
    if start > end:
        return []
    return stats.ended_periods(start, end, filters.by, ready)[-MAX_SPAN[filters.by]:]


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
    """Compile the dashboard's templates and load the tables of the default view (the latest
    periods) in the background, so that the first planner to open the dashboard does not wait
    for them. Failures (no database yet)
    are logged and harmless: the pages build what they need."""

    def run() -> None:
        try:
            with app.app_context():
                for name in app.jinja_env.list_templates(filter_func=_dashboard_template):
                    app.jinja_env.get_template(name)  # compiled (or loaded) before a page asks
                k = int(app.config["K_ANONYMITY"])
                with get_db().reads() as session:
                    for period in reversed(periods(Filters(by=published_period()))):
                        demand_cube(session, period, k)
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


def breakdown(session: Session, period: stats.Period, filters: Filters, k: int) -> Breakdown:
    """One period's requests by province, district, service type, outcome, channel, language."""
    frame = stats.default_frame()
    cube = demand_cube(session, period, k)
    place, service = filters.place, filters.service

    def cells(keys: Sequence[str], key_of: Any, hide_small: bool = False) -> list[Cell]:
        rows = []
        for key in keys:
            node = key_of(key)
            shown = cube.display(*node)
            if hide_small and cube.shown(*node) is Shown.SMALL:
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
    if place == ALL and service == ALL:
        audience = audience_cube(session, period, k)
        if audience.shown(ALL, ALL) is cube.shown(ALL, ALL, ALL):
            tables["channel"] = _flat(audience, CHANNELS, lambda c: (c, ALL))
            tables["locale"] = _flat(audience, LOCALES, lambda loc: (ALL, loc))
    return Breakdown(period, cube.display(place, service, ALL), tables)


@dataclass(frozen=True, slots=True)
class Headline:
    """The numbers a planner reads first, for one period and the filters."""

    requests: Display
    unmet: Display
    #: Unmet as a share of requests (0..1), when both are shown exactly.
    unmet_share: float | None
    #: Requests minus the previous period's, when both are shown exactly.
    change: int | None
    previous: stats.Period | None


def headline(points: Sequence[Point], chosen: stats.Period, detail: Breakdown) -> Headline:
    at = next((i for i, p in enumerate(points) if p.period == chosen), None)
    previous = points[at - 1] if at else None
    unmet = next((c.shown for c in detail.tables.get("outcome", []) if c.key == stats.UNMET),
                 points[at].unmet if at is not None else "")
    requests = detail.requests
    share = None
    if isinstance(requests, int) and isinstance(unmet, int) and requests > 0:
        share = unmet / requests
    change = None
    if previous is not None and isinstance(requests, int) and isinstance(previous.requests, int):
        change = requests - previous.requests
    return Headline(requests, unmet, share, change, previous.period if previous else None)


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
