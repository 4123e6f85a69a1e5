"""Engine helpers: the SQLite writers' turn taking across processes."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from models.base import make_engine, writer_turn

# Another process tries to take the same turn; it reports how long it waited.
CONTENDER = """
import sys, time
from models.base import make_engine, writer_turn
engine = make_engine(sys.argv[1])
start = time.monotonic()
print("waiting", flush=True)
with writer_turn(engine):
    print(f"got it after {time.monotonic() - start:.3f}", flush=True)
"""


def test_writers_in_other_processes_wait_for_the_turn_and_get_it_when_it_is_released(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'turns.db'}"
    engine = make_engine(url)
    root = Path(__file__).resolve().parents[2]
    with writer_turn(engine):
        contender = subprocess.Popen(
            [sys.executable, "-c", CONTENDER, url], cwd=root, stdout=subprocess.PIPE, text=True
        )
        assert contender.stdout is not None
        assert contender.stdout.readline().strip() == "waiting"
        time.sleep(0.5)  # the contender is blocked all this time
        assert contender.poll() is None
    output, _ = contender.communicate(timeout=30)
    waited = float(output.split()[-1])
    assert waited >= 0.4  # it could not start before the turn was released
    assert (tmp_path / "turns.db-writers.lock").exists()


def test_an_in_memory_database_takes_no_turn_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with writer_turn(make_engine("sqlite://")), writer_turn(make_engine("sqlite:///:memory:")):
        pass  # nested: nothing to wait for either
    assert not list(tmp_path.iterdir())



def test_every_sqlite_connection_has_the_settings_the_design_relies_on(tmp_path: Path) -> None:
    """Write-ahead logging (readers never wait for the writer), foreign keys, NORMAL sync and
    ``secure_delete`` (a deleted row is overwritten, not left readable in a free page: an
    opt-out must not leave its pseudonym in the file) on every pooled connection, a new one
    as much as the first."""
    engine = make_engine(f"sqlite:///{tmp_path / 'settings.db'}")
    first, second = engine.raw_connection(), engine.raw_connection()  # two pooled connections
    try:
        for connection in (first, second):
            def pragma(name: str, on: object = connection) -> object:
                return on.cursor().execute(f"PRAGMA {name}").fetchone()[0]  # type: ignore[attr-defined]

            assert pragma("journal_mode") == "wal"
            assert pragma("foreign_keys") == 1
            assert pragma("synchronous") == 1  # NORMAL
            assert pragma("secure_delete") == 1
    finally:
        first.close()
        second.close()
