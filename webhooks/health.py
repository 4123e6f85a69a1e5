"""Liveness and readiness, for what watches the app from outside.

- ``GET /healthz`` (liveness, for an orchestrator that restarts a stuck process): 200 at once
  while the process runs and answers HTTP. It never touches the database, so a slow or
  restarting database (a migration holding a lock, a large database's recovery) does not get
  healthy workers killed.
- ``GET /readyz`` (readiness, for a load balancer that sends traffic only where it can be
  served): 200 when the database answers within ``READY_TIMEOUT`` seconds and its migrations
  are those of this code; 503, within that time, otherwise. Texters are still answered while it
  is 503 (the safe static reply when the database is down: webhooks/pipeline.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Response, jsonify
from sqlalchemy.exc import SQLAlchemyError

from models import migrate
from models.base import reading
from webhooks.database import Database, get_db

bp = Blueprint("health", __name__)

#: Seconds /readyz waits for the database before it answers 503.
READY_TIMEOUT = 2.0

T = TypeVar("T")


class Runner:
    """Runs a check in a thread of its own and waits for it ``timeout`` seconds at most. While
    a check is still running (the database hangs), the next one answers at once with
    ``TimeoutError`` instead of starting another: a hung database holds one thread and one
    connection per process, never more."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._busy = False

    def run(self, check: Callable[[], T], timeout: float) -> T:
        with self._lock:
            if self._busy:
                raise TimeoutError(f"the previous {self.name} check is still running")
            self._busy = True
        done = threading.Event()
        outcome: dict[str, Any] = {}

        def target() -> None:
            try:
                outcome["value"] = check()
            except BaseException as error:  # handed to the waiting request
                outcome["error"] = error
            finally:
                with self._lock:
                    self._busy = False
                done.set()

        # A daemon thread: a check stuck on the database never holds up a worker's exit.
        threading.Thread(target=target, name=f"sangkhim-{self.name}", daemon=True).start()
        if not done.wait(timeout):
            raise TimeoutError(f"the {self.name} check took more than {timeout:g} s")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]  # type: ignore[no-any-return]


_READINESS = Runner("readiness")


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    return jsonify(status="ok"), 200


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    db = get_db()
    try:
        database, migrations = _READINESS.run(lambda: _readiness(db), READY_TIMEOUT)
    except TimeoutError:
        database, migrations = "timeout", "unknown"
    ready = database == "ok" and migrations in (migrate.CURRENT, migrate.NEWER)
    status = "ready" if ready else "unavailable"
    return jsonify(status=status, database=database, migrations=migrations), 200 if ready else 503


def _readiness(db: Database) -> tuple[str, str]:
    """Whether the database answers, and how its migrations compare with this code's."""
    try:
        db.ping()
    except SQLAlchemyError:
        return "unreachable", "unknown"
    try:
        with reading(db.engine) as connection:
            return "ok", migrate.schema_state(connection)
    except SQLAlchemyError:
        return "ok", migrate.MISSING  # no alembic_version table: never migrated
