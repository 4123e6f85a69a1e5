"""SQLite's write-ahead log copied back into the database off the texters' requests.

In WAL mode every commit is appended to the log (``<database>-wal``), and by default the commit
that takes the log past 1,000 pages also copies it back into the database file (a
*checkpoint*, with a flush to disk) before it returns: a few milliseconds, up to a few tens,
paid by whichever texter's turn crossed the line, and by the turns queued behind its write
lock. On the development machine, in a loop of small commits: p99 1.8 ms and p99.9 14 ms with
those automatic checkpoints, 0.14 ms and 4 ms without. At hundreds of messages a second that
is a checkpoint every second or so: the webhook's slowest percent.

So each gunicorn worker runs a checkpointer (``gunicorn.conf.py``, ``post_worker_init``): a
thread that every second copies back what it can without waiting for anyone (``PASSIVE``:
frames a reader still uses stay for the next pass), on a connection of its own. The log then
starts over from its beginning at the next commit. The worker's own connections keep an
automatic checkpoint only as a safety net, at ``SAFETY_PAGES`` (about 40 MB of log), reached
only if the thread stopped. Commands, tests and ``flask run`` keep SQLite's default; PostgreSQL
has a checkpointer of its own.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

#: Seconds between two passes.
INTERVAL = 1.0
#: The web connections' automatic checkpoint, in pages, while a checkpointer runs.
SAFETY_PAGES = 10_000


class Checkpointer:
    """One thread that checkpoints one SQLite file every ``interval`` seconds."""

    def __init__(self, path: str, interval: float = INTERVAL) -> None:
        self.path = path
        self.interval = interval
        #: Passes done, and frames copied back by them (for tests and curious operators).
        self.passes = 0
        self.copied = 0
        self._stop = threading.Event()
        self._passed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpointer",
                                        daemon=True)

    def start(self) -> Checkpointer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def wait_for_passes(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` passes have been done (tests); False if ``timeout`` ran out."""
        with self._passed:
            return self._passed.wait_for(lambda: self.passes >= count, timeout)

    def checkpoint(self, connection: sqlite3.Connection) -> None:
        """One pass: copy back every frame no reader needs, waiting for nobody."""
        busy, logged, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        with self._passed:
            self.passes += 1
            self.copied += max(copied, 0)
            self._passed.notify_all()

    def _run(self) -> None:
        # A connection of its own, used by this thread only; it holds no lock between passes.
        # The short timeout: a pass that finds the file busy is simply tried again next time.
        with contextlib.closing(sqlite3.connect(self.path, timeout=0.1,
                                                isolation_level=None)) as connection:
            while not self._stop.is_set():
                try:
                    self.checkpoint(connection)
                except sqlite3.Error as error:  # busy, or the file went away: try again later
                    log.debug("checkpoint skipped (%s)", error)
                self._stop.wait(self.interval)


def sqlite_file(engine: Engine) -> str | None:
    """The path of ``engine``'s SQLite file; None for PostgreSQL or a database in memory."""
    url = engine.url
    if engine.dialect.name != "sqlite" or not url.database or url.database == ":memory:":
        return None
    if url.query.get("mode") == "memory":
        return None
    return url.database


def start(engine: Engine, interval: float = INTERVAL) -> Checkpointer | None:
    """Checkpoint ``engine``'s SQLite file in the background, and move its connections'
    automatic checkpoint to the safety net (connections already pooled are replaced: those
    the master may have opened before the fork, or a warm-up). Nothing for PostgreSQL."""
    path = sqlite_file(engine)
    if path is None:
        return None
    event.listen(engine, "connect", _safety_net)
    engine.dispose()  # pooled connections are closed; new ones get the pragma
    return Checkpointer(path, interval).start()


def _safety_net(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA wal_autocheckpoint={SAFETY_PAGES}")
    cursor.close()
