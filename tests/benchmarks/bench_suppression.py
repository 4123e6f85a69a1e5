"""Benchmark: what protecting small numbers costs, rule by rule, on weeks of synthetic demand.

A measurement, not a test: it prints figures and asserts nothing. For each of ``--weeks`` weeks
of made-up demand events (``tests/e2e/live.synthetic_demand``, the dashboard benchmark's
generator, ``--per-week`` events a week), it builds the week's demand table over the whole frame
and protects it by each rule:

- ``chosen``: the published rule (``models.suppression``): no small count pinned, none kept
  below k // 2 + 1, proven by the LP audit; zeros shown;
- ``pinned only``: the same, but a small count only may not be worked out exactly;
- ``reach k-1``: the same, but a small count must still be able to be k-1 (4);
- ``before``: the rule of the first release (interval reasoning, zeros read "<5"), from git
  (``--before REV``, default the last commit before the LP audit), for comparison.

and prints, per rule, the seconds a week takes to protect, the counts hidden by secondary
suppression, and how many of the counts of k or more a planner looks at are shown exactly: the
province × service rows (requests and unmet) and the district ones. No database, no network.
Run: make bench (or python -m tests.benchmarks.bench_suppression)
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from models import stats
from models.suppression import Dimension, Shown, _layout, protect, top
from tests.e2e.live import synthetic_demand

ROOT = Path(__file__).resolve().parents[2]
BEFORE = "38fe8e1"  # main before the linear-programming audit


def weeks_of_leaves(weeks: int, per_week: int) -> list[Counter[tuple[str, ...]]]:
    frame = stats.default_frame()
    last = date(2026, 11, 29)
    found: dict[stats.Period, Counter[tuple[str, ...]]] = {}
    for event in synthetic_demand(last, weeks=weeks, per_week=per_week):
        if event.service_type in stats.SERVICE_TYPES and event.outcome in stats.OUTCOMES:
            period = stats.period_of(event.day, "week")
            key = (frame.leaf(event.province_code, event.district_code), event.service_type,
                   event.outcome)
            found.setdefault(period, Counter())[key] += 1
    return [found[p] for p in sorted(found) if p.end <= last - timedelta(days=0)]


def planner_cells(keys: list[tuple[str, ...]]) -> tuple[list[int], list[int]]:
    """Indexes of the province × service (and all) requests / unmet cells, and the districts'."""
    frame = stats.default_frame()
    provinces = set(frame.provinces)
    districts = set(frame.districts)
    wanted = (stats.ALL, stats.UNMET)
    province = [i for i, key in enumerate(keys) if key[0] in provinces and key[2] in wanted]
    district = [i for i, key in enumerate(keys) if key[0] in districts and key[2] in wanted]
    return province, district


def old_protect() -> Any:
    """``protect`` of the first release, loaded from git into a module of its own."""
    source = subprocess.run(["git", "show", f"{BEFORE}:models/suppression.py"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as handle:
        handle.write(source)
    spec = importlib.util.spec_from_file_location("suppression_before", handle.name)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["suppression_before"] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=6)
    parser.add_argument("--per-week", type=int, default=1040,
                        help="events a week (a year of 54,000 is about 1,040)")
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()
    k = args.k
    frame = stats.default_frame()
    dimensions = (frame.dimension(), Dimension.flat("service", stats.SERVICE_TYPES),
                  stats.outcome_dimension())
    keys, index, groups = _layout(dimensions)
    province, district = planner_cells(keys)
    before = old_protect()
    rules: dict[str, Any] = {
        "chosen": lambda v, keep: protect(v, groups, k, keep),
        "pinned only": lambda v, keep: protect(v, groups, k, keep, least=0),
        "reach k-1": lambda v, keep: protect(v, groups, k, keep, least=k - 1),
        "before": lambda v, keep: [Shown(s.value) for s in before.protect(v, groups, k)],
    }
    results: dict[str, list[tuple[float, int, int, int, int, int, bool]]] = {r: [] for r in rules}
    weeks = weeks_of_leaves(args.weeks, args.per_week)
    for leaves in weeks:
        values = [0] * len(keys)
        for key, count in leaves.items():
            for node in itertools.product(*(d.lineage(v) for d, v in zip(dimensions, key))):
                values[index[node]] += count

        class Values:  # what ``demand_keep`` reads
            @staticmethod
            def value(*key: str) -> int:
                return values[index[key]]

        keep = {index[key] for key in stats.demand_keep(Values, frame)}  # type: ignore[arg-type]
        big_p = [i for i in province if values[i] >= k]
        big_d = [i for i in district if values[i] >= k]
        for name, rule in rules.items():
            started = time.perf_counter()
            shown = rule(values, keep if name != "before" else set())
            seconds = time.perf_counter() - started
            published = shown[0] is not Shown.UNPUBLISHED
            withheld = sum(1 for s in shown if s is Shown.WITHHELD)
            results[name].append((
                seconds, withheld,
                sum(1 for i in big_p if shown[i] is Shown.EXACT), len(big_p),
                sum(1 for i in big_d if shown[i] is Shown.EXACT), len(big_d), published,
            ))
    total = sum(sum(leaves.values()) for leaves in weeks)
    print(f"suppression: {len(weeks)} weeks of synthetic demand ({total:,} service requests, "
          f"~{args.per_week:,} events a week), k={k}; top(k)={top(k)}")
    print(f"  {'rule':<12} {'s/week med':>10} {'max':>6} {'x/week':>7} "
          f"{'province ≥k shown':>18} {'district ≥k shown':>18} {'unpublished':>11}")
    for name, rows in results.items():
        seconds = [r[0] for r in rows]
        p_shown, p_all = sum(r[2] for r in rows), sum(r[3] for r in rows)
        d_shown, d_all = sum(r[4] for r in rows), sum(r[5] for r in rows)
        print(f"  {name:<12} {statistics.median(seconds):>10.2f} {max(seconds):>6.2f} "
              f"{statistics.mean(r[1] for r in rows):>7.0f} "
              f"{p_shown:>8}/{p_all:<5} {100 * p_shown / max(p_all, 1):>3.0f}% "
              f"{d_shown:>8}/{d_all:<5} {100 * d_shown / max(d_all, 1):>3.0f}% "
              f"{sum(1 for r in rows if not r[6]):>11}")


if __name__ == "__main__":
    main()
