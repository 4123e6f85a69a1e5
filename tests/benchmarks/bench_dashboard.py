"""Benchmark: the outreach dashboard's pages with a year of synthetic demand.

A measurement, not a test: it prints figures and asserts nothing. It builds a SQLite database
in a temporary directory (the SAMPLE directory, 52 weeks of made-up demand events from
``tests/e2e/live.synthetic_demand``, an outreach account), then requests each page through
the app in this process, first once ("cold": nothing cached) and then ``--rounds`` times, and
prints the median and 95th percentile of each. Nothing leaves this machine.
Run: make bench (or python -m tests.benchmarks.bench_dashboard)
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from models import migrate
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
    parser.add_argument("--per-week", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'bench.db'}"
        migrate.upgrade(url)
        app = create_app({
            "SANGKHIM_ENV": "development", "DATABASE_URL": url, "TESTING": True,
            "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
            "PSEUDONYM_KEY": "bench-pseudonym-key-0123456789abcdef012345",
        })
        app.test_cli_runner().invoke(args=["directory", "import", "--sample"])
        today = cambodia_today()
        last_sunday = today - __import__("datetime").timedelta(days=today.weekday() + 1)
        events = synthetic_demand(last_sunday, weeks=args.weeks, per_week=args.per_week)
        with app.app_context(), get_db().sessions() as session, session.begin():
            session.add_all(events)
        make_user(app, OUTREACH, "outreach")
        client = app.test_client()
        login(client, OUTREACH)
        print(f"dashboard: {len(events):,} demand events over {args.weeks} weeks (SQLite), "
              f"{args.rounds} requests per page after a cold one")
        print(f"  {'page':<52} {'cold ms':>8} {'p50 ms':>8} {'p95 ms':>8} {'KB':>6}")
        for page in PAGES:
            start = time.perf_counter()
            response = client.get(page)
            cold = (time.perf_counter() - start) * 1000
            assert response.status_code == 200, (page, response.status_code)
            times = []
            for _ in range(args.rounds):
                start = time.perf_counter()
                client.get(page).close()
                times.append((time.perf_counter() - start) * 1000)
            p95 = statistics.quantiles(times, n=20)[-1]
            size = len(response.get_data()) / 1024
            print(f"  {page:<52} {cold:8.0f} {statistics.median(times):8.0f} {p95:8.0f} "
                  f"{size:6.0f}")


if __name__ == "__main__":
    main()
