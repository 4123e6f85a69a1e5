"""Benchmark: the memory of each gunicorn worker under load (issue 25: at most 110 MB each
with 2 workers).

A measurement, not a test: it prints figures and asserts nothing. Sangkhim runs under gunicorn
with its own gunicorn.conf.py (2 sync workers, SQLite in a temporary directory, the SAMPLE
directory), takes correctly signed Twilio messages from ``wrk`` for ``--seconds`` (the
requests of bench_webhooks.py, on 127.0.0.1), and then each worker's memory is read from
/proc while it still runs:

- RSS: the pages the worker has in memory, its own and those it shares with the master and
  the other worker (what ``ps`` and most dashboards show; shared pages count in full in each);
- PSS: its own pages plus its share of the shared ones (the pages shared by three processes
  count a third), so the PSS of all processes adds up to what they really use;
- private (USS): the pages no other process has, what each further worker adds.

``--before DIR`` measures another checkout (e.g. ``git archive main``) the same way first.
Run: make bench (or python -m tests.benchmarks.bench_workers)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.benchmarks import bench_webhooks as webhooks

ROOT = Path(__file__).resolve().parents[2]


def memory_mb(pid: int) -> tuple[float, float, float]:
    """RSS, PSS and private memory of one process, in MB (``/proc/<pid>/smaps_rollup``)."""
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if rest.strip().endswith("kB"):
            fields[name] = int(rest.split()[0])
    private = fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)
    return fields["Rss"] / 1024, fields["Pss"] / 1024, private / 1024


def workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def measure(label: str, checkout: Path, script: Path, seconds: int, connections: int,
            worker_count: int) -> list[str]:
    """Run the checkout's app under load; one line per process (master, then workers)."""
    with tempfile.TemporaryDirectory(prefix="sangkhim-bench-workers-") as folder:
        url = f"sqlite:///{folder}/bench.db"
        env = {**os.environ, **webhooks.SETTINGS, "DATABASE_URL": url, "FLASK_APP": "webhooks"}
        for args in (["db", "upgrade"], ["directory", "import", "--sample"]):
            subprocess.run([sys.executable, "-m", "flask", *args], cwd=checkout, env=env,
                           check=True, capture_output=True)
        port = webhooks.free_port()
        # gunicorn runs in the checkout, with that checkout's gunicorn.conf.py
        server = webhooks.start(webhooks.APPS["sangkhim"], port,
                                {**webhooks.SETTINGS, "DATABASE_URL": url}, worker_count,
                                checkout)
        try:
            webhooks.run_wrk("warm-up", port, script, 2, connections)
            done = webhooks.run_wrk(label, port, script, seconds, connections, offset=20_000)
            master = memory_mb(server.pid)
            each = [memory_mb(pid) for pid in workers(server.pid)]
        finally:
            webhooks.stop(server)
    lines = [f"  {label:<8} {done.requests_per_second:>6.0f} req/s, {done.errors} errors; "
             f"{'RSS MB':>8}{'PSS MB':>8}{'private MB':>12}",
             f"    {'master':<31}{master[0]:>8.1f}{master[1]:>8.1f}{master[2]:>12.1f}"]
    for number, (rss, pss, private) in enumerate(each, start=1):
        lines.append(f"    {'worker ' + str(number):<31}{rss:>8.1f}{pss:>8.1f}{private:>12.1f}")
    if each:
        lines.append(f"    {'all processes (PSS)':<31}{'':>8}"
                     f"{master[1] + sum(m[1] for m in each):>8.1f}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--before", type=Path, help="Another checkout, measured first.")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk); nothing measured.")
        return 1
    with tempfile.TemporaryDirectory(prefix="sangkhim-bench-") as folder:
        script = Path(folder) / "requests.lua"
        webhooks.lua_script(script, count=webhooks.REQUESTS, seed=7)
        print(f"\ngunicorn workers under signed Twilio load ({args.workers} sync workers, "
              f"SQLite, {args.seconds}s of wrk with {args.connections} connections; "
              "target: at most 110 MB each)")
        checkouts = ([("before", args.before.resolve())] if args.before else [])
        for label, checkout in [*checkouts, ("after" if args.before else "now", ROOT)]:
            for line in measure(label, checkout, script, args.seconds, args.connections,
                                args.workers):
                print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
