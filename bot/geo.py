"""Distances and reference points.

Services carry coordinates; places get the reference point of their own unit, or else of the
nearest parent that has one (``locales/places/points.tsv``, built from GeoNames data — see
``locales/places/POINTS.md``). A GPS point from a user is used here, in memory, and only the
district it falls nearest to leaves this module.
"""

from __future__ import annotations

import csv
import math
from functools import lru_cache
from pathlib import Path

from bot.types import GeoPoint

POINTS_FILE = Path(__file__).resolve().parent.parent / "locales" / "places" / "points.tsv"
EARTH_RADIUS_KM = 6371.0088


def distance_km(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle (haversine) distance."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def parents(code: str) -> tuple[str, ...]:
    """The code and its parents, most specific first: 12010101 -> 12010101, 120101, 1201, 12."""
    return tuple(code[:n] for n in (8, 6, 4, 2) if len(code) >= n)


class ReferencePoints:
    def __init__(self, points: dict[str, GeoPoint]) -> None:
        self._points = points
        self._districts = [(c, p) for c, p in points.items() if len(c) == 4]

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
        """The district whose reference point is nearest: how a GPS point is coarsened."""
        if not self._districts:
            return None
        return min(self._districts, key=lambda item: distance_km(point, item[1]))[0]


@lru_cache(maxsize=1)
def default_points() -> ReferencePoints:
    return ReferencePoints.load()
