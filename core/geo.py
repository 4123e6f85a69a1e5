"""Distances and reference points.

Services carry coordinates; places get the reference point of their own unit, or else of the
nearest parent that has one (``locales/places/points.tsv``, built from GeoNames data — see
``locales/places/POINTS.md``). A GPS point from a user is used here, in memory, and only the
district it falls nearest to leaves this module.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A point in WGS 84 degrees: a service's position, or a texter's shared location (which
    is used in memory and never stored)."""

    latitude: float
    longitude: float


POINTS_FILE = Path(__file__).resolve().parent.parent / "locales" / "places" / "points.tsv"
EARTH_RADIUS_KM = 6371.0088
#: A GPS point is given the district of the nearest reference point within this distance...
DISTRICT_RADIUS_KM = 15.0
#: ...and only when every other district's points are this many times farther away...
DISTRICT_MARGIN = 1.5
#: ...or else only its province within this distance; beyond it, no place at all.
PROVINCE_RADIUS_KM = 60.0


def distance_km(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle (haversine) distance."""
    return distances_from(a)(b.latitude, b.longitude)


def distances_from(origin: GeoPoint) -> Callable[[float, float], float]:
    """``distance_km`` from ``origin`` to (latitude, longitude), with the origin's part worked
    out once: ranking measures hundreds of services from one point. The same operations in
    the same order, so the same figures to the last bit."""
    sin, cos, radians, asin, sqrt = math.sin, math.cos, math.radians, math.asin, math.sqrt
    lat1, lon1 = radians(origin.latitude), radians(origin.longitude)
    cos1, diameter = cos(lat1), 2 * EARTH_RADIUS_KM

    def distance(latitude: float, longitude: float) -> float:
        lat2, lon2 = radians(latitude), radians(longitude)
        root = sqrt(sin((lat2 - lat1) / 2) ** 2 + cos1 * cos(lat2) * sin((lon2 - lon1) / 2) ** 2)
        return diameter * asin(root if root < 1.0 else 1.0)

    return distance


def parents(code: str) -> tuple[str, ...]:
    """The code and its parents, most specific first: 12010101 -> 12010101, 120101, 1201, 12."""
    return tuple(code[:n] for n in (8, 6, 4, 2) if len(code) >= n)


class ReferencePoints:
    def __init__(self, points: dict[str, GeoPoint]) -> None:
        self._points = points
        # Every point below province level says which district it lies in.
        self._local = [(c, p) for c, p in points.items() if len(c) >= 4]

    @classmethod
    def load(cls, path: Path = POINTS_FILE) -> ReferencePoints:
        points: dict[str, GeoPoint] = {}
        if path.exists():
            with path.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle, delimiter="\t"):
                    points[row["code"]] = GeoPoint(float(row["latitude"]), float(row["longitude"]))
        return cls(points)

    def __len__(self) -> int:
        return len(self._points)

    def point(self, code: str | None) -> GeoPoint | None:
        """The unit's own point, else its nearest parent's."""
        for candidate in parents(code or ""):
            if candidate in self._points:
                return self._points[candidate]
        return None

    def own_point(self, code: str) -> bool:
        return code in self._points

    def nearest_district(self, point: GeoPoint) -> str | None:
        """How a GPS point is coarsened: the district of the nearest reference point (district,
        commune or village); only the province when that point is far, so a sparse area is
        not labelled with a wrong district; None outside the country's points."""
        if not self._local:
            return None
        by_distance = sorted((distance_km(point, where), code) for code, where in self._local)
        nearest, code = by_distance[0]
        other = next((d for d, c in by_distance if c[:4] != code[:4]), float("inf"))
        # The district is named only when its point is near and clearly nearer than any other
        # district's; where points are dense and districts small (Phnom Penh), or sparse,
        # the province is the honest answer.
        if nearest <= DISTRICT_RADIUS_KM and other >= DISTRICT_MARGIN * max(nearest, 1.0):
            return code[:4]
        if nearest <= PROVINCE_RADIUS_KM:
            return code[:2]
        return None


@lru_cache(maxsize=1)
def default_points() -> ReferencePoints:
    return ReferencePoints.load()
