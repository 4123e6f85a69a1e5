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


def test_a_thread_keeps_its_lock_file_and_a_forked_child_or_a_replaced_file_gets_its_own(
    tmp_path: Path,
) -> None:
    """The lock file stays open between turns, but never shared: a child forked while it is
    open (it would share the parent's open file, and with it the lock) and a file put back
    after it was removed are opened anew, so the turns still exclude each other."""
    import os
    import threading

    from models.base import _writers_lock_file

    path = str(tmp_path / "x.db-writers.lock")
    first = _writers_lock_file(path)
    assert _writers_lock_file(path) is first  # kept between turns
    others: list[object] = []
    thread = threading.Thread(target=lambda: others.append(_writers_lock_file(path)))
    thread.start()
    thread.join()
    assert others[0] is not first  # each thread its own open file
    os.remove(path)
    again = _writers_lock_file(path)
    assert again is not first and Path(path).exists()
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        os.write(writer, b"1" if _writers_lock_file(path) is not again else b"0")
        os._exit(0)
    os.waitpid(child, 0)
    assert os.read(reader, 1) == b"1"
    os.close(reader)
    os.close(writer)
