"""Daily unique senders (models/unique.py) on SQLite and PostgreSQL: counted once per day and
cell, with a key that lives one day; STOP forgets the sender's digests, closing a day leaves
only counts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import DailyKey, DailySenderDigest, DailyUniqueSender, unique

MONDAY, TUESDAY = date(2026, 11, 16), date(2026, 11, 17)
ALICE, BOB = "a" * 64, "b" * 64


@contextmanager
def session_of(app: Flask) -> Iterator[Session]:
    with app.extensions["sangkhim.db"].sessions() as session, session.begin():
        yield session


def counts(app: Flask) -> dict[tuple[date, str, str, str], int]:
    with session_of(app) as session:
        return {
            (r.day, r.service_type, r.province_code, r.district_code): r.senders
            for r in session.scalars(select(DailyUniqueSender))
        }


def count(app: Flask, day: date, sender: str, service: str = "methadone",
          province: str | None = "16", district: str | None = "1602") -> bool:
    with session_of(app) as session:
        return unique.count_sender(session, day, sender, service, province, district)


def test_a_sender_is_counted_once_a_day_per_service_and_place(app: Flask) -> None:
    assert count(app, MONDAY, ALICE)
    assert not count(app, MONDAY, ALICE)  # asked again: not counted again
    assert count(app, MONDAY, BOB)
    assert count(app, MONDAY, ALICE, service="needle_exchange")
    assert count(app, MONDAY, ALICE, province="16", district=None)  # only the province named
    assert count(app, MONDAY, ALICE, province=None, district=None)
    assert counts(app) == {
        (MONDAY, "methadone", "16", "1602"): 2,
        (MONDAY, "needle_exchange", "16", "1602"): 1,
        (MONDAY, "methadone", "16", ""): 1,
        (MONDAY, "methadone", "", ""): 1,
    }


def test_the_first_request_of_a_new_day_closes_the_old_one(app: Flask) -> None:
    count(app, MONDAY, ALICE)
    with session_of(app) as session:
        monday_key = session.scalar(select(DailyKey.key))
        monday_digests = set(session.scalars(select(DailySenderDigest.digest)))
    assert count(app, TUESDAY, ALICE)  # a new day: counted again, with a new key
    with session_of(app) as session:
        assert session.scalars(select(DailyKey.day)).all() == [TUESDAY]
        tuesday_key = session.scalar(select(DailyKey.key))
        digests = session.execute(select(DailySenderDigest.day, DailySenderDigest.digest)).all()
    assert tuesday_key != monday_key and len(tuesday_key or b"") == unique.KEY_BYTES
    assert [day for day, _ in digests] == [TUESDAY]
    assert not monday_digests & {digest for _, digest in digests}  # nothing links the two days
    assert counts(app) == {
        (MONDAY, "methadone", "16", "1602"): 1,
        (TUESDAY, "methadone", "16", "1602"): 1,
    }


def test_a_senders_digests_share_nothing(app: Flask) -> None:
    count(app, MONDAY, ALICE)
    count(app, MONDAY, ALICE, service="needle_exchange")
    with session_of(app) as session:
        first, second = session.scalars(select(DailySenderDigest.digest)).all()
    assert first != second and ALICE not in first + second


def test_stop_forgets_the_senders_digests_and_keeps_the_counts(app: Flask) -> None:
    count(app, MONDAY, ALICE)
    count(app, MONDAY, ALICE, service="needle_exchange")
    count(app, MONDAY, BOB)
    with session_of(app) as session:
        assert unique.forget_sender(session, ALICE) == 2
        assert len(session.scalars(select(DailySenderDigest)).all()) == 1  # Bob's
    assert counts(app)[(MONDAY, "methadone", "16", "1602")] == 2
    assert count(app, MONDAY, BOB) is False  # Bob is still known for today


def test_close_days_deletes_keys_and_digests_before_a_day_only(app: Flask) -> None:
    count(app, MONDAY, ALICE)
    with session_of(app) as session:
        assert unique.close_days(session, before=MONDAY) == 0
        assert unique.close_days(session, before=TUESDAY) == 1
        assert session.scalars(select(DailyKey)).all() == []
        assert session.scalars(select(DailySenderDigest)).all() == []
    assert counts(app) == {(MONDAY, "methadone", "16", "1602"): 1}


def test_concurrent_first_requests_of_a_day_share_one_key_and_count_right(app: Flask) -> None:
    """Workers racing on a new day's key, and on the same sender and cell, count exactly."""
    from concurrent.futures import ThreadPoolExecutor

    count(app, MONDAY, "z" * 64)  # an open Monday, to be closed by the race below
    senders = [f"{i:064d}" for i in range(12)] * 2  # every sender twice, at once

    def work(sender: str) -> bool:
        return count(app, TUESDAY, sender)

    with ThreadPoolExecutor(max_workers=8) as pool:
        counted = list(pool.map(work, senders))
    assert sum(counted) == 12
    assert counts(app)[(TUESDAY, "methadone", "16", "1602")] == 12
    with session_of(app) as session:
        assert session.scalars(select(DailyKey.day)).all() == [TUESDAY]
        assert len(session.scalars(select(DailySenderDigest)).all()) == 12
