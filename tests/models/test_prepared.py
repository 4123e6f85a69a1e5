"""Statements run on the driver's cursor (``models.prepared``) keep what SQLAlchemy's execution
guarantees: the columns' types convert what is written and read, so it reads back the same
through the ORM and the reverse; the engine's statement events fire; driver errors come out as
SQLAlchemy's, and a lost connection invalidates the pool, as the webhook's retry expects."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import bindparam, event, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from models import turns
from models.base import ReadOnlyError, make_engine, make_sessionmaker, reading
from models.conversation import Conversation
from models.demand_tables import StagedDemandEvent
from models.inbox import ProcessedMessage
from models.prepared import Prepared

HOUR = datetime(2026, 12, 9, 3, tzinfo=UTC)
ICT = timezone(timedelta(hours=7))
VALUES = {"locale": "km", "step": "menu", "data": '{"place": "02", "k": "ក"}',
          "updated_at": HOUR, "burst_start": datetime(2026, 12, 9, 10, 7, 59, tzinfo=ICT),
          "burst_count": 2, "limited": True, "replies": 3}
EVENT = {"day": date(2026, 12, 9), "hour": 10, "channel": "sms", "locale": "km",
         "intent": "find_methadone", "service_type": None, "province_code": "02",
         "district_code": None, "outcome": "within_10km", "new_sender": False}


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def _save(engine: Engine, sender: str, seen: int | None, delivery: str, **values: Any) -> Any:
    with turns.turn_connection(engine) as connection, turns.writing(connection):
        return turns.save_turn(connection, sender, seen, {**VALUES, **values}, EVENT, delivery,
                               '[{"text": "ចាស"}]', HOUR)


def test_what_a_turn_writes_reads_back_the_same_through_the_orm(engine: Engine) -> None:
    assert _save(engine, "s1", None, "d1") is turns.Saved.SAVED
    with make_sessionmaker(engine)() as session:
        row = session.get(Conversation, "s1")
        delivery = session.get(ProcessedMessage, "d1")
        staged = session.scalars(select(StagedDemandEvent)).one()
    assert row is not None and delivery is not None
    assert (row.locale, row.step, row.data, row.burst_count, row.limited, row.replies,
            row.version) == ("km", "menu", VALUES["data"], 2, True, 3, 0)
    assert row.updated_at == HOUR and row.updated_at.tzinfo is not None
    # UTCDateTime converted the Cambodian time to UTC, as the ORM would have written it
    assert row.burst_start == datetime(2026, 12, 9, 3, 7, 59, tzinfo=UTC)
    assert row.burst_start.utcoffset() == timedelta(0)
    assert (delivery.reply, delivery.received_at) == ('[{"text": "ចាស"}]', HOUR)
    assert (staged.day, staged.hour, staged.new_sender, staged.service_type) == (
        date(2026, 12, 9), 10, False, None)


def test_a_row_the_orm_wrote_loads_as_core_reads_it(engine: Engine) -> None:
    with make_sessionmaker(engine)() as session:
        session.add(Conversation(sender_key="s2", **VALUES))
        session.commit()
    with turns.turn_connection(engine) as connection:
        prepared = turns.load_conversation(connection, "s2")
        assert turns.load_conversation(connection, "nobody") is None
    with reading(engine) as connection:
        core = connection.execute(select(Conversation.__table__).where(
            Conversation.sender_key == "s2")).one()
    assert prepared is not None
    assert tuple(prepared) == tuple(core)
    assert prepared._fields == tuple(core._fields)
    assert isinstance(prepared.limited, bool) and prepared.updated_at.tzinfo is not None


def test_the_engines_statement_events_see_the_prepared_statements(engine: Engine) -> None:
    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.split()[0].upper())

    event.listen(engine, "before_cursor_execute", listen)
    try:
        _save(engine, "s3", None, "d3")
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    if engine.dialect.name == "sqlite":
        assert seen[:2] == ["BEGIN", "INSERT"]  # BEGIN IMMEDIATE: psycopg begins by itself
    else:
        assert seen == ["WITH"]


def test_a_write_on_the_turns_connection_before_its_transaction_is_refused(
    engine: Engine,
) -> None:
    table = ProcessedMessage.__table__
    record = Prepared(insert(table).values(
        inbound_key=bindparam("k"), reply=bindparam("r"),
        received_at=bindparam("h", type_=table.c.received_at.type)))
    with turns.turn_connection(engine) as connection, pytest.raises(ReadOnlyError):
        record.execute(connection, {"k": "d4", "r": "[]", "h": HOUR})
    with reading(engine) as connection:
        assert turns.stored_reply(connection, "d4") is None


def test_driver_errors_are_sqlalchemys_and_roll_the_turn_back(engine: Engine) -> None:
    assert _save(engine, "s5", None, "d5") is turns.Saved.SAVED
    with pytest.raises(IntegrityError):
        _save(engine, "s5", None, "d6")  # another turn made the new sender's row first
    with reading(engine) as connection:
        assert turns.stored_reply(connection, "d6") is None
        count = len(connection.execute(select(StagedDemandEvent.id)).all())
    assert count == 1


def test_a_lost_connection_invalidates_the_pool_and_the_next_turn_gets_a_fresh_one(
    engine: Engine,
) -> None:
    with turns.turn_connection(engine) as connection:
        connection.connection.driver_connection.close()  # as a server restart leaves it
        with pytest.raises(DBAPIError) as raised:
            turns.load_conversation(connection, "s6")
        assert raised.value.connection_invalidated
        assert connection.invalidated
    assert _save(engine, "s6", None, "d7") is turns.Saved.SAVED


def test_a_statement_whose_sql_is_made_at_execution_is_refused(engine: Engine) -> None:
    listed = Prepared(select(Conversation.sender_key).where(
        Conversation.sender_key.in_(bindparam("keys", expanding=True))))
    with turns.turn_connection(engine) as connection, pytest.raises(ValueError):
        listed.execute(connection, {"keys": ["s1", "s2"]})
