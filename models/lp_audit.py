"""The linear-programming audit of a protected table: what can a reader work out of a hidden count?

A reader of a period's tables knows every number shown, that every total is the sum of its parts,
and what the marks mean: ``<k`` is a count from its *floor* (1, or 0 where a zero may be hidden:
``models.suppression.floors``) to k-1, and ``x`` is k or more. The tightest interval that reader
can derive for one hidden count is the minimum and the maximum of that count over every
assignment of the hidden counts that fits all of it: two linear programmes. This module solves
them with HiGHS (``highspy``), as statistical offices audit tables (tau-ARGUS's audit; the
"attacker's problem" of Hundepool et al., *Statistical Disclosure Control*, 2012, 4.2).

The LP relaxation is the standard audit: a reader who reasons with fractions can only derive
intervals at least as wide as one who reasons with whole numbers, so it is the right bound for
the sum tables of two dimensions (their matrices are totally unimodular: the LP's corners are
whole) and an approximation for three, as in every such audit.

Only hidden counts are variables: shown ones are constants, and an equation with no hidden count
says nothing. The equations split into independent components, each solved on its own. Two
shortcuts keep the number of programmes small without changing any answer: one programme per
component push every count under audit up, then down, at once (a count whose two values there
are far enough apart is proven wide enough), and every further one starts from the last one's
basis.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

#: Slack for floating-point optima: a count is "reached" within this.
EPSILON = 1e-6

Group = tuple[int, tuple[int, ...]]

_banner_lock = threading.Lock()
_banner_shown = False


def _solver() -> Any:
    """A silent HiGHS instance. HiGHS prints its banner to standard output (from C) the first
    time a solver is made in a process, with no option to stop it; ``flask demand export``
    writes its CSV there, so that first solver is made with standard output pointed away."""
    global _banner_shown
    import highspy  # a few MB: only the processes that build tables load it

    with _banner_lock:
        if _banner_shown:
            solver = highspy.Highs()
        else:
            saved = os.dup(1)
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, 1)
                solver = highspy.Highs()
                ctypes.CDLL(None).fflush(None)
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                os.close(null)
            _banner_shown = True
    solver.setOptionValue("output_flag", False)
    # Each component is solved many times with a new objective: no presolve, so that every
    # run starts from the last one's basis (a few pivots) instead of from scratch.
    solver.setOptionValue("presolve", "off")
    return solver


#: What a reader knows of each hidden count by itself: ``{cell: (lowest, highest or None)}``.
Ranges = Mapping[int, tuple[int, int | None]]
#: A further relation a reader knows: ``low <= sum(coefficient * count) <= high`` (None: no
#: bound), over cells of the same numbering as ``values``; e.g. the same total in two tables.
Link = tuple[Sequence[tuple[int, float]], float | None, float | None]


def intervals(
    values: Sequence[int], hidden: Ranges, groups: Sequence[Group], cells: Iterable[int],
    links: Sequence[Link] = (),
) -> dict[int, tuple[float, float]]:
    """The interval a reader can derive for each of ``cells`` (hidden counts): LP min and max.
    ``values`` are the true counts (the shown ones are read from it), ``hidden`` the ranges of
    the hidden ones, ``groups`` the equations ``values[total] == sum(values[parts])``."""
    found: dict[int, tuple[float, float]] = {}
    for component, asked in _components(values, hidden, groups, cells, links):
        for cell in asked:
            found[cell] = (component.optimum(cell, maximise=False),
                           component.optimum(cell, maximise=True))
    return found


def narrow_cells(
    values: Sequence[int], hidden: Ranges, groups: Sequence[Group], cells: Iterable[int],
    width: int, top: int | Mapping[int, int], links: Sequence[Link] = (),
) -> list[int]:
    """Those of ``cells`` (hidden counts) whose derivable interval is narrower than ``width``
    or ends below ``top`` (one for all, or each cell's own: ``{cell: top}``).

    Every solution found is a possible table, the true one included, so a count is proven safe
    as soon as two of them differ in it by ``width`` and one reaches ``top``: each programme
    (one count pushed up or down) settles many counts at once, and only the rest get their own."""
    narrow: list[int] = []
    for component, asked in _components(values, hidden, groups, cells, links):
        seen_low = {cell: float(values[cell]) for cell in asked}
        seen_high = dict(seen_low)

        def settled(cell: int) -> bool:
            least = top if isinstance(top, int) else top.get(cell, 0)
            return (seen_high[cell] - seen_low[cell] >= width - EPSILON
                    and seen_high[cell] >= least - EPSILON)

        def record(solution: dict[int, float]) -> None:
            for cell in asked:
                value = solution[cell]
                if value < seen_low[cell]:
                    seen_low[cell] = value
                elif value > seen_high[cell]:
                    seen_high[cell] = value

        record(component.solve(asked, maximise=True, report=asked))
        record(component.solve(asked, maximise=False, report=asked))
        for cell in asked:
            for maximise in (True, False):
                if not settled(cell):
                    record(component.solve([cell], maximise, report=asked))
            if not settled(cell):
                narrow.append(cell)
    return sorted(narrow)


class _Component:
    """One independent set of equations over hidden counts, loaded into a solver."""

    def __init__(self, columns: list[int], lower: list[float], upper: list[int | None],
                 rows: list[tuple[list[tuple[int, float]], float | None, float | None]]):
        import numpy as np

        self.columns = {cell: j for j, cell in enumerate(columns)}
        self.solver = _solver()
        inf = self.solver.getInfinity()
        self.solver.addVars(len(columns), np.array(lower, dtype=np.float64),
                            np.array([inf if u is None else u for u in upper], dtype=np.float64))
        starts, indices, coefficients, lows, highs = [], [], [], [], []
        for members, low, high in rows:
            starts.append(len(indices))
            for column, coefficient in members:
                indices.append(column)
                coefficients.append(coefficient)
            lows.append(-inf if low is None else low)
            highs.append(inf if high is None else high)
        if rows:
            self.solver.addRows(len(rows), np.array(lows, dtype=np.float64),
                                np.array(highs, dtype=np.float64), len(indices),
                                np.array(starts, dtype=np.int32),
                                np.array(indices, dtype=np.int32),
                                np.array(coefficients, dtype=np.float64))
        self._costed: list[int] = []

    def _objective(self, costs: dict[int, float], maximise: bool) -> list[float]:
        import highspy
        import numpy as np

        columns = sorted(set(self._costed) | set(costs))
        if columns:
            self.solver.changeColsCost(len(columns), np.array(columns, dtype=np.int32),
                                       np.array([costs.get(c, 0.0) for c in columns],
                                                dtype=np.float64))
        self._costed = list(costs)
        sense = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
        self.solver.changeObjectiveSense(sense)
        self.solver.run()
        status = self.solver.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            # The true counts always fit what is shown, and every hidden count is bounded, so
            # anything else is a bug in the equations: fail loudly rather than pass a table.
            raise RuntimeError(f"disclosure audit: the solver ended with {status}")
        return list(self.solver.getSolution().col_value)

    def solve(self, cells: Sequence[int], maximise: bool,
              report: Sequence[int] | None = None) -> dict[int, float]:
        """A table where the sum of ``cells`` is largest (or least): the value of each of
        ``report`` (default ``cells``) in it."""
        solution = self._objective({self.columns[c]: 1.0 for c in cells}, maximise)
        return {c: solution[self.columns[c]] for c in (cells if report is None else report)}

    def optimum(self, cell: int, maximise: bool) -> float:
        return self.solve([cell], maximise)[cell]


def _components(
    values: Sequence[int], hidden: Ranges, groups: Sequence[Group], cells: Iterable[int],
    links: Sequence[Link] = (),
) -> list[tuple[_Component, list[int]]]:
    """The equations' components that hold a cell of ``cells``, with those cells."""
    asked = sorted(set(cells))
    if not asked:
        return []
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    relations: list[Link] = [([(total, -1.0), *((p, 1.0) for p in parts)], 0.0, 0.0)
                             for total, parts in groups]
    relations.extend(links)
    rows = []
    for members, low, high in relations:
        unknown = [(cell, c) for cell, c in members if cell in hidden]
        if not unknown:
            continue
        known = sum(c * values[cell] for cell, c in members if cell not in hidden)
        rows.append((unknown, None if low is None else low - known,
                     None if high is None else high - known))
        for cell, _ in unknown:
            parent.setdefault(cell, cell)
        first = find(unknown[0][0])
        for cell, _ in unknown[1:]:
            root = find(cell)
            if root != first:
                parent[root] = first
    for cell in asked:
        parent.setdefault(cell, cell)
    wanted: dict[int, list[int]] = {}
    for cell in asked:
        wanted.setdefault(find(cell), []).append(cell)
    members_of: dict[int, list[int]] = {root: [] for root in wanted}
    for cell in parent:
        root = find(cell)
        if root in members_of:
            members_of[root].append(cell)
    rows_of: dict[int, list[Any]] = {root: [] for root in wanted}
    for row in rows:
        root = find(row[0][0][0])
        if root in rows_of:
            rows_of[root].append(row)
    found = []
    for root, cells_here in wanted.items():
        columns = sorted(members_of[root])
        index = {cell: j for j, cell in enumerate(columns)}
        lower = [float(hidden[c][0]) for c in columns]
        upper = [hidden[c][1] for c in columns]
        here = [([(index[cell], c) for cell, c in unknown], low, high)
                for unknown, low, high in rows_of[root]]
        found.append((_Component(columns, lower, upper, here), cells_here))
    return found
