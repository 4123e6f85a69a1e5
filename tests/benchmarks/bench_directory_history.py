"""Benchmark: the directory's history (issue 26) at national scale: 1,200 services and a year
of changes.

A measurement, not a test: it prints figures and asserts nothing. Generated services (never
kept) and a year of changes, about 80 services marked full or given room again each day; then,
on SQLite and on PostgreSQL:

- what the triggers of migration 0016 add to writing the directory: inserting, updating and
  deleting all 1,200 services in one statement each, at revision 0015 (no history) and at
  0016 (history), in turns (medians of ``--rounds``);
- reading the directory as the reports do: ``directory_services`` (today's, what the reports
  used before) against ``services_as_of`` a day in the middle of the year and at its end
  (median and maximum of ``--reads``).

Run: make bench (or python -m tests.benchmarks.bench_directory_history)
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy.orm import Session

from models import Service
from models import migrate as migrations
from models.base import make_engine
from models.directory_history import services_as_of
from models.stats import directory_services
from tests.benchmarks import on_postgresql

SERVICES = 1_200
KINDS = ("methadone", "needle_exchange", "voluntary_treatment", "drop_in")
START = datetime(2025, 12, 1, tzinfo=UTC)


def rows(seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [dict(service_type=rng.choice(KINDS), name_km=f"s{i}", name_en=f"s{i}",
                 address_km="", address_en="", province_code="12", phone="",
                 opening_hours="", languages="km", is_free=True, is_voluntary=True,
                 is_walk_in=False, is_full=False, is_active=True, is_sample=False,
                 updated_at=START) for i in range(SERVICES)]


def writes(url: str, revision: str, rounds: int) -> str:
    migrations.downgrade(url, "base")
    migrations.upgrade(url, revision)
    engine = make_engine(url)
    timings: dict[str, list[float]] = {"insert": [], "update": [], "delete": []}
    try:
        for _ in range(rounds):
            for kind, statement, values in (("insert", insert(Service), rows(1)),
                                            ("update", update(Service).values(is_full=True), None),
                                            ("delete", delete(Service), None)):
                with engine.begin() as connection:
                    started = time.perf_counter()
                    if values:
                        connection.execute(statement, values)
                    else:
                        connection.execute(statement)
                    timings[kind].append((time.perf_counter() - started) * 1000)
    finally:
        engine.dispose()
    return ", ".join(f"{kind} {statistics.median(t):.0f} ms" for kind, t in timings.items())


def reads(url: str, count: int) -> list[str]:
    migrations.downgrade(url, "base")
    migrations.upgrade(url)
    engine = make_engine(url)
    rng = random.Random(7)
    try:
        with engine.begin() as connection:
            connection.execute(insert(Service), rows(2))
        with engine.connect() as connection:
            first = connection.exec_driver_sql("SELECT min(id) FROM service").scalar() or 1
        ids = [first + i for i in range(SERVICES)]
        for day in range(365):
            with engine.begin() as connection:
                for service_id in rng.sample(ids, 80):
                    connection.execute(update(Service).where(Service.id == service_id).values(
                        is_full=rng.random() < 0.5,
                        updated_at=START + timedelta(days=day, hours=rng.random() * 20)))
        with engine.connect() as connection:
            kept = connection.exec_driver_sql("SELECT count(*) FROM service_history").scalar()

        def timed(read: Callable[[Session], object]) -> str:
            found = []
            for _ in range(count):
                with Session(engine) as session:
                    started = time.perf_counter()
                    read(session)
                    found.append((time.perf_counter() - started) * 1000)
            return f"median {statistics.median(found):.1f} ms, max {max(found):.1f} ms"

        return [
            f"{kept:,} history rows",
            f"directory_services (today's): {timed(lambda s: directory_services(s, False))}",
            "services_as_of(2026-06-01): "
            f"{timed(lambda s: services_as_of(s, date(2026, 6, 1), False))}",
            "services_as_of(2026-11-30): "
            f"{timed(lambda s: services_as_of(s, date(2026, 11, 30), False))}",
        ]
    finally:
        engine.dispose()


def bench(name: str, url: str, rounds: int, count: int) -> None:
    print(f"{name}: writing all {SERVICES:,} services in one statement (medians of {rounds}):")
    for revision in ("0015", "0016", "0015", "0016"):  # in turns: the machine is shared
        label = "no history (0015)" if revision == "0015" else "with history (0016)"
        print(f"    {label}: {writes(url, revision, rounds)}")
    print(f"{name}: reading the directory for a report ({count} reads each):")
    for line in reads(url, count):
        print(f"    {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reads", type=int, default=30)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sangkhim-bench-history-") as folder:
        if args.database in ("sqlite", "both"):
            bench("SQLite", f"sqlite:///{folder}/history.db", args.rounds, args.reads)
        if args.database in ("postgresql", "both"):
            on_postgresql(lambda url: bench("PostgreSQL", url, args.rounds, args.reads))
    return 0


if __name__ == "__main__":
    sys.exit(main())
