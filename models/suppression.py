"""Small-cell suppression that holds against subtraction, for any table of counts with totals.

A table is a *cube*: every combination of the values of its dimensions (place, service type,
outcome, channel...), where a dimension's values form a tree (district → province → all of
Cambodia; service type → all services). Every node of the cube is a count, and every node whose
value in one dimension has children is the total of those children: that is what a reader can
subtract.

The rule (docs/PRIVACY.md, "Small numbers"):

1. *Primary suppression.* Every count below k, zero included, is shown as ``<k`` ("<5").
2. *Secondary suppression.* A reader knows every total equation and that a ``<k`` cell lies in
   0..k-1 and a withheld cell in k.. . Bounds are propagated through every equation until
   nothing changes; any ``<k`` cell of one or more whose value is then pinned to a single number
   gets another count of the same total withheld (shown ``x``): the smallest shown part, else
   the total itself. This repeats until no small count can be worked out exactly.

A count of zero that can be worked out is allowed: it is about nobody. The check is interval
propagation over every equation (like tau-Argus's hypercube method), not a full linear-program
audit; the cube is built dense over a fixed frame (every district, every service type) so that
which cells exist says nothing either.
"""

from __future__ import annotations

import enum
import itertools
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

INFINITY = 1 << 60


class Shown(enum.Enum):
    EXACT = "exact"
    SMALL = "small"  # below k: "<5"
    WITHHELD = "withheld"  # k or more, hidden so that a small count cannot be derived: "x"
    UNPUBLISHED = "unpublished"  # the whole table: nothing left to hide could protect it


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


class Cube:
    """Counts over the full product of dimension values, with suppression applied."""

    def __init__(self, dimensions: Sequence[Dimension], leaves: Mapping[tuple[str, ...], int], k: int):
        if k < 2:
            raise ValueError("k must be at least 2")
        self.dimensions = tuple(dimensions)
        self.k = k
        self._keys, self._index, groups = _layout(self.dimensions)
        self._values = [0] * len(self._keys)
        for key, count in leaves.items():
            for node in itertools.product(*(d.lineage(v) for d, v in zip(self.dimensions, key))):
                self._values[self._index[node]] += count
        self._shown = protect(self._values, groups, k)

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
        """A sort key that orders only by what is shown (exact counts, then ``x``, then ``<k``)."""
        i = self._index[key]
        shown = self._shown[i]
        if shown is Shown.EXACT:
            return (2, self._values[i])
        return (1, 0) if shown is Shown.WITHHELD else (0, 0)


Layout = tuple[list[tuple[str, ...]], dict[tuple[str, ...], int], list[tuple[int, tuple[int, ...]]]]
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
    values: Sequence[int], groups: Sequence[tuple[int, tuple[int, ...]]], k: int
) -> list[Shown]:
    """Primary then secondary suppression (module docstring) for ``values`` under ``groups``,
    each ``(total, parts)`` meaning ``values[total] == sum(values[p] for p in parts)``."""
    shown = [Shown.SMALL if v < k else Shown.EXACT for v in values]
    of_node: list[list[int]] = [[] for _ in values]
    for g, (total, parts) in enumerate(groups):
        of_node[total].append(g)
        for part in parts:
            of_node[part].append(g)
    while True:
        low, high = bounds(values, shown, groups, of_node, k)
        exposed = [
            i for i, s in enumerate(shown)
            if s is Shown.SMALL and values[i] > 0 and low[i] == high[i]
        ]
        if not exposed:
            return shown
        progress = False
        for i in exposed:
            chosen = _to_withhold(i, values, shown, groups, of_node, low, high)
            if chosen is not None:
                shown[chosen] = Shown.WITHHELD
                progress = True
        if not progress:
            # Every count near a pinned one is hidden and it can still be worked out (from "x"
            # meaning k or more): the table is not published at all.
            return [Shown.UNPUBLISHED] * len(values)


def bounds(
    values: Sequence[int],
    shown: Sequence[Shown],
    groups: Sequence[tuple[int, tuple[int, ...]]],
    of_node: Sequence[Sequence[int]],
    k: int,
) -> tuple[list[int], list[int]]:
    """What a reader can know of each count: the tightest interval that interval propagation
    through every total equation gives, from the shown counts and the meaning of ``<k`` / ``x``."""
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


def _to_withhold(
    node: int,
    values: Sequence[int],
    shown: Sequence[Shown],
    groups: Sequence[tuple[int, tuple[int, ...]]],
    of_node: Sequence[Sequence[int]],
    low: Sequence[int],
    high: Sequence[int],
) -> int | None:
    """The count to withhold so that ``node`` is no longer pinned: in an equation of ``node``
    that pins it on its own, else in any of its equations, else further out, the smallest shown
    part (a total only when no part is left)."""
    def candidates(g: int) -> list[int]:
        total, parts = groups[g]
        visible = sorted((values[p], p) for p in parts if shown[p] is Shown.EXACT)
        if visible:
            return [visible[0][1]]
        return [total] if shown[total] is Shown.EXACT else []

    own = sorted(of_node[node], key=lambda g: not _pins(node, groups[g], low, high))
    seen_groups: set[int] = set()
    frontier = list(own)
    seen_nodes = {node}
    while frontier:
        for g in frontier:
            seen_groups.add(g)
            found = candidates(g)
            if found:
                return found[0]
        following = []
        for g in frontier:
            total, parts = groups[g]
            for member in (total, *parts):
                if member not in seen_nodes:
                    seen_nodes.add(member)
                    following.extend(h for h in of_node[member] if h not in seen_groups)
        frontier = list(dict.fromkeys(following))
    return None


def _pins(node: int, group: tuple[int, tuple[int, ...]], low: Sequence[int], high: Sequence[int]) -> bool:
    """Whether this one equation alone, from its other members' bounds, fixes ``node``."""
    total, parts = group
    if node == total:
        return sum(low[p] for p in parts) == sum(min(high[p], INFINITY) for p in parts)
    others = [p for p in parts if p != node]
    if high[total] >= INFINITY or any(high[p] >= INFINITY for p in others):
        return False
    return low[total] - sum(high[p] for p in others) == high[total] - sum(low[p] for p in others)
