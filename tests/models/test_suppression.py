"""Small-cell suppression (models/suppression.py) and its linear-programming audit
(models/lp_audit.py): a reader of everything a table shows — the numbers, the totals they add up
to, and what "<k" and "x" mean — can neither pin a small count nor keep it below top(k). Checked
here by brute force, which knows nothing of how the cube chose what to hide, and by the LP audit
on tables of three dimensions too large to enumerate."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from models import lp_audit
from models.suppression import WIDTH, Cube, Dimension, Shown, hidden_ranges, protect, tops_of

K = 3
PLACE = Dimension("place", {"*": None, "A": "*", "B": "*", "A1": "A", "A2": "A", "B1": "B", "B2": "B"})
SERVICE = Dimension.flat("service", ["m", "n"])
LEAF_PLACES = ("A1", "A2", "B1", "B2")
LEAF_SERVICES = ("m", "n")
BUDGET = 30_000


def test_a_count_below_k_is_shown_as_less_than_k_and_a_zero_as_zero() -> None:
    assert Cube([SERVICE], {("m",): 4}, k=5).display("m") == "<5"
    cube = Cube([SERVICE], {("m",): 7, ("n",): 0}, k=5)
    assert [cube.display(s) for s in ("*", "m", "n")] == [7, 7, 0]  # a zero is about nobody


def test_a_zero_below_a_small_total_reads_like_a_small_count() -> None:
    # "0 of the 3 were unmet" would say something about those 3 people.
    outcome = Dimension.flat("outcome", ["reached", "unmet"])
    cube = Cube([SERVICE, outcome], {("m", "reached"): 3, ("n", "reached"): 20,
                                     ("n", "unmet"): 6}, k=5)
    assert cube.display("m", "unmet") == "<5"
    assert cube.display("n", "unmet") == 6 or cube.display("n", "unmet") == "x"


def test_a_lone_small_part_of_a_shown_total_takes_a_second_count_with_it() -> None:
    # 12 = 9 + 3: showing 12 and 9 would give away the 3.
    cube = Cube([SERVICE], {("m",): 9, ("n",): 3}, k=5)
    assert [cube.display(s) for s in ("*", "m", "n")] == [12, "x", "<5"]


def test_a_complement_too_small_to_move_the_count_is_not_enough() -> None:
    # 6 = 5 + 1: withholding the 5 ("5 or more") leaves the 1 pinned to 1 (zeros are shown,
    # so "<5" is 1..4 here); only the total can protect it.
    cube = Cube([SERVICE], {("m",): 5, ("n",): 1}, k=5)
    assert [cube.display(s) for s in ("*", "m", "n")] == ["x", 5, "<5"]


def test_small_parts_that_fill_a_total_are_protected_by_hiding_the_total() -> None:
    # 8 = 4 + 4, both below 5: shown, 8 would tell that both are 4.
    cube = Cube([SERVICE], {("m",): 4, ("n",): 4}, k=5)
    assert cube.display("*") == "x"


def test_the_smallest_roomy_count_is_withheld_and_a_kept_one_never_while_another_will_do() -> None:
    values = {("a",): 2, ("b",): 9, ("c",): 30, ("d",): 400}
    cube = Cube([Dimension.flat("s", "abcd")], values, k=5)
    assert cube.withheld() == [("b",)]  # 9 has room to move 2 anywhere in 1..4
    kept = Cube([Dimension.flat("s", "abcd")], values, k=5, keep=lambda c: [("b",)])
    assert kept.withheld() == [("c",)]
    assert kept.display("b") == 9


def test_a_total_below_k_is_small_too() -> None:
    cube = Cube([PLACE], {("A1",): 2, ("B1",): 1}, k=5)
    assert cube.display("*") == "<5"


def test_order_uses_only_what_is_shown() -> None:
    cube = Cube([Dimension.flat("s", "abcde")],
                {("a",): 1, ("b",): 4, ("c",): 7, ("d",): 30, ("e",): 0}, k=5)
    assert cube.sort_value("a") == cube.sort_value("b")  # two small counts tie
    assert cube.sort_value("d") > cube.sort_value("c") or cube.display("c") == "x"
    assert cube.sort_value("e") < cube.sort_value("a")  # a shown zero is the least


def test_k_below_two_is_refused() -> None:
    with pytest.raises(ValueError):
        Cube([SERVICE], {}, k=1)


def test_protect_leaves_a_table_without_small_counts_alone() -> None:
    assert protect([20, 10, 10], [(0, (1, 2))], 5) == [Shown.EXACT] * 3


#: A 3 × 3 × 2 table (a × b × c, with every total) where interval reasoning, equation by
#: equation, leaves every small count free enough, but the equations taken together do not:
#: found by trying random tables, kept as a fixed case.
THREE_WAY = {
    "a1": [[1, 6], [8, 1], [6, 20]],
    "a2": [[20, 0], [0, 5], [2, 12]],
    "a3": [[0, 20], [20, 3], [5, 6]],
}
THREE_DIMENSIONS = [Dimension.flat("a", ["a1", "a2", "a3"]), Dimension.flat("b", ["b1", "b2", "b3"]),
                    Dimension.flat("c", ["c1", "c2"])]


def three_way_leaves() -> dict[tuple[str, ...], int]:
    return {(a, f"b{i + 1}", f"c{j + 1}"): count for a, rows in THREE_WAY.items()
            for i, row in enumerate(rows) for j, count in enumerate(row)}


def test_the_audit_finds_what_interval_reasoning_misses() -> None:
    cube = Cube(THREE_DIMENSIONS, three_way_leaves(), k=5)
    values, groups = cube._values, cube._groups  # the same table, protected two ways
    by_intervals = protect(values, groups, 5, audit=False)
    small = [i for i, s in enumerate(by_intervals) if s is Shown.SMALL and values[i] > 0]
    narrow = lp_audit.narrow_cells(values, hidden_ranges(by_intervals, 5), groups, small, WIDTH,
                                   tops_of(by_intervals, groups, 5))
    assert narrow, "interval reasoning alone should have missed one"
    # With the audit, no small count is pinned or kept below its required top...
    small_keys = [key for key in cube.keys() if cube.shown(*key) is Shown.SMALL and cube.value(*key)]
    for key, (low, high) in cube.derivable(small_keys).items():
        assert high - low >= WIDTH - lp_audit.EPSILON, key
        assert high >= cube.required_top(*key) - lp_audit.EPSILON, key
    # ...at the price of more hidden counts than interval reasoning chose.
    assert len(cube.withheld()) + sum(1 for key in cube.keys() if cube.shown(*key) is Shown.SMALL) \
        > sum(1 for s in by_intervals if s is not Shown.EXACT)


def test_random_three_way_tables_pass_the_audit() -> None:
    """Tables of three dimensions are too many to enumerate: each protected one is checked by
    solving the reader's linear programmes for every small count of one or more."""
    for seed in range(60):
        rng = random.Random(seed)
        leaves = {key: rng.choice([0, 1, 2, 3, 5, 6, 8, 12, 20]) for key in three_way_leaves()}
        cube = Cube(THREE_DIMENSIONS, leaves, k=5)
        if not cube.published:
            continue
        small = [key for key in cube.keys()
                 if cube.shown(*key) is Shown.SMALL and cube.value(*key) > 0]
        for key, (low, high) in cube.derivable(small).items():
            assert low <= cube.value(*key) <= high
            assert high - low >= WIDTH - lp_audit.EPSILON, (seed, key, low, high)
            assert high >= cube.required_top(*key) - lp_audit.EPSILON, (seed, key, low, high)


# --- brute force: what can a reader work out? ---------------------------------------------------


def feasible_values(cube: Cube, cap: int) -> dict[tuple[str, str], set[int]] | None:
    """Every value each leaf cell can take, over every assignment of the hidden leaves that
    reproduces what the cube shows (exact numbers, "<k" = 0..k-1, "x" = k or more); None when
    there are too many assignments to try."""
    leaves = [(p, s) for p in LEAF_PLACES for s in LEAF_SERVICES]
    nodes = [(p, s) for p in PLACE.parents for s in SERVICE.parents]
    known = {leaf: cube.value(*leaf) for leaf in leaves if cube.shown(*leaf) is Shown.EXACT}
    hidden = [leaf for leaf in leaves if leaf not in known]
    ranges = [range(0, cube.k) if cube.shown(*leaf) is Shown.SMALL
              else range(cube.k, _ceiling(cube, leaf, nodes, cap) + 1) for leaf in hidden]
    if math.prod(len(r) for r in ranges) > BUDGET:
        return None
    # Each node as (hidden?, the leaves it adds up, lowest, highest); exact ones first.
    checks = []
    for node in nodes:
        parts = [i for i, leaf in enumerate(leaves)
                 if node[0] in PLACE.lineage(leaf[0]) and node[1] in SERVICE.lineage(leaf[1])]
        shown, value = cube.shown(*node), cube.value(*node)
        low, high = {Shown.EXACT: (value, value), Shown.SMALL: (0, cube.k - 1)}.get(
            shown, (cube.k, math.inf))
        checks.append((shown is not Shown.EXACT, parts, low, high))
    checks.sort(key=lambda check: check[0])
    slots = [leaves.index(leaf) for leaf in hidden]
    cell = [known.get(leaf, 0) for leaf in leaves]
    found: dict[tuple[str, str], set[int]] = {leaf: set() for leaf in leaves}
    for values in itertools.product(*ranges):
        for slot, value in zip(slots, values):
            cell[slot] = value
        if all(low <= sum(cell[i] for i in parts) <= high for _, parts, low, high in checks):
            for i, leaf in enumerate(leaves):
                found[leaf].add(cell[i])
    return found


def _ceiling(cube: Cube, leaf: tuple[str, str], nodes: list[tuple[str, str]], cap: int) -> int:
    """The smallest shown total that the leaf is part of: it cannot be more."""
    above = [cube.value(*n) for n in nodes if cube.shown(*n) is Shown.EXACT
             and n[0] in PLACE.lineage(leaf[0]) and n[1] in SERVICE.lineage(leaf[1])]
    return min(above, default=cap)


def test_no_reader_can_pin_a_small_count_or_keep_it_below_top() -> None:
    """Hundreds of random small tables (places × services with every total), each checked by
    trying every assignment of its hidden cells that fits what is shown: every small count of
    one or more keeps more than one possible value, one of them ``top(k)`` or more; and the LP
    audit's intervals are the brute force's (two dimensions: whole and fractional readers
    derive the same)."""
    checked = 0
    for seed in range(400):
        rng = random.Random(seed)
        leaves = {(p, s): rng.choice([0, 0, 1, 1, 2, 3, 4, 6, 9])
                  for p in LEAF_PLACES for s in LEAF_SERVICES}
        cube = Cube([PLACE, SERVICE], leaves, k=K)
        if not cube.published:
            assert {cube.display(*leaf) for leaf in leaves} == {"-"}
            continue
        # "x" leaves under no shown total are tried up to well past anything the real counts
        # reach, so that limit cannot pin anything by itself.
        found = feasible_values(cube, 2 * cube.value("*", "*") + 2 * K)
        if found is None:
            continue  # too many combinations to enumerate
        checked += 1
        small = [leaf for leaf in leaves if cube.shown(*leaf) is Shown.SMALL]
        derivable = cube.derivable(small)
        for leaf, true in leaves.items():
            assert true in found[leaf]
            if leaf not in small:
                continue
            low, high = derivable[leaf]
            # the LP audit derives exactly what trying every table does (two dimensions)
            assert (round(low), round(high)) == (min(found[leaf]), max(found[leaf])), (seed, leaf)
            if true > 0:
                assert max(found[leaf]) > min(found[leaf]), (seed, leaf)
                assert max(found[leaf]) >= cube.required_top(*leaf), \
                    f"seed {seed}: {leaf}={true} narrowed to {sorted(found[leaf])}: {cube_text(cube)}"
    assert checked > 80


def cube_text(cube: Cube) -> str:
    return "; ".join(
        f"{p}/{s}={cube.display(p, s)}({cube.value(p, s)})" for p in PLACE.parents for s in SERVICE.parents
    )
