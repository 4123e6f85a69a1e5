"""Rank services for one request: nearest first by great-circle distance from the user's point
(a shared GPS location, or the reference point of the place they named); services with room
before full ones. Without any point: same district, then same province, then the rest."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.directory import ServiceInfo
from bot.geo import ReferencePoints, distance_km
from bot.types import GeoPoint

#: Beyond this the bot says honestly that nothing is within reach, and still lists the nearest.
REACH_KM = 50.0
NEAR_KM = 10.0


@dataclass(frozen=True, slots=True)
class Ranked:
    service: ServiceInfo
    distance_km: float | None


def rank(
    services: Iterable[ServiceInfo],
    points: ReferencePoints,
    origin: GeoPoint | None,
    province_code: str | None = None,
    district_code: str | None = None,
) -> list[Ranked]:
    ranked = []
    for service in services:
        distance = None
        if origin is not None:
            where = service.point or points.point(service.place_code)
            distance = distance_km(origin, where) if where is not None else None
        ranked.append(Ranked(service, distance))

    def key(item: Ranked) -> tuple[int, float, int, str]:
        service = item.service
        if district_code and service.district_code == district_code:
            tier = 0
        elif province_code and service.province_code == province_code:
            tier = 1
        else:
            tier = 2
        far = item.distance_km if item.distance_km is not None else float("inf")
        return (int(service.is_full), far, tier, service.name_en.casefold())

    return sorted(ranked, key=key)


def outcome(ranked: list[Ranked]) -> str:
    """The demand event's outcome for a result list (docs/PRIVACY.md, "What is stored")."""
    open_services = [r for r in ranked if not r.service.is_full]
    if not ranked:
        return "no_service"
    if not open_services:
        return "only_full"
    nearest = open_services[0].distance_km
    full_in_reach = any(
        r.service.is_full and r.distance_km is not None and r.distance_km <= REACH_KM
        for r in ranked
    )
    if nearest is not None and nearest > REACH_KM and full_in_reach:
        return "only_full"  # within reach there were only full services
    if nearest is None:
        return "served"
    if nearest <= NEAR_KM:
        return "served_within_10km"
    if nearest <= REACH_KM:
        return "served_10_50km"
    return "served_farther"
