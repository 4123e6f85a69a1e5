"""The first services of a ranking, worked out over arrays: what ``bot.ranking.rank_first`` does.

A national directory asks to rank some 600 services (needle exchange: two service types) to
keep 30. Measuring and sorting each as a Python object took about 1 ms a search; here:

- what does not depend on the request (each service's point, its flags, its hours, its
  district, the order of its name) is laid out in arrays once per list of services and kept
  in the process (``columns_of``: the directory hands out the same ``ServiceInfo`` objects
  while it is unchanged, ``models.services.SqlDirectory``);
- a status is worked out once per distinct text of opening hours;
- distances are measured with NumPy, then only the services that can be among the first are
  sorted, with distances measured exactly as ``core.geo.distances_from`` measures them.

**Why the result is exact.** NumPy's sine and arcsine need not round as the C library's do,
so an array's distance may differ from ``distances_from``'s in its last bits: far less than
``EPSILON_KM`` (a millimetre; float64 carries about 16 digits, 20,000 km to a few nanometres).
A distance that close to the edge of a band (10, 25, 50 km) is measured exactly before it
decides a band. The order's leading parts (within reach, room, band, hours, walk-in, fee) are
then exact integers; after them comes the distance. If the ``limit``-th service by the arrays'
distances has leading parts ``P`` and distance ``d``, no service with parts after ``P``, or with
``P`` and a distance over ``d + 2 * EPSILON_KM``, can be among the first ``limit``: each of those
``limit`` services comes before it whatever the last bits. The rest, about ``limit`` services,
are measured exactly and sorted by the whole order, ties by the order they came in. The
nearest service with room is found the same way. Every exact distance is compared with the
array's, and should one ever differ by more than half of ``EPSILON_KM``, every distance is
measured exactly instead. ``tests/bot/test_ranking.py`` compares the result with sorting every
service over generated directories.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.reach import BANDS_KM, REACH_KM
from core.directory import ServiceInfo
from core.geo import EARTH_RADIUS_KM, GeoPoint, ReferencePoints, distances_from

if TYPE_CHECKING:
    from core.hours import Status

#: Far more than NumPy's rounding can move a distance (see the module's docstring).
EPSILON_KM = 1e-6
#: Lists of services kept laid out, per process (a directory serves a few: one per asked type).
_KEPT_LIMIT = 32

_BANDS = np.array(BANDS_KM, dtype=np.float64)
_REACH_KM = REACH_KM
#: Where a distance changes the order's leading parts (a band, within reach or not).
_EDGES = np.array(sorted({*BANDS_KM, REACH_KM}), dtype=np.float64)

#: (index of the service, its exact distance or None, its status), in the ranking's order.
Chosen = list[tuple[int, float | None, "Status"]]
#: Of the whole list: the distance to the nearest service with room, whether any has room,
#: whether a full one is within reach.
Summary = tuple[float | None, bool, bool]


@dataclass(frozen=True, slots=True, eq=False)
class Columns:
    """What ranking needs of a list of services, laid out once."""

    services: tuple[ServiceInfo, ...]
    points: ReferencePoints
    #: The point each service is measured to (its own, else its place's), None: none.
    where: tuple[tuple[float, float] | None, ...]
    latitude: Any  # radians, NaN without a point (numpy arrays, one entry per service)
    longitude: Any
    cos_latitude: Any
    located: Any  # bool
    full: Any  # 0/1
    ways: Any  # 2 if appointment-only, + 1 if paid
    texts: tuple[str, ...]  # the distinct texts of opening hours
    text_index: Any
    districts: dict[str, int]
    district_index: Any  # -1: none
    provinces: dict[str, int]
    province_index: Any
    name_order: Any  # the place of the casefolded English name among the list's names


def columns_of(services: Sequence[ServiceInfo], points: ReferencePoints) -> Columns:
    """The list's columns, kept while the same objects are asked for again. The key is the
    objects' identities, and what is kept holds the objects, so an identity is never another
    object's while it is kept."""
    key = (id(points), *map(id, services))
    found = _kept.get(key)
    if found is None:
        if len(_kept) >= _KEPT_LIMIT:
            _kept.clear()
        found = _kept[key] = _lay_out(tuple(services), points)
    return found


_kept: dict[tuple[int, ...], Columns] = {}


def _lay_out(services: tuple[ServiceInfo, ...], points: ReferencePoints) -> Columns:
    where: list[tuple[float, float] | None] = []
    for service in services:
        if service.latitude is not None and service.longitude is not None:
            where.append((service.latitude, service.longitude))
        elif (point := points.point(service.place_code)) is not None:
            where.append((point.latitude, point.longitude))
        else:
            where.append(None)
    nan = math.nan
    latitude = [math.radians(w[0]) if w else nan for w in where]
    texts: dict[str, int] = {}
    districts: dict[str, int] = {}
    provinces: dict[str, int] = {}
    names = [s.name_en.casefold() for s in services]
    order = {name: place for place, name in enumerate(sorted(set(names)))}
    return Columns(
        services=services,
        points=points,
        where=tuple(where),
        latitude=np.array(latitude, dtype=np.float64),
        longitude=np.array([math.radians(w[1]) if w else nan for w in where], dtype=np.float64),
        cos_latitude=np.array([math.cos(x) for x in latitude], dtype=np.float64),
        located=np.array([w is not None for w in where], dtype=bool),
        full=np.array([int(s.is_full) for s in services], dtype=np.int64),
        ways=np.array([2 * (not s.is_walk_in) + (not s.is_free) for s in services],
                      dtype=np.int64),
        text_index=np.array([texts.setdefault(s.opening_hours, len(texts)) for s in services],
                            dtype=np.intp),
        texts=tuple(texts),
        district_index=np.array(
            [-1 if s.district_code is None else districts.setdefault(s.district_code,
                                                                     len(districts))
             for s in services], dtype=np.int64),
        districts=districts,
        province_index=np.array(
            [provinces.setdefault(s.province_code, len(provinces)) for s in services],
            dtype=np.int64),
        provinces=provinces,
        name_order=np.array([order[name] for name in names], dtype=np.int64),
    )


def first(
    columns: Columns,
    origin: GeoPoint | None,
    province_code: str | None,
    district_code: str | None,
    limit: int | None,
    status_of: Callable[[str], Status],
    wait_rank: Callable[[Status], int],
    exactly: bool = False,
) -> tuple[Chosen, Summary]:
    """The first ``limit`` services (all if None) in the order of ``bot.ranking.sort_key``, and
    the summary of the whole list. ``exactly``: measure every distance exactly (all are
    wanted, or the fallback)."""
    count = len(columns.services)
    if count == 0:
        return [], (None, False, False)
    if limit is None or limit >= count:
        limit, exactly = count, True
    statuses = [status_of(text) for text in columns.texts]
    wait = np.array([wait_rank(s) for s in statuses], dtype=np.int64)[columns.text_index]
    measure = distances_from(origin) if origin is not None else None
    #: Exact distances, by index (None: not measured exactly, or no point).
    exact: list[float | None] = [None] * count
    if measure is None:
        located = np.zeros(count, dtype=bool)
        far = rough = np.full(count, math.inf)
    elif exactly:
        located = columns.located
        far = rough = np.array([math.inf if w is None else measure(*w) for w in columns.where],
                               dtype=np.float64)
        exact = [None if w is None else d for w, d in zip(columns.where, far.tolist())]
    else:
        located = columns.located
        rough = _rough_distances(columns, origin)  # type: ignore[arg-type]
        far = rough.copy()
        # a distance this close to an edge is measured exactly before it decides a band
        near_edge = np.flatnonzero(np.searchsorted(_EDGES, rough + EPSILON_KM, side="right")
                                   != np.searchsorted(_EDGES, rough - EPSILON_KM, side="left"))
        if len(near_edge) and not _measure(columns, measure, near_edge.tolist(), rough, exact):
            return _exactly(columns, origin, province_code, district_code, limit, status_of,
                            wait_rank)
        for i in near_edge.tolist():
            far[i] = exact[i]
    beyond = located & (far > _REACH_KM)
    band = np.searchsorted(_BANDS, far, side="left")
    leading = (((beyond * 2 + columns.full) * 4 + band) * 4 + wait) * 4 + columns.ways
    tier = np.full(count, 2, dtype=np.int64)
    if province_code and (p := columns.provinces.get(province_code)) is not None:
        tier[columns.province_index == p] = 1
    if district_code and (d := columns.districts.get(district_code)) is not None:
        tier[columns.district_index == d] = 0
    index = np.arange(count)
    if exactly:
        candidates = index
    elif limit <= 0:
        candidates = index[:0]
    else:
        order = np.lexsort((index, columns.name_order, tier, far, leading))
        last = order[limit - 1]
        if far[last] == math.inf:  # every comparison with it is exact
            candidates = np.sort(order[:limit])
        else:
            candidates = np.flatnonzero(
                (leading < leading[last])
                | ((leading == leading[last]) & (far <= far[last] + 2 * EPSILON_KM)))
    open_located = located & (columns.full == 0)
    nearest_candidates: list[int] = []
    if open_located.any():
        rough_nearest = far[open_located].min()
        nearest_candidates = np.flatnonzero(
            open_located & (far <= rough_nearest + 2 * EPSILON_KM)).tolist()
    if measure is not None and not exactly:
        wanted = [i for i in (*candidates.tolist(), *nearest_candidates)
                  if exact[i] is None and columns.where[i] is not None]
        if wanted and not _measure(columns, measure, wanted, rough, exact):
            return _exactly(columns, origin, province_code, district_code, limit, status_of,
                            wait_rank)
    if exactly:
        chosen_far = far
    else:
        chosen_far = np.array([math.inf if (x := exact[i]) is None else x
                               for i in candidates.tolist()], dtype=np.float64)
    ordered = candidates[np.lexsort((candidates, columns.name_order[candidates],
                                     tier[candidates], chosen_far, leading[candidates]))]
    text_index = columns.text_index
    chosen: Chosen = [(i, exact[i], statuses[text_index[i]])
                      for i in ordered[:max(limit, 0)].tolist()]
    nearest = min(exact[i] for i in nearest_candidates) if nearest_candidates else None
    has_room = bool((columns.full == 0).any())
    full_in_reach = bool((located & (columns.full == 1) & ~beyond).any())
    return chosen, (nearest, has_room, full_in_reach)  # type: ignore[type-var]


def _exactly(
    columns: Columns, origin: GeoPoint | None, province_code: str | None,
    district_code: str | None, limit: int | None, status_of: Callable[[str], Status],
    wait_rank: Callable[[Status], int],
) -> tuple[Chosen, Summary]:
    """``first`` with every distance measured exactly: the arrays' distances were not as near
    as ``EPSILON_KM`` (never seen; the safe way should it happen)."""
    return first(columns, origin, province_code, district_code, limit, status_of, wait_rank,
                 exactly=True)


def _measure(
    columns: Columns, measure: Callable[[float, float], float], indexes: list[int], rough: Any,
    exact: list[float | None],
) -> bool:
    """Measure the services at ``indexes`` exactly into ``exact``; False if an array's distance
    was farther from the exact one than half of ``EPSILON_KM``."""
    where = columns.where
    found = [measure(*where[i]) for i in indexes]  # type: ignore[misc]
    for i, distance in zip(indexes, found):
        exact[i] = distance
    return bool(np.abs(np.array(found) - rough[indexes]).max() <= EPSILON_KM / 2)


def _rough_distances(columns: Columns, origin: GeoPoint) -> Any:
    """``distances_from``'s formula over the arrays (inf without a point), to within
    ``EPSILON_KM``."""
    lat1, lon1 = math.radians(origin.latitude), math.radians(origin.longitude)
    cos1 = math.cos(lat1)
    with np.errstate(invalid="ignore"):
        root = np.sqrt(np.sin((columns.latitude - lat1) / 2) ** 2
                       + cos1 * columns.cos_latitude * np.sin((columns.longitude - lon1) / 2) ** 2)
        far = (2 * EARTH_RADIUS_KM) * np.arcsin(np.minimum(root, 1.0))
    far[~columns.located] = math.inf
    return far
