"""Small-cell suppression that holds against every published equation, for any table of counts.

A table is a *cube*: every combination of the values of its dimensions (place, service type,
outcome, channel...), where a dimension's values form a tree (district → province → all of
Cambodia; service type → all services). Every node of the cube is a count, and every node whose
value in one dimension has children is the total of those children: that is what a reader can
subtract. The rule (docs/PRIVACY.md, "Small numbers"):

1. *Primary suppression.* Every count of 1..k-1 reads ``<k`` ("<5"), and so does a zero just
   below such a total ("none of the three was met" is about those three). Other zeros read 0.
2. *What a reader knows.* Every number shown, every total equation, that ``<k`` is 0..k-1 (a
   hidden zero reads like a small count) and that ``x`` is k or more.
3. *Secondary suppression.* However a reader combines all of it, no small count of one or more
   may be pinned to one value, nor kept below ``top(k)`` (3 for k = 5) unless a total just
   above it reads ``<k`` too (``required_tops``). Shown counts are hidden
   until that holds: first by interval reasoning (propagating bounds through every equation,
   fast, as tau-ARGUS's hypercube method), then proven by the linear-programming audit
   (``models.lp_audit``), which hides more wherever it finds a count still too narrow.
4. *Least loss.* Each count to hide is looked for next to the one it must protect (in the
   equations that narrow it, then outward through hidden counts, closing the rectangles that
   protection needs), and is the smallest there: a zero (read ``<k``), else the smallest count
   of k or more with room to move (read ``x``). Counts the caller keeps (the headline totals,
   the largest need) are hidden only when nothing else can protect a small count.

The cube is built dense over a fixed frame (every district, every service type) so that which
cells exist says nothing either. If nothing can protect a table, none of it is published.
"""

from __future__ import annotations

import enum
import itertools
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

INFINITY = 1 << 60


#: Which rule protected a table: raise it whenever ``protect`` would hide differently, so that
#: tables stored by an older rule (``models.protected_tables``) are built again.
RULE = 2


class Shown(enum.Enum):
    EXACT = "exact"
    SMALL = "small"  # below k: "<5"
    WITHHELD = "withheld"  # k or more, hidden so that a small count cannot be derived: "x"
    UNPUBLISHED = "unpublished"  # the whole table: nothing left to hide could protect it


_CODES = {s.value[0].upper(): s for s in Shown}  # E, S, W, U


@dataclass(frozen=True)
class Dimension:
    """A dimension's values as a tree: ``parents[value]`` is its parent, None for the root."""

    name: str
    parents: Mapping[str, str | None]
    children: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        children: dict[str, list[str]] = {value: [] for value in self.parents}
        for value, parent in self.parents.items():
            if parent is not None:
                children[parent].append(value)
        object.__setattr__(self, "children", {v: tuple(c) for v, c in children.items()})

    @classmethod
    def flat(cls, name: str, values: Iterable[str], total: str = "*") -> Dimension:
        """Values with one total above them."""
        parents: dict[str, str | None] = {total: None}
        parents.update({value: total for value in values})
        return cls(name, parents)

    def lineage(self, value: str) -> list[str]:
        """The value and every total above it."""
        line = [value]
        while (parent := self.parents[line[-1]]) is not None:
            line.append(parent)
        return line


Key = tuple[str, ...]


class Cube:
    """Counts over the full product of dimension values, with suppression applied.

    ``keep(cube)`` names counts to withhold only when nothing else can protect a small one (the
    headline totals, the largest need of a table); it may read ``cube.value``."""

    def __init__(
        self,
        dimensions: Sequence[Dimension],
        leaves: Mapping[Key, int],
        k: int,
        keep: Callable[[Cube], Iterable[Key]] | None = None,
    ):
        if k < 2:
            raise ValueError("k must be at least 2")
        self.dimensions = tuple(dimensions)
        self.k = k
        self._keys, self._index, self._groups = _layout(self.dimensions)
        self._values = [0] * len(self._keys)
        for key, count in leaves.items():
            for node in itertools.product(*(d.lineage(v) for d, v in zip(self.dimensions, key))):
                self._values[self._index[node]] += count
        kept = {self._index[key] for key in keep(self)} if keep else set()
        self._shown = protect(self._values, self._groups, k, kept)

    @classmethod
    def restore(cls, dimensions: Sequence[Dimension], k: int, values: Sequence[int],
                shown: str) -> Cube:
        """A cube protected earlier, from ``stored()``: nothing is protected again."""
        cube = cls.__new__(cls)
        cube.dimensions = tuple(dimensions)
        cube.k = k
        cube._keys, cube._index, cube._groups = _layout(cube.dimensions)
        if len(values) != len(cube._keys) or len(shown) != len(cube._keys):
            raise ValueError("a stored table does not fit these dimensions")
        cube._values = list(values)
        cube._shown = [_CODES[c] for c in shown]
        return cube

    def stored(self) -> tuple[list[int], str]:
        """The counts and how each is shown, in the layout's order: for ``restore``."""
        return list(self._values), "".join(s.value[0].upper() for s in self._shown)

    @property
    def published(self) -> bool:
        """False when no pattern of hidden counts could protect the table: show none of it."""
        return not self._shown or self._shown[0] is not Shown.UNPUBLISHED

    def value(self, *key: str) -> int:
        """The true count: for code that decides what to compute, never for display."""
        return self._values[self._index[key]]

    def shown(self, *key: str) -> Shown:
        return self._shown[self._index[key]]

    def display(self, *key: str) -> int | str:
        """What may be published: the count, ``<k`` or ``x``."""
        i = self._index[key]
        return render(self._values[i], self._shown[i], self.k)

    def sort_value(self, *key: str) -> tuple[int, int]:
        """A sort key that orders only by what is shown: counts of k or more by size, then
        ``x`` (k or more), then ``<k``, then a shown zero."""
        i = self._index[key]
        shown = self._shown[i]
        if shown is Shown.EXACT:
            return (2, self._values[i]) if self._values[i] else (-1, 0)
        return (1, 0) if shown is Shown.WITHHELD else (0, 0)

    def equations(self) -> tuple[list[int], list[Shown], list[Group]]:
        """The true counts, how each is shown, and the total equations: for audits."""
        return list(self._values), list(self._shown), list(self._groups)

    def index(self, *key: str) -> int:
        return self._index[key]

    def required_top(self, *key: str) -> int:
        """How high a reader must still think this ``<k`` can be (``required_tops``)."""
        return tops_of(self._shown, self._groups, self.k).get(self._index[key], 0)

    def keys(self) -> list[Key]:
        return list(self._keys)

    def withheld(self) -> list[Key]:
        """The counts withheld (``x``) to protect small ones: what the protection cost."""
        return [key for key, s in zip(self._keys, self._shown) if s is Shown.WITHHELD]

    def derivable(self, keys: Iterable[Key]) -> dict[Key, tuple[float, float]]:
        """What a reader of everything this cube shows can derive of each hidden count of
        ``keys``: its linear-programming interval (``models.lp_audit``). For audits and tests."""
        from models import lp_audit

        ranges = hidden_ranges(self._shown, self.k)
        cells = [self._index[key] for key in keys]
        found = lp_audit.intervals(self._values, ranges, self._groups, cells)
        return {self._keys[i]: interval for i, interval in found.items()}


Group = tuple[int, tuple[int, ...]]
Layout = tuple[list[tuple[str, ...]], dict[tuple[str, ...], int], list[Group]]
#: Cells, their index and their total equations depend on the dimensions only: cubes of the
#: same shape (every period of the dashboard) share one layout instead of a copy each.
_LAYOUTS: dict[tuple[object, ...], Layout] = {}
_LAYOUTS_KEPT = 8


def _layout(dimensions: tuple[Dimension, ...]) -> Layout:
    shape = tuple((d.name, tuple(d.parents.items())) for d in dimensions)
    found = _LAYOUTS.get(shape)
    if found is not None:
        return found
    keys = list(itertools.product(*(list(d.parents) for d in dimensions)))
    index = {key: i for i, key in enumerate(keys)}
    groups = []
    for i, key in enumerate(keys):
        for axis, dimension in enumerate(dimensions):
            kids = dimension.children[key[axis]]
            if kids:
                groups.append((i, tuple(index[key[:axis] + (kid,) + key[axis + 1:]]
                                        for kid in kids)))
    if len(_LAYOUTS) >= _LAYOUTS_KEPT:
        _LAYOUTS.pop(next(iter(_LAYOUTS)))
    _LAYOUTS[shape] = (keys, index, groups)
    return _LAYOUTS[shape]


def render(value: int, shown: Shown, k: int) -> int | str:
    if shown is Shown.EXACT:
        return value
    if shown is Shown.UNPUBLISHED:
        return "-"
    return f"<{k}" if shown is Shown.SMALL else "x"


def protect(
    values: Sequence[int],
    groups: Sequence[Group],
    k: int,
    keep: Collection[int] = (),
    audit: bool = True,
    least: int | None = None,
) -> list[Shown]:
    """Primary then secondary suppression (module docstring) for ``values`` under ``groups``,
    each ``(total, parts)`` meaning ``values[total] == sum(values[p] for p in parts)``. ``keep``:
    counts hidden only when nothing else can protect a small one (the headline totals, the
    largest need). ``audit=False`` skips the linear-programming audit (interval reasoning only)
    and ``least`` replaces ``top(k)``: for tests and the benchmark that compare rules, never for
    publishing."""
    least = top(k) if least is None else least
    table = _Table(values, groups, k, frozenset(keep), least)
    suspects = [i for i, s in enumerate(table.shown) if s is Shown.SMALL and values[i] > 0]
    while True:
        if not table.close_by_intervals():
            return [Shown.UNPUBLISHED] * len(values)
        if not audit:
            return table.reveal_derivable()
        from models import lp_audit

        suspects = lp_audit.narrow_cells(values, hidden_ranges(table.shown, k), groups, suspects,
                                         WIDTH, table.tops)
        if not suspects:
            return table.reveal_derivable()
        if not table.hide_for(suspects, *table.bounds()):
            return [Shown.UNPUBLISHED] * len(values)


#: However a reader combines everything published, a small count of one or more is never
#: pinned to one value...
WIDTH = 1


def top(k: int) -> int:
    """...and can always still be this many or more: 3 for k = 5, so that a reader can never
    rule out that at least three people are behind a "<5" (docs/PRIVACY.md, "Small numbers")."""
    return k // 2 + 1


def required_tops(
    shown: Sequence[Shown], parents: Sequence[Sequence[int]], least: int
) -> dict[int, int]:
    """How high a reader must still think each ``<k`` of one or more can be: ``least``
    (``top(k)``) for one whose totals are all shown as counts or ``x``; for one under a total
    that itself reads ``<k``, only that it is not pinned (0 here; ``WIDTH`` applies to all).
    Under a "<5" whose other parts are not zero, a part cannot reach 3 by arithmetic alone, and
    the total's own rule protects the group. Decided from what is shown, so an audit can
    recompute it."""
    return {
        i: (least if not any(shown[p] is Shown.SMALL for p in parents[i]) else 0)
        for i, s in enumerate(shown) if s is Shown.SMALL
    }


def tops_of(shown: Sequence[Shown], groups: Sequence[Group], k: int) -> dict[int, int]:
    """``required_tops`` of a table as shown (for audits, which see only the display)."""
    parents: list[list[int]] = [[] for _ in shown]
    for total, parts in groups:
        for part in parts:
            parents[part].append(total)
    return required_tops(shown, parents, top(k))


def primary(values: Sequence[int], parents: Sequence[Sequence[int]], k: int) -> list[Shown]:
    """Counts of 1..k-1 read ``<k``; so does a zero just below a total of 1..k-1 (or below such
    a hidden zero): "none of the three requests was met" is about those three people. Every
    other zero is shown: it is about nobody."""
    shown = [Shown.SMALL if 0 < v < k else Shown.EXACT for v in values]
    changed = True
    while changed:  # parents before children: as many rounds as the trees are deep
        changed = False
        for i, v in enumerate(values):
            if v == 0 and shown[i] is Shown.EXACT and any(
                shown[p] is Shown.SMALL for p in parents[i]
            ):
                shown[i] = Shown.SMALL
                changed = True
    return shown


def hidden_ranges(shown: Sequence[Shown], k: int) -> dict[int, tuple[int, int | None]]:
    """What each mark says by itself: ``<k`` is 0..k-1, ``x`` is k or more."""
    return {i: ((0, k - 1) if s is Shown.SMALL else (k, None))
            for i, s in enumerate(shown) if s is not Shown.EXACT}


class _Table:
    """One table being protected: its counts, equations and what is shown so far."""

    def __init__(self, values: Sequence[int], groups: Sequence[Group], k: int,
                 keep: frozenset[int], least: int):
        self.values, self.groups, self.k, self.keep = values, groups, k, keep
        self.of_node: list[list[int]] = [[] for _ in values]
        parents: list[list[int]] = [[] for _ in values]
        #: In how many dimensions each count is a total: leaves are hidden before totals.
        self.level = [0] * len(values)
        for g, (total, parts) in enumerate(groups):
            self.of_node[total].append(g)
            self.level[total] += 1
            for part in parts:
                self.of_node[part].append(g)
                parents[part].append(total)
        self.shown = primary(values, parents, k)
        #: How high each small count must still be able to go (``required_tops``).
        self.tops = required_tops(self.shown, parents, least)

    def bounds(self) -> tuple[list[int], list[int]]:
        return bounds(self.values, self.shown, self.groups, self.of_node, self.k)

    def close_by_intervals(self) -> bool:
        """The fast first pass: hide counts until interval reasoning leaves every small count
        of one or more wide enough. False when nothing more can be hidden and some is not."""
        while True:
            low, high = self.bounds()
            exposed = [i for i, s in enumerate(self.shown) if s is Shown.SMALL
                       and self.values[i] > 0
                       and (high[i] - low[i] < WIDTH or high[i] < self.tops.get(i, 0))]
            if not exposed:
                return True
            if not self.hide_for(exposed, low, high):
                return False

    def hide_for(self, exposed: Sequence[int], low: Sequence[int], high: Sequence[int]) -> bool:
        """Hide one count for each exposed one, except where an equation of it already lost a
        count this round (the bounds are from before: that count may be enough, and the next
        round will tell). False when nothing could be hidden."""
        touched: set[int] = set()
        for i in exposed:
            if any(g in touched for g in self.of_node[i]):
                continue
            chosen = self.complement(i, low, high)
            if chosen is not None:
                self.shown[chosen] = Shown.SMALL if self.values[chosen] == 0 else Shown.WITHHELD
                touched.update(self.of_node[chosen])
        return bool(touched)

    def reveal_derivable(self) -> list[Shown]:
        """Show every ``x`` that the rest works out exactly anyway: hiding it protects nothing
        (the reader's intervals stay the same) and only hides a number."""
        low, high = self.bounds()
        for i, s in enumerate(self.shown):
            if s is Shown.WITHHELD and low[i] == high[i]:
                self.shown[i] = Shown.EXACT
        return self.shown

    def members(self, ring: Iterable[int]) -> list[int]:
        return [m for g in ring for m in (self.groups[g][0], *self.groups[g][1])]

    def complement(self, node: int, low: Sequence[int], high: Sequence[int]) -> int | None:
        """The shown count to hide next so that ``node`` can move, losing the least (module
        docstring, 4). Looked for outward from ``node`` along the equations that narrow it (or a
        hidden count in them) in place: a hidden count that cannot move protects nothing until
        one of its own equations loses a shown count too (the rectangles of the hypercube
        method); if none is found that way, along all of their equations (a count under a small
        total can only grow if that total can: the search must go up as well as down). A zero
        hidden reads ``<k`` and can move up to k-1; a count of k or more reads ``x`` and can
        only move down to k, so one with room to let ``node`` reach ``top`` is preferred, else
        the largest there; one of ``keep`` only when no other will do."""
        for allowed in (lambda m: m not in self.keep, lambda m: True):
            for narrowing in (True, False):
                chosen = self._search(node, low, high, allowed, narrowing)
                if chosen is not None:
                    return chosen
        return None

    def _search(self, node: int, low: Sequence[int], high: Sequence[int],
                allowed: Callable[[int], bool], narrowing: bool) -> int | None:
        seen_cells, seen_groups = {node}, set()
        frontier = [node]
        while frontier:
            ring = list(dict.fromkeys(
                g for cell in frontier
                for g in (self.tight(cell, low, high) if narrowing else self.of_node[cell])
                if g not in seen_groups))
            seen_groups.update(ring)
            chosen = self.cheapest(node, set(ring), allowed)
            if chosen is not None:
                return chosen
            frontier = []
            for member in self.members(ring):
                if member not in seen_cells and self.shown[member] is not Shown.EXACT:
                    seen_cells.add(member)
                    frontier.append(member)
        return None

    def tight(self, cell: int, low: Sequence[int], high: Sequence[int]) -> list[int]:
        """The equations of ``cell`` that narrow it by themselves (else all of them)."""
        least = self.tops.get(cell, 0) if self.shown[cell] is Shown.SMALL else 0
        found = [g for g in self.of_node[cell]
                 if _narrows(cell, self.groups[g], low, high, least)]
        return found or list(self.of_node[cell])

    def cheapest(
        self, node: int, ring: Collection[int], allowed: Callable[[int], bool]
    ) -> int | None:
        values, shown = self.values, self.shown
        found = sorted(
            {m for m in self.members(ring) if m != node and shown[m] is Shown.EXACT
             and (values[m] >= self.k or (values[m] == 0 and self.movable_zero(m, ring)))
             and allowed(m)},
            key=lambda m: (self.level[m], values[m], m),
        )
        need = self.k + max(WIDTH, self.tops.get(node, 0) - values[node])
        roomy = [m for m in found if values[m] == 0 or values[m] >= need]
        return roomy[0] if roomy else (found[-1] if found else None)

    def movable_zero(self, m: int, ring: Collection[int]) -> bool:
        """A zero whose other equations are otherwise all shown stays pinned at 0 however it
        reads: hiding it would protect nothing."""
        return all(any(self.shown[x] is not Shown.EXACT for x in self.members([g]) if x != m)
                   for g in self.of_node[m] if g not in ring)


def bounds(
    values: Sequence[int],
    shown: Sequence[Shown],
    groups: Sequence[Group],
    of_node: Sequence[Sequence[int]],
    k: int,
) -> tuple[list[int], list[int]]:
    """What a reader can know of each count: the interval that propagation through every total
    equation gives, from the shown counts and the meaning of ``<k`` / ``x``. Never narrower
    than the linear-programming audit's (``models.lp_audit``): it is its quick outer bound."""
    low = [v if s is Shown.EXACT else (0 if s is Shown.SMALL else k) for v, s in zip(values, shown)]
    high = [v if s is Shown.EXACT else (k - 1 if s is Shown.SMALL else INFINITY)
            for v, s in zip(values, shown)]
    queue = deque(g for g, (t, parts) in enumerate(groups)
                  if shown[t] is not Shown.EXACT or any(shown[p] is not Shown.EXACT for p in parts))
    queued = [False] * len(groups)
    for g in queue:
        queued[g] = True
    while queue:
        g = queue.popleft()
        queued[g] = False
        total, parts = groups[g]
        changed = _tighten(total, parts, low, high)
        for node in changed:
            for other in of_node[node]:
                if not queued[other]:
                    queued[other] = True
                    queue.append(other)
    return low, high


def _tighten(total: int, parts: tuple[int, ...], low: list[int], high: list[int]) -> list[int]:
    """One equation ``total = sum(parts)``: narrow every member's interval; return who changed."""
    changed = []
    low_sum = finite_high = unbounded = 0
    for p in parts:  # one pass: this runs ~100,000 times for one period's tables
        low_sum += low[p]
        part_high = high[p]
        if part_high >= INFINITY:
            unbounded += 1
        else:
            finite_high += part_high
    high_sum = INFINITY if unbounded else finite_high
    if low_sum > low[total]:
        low[total] = low_sum
        changed.append(total)
    if high_sum < high[total]:
        high[total] = high_sum
        changed.append(total)
    low_total, high_total = low[total], high[total]
    for p in parts:
        part_low, part_high = low[p], high[p]
        if part_high >= INFINITY:
            others_high = INFINITY if unbounded > 1 else finite_high
        else:
            others_high = INFINITY if unbounded else finite_high - part_high
        if others_high < INFINITY and low_total - others_high > part_low:
            low[p] = low_total - others_high
            changed.append(p)
        if high_total < INFINITY and high_total - (low_sum - part_low) < part_high:
            high[p] = high_total - (low_sum - part_low)
            changed.append(p)
    return changed


def _narrows(
    node: int, group: Group, low: Sequence[int], high: Sequence[int], least: int
) -> bool:
    """Whether this one equation alone, from its other members' bounds, pins ``node`` or keeps
    it below ``least``."""
    total, parts = group
    if node == total:
        lo = sum(low[p] for p in parts)
        hi = INFINITY if any(high[p] >= INFINITY for p in parts) else sum(high[p] for p in parts)
    else:
        others = [p for p in parts if p != node]
        if high[total] >= INFINITY:
            hi = INFINITY
        else:
            hi = high[total] - sum(low[p] for p in others)
        lo = (-INFINITY if any(high[p] >= INFINITY for p in others)
              else low[total] - sum(high[p] for p in others))
    hi, lo = min(hi, high[node]), max(lo, low[node])
    return hi - lo < WIDTH or hi < least
