"""Charts drawn on the server as SVG: no script, no external library, nothing to download.

The geometry is computed here; the templates (``outreach/_macros.html``) only place it. Hidden
counts ("<k", or "x" where withheld) draw no bar of their size and read as shown: a dashed mark,
never a bar of zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from webhooks.outreach.demand import Cell, Display, Point

#: The period chart's drawing box, in SVG user units (it scales to the page width).
WIDTH, HEIGHT = 960, 260
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 48, 30, 12
#: The height of the dashed mark that stands for a withheld unmet part (not its size).
WITHHELD_MARK = 8.0


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    key: str
    #: Length as a percentage of the longest bar (0 for a hidden count).
    percent: float
    text: str
    hidden: bool


@dataclass(frozen=True, slots=True)
class ChartColumn:
    x: float
    width: float
    #: Top and height of the requests column and of the unmet part drawn over its foot.
    y: float
    height: float
    unmet_y: float
    unmet_height: float
    label: str
    tick: str
    text: str
    unmet_text: str
    hidden: bool
    #: The unmet part is withheld ("<k" or "x"): drawn as a dashed mark, never as zero.
    unmet_hidden: bool = False


@dataclass(frozen=True, slots=True)
class ColumnChart:
    width: int
    height: int
    columns: list[ChartColumn]
    axis_max: int
    axis_y: float
    baseline: float
    plot_left: float


@dataclass(frozen=True, slots=True)
class AlertBand:
    """A hatched band behind a period's column: alerts covered the place shown then."""

    x: float
    width: float
    #: The alerts' kinds and places ("Call before going · Phnom Penh"), never a count.
    label: str


def alert_bands(covered: Sequence[Sequence[str]]) -> list[AlertBand]:
    """A band for each period (in the order charted) that alerts covered. The geometry comes
    from the number of periods alone, like the columns' slots: never from a count, so a band
    tells nothing about a suppressed one (``outreach.demand_alert_marks``)."""
    slot = (WIDTH - MARGIN_LEFT - 8) / max(len(covered), 1)
    return [AlertBand(round(MARGIN_LEFT + index * slot, 2), round(slot, 2), "; ".join(texts))
            for index, texts in enumerate(covered) if texts]


def number(value: Display) -> int:
    """The length a shown value draws: a count, or nothing for "<k" and "x"."""
    return value if isinstance(value, int) else 0


def text(value: Display) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def bars(rows: Sequence[Cell], label: Callable[[str], str]) -> list[Bar]:
    longest = max((number(r.shown) for r in rows), default=0)
    return [
        Bar(
            label=label(r.key),
            key=r.key,
            percent=round(100 * number(r.shown) / longest, 1) if longest else 0.0,
            text=text(r.shown),
            hidden=not isinstance(r.shown, int),
        )
        for r in rows
    ]


def columns(
    points: Sequence[Point], label: Callable[[Point], str], tick: Callable[[Point], str]
) -> ColumnChart:
    """A column per period (requests), its unmet part darker; about six tick labels."""
    plot_width = WIDTH - MARGIN_LEFT - 8
    plot_height = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    axis_max = _nice(max((number(p.requests) for p in points), default=0))
    slot = plot_width / max(len(points), 1)
    every = max(1, -(-len(points) // 6))
    baseline = MARGIN_TOP + plot_height
    result = []
    for index, point in enumerate(points):
        height = plot_height * number(point.requests) / axis_max if axis_max else 0.0
        unmet = plot_height * number(point.unmet) / axis_max if axis_max else 0.0
        hidden = not isinstance(point.requests, int)
        unmet_hidden = not isinstance(point.unmet, int)
        if hidden:
            height = 3.0
        if unmet_hidden:
            unmet = min(WITHHELD_MARK, height) if not hidden else 0.0
        result.append(
            ChartColumn(
                x=round(MARGIN_LEFT + index * slot + slot * 0.1, 2),
                width=round(max(slot * 0.8, 1.0), 2),
                y=round(baseline - height, 2),
                height=round(height, 2),
                unmet_y=round(baseline - unmet, 2),
                unmet_height=round(unmet, 2),
                label=label(point),
                tick=tick(point) if index % every == 0 else "",
                text=text(point.requests),
                unmet_text=text(point.unmet),
                hidden=hidden,
                unmet_hidden=unmet_hidden and not hidden,
            )
        )
    return ColumnChart(WIDTH, HEIGHT, result, axis_max, MARGIN_TOP, baseline, MARGIN_LEFT)


def _nice(value: int) -> int:
    """A round number at or above ``value`` for the top of the axis (1, 2, 2.5, 5 × 10ⁿ)."""
    if value <= 0:
        return 0
    magnitude = 1
    while magnitude * 10 < value:
        magnitude *= 10
    for multiple in (1, 2, 2.5, 5, 10):
        if multiple * magnitude >= value:
            return int(multiple * magnitude)
    return value
