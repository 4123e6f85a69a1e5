"""``rank_first`` (arrays, exact distances only for the services that can be first) against the
straightforward ranking: every service measured one by one and the whole list sorted, over
generated directories, many origins, service types, moments and limits."""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from datetime import datetime, timedelta

import pytest

from bot import holiday, ranking, ranking_columns
from bot.ranking import (
    Ranked,
    measure,
    nearest_open_km,
    outcome,
    rank,
    rank_first,
)
from bot.reach import BANDS_KM, REACH_KM
from core.directory import ServiceInfo
from core.geo import GeoPoint, ReferencePoints, distance_km
from core.hours import Moment
from core.vocabulary import Locale, ServiceType

HOURS = ("Mo-Fr 08:00-17:00", "Mo-Sa 07:30-11:30,13:30-17:00", "24/7", "Mo-Su 06:00-10:00; PH off",
         "", "Tu,Th 09:00-15:00", "Mo-Fr 08:00-16:00; Sa 08:00-12:00", "not hours at all")
PROVINCES = {"12": GeoPoint(11.5564, 104.9282), "17": GeoPoint(13.3671, 103.8448),
             "02": GeoPoint(13.1027, 103.1982), "18": GeoPoint(10.6093, 103.5296)}


def straightforward(
    services: list[ServiceInfo], points: ReferencePoints, origin: GeoPoint | None,
    province_code: str | None, district_code: str | None, when: Moment | None,
) -> list[Ranked]:
    """The ranking as it was written first: measure each service, sort them all by the key."""

    def key(item: Ranked) -> tuple[object, ...]:
        service = item.service
        if district_code and service.district_code == district_code:
            tier = 0
        elif province_code and service.province_code == province_code:
            tier = 1
        else:
            tier = 2
        far = item.distance_km if item.distance_km is not None else float("inf")
        beyond = int(item.distance_km is not None and far > REACH_KM)
        band = bisect_left(BANDS_KM, far)
        status = item.status
        if status.open_now:
            wait = 0
        elif status.wait_minutes is not None and status.wait_minutes <= 180:
            wait = 1
        elif status.open_now is None:
            wait = 2
        else:
            wait = 3
        return (beyond, int(service.is_full), band, wait, int(not service.is_walk_in),
                int(not service.is_free), far, tier, service.name_en.casefold())

    return sorted(measure(services, points, origin, when), key=key)


def at_km(origin: GeoPoint, km: float, bearing: float) -> GeoPoint:
    """A point about ``km`` from ``origin``: exactly on an edge to within a micrometre when
    ``km`` is an edge (the search below), so the arrays' rounding must not decide its band."""
    low, high = 0.0, km / 100.0 + 0.01
    point = origin
    for _ in range(200):
        middle = (low + high) / 2
        point = GeoPoint(origin.latitude + middle * math.cos(bearing),
                         origin.longitude + middle * math.sin(bearing))
        if distance_km(origin, point) < km:
            low = middle
        else:
            high = middle
    return point


def directory(rng: random.Random, size: int, points: ReferencePoints) -> list[ServiceInfo]:
    """Services of every kind the ranking tells apart: own coordinates, a place's point only, no
    point at all; names, points and flags that tie; some on the edges of the bands."""
    codes = ["12", "1201", "1202", "17", "1701", "02", "0203", "18", "99", "9901"]
    names = [f"Clinic {n}" for n in range(size // 3)] + ["clinic 1", "CLINIC 2"]
    shared = [GeoPoint(11.60, 104.90), GeoPoint(13.0, 103.5)]
    services = []
    for number in range(size):
        code = rng.choice(codes)
        kind = rng.random()
        if kind < 0.55:
            base = points.point(code) or GeoPoint(12.5, 104.5)
            point: GeoPoint | None = GeoPoint(base.latitude + rng.uniform(-0.8, 0.8),
                                              base.longitude + rng.uniform(-0.8, 0.8))
        elif kind < 0.65:
            point = rng.choice(shared)  # the same distance as others
        elif kind < 0.75:
            origin = rng.choice(list(PROVINCES.values()))
            point = at_km(origin, rng.choice((*BANDS_KM, REACH_KM)) + rng.choice(
                (0.0, 1e-9, -1e-9, 4e-7, -4e-7, 3e-6)), rng.uniform(0, 2 * math.pi))
        else:
            point = None  # measured to its place's point, or not at all
        services.append(ServiceInfo(
            id=number + 1,
            service_type=rng.choice(list(ServiceType)),
            name_km=f"សេវា {number}", name_en=rng.choice(names),
            address_km="", address_en="",
            province_code=code[:2], district_code=code if len(code) == 4 else None,
            phone="000",
            opening_hours=rng.choice(HOURS),
            latitude=point.latitude if point else None,
            longitude=point.longitude if point else None,
            is_free=rng.random() < 0.5, is_walk_in=rng.random() < 0.5,
            is_full=rng.random() < 0.2,
        ))
    return services


POINTS = ReferencePoints({**PROVINCES, "1201": GeoPoint(11.57, 104.91),
                          "0203": GeoPoint(13.09, 103.20)})
LIMITS = (None, 0, 1, 2, 3, 10, 30, 100, 1000)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("arrays_from", [0, ranking.ARRAYS_FROM])
def test_the_first_services_are_those_of_the_whole_sort(
    seed: int, arrays_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``ARRAYS_FROM`` 0, over arrays whenever fewer services are wanted than listed."""
    monkeypatch.setattr(ranking, "ARRAYS_FROM", arrays_from)
    rng = random.Random(seed)
    services = directory(rng, rng.choice((5, 40, 300, 700)), POINTS)
    lookup = holiday.lookup(Locale.EN)
    for _ in range(40):
        wanted = set(rng.sample(list(ServiceType), rng.randint(1, 2)))
        found = [s for s in services if s.service_type in wanted]
        choice = rng.random()
        if choice < 0.1:
            origin = None
        elif choice < 0.5:  # a named place's point, often exactly a service's or a province's
            origin = rng.choice([*PROVINCES.values(), GeoPoint(11.60, 104.90)])
        else:
            origin = GeoPoint(rng.uniform(10.4, 14.5), rng.uniform(102.3, 107.6))
        code = rng.choice(["12", "1201", "17", "02", "0203", "99", None])
        province = code[:2] if code else None
        district = code if code and len(code) == 4 else None
        start = datetime(2026, 4, 10) + timedelta(minutes=rng.randrange(60 * 24 * 10))
        when = rng.choice([None, Moment(start), Moment(start, lookup)])  # Khmer New Year too
        expected = straightforward(found, POINTS, origin, province, district, when)
        assert rank(found, POINTS, origin, province, district, when) == expected
        for limit in LIMITS:
            got = rank_first(found, POINTS, origin, province, district, when, limit)
            assert got.first == expected[:limit if limit is not None else None], (
                seed, origin, code, limit)
            assert got.total == len(expected)
            assert got.nearest_open_km == nearest_open_km(expected)
            assert got.outcome == outcome(expected)


def test_the_distances_are_those_measured_one_by_one() -> None:
    """Every distance shown is the one ``core.geo`` measures, to the last bit (not the arrays')."""
    rng = random.Random(99)
    services = directory(rng, 400, POINTS)
    origin = GeoPoint(11.61, 104.87)
    for item in rank_first(services, POINTS, origin, limit=50).first:
        where = item.service.point or POINTS.point(item.service.place_code)
        assert where is not None
        assert item.distance_km == distance_km(origin, where)


def test_arrays_farther_than_the_margin_are_not_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Should NumPy's distances ever be farther from the exact ones than the margin, every
    distance is measured exactly: the result is still the whole sort's."""
    rough = ranking_columns._rough_distances
    monkeypatch.setattr(ranking_columns, "_rough_distances",
                        lambda columns, origin: rough(columns, origin) * 1.001)
    rng = random.Random(7)
    services = directory(rng, 300, POINTS)
    for origin in PROVINCES.values():
        expected = straightforward(services, POINTS, origin, "12", "1201", None)
        got = rank_first(services, POINTS, origin, "12", "1201", None, limit=30)
        assert got.first == expected[:30]
        assert got.nearest_open_km == nearest_open_km(expected)


def test_a_list_is_laid_out_once_and_a_new_list_anew() -> None:
    rng = random.Random(3)
    services = directory(rng, 50, POINTS)
    first = ranking_columns.columns_of(services, POINTS)
    assert ranking_columns.columns_of(list(services), POINTS) is first
    changed = [*services[:-1], ServiceInfo(**{**_fields(services[-1]), "is_full": True})]
    assert ranking_columns.columns_of(changed, POINTS) is not first
    assert ranking_columns.columns_of(services, ReferencePoints({})) is not first


def _fields(service: ServiceInfo) -> dict[str, object]:
    return {name: getattr(service, name) for name in ServiceInfo.__dataclass_fields__}


@pytest.mark.parametrize("seed", range(4))
def test_rounding_within_the_margin_changes_nothing(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The arrays' distances moved by up to a third of the margin, as another NumPy's rounding
    might (far more, in truth): ties, band edges and the nearest still come out exactly."""
    rough = ranking_columns._rough_distances
    noise = random.Random(seed)

    def moved(columns: ranking_columns.Columns, origin: GeoPoint) -> object:
        far = rough(columns, origin)
        return far + [noise.uniform(-1, 1) * ranking_columns.EPSILON_KM / 3 for _ in far]

    monkeypatch.setattr(ranking_columns, "_rough_distances", moved)
    monkeypatch.setattr(ranking_columns, "_exactly", _never)
    rng = random.Random(100 + seed)
    services = directory(rng, 500, POINTS)
    for _ in range(30):
        origin = rng.choice([*PROVINCES.values(), GeoPoint(11.60, 104.90), GeoPoint(13.0, 103.5)])
        code = rng.choice(["12", "1201", "17", "0203"])
        when = Moment(datetime(2026, 3, 16, 9, 0) + timedelta(hours=rng.randrange(200)))
        expected = straightforward(services, POINTS, origin, code[:2], code, when)
        for limit in (1, 3, 30):
            got = rank_first(services, POINTS, origin, code[:2], code, when, limit)
            assert got.first == expected[:limit]
            assert got.nearest_open_km == nearest_open_km(expected)
            assert got.outcome == outcome(expected)


def _never(*_args: object) -> object:
    raise AssertionError("measured everything exactly: the margin was not trusted")


def test_two_nearly_equal_distances_rounded_the_wrong_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """The nearer of two services 0.1 mm apart, by arrays that say the opposite (within the
    margin): still the nearer one first, and its distance the nearest."""
    origin = PROVINCES["12"]
    near, farther = at_km(origin, 3.0, 0.3), at_km(origin, 3.0 + 1e-7, 2.0)
    assert distance_km(origin, near) < distance_km(origin, farther)
    services = [
        ServiceInfo(id=i, service_type=ServiceType.METHADONE, name_km="", name_en=f"S{i}",
                    address_km="", address_en="", province_code="12", district_code=None,
                    phone="", latitude=p.latitude, longitude=p.longitude)
        for i, p in ((1, farther), (2, near), (3, at_km(origin, 40.0, 1.0)))
    ]
    rough = ranking_columns._rough_distances
    shift = [-ranking_columns.EPSILON_KM / 3, ranking_columns.EPSILON_KM / 3, 0.0]
    monkeypatch.setattr(ranking_columns, "_rough_distances",
                        lambda columns, point: rough(columns, point) + shift)
    monkeypatch.setattr(ranking_columns, "_exactly", _never)
    got = rank_first(services, POINTS, origin, limit=1)
    assert [r.service.id for r in got.first] == [2]
    assert got.nearest_open_km == distance_km(origin, near)
