"""Retention (models/retention.py, ``flask purge``): exactly what has expired goes, nothing else."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    Conversation,
    DailyKey,
    DailySenderDigest,
    DailyUniqueSender,
    ProcessedMessage,
    PublishedDemandEvent,
    Service,
    retention,
    unique,
)
from tests.conftest import PINNED_TODAY

NOW = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
TODAY, YESTERDAY, LAST_WEEK = NOW.date(), NOW.date() - timedelta(days=1), NOW.date() - timedelta(days=7)


@contextmanager
def session_of(app: Flask) -> Iterator[Session]:
    with app.extensions["sangkhim.db"].sessions() as session, session.begin():
        yield session


def seed(app: Flask) -> None:
    """State of every kind, some expired at NOW and some not."""
    with session_of(app) as session:
        for key, age in {"old": timedelta(hours=25), "edge": timedelta(hours=24, seconds=1),
                         "fresh": timedelta(hours=23, minutes=59), "new": timedelta(0)}.items():
            session.add(Conversation(sender_key=key.ljust(64, "0"), locale="km", step="menu",
                                     data="{}", updated_at=NOW - age))
        for key, age in {"1": timedelta(days=7, seconds=1), "2": timedelta(days=6, hours=23),
                         "3": timedelta(minutes=1)}.items():
            session.add(ProcessedMessage(inbound_key=key * 64, reply="[]", received_at=NOW - age))
        for day in (LAST_WEEK, YESTERDAY, TODAY):
            session.add(DailyKey(day=day, key=bytes(32)))
            session.add(DailySenderDigest(day=day, digest=f"{day:%d}".ljust(64, "f")))
            session.add(DailyUniqueSender(day=day, service_type="methadone", province_code="16",
                                          district_code="", senders=3))
            session.add(PublishedDemandEvent(day=day, hour=9, channel="sms", locale="km", intent="find_methadone",
                                    service_type="methadone", province_code="16", district_code=None,
                                    outcome="served_farther"))
        session.add(Service(service_type="methadone", name_km="ក", name_en="A", province_code="12"))


def inventory(app: Flask) -> dict[str, object]:
    with session_of(app) as session:
        return {
            "conversations": sorted(k.rstrip("0") for k in session.scalars(select(Conversation.sender_key))),
            "processed": sorted(k[0] for k in session.scalars(select(ProcessedMessage.inbound_key))),
            "keys": sorted(session.scalars(select(DailyKey.day))),
            "digests": sorted(session.scalars(select(DailySenderDigest.day))),
            "counts": session.scalar(select(func.count()).select_from(DailyUniqueSender)),
            "events": session.scalar(select(func.count()).select_from(PublishedDemandEvent)),
            "services": session.scalar(select(func.count()).select_from(Service)),
        }


def test_purge_removes_exactly_what_has_expired(app: Flask) -> None:
    seed(app)
    with session_of(app) as session:
        done = retention.purge(session, NOW, state_ttl_hours=24, processed_retention_days=7)
    assert done == retention.Purged(conversations=2, processed=1, daily_keys=2)
    assert inventory(app) == {
        "conversations": ["fresh", "new"],
        "processed": ["2", "3"],
        "keys": [TODAY],  # the open day keeps its key and digests...
        "digests": [TODAY],
        "counts": 3,  # ...and every day keeps its counts, events and the directory
        "events": 3,
        "services": 1,
    }
    with session_of(app) as session:  # safe to run again at once
        again = retention.purge(session, NOW, state_ttl_hours=24, processed_retention_days=7)
    assert again == retention.Purged(0, 0, 0)


def test_purge_follows_the_configured_lifetimes(app: Flask) -> None:
    seed(app)
    with session_of(app) as session:
        retention.purge(session, NOW, state_ttl_hours=1, processed_retention_days=1)
    assert inventory(app)["conversations"] == ["new"]
    assert inventory(app)["processed"] == ["3"]


def test_flask_purge_closes_the_days_before_today(app: Flask) -> None:
    yesterday = PINNED_TODAY - timedelta(days=1)  # the day of the apps' clock
    with session_of(app) as session:  # nobody has asked for anything yet today
        unique.count_sender(session, yesterday, "a" * 64, "methadone", "16", None)
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "1 closed daily key(s)" in result.stdout
    assert inventory(app)["keys"] == inventory(app)["digests"] == []
    assert inventory(app)["counts"] == 1


def test_the_first_request_of_a_day_closes_earlier_days(app: Flask) -> None:
    with session_of(app) as session:
        unique.count_sender(session, date(2026, 11, 16), "a" * 64, "methadone", "16", None)
        unique.count_sender(session, date(2026, 11, 17), "b" * 64, "methadone", "16", None)
    assert inventory(app)["keys"] == [date(2026, 11, 17)]
    assert inventory(app)["digests"] == [date(2026, 11, 17)]
