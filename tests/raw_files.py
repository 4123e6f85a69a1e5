"""The database's files, read the way someone holding a copy of them would read them: byte by
byte, without the database engine. SQLite: the database file, its write-ahead log and its
shared-memory index. PostgreSQL: every file of the test database in the server's data
directory and every WAL segment, after a checkpoint that also writes out the buffers of
unlogged tables (the shutdown checkpoint a clean stop makes would write them too)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

#: Read files in pieces of this size (a PostgreSQL WAL segment is 16 MB), overlapping by the
#: longest needle, so a needle that straddles two pieces is found too.
CHUNK = 4 * 1024 * 1024


def database_files(app: Flask, request: pytest.FixtureRequest) -> list[Path]:
    """The files a copy of the database consists of, as they are on disk now."""
    engine = app.extensions["sangkhim.db"].engine
    if engine.dialect.name == "sqlite":
        path = Path(engine.url.database or "")
        return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
    server = request.getfixturevalue("postgres_server")
    if server.data_dir is None:
        pytest.skip("an existing PostgreSQL server (SANGKHIM_TEST_POSTGRES_URL): its files "
                    "cannot be read")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # CREATE DATABASE ... FILE_COPY checkpoints with CHECKPOINT_FLUSH_ALL: every dirty
        # buffer, unlogged tables' included, goes to disk (a plain CHECKPOINT skips those).
        connection.execute(text("DROP DATABASE IF EXISTS sangkhim_flush"))
        connection.execute(text(
            "CREATE DATABASE sangkhim_flush TEMPLATE template0 STRATEGY FILE_COPY"))
        connection.execute(text("DROP DATABASE sangkhim_flush"))
        connection.execute(text("CHECKPOINT"))
        oid = connection.execute(text(
            "SELECT oid FROM pg_database WHERE datname = current_database()")).scalar_one()
    folders = (server.data_dir / "base" / str(oid), server.data_dir / "pg_wal")
    return sorted(p for folder in folders for p in folder.rglob("*") if p.is_file())


def _pieces(path: Path, overlap: int) -> Iterator[bytes]:
    with path.open("rb") as handle:
        tail = b""
        while piece := handle.read(CHUNK):
            yield tail + piece
            tail = piece[-overlap:] if overlap else b""


def find(files: list[Path], needles: Mapping[str, bytes]) -> list[tuple[str, str]]:
    """``(needle name, file name)`` for every needle found in a file."""
    longest = max((len(n) for n in needles.values()), default=0)
    found = []
    for path in files:
        seen: set[str] = set()
        for piece in _pieces(path, longest):
            seen |= {name for name, needle in needles.items() if needle and needle in piece}
        found += [(name, path.name) for name in sorted(seen)]
    return found
