"""Ranking by great-circle distance, full services last, district tiers without a point."""

from __future__ import annotations

import pytest

from bot.directory import ServiceInfo
from bot.geo import ReferencePoints, distance_km, parents
from bot.ranking import outcome, rank
from bot.types import GeoPoint, ServiceType

PHNOM_PENH = GeoPoint(11.5564, 104.9282)
SIEM_REAP = GeoPoint(13.3671, 103.8448)
BATTAMBANG = GeoPoint(13.1027, 103.1982)
POINTS = ReferencePoints({"12": PHNOM_PENH, "17": SIEM_REAP, "02": BATTAMBANG, "0203": BATTAMBANG})


def service(id: int, province: str, district: str | None = None, point: GeoPoint | None = None,
            full: bool = False) -> ServiceInfo:
    return ServiceInfo(
        id=id, service_type=ServiceType.METHADONE, name_km=f"ក{id}", name_en=f"S{id}",
        address_km="", address_en="", province_code=province, district_code=district,
        phone="000", latitude=point.latitude if point else None,
        longitude=point.longitude if point else None, is_full=full,
    )


def test_haversine_matches_a_known_distance() -> None:
    # Phnom Penh to Siem Reap is about 230 km as the crow flies.
    assert 225 < distance_km(PHNOM_PENH, SIEM_REAP) < 240
    assert distance_km(PHNOM_PENH, PHNOM_PENH) == 0


def test_parents_of_a_village_code() -> None:
    assert parents("12010101") == ("12010101", "120101", "1201", "12")
    assert parents("12") == ("12",)


def test_a_unit_without_a_point_uses_its_parents() -> None:
    assert POINTS.point("020301") == BATTAMBANG
    assert POINTS.point("99") is None


def test_nearest_first_from_a_point_with_services_placed_by_their_codes() -> None:
    services = [service(1, "12"), service(2, "17"), service(3, "02", "0203")]
    ranked = rank(services, POINTS, GeoPoint(13.36, 103.86))  # near Siem Reap
    assert [r.service.id for r in ranked] == [2, 3, 1]
    assert ranked[0].distance_km is not None and ranked[0].distance_km < 5


def test_own_coordinates_win_over_the_reference_point() -> None:
    # Service 1 is coded to Battambang (290 km away) but its own point is in Phnom Penh;
    # service 2 sits at the Siem Reap reference point (230 km).
    services = [service(1, "02", point=GeoPoint(11.60, 104.90)), service(2, "17")]
    ranked = rank(services, POINTS, PHNOM_PENH)
    assert [r.service.id for r in ranked] == [1, 2]
    assert ranked[0].distance_km is not None and ranked[0].distance_km < 10


def test_full_services_come_after_every_open_one() -> None:
    services = [service(1, "12", full=True), service(2, "17")]
    ranked = rank(services, POINTS, PHNOM_PENH)
    assert [r.service.id for r in ranked] == [2, 1]


def test_without_a_point_same_district_then_province_then_the_rest() -> None:
    services = [service(1, "12"), service(2, "02"), service(3, "02", "0203")]
    ranked = rank(services, ReferencePoints({}), None, "02", "0203")
    assert [r.service.id for r in ranked] == [3, 2, 1]
    assert all(r.distance_km is None for r in ranked)


@pytest.mark.parametrize(
    ("origin", "services", "expected"),
    [
        (PHNOM_PENH, [], "no_service"),
        (PHNOM_PENH, [service(1, "12", full=True)], "only_full"),
        (PHNOM_PENH, [service(1, "12")], "served_within_10km"),
        (GeoPoint(11.80, 104.90), [service(1, "12")], "served_10_50km"),
        (SIEM_REAP, [service(1, "12")], "served_farther"),
        (None, [service(1, "12")], "served"),
    ],
)
def test_outcome_buckets(origin: GeoPoint | None, services: list[ServiceInfo], expected: str) -> None:
    assert outcome(rank(services, POINTS, origin)) == expected


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        (GeoPoint(13.11, 103.20), "0203"),  # next to the only district point around
        (GeoPoint(11.565, 104.92), "12"),  # two districts' points about equally near: province
        (GeoPoint(12.30, 104.20), "12"),  # 50 km from everything: province only
        (GeoPoint(9.0, 100.0), None),  # outside the country's points
    ],
)
def test_a_gps_point_is_coarsened_to_a_district_only_when_that_is_clear(
    point: GeoPoint, expected: str | None
) -> None:
    points = ReferencePoints({
        "02": BATTAMBANG, "0203": BATTAMBANG,
        "12": PHNOM_PENH, "1201": GeoPoint(11.55, 104.92), "1202": GeoPoint(11.58, 104.92),
        "120101": GeoPoint(11.85, 104.50),
    })
    assert points.nearest_district(point) == expected
