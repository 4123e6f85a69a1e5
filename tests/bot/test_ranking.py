"""Ranking by what a person can reach now: within reach first, room before full, distance in
bands, open now, walk-in, free; district tiers without a point."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot import holiday
from bot.ranking import outcome, rank
from core.directory import ServiceInfo
from core.geo import GeoPoint, ReferencePoints, distance_km, parents
from core.hours import Moment
from core.vocabulary import Locale, ServiceType

PHNOM_PENH = GeoPoint(11.5564, 104.9282)
SIEM_REAP = GeoPoint(13.3671, 103.8448)
BATTAMBANG = GeoPoint(13.1027, 103.1982)
POINTS = ReferencePoints({"12": PHNOM_PENH, "17": SIEM_REAP, "02": BATTAMBANG, "0203": BATTAMBANG})


def service(id: int, province: str, district: str | None = None, point: GeoPoint | None = None,
            full: bool = False, free: bool = True, walk_in: bool = True,
            hours: str = "") -> ServiceInfo:
    return ServiceInfo(
        id=id, service_type=ServiceType.METHADONE, name_km=f"ក{id}", name_en=f"S{id}",
        address_km="", address_en="", province_code=province, district_code=district,
        phone="000", latitude=point.latitude if point else None,
        longitude=point.longitude if point else None, is_full=full, is_free=free,
        is_walk_in=walk_in, opening_hours=hours,
    )


def near(km_north: float) -> GeoPoint:
    """A point about ``km_north`` km north of Phnom Penh's reference point."""
    return GeoPoint(PHNOM_PENH.latitude + km_north / 111.2, PHNOM_PENH.longitude)


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


def test_within_reach_a_full_service_comes_after_those_with_room() -> None:
    services = [service(1, "12", full=True), service(2, "12", point=near(3))]
    assert [r.service.id for r in rank(services, POINTS, PHNOM_PENH)] == [2, 1]


def test_a_full_clinic_nearby_comes_before_an_open_one_beyond_reach() -> None:
    """The audit: a full clinic 3 km away came after one 301 km away. One can call a full
    clinic and ask; nobody walks 300 km."""
    services = [service(1, "17"), service(2, "12", point=near(3), full=True)]
    assert [r.service.id for r in rank(services, POINTS, PHNOM_PENH)] == [2, 1]


#: Monday 16 March 2026 (no public holiday), local time in Phnom Penh.
MONDAY_NIGHT = Moment(datetime(2026, 3, 16, 23, 30))
MONDAY_MORNING = Moment(datetime(2026, 3, 16, 9, 0))


@pytest.mark.parametrize(
    ("label", "services", "when", "expected"),
    [
        ("a free clinic a little farther before a paid one nearby",
         [service(1, "12", point=near(1), free=False), service(2, "12", point=near(4))],
         MONDAY_MORNING, [2, 1]),
        ("walk-in open now before appointment-only open one hour a day",
         [service(1, "12", point=near(1), walk_in=False, hours="Mo-Fr 14:00-15:00"),
          service(2, "12", point=near(6), hours="Mo-Su 08:00-20:00")],
         MONDAY_MORNING, [2, 1]),
        ("open now before opening tomorrow, within one band",
         [service(1, "12", point=near(2), hours="Mo-Fr 08:00-17:00"),
          service(2, "12", point=near(8), hours="24/7")],
         MONDAY_NIGHT, [2, 1]),
        ("distance still wins across bands",
         [service(1, "12", point=near(40), hours="24/7"),
          service(2, "12", point=near(2), hours="Mo-Fr 08:00-17:00")],
         MONDAY_NIGHT, [2, 1]),
    ],
)
def test_what_a_person_can_reach_now_comes_first(
    label: str, services: list[ServiceInfo], when: Moment, expected: list[int]
) -> None:
    ranked = rank(services, POINTS, PHNOM_PENH, when=when)
    assert [r.service.id for r in ranked] == expected, label


def test_the_status_says_when_a_closed_service_opens() -> None:
    [item] = rank([service(1, "12", hours="Mo-Fr 08:00-17:00")], POINTS, PHNOM_PENH,
                  when=Moment(datetime(2026, 3, 20, 23, 30)))  # Friday night: Monday morning
    assert (item.status.open_now, item.status.opens_day, item.status.opens_at,
            item.status.opens_weekday) == (False, 3, "08:00", 0)


def test_services_that_share_their_hours_get_the_status_each_would_get_alone() -> None:
    """``measure`` works a status out once per distinct hours text: the same as one by one."""
    from bot.ranking import service_status

    when = Moment(datetime(2026, 3, 20, 16, 30))  # Friday afternoon
    services = [service(i, "12", point=near(i), hours=h) for i, h in enumerate(
        ["Mo-Fr 08:00-17:00", "Sa 08:00-12:00", "Mo-Fr 08:00-17:00", "", "Sa 08:00-12:00",
         "24/7", "Mo-Fr 08:00-16:00"], start=1)]
    ranked = rank(services, POINTS, PHNOM_PENH, when=when)
    assert {r.service.id: r.status for r in ranked} == {
        s.id: service_status(s, when) for s in services}
    assert len({r.status for r in ranked}) == 5


def test_on_khmer_new_year_the_methadone_clinic_open_every_day_comes_first() -> None:
    """Tuesday 14 April 2026, 09:00: a weekday clinic next door is closed for the holiday until
    Friday; a Mo-Su clinic farther away (same band) keeps its hours."""
    new_year = Moment(datetime(2026, 4, 14, 9, 0), holiday.lookup(Locale.EN))
    weekdays = service(1, "12", point=near(1), hours="Mo-Fr 08:00-17:00")
    every_day = service(2, "12", point=near(6), hours="Mo-Su 07:00-11:00")
    ranked = rank([weekdays, every_day], POINTS, PHNOM_PENH, when=new_year)
    assert [r.service.id for r in ranked] == [2, 1]
    assert ranked[1].status.holiday == "Khmer New Year's Day"
    assert ranked[1].status.opens_weekday == 4
    assert [r.service.id for r in rank([weekdays, every_day], POINTS, PHNOM_PENH,
                                       when=Moment(new_year.at))] == [1, 2]


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
