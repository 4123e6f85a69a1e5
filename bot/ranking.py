"""Rank services for one request by what the person can actually reach, now.

Distance is great-circle from the person's point (a shared GPS location, or the reference point
of the place they named). In order:

1. anything within ``REACH_KM`` before anything beyond it (a full clinic 3 km away is more use
   than an open one 300 km away: one can call and ask);
2. services with room before full ones;
3. distance in bands (10, 25, 50 km), so that a few kilometres never outweigh what follows;
4. open now, then opening soon (within ``SOON_MINUTES``), then unknown hours, then later (a
   public holiday that closes a service counts: ``core.hours``);
5. walk-in before appointment-only, free before paid;
6. then the exact distance. Without any point: same district, then province, then the rest.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from bot.reach import BANDS_KM, NEAR_KM, REACH_KM
from core import hours
from core.directory import ServiceInfo
from core.geo import GeoPoint, ReferencePoints, distances_from
from core.vocabulary import Outcome

#: A service that opens within this many minutes is nearly as good as one open now.
SOON_MINUTES = 180
#: ``rank_first`` works over arrays for lists longer than this (and than the services wanted):
#: below it, sorting the whole list measured quicker (``make bench``, directory scale).
ARRAYS_FROM = 64


@dataclass(frozen=True, slots=True)
class Ranked:
    service: ServiceInfo
    distance_km: float | None
    status: hours.Status = hours.Status(None)


def service_status(service: ServiceInfo, when: hours.Moment) -> hours.Status:
    """Open now? Opens when? (unknown when the hours are missing or unreadable)."""
    return hours.status(parsed_hours(service.opening_hours), when.at, when.holiday)


@lru_cache(maxsize=1024)
def parsed_hours(text: str) -> hours.OpeningHours | None:
    """Directory hours parsed once, not for every service of every request."""
    try:
        return hours.parse(text) if text else None
    except hours.HoursError:
        return None


def measure(
    services: Iterable[ServiceInfo],
    points: ReferencePoints,
    origin: GeoPoint | None,
    when: hours.Moment | None = None,
) -> list[Ranked]:
    """Each service with its distance from ``origin`` and its status at ``when``, unordered."""
    measured = []
    # The status depends only on the hours as written (and the moment): services that share
    # their hours ("Mo-Fr 08:00-17:00") share it, worked out once per call.
    statuses: dict[str, hours.Status] = {}
    unknown = hours.Status(None)
    from_origin = distances_from(origin) if origin is not None else None
    for service in services:
        distance = None
        if from_origin is not None:
            if service.latitude is not None and service.longitude is not None:
                distance = from_origin(service.latitude, service.longitude)
            elif (where := points.point(service.place_code)) is not None:
                distance = from_origin(where.latitude, where.longitude)
        status = unknown
        if when:
            status = statuses.get(service.opening_hours)  # type: ignore[assignment]
            if status is None:
                status = statuses[service.opening_hours] = service_status(service, when)
        measured.append(Ranked(service, distance, status))
    return measured


def rank(
    services: Iterable[ServiceInfo],
    points: ReferencePoints,
    origin: GeoPoint | None,
    province_code: str | None = None,
    district_code: str | None = None,
    when: hours.Moment | None = None,
) -> list[Ranked]:
    """Every service, in order. ``when`` is the local moment to judge opening hours at; None:
    ignore them."""
    measured = measure(services, points, origin, when)
    return sorted(measured, key=lambda item: sort_key(item, province_code, district_code))


@dataclass(frozen=True, slots=True)
class Ranking:
    """The first services of a ranking (``rank_first``), and what the whole list says: the
    same as ``rank(...)[:limit]``, ``outcome(rank(...))`` and ``nearest_open_km(rank(...))``."""

    first: list[Ranked]
    #: How many services were ranked.
    total: int
    nearest_open_km: float | None
    outcome: Outcome


def rank_first(
    services: Iterable[ServiceInfo],
    points: ReferencePoints,
    origin: GeoPoint | None,
    province_code: str | None = None,
    district_code: str | None = None,
    when: hours.Moment | None = None,
    limit: int | None = None,
) -> Ranking:
    """The first ``limit`` services of the ranking (all of them if None) and its summary.

    Exactly what sorting every service by ``sort_key`` gives. When there are more services than
    ``ARRAYS_FROM`` and than are wanted, it is worked out for the few that can be first
    (``bot.ranking_columns``): a national directory asks to rank some 600 services for the 30
    a result list keeps; a short list is sorted whole, which is quicker for it."""
    listed = services if isinstance(services, (list, tuple)) else list(services)
    if limit is None or len(listed) <= max(limit, ARRAYS_FROM):
        ranked = rank(listed, points, origin, province_code, district_code, when)
        return Ranking(ranked if limit is None else ranked[:max(limit, 0)], len(ranked),
                       nearest_open_km(ranked), outcome(ranked))
    from bot.ranking_columns import columns_of, first

    chosen, summary = first(columns_of(listed, points), origin, province_code, district_code,
                            limit, _status_at(when), _wait_rank)
    nearest, has_room, full_in_reach = summary
    return Ranking(
        [Ranked(listed[i], distance, status) for i, distance, status in chosen],
        len(listed), nearest, _outcome(len(listed), has_room, nearest, full_in_reach),
    )


def _status_at(when: hours.Moment | None) -> Callable[[str], hours.Status]:
    """The status of a text of opening hours at ``when`` (unknown without a moment)."""
    if when is None:
        return lambda _text: _UNKNOWN
    return lambda text: hours.status(parsed_hours(text), when.at, when.holiday)


_UNKNOWN = hours.Status(None)


def sort_key(
    item: Ranked, province_code: str | None = None, district_code: str | None = None
) -> tuple[object, ...]:
    """The order of the ranking (the module's docstring), as a key of ``sorted``: ties keep
    the order the services came in. ``rank_first`` gives what sorting by it gives."""
    service = item.service
    if district_code and service.district_code == district_code:
        tier = 0
    elif province_code and service.province_code == province_code:
        tier = 1
    else:
        tier = 2
    far = item.distance_km if item.distance_km is not None else float("inf")
    beyond = int(item.distance_km is not None and far > REACH_KM)
    band = bisect_left(BANDS_KM, far)  # the first band whose edge is at least ``far``
    return (beyond, int(service.is_full), band, _wait_rank(item.status),
            int(not service.is_walk_in), int(not service.is_free), far, tier,
            service.name_en.casefold())


def _wait_rank(status: hours.Status) -> int:
    if status.open_now:
        return 0
    if status.wait_minutes is not None and status.wait_minutes <= SOON_MINUTES:
        return 1
    if status.open_now is None:
        return 2
    return 3


def nearest_open_km(ranked: list[Ranked]) -> float | None:
    """The distance to the nearest service with room (None: no distances, or none has room)."""
    distances = [r.distance_km for r in ranked
                 if not r.service.is_full and r.distance_km is not None]
    return min(distances) if distances else None


def outcome(ranked: list[Ranked]) -> Outcome:
    """The demand event's outcome for a result list (docs/PRIVACY.md, "What is stored")."""
    full_in_reach = any(
        r.service.is_full and r.distance_km is not None and r.distance_km <= REACH_KM
        for r in ranked
    )
    has_room = any(not r.service.is_full for r in ranked)
    return _outcome(len(ranked), has_room, nearest_open_km(ranked), full_in_reach)


def _outcome(
    count: int, has_room: bool, nearest: float | None, full_in_reach: bool
) -> Outcome:
    """The outcome of a list of ``count`` services: whether any has room, the distance to the
    nearest with room, whether a full one is within reach."""
    if not count:
        return Outcome.NO_SERVICE
    if not has_room:
        return Outcome.ONLY_FULL
    if nearest is not None and nearest > REACH_KM and full_in_reach:
        return Outcome.ONLY_FULL  # within reach there were only full services
    if nearest is None:
        return Outcome.SERVED
    if nearest <= NEAR_KM:
        return Outcome.SERVED_WITHIN_10KM
    if nearest <= REACH_KM:
        return Outcome.SERVED_10_50KM
    return Outcome.SERVED_FARTHER
