"""Benchmark: how long a process takes to start, and how much memory it needs to do so.

A measurement, not a test: it prints figures and asserts nothing. Run: make bench (or
``python -m tests.benchmarks.bench_startup``). Every figure is of a whole new process, started
the way an operator starts it, in the development configuration ``make`` sets:

- ``create_app()`` first call: the imports and the app (what a web worker does as it starts),
  timed inside the process, and the process's wall time and peak memory;
- gunicorn's master preload (``gunicorn.conf.py``): what the master loads for its workers
  before it forks (the imports, the classifier, the Telegram library), timed the same way;
- ``flask --help``, ``flask classify`` of one message and ``flask routes``: wall time and
  peak memory (``ru_maxrss`` of that one child, from ``os.wait4``).

Each row also gives the CPU seconds (user + system) of the process: on a machine busy with
other work, wall time grows with the load and CPU time much less. Python may write its
bytecode cache (``PYTHONDONTWRITEBYTECODE`` is taken out of the children's environment), as it
does for anyone who runs the app from a checkout; the image ships the cache (Dockerfile).

Each figure is the median of ``--runs`` runs, after one run that is not counted. ``--before
PATH`` measures another checkout too (``git worktree add /tmp/before <ref>``), with this
checkout's Python, alternating the two so a machine that slows down slows both: each figure is
then a before/after row.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = Path(sys.executable)
FLASK = PYTHON.parent / "flask"
#: The targets of issue 25, for the reader: nothing here judges against them.
TARGETS = {"create_app": "<= 0.5 s incl. imports", "flask": "<= 1.0 s wall, <= 90 MB"}
CREATE_APP = (
    "import time; started = time.perf_counter(); from webhooks import create_app; create_app(); "
    "print(time.perf_counter() - started)"
)

#: What gunicorn's master loads before it forks its workers (``gunicorn.conf.py``): the start
#: of every deployment and scale-out, before the first worker can answer.
MASTER = (
    "import time; started = time.perf_counter(); import runpy; "
    "runpy.run_path('gunicorn.conf.py')['_share_read_only'](); "
    "print(time.perf_counter() - started)"
)


@dataclass(frozen=True)
class Command:
    label: str
    argv: tuple[str, ...]
    #: The command prints its own seconds (create_app timed inside the process).
    timed_inside: bool = False


COMMANDS = (
    Command("create_app() first call", (str(PYTHON), "-c", CREATE_APP), timed_inside=True),
    Command("gunicorn master's preload", (str(PYTHON), "-c", MASTER), timed_inside=True),
    Command("flask --help", (str(FLASK), "--help")),
    Command("flask classify (one message)", (str(FLASK), "classify", "clinic near battambang")),
    Command("flask routes", (str(FLASK), "routes")),
)


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    peak_mb: float
    inside: float | None


#: Runs the measured command and reports its own wall time and peak memory: ``os.wait4``
#: gives the rusage of that one child (``RUSAGE_CHILDREN`` would be the largest of all so far).
WAITER = """
import os, subprocess, sys, tempfile, time
with tempfile.TemporaryFile() as errors:
    started = time.perf_counter()
    child = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=errors)
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if status:
        errors.seek(0)
        sys.exit(errors.read().decode()[-600:])
print(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, (out.decode().split() or [""])[-1])
"""


def measure(command: Command, tree: Path) -> Run:
    """One run of ``command`` in ``tree`` (its code first on the path)."""
    env = {**os.environ, "SANGKHIM_ENV": os.environ.get("SANGKHIM_ENV", "development"),
           "PYTHONPATH": str(tree), "FLASK_APP": "webhooks"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    done = subprocess.run([str(PYTHON), "-c", WAITER, *command.argv], cwd=tree, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(command.argv)} failed in {tree}: {done.stderr}")
    wall, cpu, peak_kb, *last = done.stdout.split()
    inside = float(last[0]) if command.timed_inside else None
    return Run(float(wall), float(cpu), int(peak_kb) / 1024, inside)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before", type=Path, help="another checkout to measure too")
    args = parser.parse_args(argv)
    trees = {"after": ROOT} if args.before is None else {"before": args.before.resolve(),
                                                         "after": ROOT}
    print(f"start-up: whole processes, median of {args.runs} runs "
          f"(targets: create_app {TARGETS['create_app']}; any flask command {TARGETS['flask']})")
    for command in COMMANDS:
        runs: dict[str, list[Run]] = {name: [] for name in trees}
        for name, tree in trees.items():  # one run each that is not counted
            measure(command, tree)
        for _ in range(args.runs):
            for name, tree in trees.items():
                runs[name].append(measure(command, tree))
        for name, measured in runs.items():
            inside = [r.inside for r in measured if r.inside is not None]
            timed = f"  in-process {median(inside):.2f} s" if inside else ""
            label = f"{command.label} [{name}]" if args.before else command.label
            print(f"  {label:42s} wall {median([r.wall for r in measured]):.2f} s  "
                  f"cpu {median([r.cpu for r in measured]):.2f} s  "
                  f"peak {median([r.peak_mb for r in measured]):.0f} MB{timed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
