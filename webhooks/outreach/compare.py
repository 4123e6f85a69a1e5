"""Breakdown rows of one period beside the previous one, drawn on a fixed scale.

A row's bar is as long as its count against the scale of the whole range shown
(``demand.scales``), not against the period's own largest row, so that the same count draws the
same bar whichever period is picked. The change column is filled only when both counts are
exact (``demand.change``): a difference taken with a hidden ``<k`` or ``x`` would reveal it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from webhooks.outreach import charts
from webhooks.outreach.demand import Breakdown, Cell, Display, change


@dataclass(frozen=True, slots=True)
class ComparedBar:
    bar: charts.Bar
    #: The previous period's count as shown ("" when there is no previous period or row).
    previous: str
    #: This period's count minus the previous one's, when both are exact.
    change: int | None


def bars(rows: Sequence[Cell], label: Callable[[str], str], scale: int) -> list[charts.Bar]:
    """``charts.bars`` with the longest bar fixed at ``scale`` instead of this period's
    largest row (a row above it, which ``demand.scales`` never lets happen, is drawn full)."""
    return [
        charts.Bar(
            label=label(r.key),
            key=r.key,
            percent=min(100.0, round(100 * charts.number(r.shown) / scale, 1)) if scale else 0.0,
            text=charts.text(r.shown),
            hidden=not isinstance(r.shown, int),
        )
        for r in rows
    ]


def rows(table: str, detail: Breakdown, before: Breakdown | None, label: Callable[[str], str],
         scale: int, drop_zero: bool = False) -> list[ComparedBar]:
    """The rows of ``detail.tables[table]`` with the previous period's count and the change.

    ``drop_zero`` leaves out a row that is 0 now and was 0 or below k before (a place list
    would otherwise run to every district of the country), but keeps a fall to 0."""
    earlier: dict[str, Display] = {}
    if before is not None:
        earlier = {c.key: c.shown for c in before.tables.get(table, [])}
    cells = detail.tables[table]
    if drop_zero:
        cells = [c for c in cells
                 if c.shown != 0 or type(c.shown) is not int or _something(earlier.get(c.key))]
    return [
        ComparedBar(bar, charts.text(earlier[cell.key]) if cell.key in earlier else "",
            change(cell.shown, earlier[cell.key]) if cell.key in earlier else None)
        for cell, bar in zip(cells, bars(cells, label, scale), strict=True)
    ]


def _something(shown: Display | None) -> bool:
    """A count worth a row: exact and above 0, or withheld (``x`` is k or more)."""
    return (type(shown) is int and shown > 0) or shown == "x"
