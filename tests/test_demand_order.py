"""Demand events say nothing of the order they arrived in, and nothing ties one to the turn
that made it (docs/PRIVACY.md, "What is stored": demand events).

Each test sends requests that can be told apart (a channel and a province each), in an order
the test knows, then runs the hourly purge, and looks where a forensic reader would: on
PostgreSQL the system columns (``xmin``, the transaction that wrote a row, which survives
``CLUSTER``; ``ctid``, where the row lies), on SQLite the file itself (no ``rowid``; the byte
offsets of the cells of one page, which follow the order they were written in).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.types import Inbound
from core.place_codes import PROVINCE, unit_rows
from core.vocabulary import Channel
from models.retention import compact
from tests.conftest import app_now
from tests.sqlite_pages import layout, stored_cells, written_in_key_order
from webhooks import pipeline

#: Tables whose rows name a sender or a delivery (a pseudonym, a keyed digest of one): a
#: demand event written in the same transaction as one of their rows would share its ``xmin``.
SENDER_TABLES = ("conversation", "processed_message", "daily_sender_digest", "daily_key")
#: Kendall's tau between arrival and storage order above which the order is said to show.
#: Shuffled, 75 events on three or four pages give tau within ±0.1 or so (sd about 0.08).
SHOWS_ORDER = 0.4


def _requests(app: Flask, at: datetime) -> dict[tuple[str, str], int]:
    """75 service requests, each from its own texter, one a minute's fraction apart from
    ``at`` on: every channel asks for methadone in every province, in a shuffled order.
    Returns each event's (channel, province code) and the order it arrived in."""
    plan = [(channel, code, name) for channel in Channel
            for code, _km, name in unit_rows(PROVINCE)]
    random.Random(5).shuffle(plan)
    arrival = {}
    with app.app_context():
        for number, (channel, code, name) in enumerate(plan):
            inbound = Inbound(channel, f"order-{number}", f"methadone in {name} province",
                              provider_id=f"SM-order-{number}")
            assert pipeline.process(inbound, at + timedelta(seconds=20 * number)).messages
            arrival[(str(channel), code)] = number
    return arrival


def _last_hour(app: Flask) -> datetime:
    """The start of the hour before the app's current one: the requests lie wholly in a past
    hour, so the hourly purge run now publishes them, and nothing they wrote has expired yet."""
    return app_now(app).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


def _hourly_purge(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output


def kendall_tau(groups: Sequence[Sequence[int]]) -> float:
    """Agreement of storage order with arrival order: each group is the arrival numbers of
    rows in the order they are stored (1: the same order, 0: none, -1: reversed). Only pairs
    within one group count (a page, on SQLite)."""
    agree = disagree = 0
    for order in groups:
        for i, first in enumerate(order):
            for second in order[i + 1:]:
                agree += first < second
                disagree += first > second
    return (agree - disagree) / max(agree + disagree, 1)


def test_kendall_tau_sees_an_order() -> None:
    assert kendall_tau([[0, 1, 2, 3], [4, 5, 6]]) == 1
    assert kendall_tau([[3, 2, 1, 0]]) == -1
    shuffled = list(range(75))
    random.Random(1).shuffle(shuffled)
    assert abs(kendall_tau([shuffled])) < SHOWS_ORDER


def _assert_ids_carry_no_order(ids: Sequence[str], arrival: Sequence[int]) -> None:
    """The random ids, in their own order, are not the events' order of arrival."""
    by_id = [number for _, number in sorted(zip(ids, arrival))]
    assert abs(kendall_tau([by_id])) < SHOWS_ORDER


def test_postgresql_system_columns_carry_no_arrival_order_and_no_link(sample_app: Flask) -> None:
    """N5: every event written by the turn that made it shared that turn's ``xmin`` with the
    texter's conversation row, the delivery record and the day's digest, and ``xmin`` (kept by
    ``CLUSTER`` did) and ``ctid`` both followed arrival. Published by the hourly purge instead, all
    of one hour's events share one transaction, which writes nothing that names a sender, and
    lie in the order of their random ids."""
    engine = sample_app.extensions["sangkhim.db"].engine
    if engine.dialect.name != "postgresql":
        pytest.skip("xmin and ctid are PostgreSQL's; SQLite is read from its file below")
    arrival = _requests(sample_app, _last_hour(sample_app))
    _hourly_purge(sample_app)

    def published() -> list[tuple[str, str, str, int]]:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(
                "SELECT id, channel, province_code, xmin::text::bigint FROM demand_event "
                "ORDER BY ctid"))]

    def written_with_a_sender() -> set[int]:
        with engine.connect() as connection:
            return {xid for table in SENDER_TABLES for xid in connection.execute(text(
                f"SELECT xmin::text::bigint FROM {table}")).scalars()}

    rows = published()
    assert sorted((channel, code) for _, channel, code, _ in rows) == sorted(arrival)  # once each
    assert written_with_a_sender()  # the check below could see a shared transaction
    assert {xid for *_, xid in rows}.isdisjoint(written_with_a_sender())
    assert len({xid for *_, xid in rows}) == 1  # one transaction: xmin gives no order
    with engine.connect() as connection:  # nor do the day's counts of senders
        counted = set(connection.execute(text(
            "SELECT xmin::text::bigint FROM daily_unique_sender")).scalars())
    assert counted and counted.isdisjoint(written_with_a_sender())
    ids = [row[0] for row in rows]
    assert ids == sorted(ids)  # ctid follows the random ids, not arrival
    _assert_ids_carry_no_order(ids, [arrival[(channel, code)] for _, channel, code, _ in rows])

    compact(engine)  # the clock's compaction (plain VACUUM) moves no row and keeps xmin
    rows = published()
    assert len({xid for *_, xid in rows}) == 1
    assert {xid for *_, xid in rows}.isdisjoint(written_with_a_sender())
    assert [row[0] for row in rows] == sorted(ids)


def test_sqlite_files_keep_no_arrival_order(sample_app: Flask, tmp_path: Path) -> None:
    """No rowid to sort by; and the file is laid out exactly as if the events had been written
    in the order of their random ids. (Within a page SQLite writes each new cell below the
    others, so the offsets of a page's cells show the order they were written in, until the
    page is rebuilt: written as they arrived, they showed it.)"""
    engine = sample_app.extensions["sangkhim.db"].engine
    if engine.dialect.name != "sqlite":
        pytest.skip("the file layout is SQLite's; PostgreSQL's system columns are read above")
    arrival = _requests(sample_app, _last_hour(sample_app))
    _hourly_purge(sample_app)
    with engine.connect() as connection:
        for table in ("demand_event", "demand_event_staged"):
            with pytest.raises(OperationalError):
                connection.execute(text(f"SELECT rowid FROM {table}"))
    engine.dispose()
    path = Path(engine.url.database)
    cells = stored_cells(path, "demand_event")
    columns = ("id", "day", "hour", "channel", "locale", "intent", "service_type",
               "province_code", "district_code", "outcome")
    events = [dict(zip(columns, cell.values)) for cell in cells]
    assert sorted((e["channel"], e["province_code"]) for e in events) == sorted(arrival)
    assert len({cell.page for cell in cells}) >= 3  # split pages, rebuilt and written into
    assert layout(cells) == layout(written_in_key_order(path, "demand_event", tmp_path / "k.db"))
    _assert_ids_carry_no_order([str(e["id"]) for e in events],
                               [arrival[(str(e["channel"]), str(e["province_code"]))]
                                for e in events])
