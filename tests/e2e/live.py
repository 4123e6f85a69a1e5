"""A real HTTP server for browser tests and screenshots: the app under werkzeug's threaded
server on 127.0.0.1 (an ephemeral port), over its own database, stopped when done.

Also the browser: Debian's Chromium driven by Playwright (``executable_path``), with the
switches that keep it from reaching any network beyond the loopback."""

from __future__ import annotations

import os
import random
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from models.demand_tables import PublishedDemandEvent

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    configured = os.environ.get("SANGKHIM_CHROMIUM")
    if configured:
        return configured if os.path.exists(configured) else None
    for candidate in CHROMIUM_CANDIDATES:
        if os.path.exists(candidate):
            return candidate
    return shutil.which("chromium")


@dataclass
class LiveServer:
    app: Flask
    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@contextmanager
def serve(app: Flask) -> Iterator[LiveServer]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    live = LiveServer(app, server, thread)
    try:
        yield live
    finally:
        live.stop()


# --- synthetic demand (clearly made up: for tests and screenshots only) ------------------------
#: (province, district) pairs weighted by how often the made-up texters name them.
PLACES = [
    ("12", "1201", 30), ("12", "1203", 22), ("12", "1205", 18), ("12", "1209", 10),
    ("02", "0203", 16), ("17", "1710", 14), ("18", "1801", 12), ("01", "0102", 8),
    ("03", "0301", 6), ("08", "0801", 6), ("21", "2101", 3), ("11", "1101", 2),
    (None, None, 12),
]
SERVICE_INTENTS = [
    ("find_clinic", "voluntary_treatment", 40),
    ("find_needle_exchange", "needle_exchange", 25),
    ("find_methadone", "methadone", 20),
]
OTHER_INTENTS = [("faq_cost", "answered", 8), ("faq_privacy", "answered", 6),
                 ("emergency", "emergency", 3), ("unknown", "not_understood", 5)]
OUTCOMES = [("served_within_10km", 45), ("served_10_50km", 20), ("served_farther", 12),
            ("only_full", 10), ("no_service", 13)]
CHANNELS = [("sms", 55), ("whatsapp", 15), ("telegram", 30)]
LOCALES = [("km", 80), ("en", 20)]


def _pick(rng: random.Random, choices: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    return rng.choices(choices, weights=[c[-1] for c in choices])[0]


def synthetic_demand(
    last_day: date, weeks: int = 12, per_week: int = 220, seed: int = 7
) -> list[PublishedDemandEvent]:
    """Made-up demand events over ``weeks`` weeks ending ``last_day`` (deterministic)."""
    rng = random.Random(seed)
    events = []
    first = last_day - timedelta(weeks=weeks) + timedelta(days=1)
    for week in range(weeks):
        volume = int(per_week * (0.7 + 0.6 * week / max(weeks - 1, 1)) * rng.uniform(0.85, 1.15))
        for _ in range(volume):
            day = first + timedelta(days=week * 7 + rng.randrange(7))
            if day > last_day:
                day = last_day
            channel = _pick(rng, CHANNELS)[0]
            locale = _pick(rng, LOCALES)[0]
            if rng.random() < 0.8:
                intent, service_type, _w = _pick(rng, SERVICE_INTENTS)
                province, district, _w = _pick(rng, PLACES)
                outcome = _pick(rng, OUTCOMES)[0]
            else:
                intent, outcome, _w = _pick(rng, OTHER_INTENTS)
                service_type = province = district = None
            events.append(PublishedDemandEvent(
                day=day, hour=rng.randrange(24), channel=channel, locale=locale, intent=intent,
                service_type=service_type, province_code=province, district_code=district,
                outcome=outcome,
            ))
    return events
