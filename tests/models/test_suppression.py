"""Small-cell suppression (models/suppression.py): no count below k can be worked out, from the
shown numbers, the totals they add up to, and the meaning of "<k" and "x" — checked here by
brute force, which knows nothing of how the cube chose what to hide."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from models.suppression import Cube, Dimension, Shown, protect

K = 3
PLACE = Dimension("place", {"*": None, "A": "*", "B": "*", "A1": "A", "A2": "A", "B1": "B", "B2": "B"})
SERVICE = Dimension.flat("service", ["m", "n"])
LEAF_PLACES = ("A1", "A2", "B1", "B2")
LEAF_SERVICES = ("m", "n")
BUDGET = 30_000


def test_a_count_below_k_is_shown_as_less_than_k() -> None:
    cube = Cube([SERVICE], {("m",): 4, ("n",): 0}, k=5)
    assert cube.display("m") == "<5"
    assert cube.display("n") == "<5"  # zero too: it reads like any other small number


def test_a_lone_small_part_of_a_shown_total_takes_a_second_count_with_it() -> None:
    # 12 = 9 + 3: showing 12 and 9 would give away the 3.
    cube = Cube([SERVICE], {("m",): 9, ("n",): 3}, k=5)
    assert [cube.display(s) for s in ("*", "m", "n")] == [12, "x", "<5"]


def test_two_small_parts_protect_each_other() -> None:
    cube = Cube([Dimension.flat("s", "abc")], {("a",): 9, ("b",): 3, ("c",): 0}, k=5)
    assert [cube.display(s) for s in "*abc"] == [12, 9, "<5", "<5"]


def test_small_parts_that_fill_a_total_are_protected_by_hiding_the_total() -> None:
    # 8 = 4 + 4, both below 5: shown, 8 would pin both to 4.
    cube = Cube([SERVICE], {("m",): 4, ("n",): 4}, k=5)
    assert cube.display("*") == "x"


def test_a_total_below_k_is_small_too() -> None:
    cube = Cube([PLACE], {("A1",): 2, ("B1",): 1}, k=5)
    assert cube.display("*") == "<5"


def test_order_uses_only_what_is_shown() -> None:
    cube = Cube([Dimension.flat("s", "abcd")], {("a",): 1, ("b",): 4, ("c",): 7, ("d",): 30}, k=5)
    assert cube.sort_value("a") == cube.sort_value("b")  # two small counts tie
    assert cube.sort_value("d") > cube.sort_value("c") or cube.display("c") == "x"


def test_k_below_two_is_refused() -> None:
    with pytest.raises(ValueError):
        Cube([SERVICE], {}, k=1)


def test_protect_leaves_a_table_without_small_counts_alone() -> None:
    assert protect([20, 10, 10], [(0, (1, 2))], 5) == [Shown.EXACT] * 3


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


def test_no_small_count_can_be_worked_out_by_subtraction() -> None:
    """Hundreds of random small tables (places × services with every total), each checked by
    trying every assignment of its hidden cells that fits what is shown."""
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
        for leaf, true in leaves.items():
            assert true in found[leaf]
            if cube.shown(*leaf) is Shown.SMALL and true > 0:
                assert len(found[leaf]) > 1, f"seed {seed}: {leaf}={true} is given away: {cube_text(cube)}"
    assert checked > 250


def cube_text(cube: Cube) -> str:
    return "; ".join(
        f"{p}/{s}={cube.display(p, s)}({cube.value(p, s)})" for p in PLACE.parents for s in SERVICE.parents
    )
