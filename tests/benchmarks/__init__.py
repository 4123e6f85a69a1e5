"""Benchmarks (``make bench``): figures printed, nothing asserted."""

from __future__ import annotations

from collections.abc import Callable


def on_postgresql(measure: Callable[[str], None]) -> None:
    """Run ``measure(url)`` against a throw-away PostgreSQL server (tests/pg_server.py), stopped
    afterwards; or say why PostgreSQL was not measured."""
    from tests import pg_server

    try:
        server = pg_server.start()
    except pg_server.Unavailable as reason:
        print(f"\nPostgreSQL: not measured ({reason})")
        return
    try:
        measure(server.url)
    finally:
        server.stop()
