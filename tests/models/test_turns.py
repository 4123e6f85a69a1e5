"""A turn's writes (``models.turns.save_turn``): one statement on PostgreSQL, three on SQLite,
the same outcome and the same rows on both."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from models import turns
from models.base import make_engine
from models.demand_tables import StagedDemandEvent
from models.inbox import ProcessedMessage

HOUR = datetime(2026, 12, 9, 3, tzinfo=UTC)
VALUES = {"locale": "km", "step": "menu", "data": '{"place": "02"}', "updated_at": HOUR,
          "burst_start": datetime(2026, 12, 9, 3, 7, tzinfo=UTC), "burst_count": 2,
          "limited": False, "replies": 3}
EVENT = {"day": date(2026, 12, 9), "hour": 10, "channel": "sms", "locale": "km",
         "intent": "find_methadone", "service_type": "methadone", "province_code": "02",
         "district_code": None, "outcome": "within_10km", "new_sender": True}


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def save(engine: Engine, sender: str, seen: int | None, delivery: str,
         event: dict[str, Any] | None = None, **values: Any) -> turns.Saved:
    with engine.begin() as connection:
        saved = turns.save_turn(connection, sender, seen, {**VALUES, **values}, event,
                                delivery, '[{"text": "ok"}]', HOUR)
        if saved is not turns.Saved.SAVED:
            connection.rollback()  # as the pipeline does: nothing of the turn stands
        return saved


def count(engine: Engine, model: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(model)).scalar_one())


def test_new_and_following_turns_write_the_row_the_event_and_the_delivery(
    engine: Engine,
) -> None:
    assert save(engine, "s1", None, "d1", EVENT) is turns.Saved.SAVED
    assert save(engine, "s1", 0, "d2", None, step="ask_place", replies=4) is turns.Saved.SAVED
    with engine.connect() as connection:
        row = turns.load_conversation(connection, "s1")
        reply = turns.stored_reply(connection, "d1")
        staged = connection.execute(select(StagedDemandEvent.__table__)).one()
    assert row is not None and (row.step, row.replies, row.version) == ("ask_place", 4, 1)
    assert (row.data, row.updated_at, row.burst_start) == (VALUES["data"], HOUR,
                                                            VALUES["burst_start"])
    assert reply == '[{"text": "ok"}]'
    assert count(engine, ProcessedMessage) == 2
    assert (staged.day, staged.hour, staged.intent, staged.province_code, staged.new_sender) == (
        date(2026, 12, 9), 10, "find_methadone", "02", True)
    assert len(staged.id) == 32


@pytest.mark.parametrize(
    ("seen", "delivery", "expected"),
    [
        pytest.param(0, "d1", turns.Saved.REPEAT, id="the-delivery-was-answered-before"),
        pytest.param(7, "d2", turns.Saved.CONFLICT, id="another-turn-saved-the-row-first"),
        pytest.param(7, "d1", turns.Saved.CONFLICT, id="both: worked out again, then a repeat"),
    ],
)
def test_a_repeat_or_a_conflict_is_reported_and_rolled_back(
    engine: Engine, seen: int, delivery: str, expected: turns.Saved,
) -> None:
    assert save(engine, "s1", None, "d1") is turns.Saved.SAVED
    assert save(engine, "s1", seen, delivery, EVENT, step="changed") is expected
    with engine.connect() as connection:
        row = turns.load_conversation(connection, "s1")
    assert row is not None and (row.step, row.version) == ("menu", 0)
    assert count(engine, ProcessedMessage) == 1 and count(engine, StagedDemandEvent) == 0


def test_a_new_senders_row_made_first_by_another_turn_is_an_integrity_error(
    engine: Engine,
) -> None:
    """A plain INSERT: the pipeline works the turn out again on the row the other made."""
    assert save(engine, "s1", None, "d1") is turns.Saved.SAVED
    with pytest.raises(IntegrityError):
        save(engine, "s1", None, "d2", EVENT)
    assert count(engine, ProcessedMessage) == 1 and count(engine, StagedDemandEvent) == 0
