"""Benchmark: what /metrics and /readyz cost.

A measurement, not a test: it prints figures and asserts nothing. Each part runs in a process
of its own, since prometheus-client picks its mode (one process, or gunicorn's multiprocess
files) when it is imported:

- recording one message (``metrics.message`` and ``metrics.replied``, what every webhook
  request adds), in microseconds, in each mode;
- a scrape of ``/metrics`` through the app with the files of 4 live workers and of N workers
  that have exited (their counts stay in the sum until gunicorn restarts), on SQLite;
- ``/readyz`` with the database answering, and with the database held by another connection
  (the audit's 15 s became the readiness timeout).

Nothing leaves this machine. Run: make bench (or python -m tests.benchmarks.bench_metrics)
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "bench-metrics-token-0123456789abcdef0123"
CONFIG = {
    "SANGKHIM_ENV": "development", "TESTING": True, "METRICS_TOKEN": TOKEN,
    "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
    "PSEUDONYM_KEY": "bench-pseudonym-key-0123456789abcdef012345",
}


def record(calls: int = 100_000) -> None:
    """Microseconds per message recorded, in this process's mode."""
    from webhooks import metrics

    start = time.perf_counter()
    for n in range(calls):
        metrics.message("sms", metrics.ANSWERED)
        metrics.replied("sms", 0.05 + (n % 7) / 100)
    per = (time.perf_counter() - start) / calls * 1e6
    mode = "multiprocess files" if metrics.MULTIPROCESS_DIR else "one process"
    print(f"  record one message ({mode}): {per:.1f} µs")


def scrape(url: str, rounds: int = 30) -> None:
    """/metrics through the app, over the files already in PROMETHEUS_MULTIPROC_DIR."""
    from webhooks import create_app

    app = create_app({**CONFIG, "DATABASE_URL": url})
    client = app.test_client()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    times, size = [], 0
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get("/metrics", headers=auth)
        times.append((time.perf_counter() - start) * 1000)
        size = len(response.get_data())
    files = len(list(Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db")))
    print(f"  /metrics over {files} files: p50 {statistics.median(times):.1f} ms, "
          f"max {max(times):.1f} ms, {size / 1024:.1f} KB")


def workers(count: int, messages: int = 200) -> None:
    """``count`` workers' worth of counts, each written to its own files by a forked process
    (a pid of its own, as gunicorn's workers have), which then exits."""
    from webhooks import metrics

    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            for n in range(messages):
                metrics.message(("sms", "whatsapp", "telegram")[n % 3], metrics.ANSWERED)
                metrics.replied("sms", 0.1)
            metrics.record_upkeep("purge", 0.5, ok=True)
            metrics.DASHBOARD_SECONDS.labels(page="demand").observe(0.2)
            os._exit(0)
        os.waitpid(pid, 0)


def readiness(url: str, path: str) -> None:
    from webhooks import create_app

    app = create_app({**CONFIG, "DATABASE_URL": url})
    client = app.test_client()
    start = time.perf_counter()
    ok = client.get("/readyz").status_code
    answering = (time.perf_counter() - start) * 1000
    app.extensions["sangkhim.db"].engine.dispose()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE alembic_version SET version_num = version_num")
    try:
        start = time.perf_counter()
        held = client.get("/readyz")
        waited = time.perf_counter() - start
        start = time.perf_counter()
        again = client.get("/readyz").status_code
        second = (time.perf_counter() - start) * 1000
        live_start = time.perf_counter()
        live = client.get("/healthz").status_code
        live_ms = (time.perf_counter() - live_start) * 1000
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    print(f"  /readyz, database answering: {ok} in {answering:.1f} ms")
    print(f"  /readyz, database held: {held.status_code} {held.get_json()['database']} in "
          f"{waited:.2f} s; the next one {again} in {second:.1f} ms; /healthz {live} in "
          f"{live_ms:.1f} ms")


def _child(part: str, *args: str, directory: Path | None = None) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    if directory is not None:
        env["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    subprocess.run([sys.executable, "-m", "tests.benchmarks.bench_metrics", part, *args],
                   cwd=ROOT, env=env, check=True)


def main() -> None:
    from models import migrate

    print("metrics and readiness (SQLite; each part in a process of its own)")
    with tempfile.TemporaryDirectory() as scratch:
        scratch_path = Path(scratch)
        database = scratch_path / "bench.db"
        url = f"sqlite:///{database}"
        migrate.upgrade(url)
        _child("record")
        files = scratch_path / "metrics"
        files.mkdir()
        _child("record", directory=files)
        for dead in (0, 60):
            for old in files.glob("*.db"):
                old.unlink()
            _child("workers", str(4 + dead), directory=files)
            print(f"  ({4 + dead} workers' files: 4 live and {dead} exited)")
            _child("scrape", url, directory=files)
        _child("readiness", url, str(database))


if __name__ == "__main__":
    part = sys.argv[1] if len(sys.argv) > 1 else "main"
    if part == "main":
        main()
    elif part == "record":
        record()
    elif part == "workers":
        workers(int(sys.argv[2]))
    elif part == "scrape":
        scrape(sys.argv[2])
    elif part == "readiness":
        readiness(sys.argv[2], sys.argv[3])
