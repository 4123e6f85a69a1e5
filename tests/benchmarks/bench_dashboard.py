"""Benchmark: the outreach dashboard's pages with a year of synthetic demand, cold and warm.

A measurement, not a test: it prints figures and asserts nothing. It builds a SQLite database
in a temporary directory (the SAMPLE directory, ``--events`` made-up demand events over
``--weeks`` weeks from ``tests/e2e/live.synthetic_demand``, an outreach account), then:

1. runs the clock's job that protects and stores each published week's tables
   (``models.stats.protect_ended_periods``), as a deployment's clock does once a week ends,
   and prints how long it took;
2. "restarts" ``--restarts`` times (a new app: nothing cached in it) and requests each page
   once cold, the first page being the first request after the restart; then ``--rounds``
   times warm. It prints each page's cold times (median and worst over the restarts) and the
   warm median and 95th percentile.

Nothing leaves this machine. Run: make bench (or python -m tests.benchmarks.bench_dashboard)
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from models import ProtectedTable, migrate, stats
from models.stats import cambodia_today
from tests.e2e.live import synthetic_demand
from tests.webhooks.outreach.helpers import OUTREACH, login, make_user
from webhooks import create_app
from webhooks.database import get_db

PAGES = ("/outreach/demand", "/outreach/demand?province=12&service_type=methadone",
         "/outreach/unmet", "/outreach/unmet?level=province", "/outreach/handoffs",
         "/outreach/demand.csv", "/outreach/directory")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--events", type=int, default=150_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--restarts", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'bench.db'}"
        migrate.upgrade(url)
        config = {
            "SANGKHIM_ENV": "development", "DATABASE_URL": url, "TESTING": True,
            "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
            "PSEUDONYM_KEY": "bench-pseudonym-key-0123456789abcdef012345",
        }
        app = create_app(config)
        app.test_cli_runner().invoke(args=["directory", "import", "--sample"])
        today = cambodia_today()
        last_sunday = today - timedelta(days=today.weekday() + 1)
        # synthetic_demand grows the volume over the year (0.7 to 1.3 of per_week, and 80 % of
        # its events are service requests): per_week is chosen so that about --events come out
        events = synthetic_demand(last_sunday, weeks=args.weeks,
                                  per_week=max(1, round(args.events / args.weeks)))
        with app.app_context(), get_db().sessions() as session, session.begin():
            session.add_all(events)
        make_user(app, OUTREACH, "outreach")
        k = int(app.config["K_ANONYMITY"])
        with app.app_context():
            started = time.perf_counter()
            built = stats.protect_ended_periods(get_db().engine, today, "week", k,
                                                horizon=args.weeks + 1, budget=float("inf"))
            clock = time.perf_counter() - started
            with get_db().reads() as session:
                spent = [row.build_ms for row in session.scalars(select(ProtectedTable))]
        print(f"dashboard: {len(events):,} demand events over {args.weeks} weeks (SQLite)")
        print(f"  the clock protected and stored {built} tables in {clock:.1f} s "
              f"(per table: median {statistics.median(spent):.0f} ms, "
              f"max {max(spent):.0f} ms; {args.weeks} weeks × {len(stats.TABLE_KINDS)} kinds)")
        cold: dict[str, list[float]] = {page: [] for page in PAGES}
        first: list[float] = []
        sizes: dict[str, float] = {}
        for _ in range(args.restarts):
            client = create_app(config).test_client()
            login(client, OUTREACH)
            for number, page in enumerate(PAGES):
                start = time.perf_counter()
                response = client.get(page)
                elapsed = (time.perf_counter() - start) * 1000
                assert response.status_code == 200, (page, response.status_code)
                cold[page].append(elapsed)
                if number == 0:
                    first.append(elapsed)
                sizes[page] = len(response.get_data()) / 1024
        print(f"  after each of {args.restarts} restarts, every page once (cold), then "
              f"{args.rounds} requests per page (warm); the first request after a restart: "
              f"median {statistics.median(first):.0f} ms, worst {max(first):.0f} ms")
        print(f"  {'page':<52} {'cold med':>8} {'cold max':>8} {'p50 ms':>8} {'p95 ms':>8} "
              f"{'KB':>6}")
        for page in PAGES:
            times = []
            for _ in range(args.rounds):
                start = time.perf_counter()
                client.get(page).close()
                times.append((time.perf_counter() - start) * 1000)
            p95 = statistics.quantiles(times, n=20)[-1]
            print(f"  {page:<52} {statistics.median(cold[page]):8.0f} {max(cold[page]):8.0f} "
                  f"{statistics.median(times):8.0f} {p95:8.0f} {sizes[page]:6.0f}")
        every_cold = sorted(t for page in PAGES for t in cold[page])
        print(f"  every page cold, all restarts: p95 "
              f"{statistics.quantiles(every_cold, n=20, method='inclusive')[-1]:.0f} ms (target ≤ 300 ms)")


if __name__ == "__main__":
    main()
