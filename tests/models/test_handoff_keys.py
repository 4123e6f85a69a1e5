"""Where a chat's key lives (migration 0011): its own table, written once, UNLOGGED on
PostgreSQL; chats open during the upgrade go on; the handoff table keeps no copy of a key."""

from __future__ import annotations

import json
from datetime import UTC, timedelta

import pytest
from sqlalchemy import text

from models import handoffs, sealing
from models import migrate as migrations
from models.base import make_engine
from tests.conftest import PINNED_NOW

KEY_A = "OmV-sfo3JgxPK5CQHx1Dn3A8KM7hxwkU5QXeYudMKB0"  # random, as a real key is
KEY_B = "ZF6hSp2Hh2pMoI5Pw-8Qo9DRmD4IyS_x4OUJfXWy-mo"
LEGACY_ID = "ab" * 16
ADDRESS = {"channel": "sms", "to": "+85512666999", "from": "+85523900100"}


def test_the_key_table_is_unlogged_on_postgresql(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        if engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only: SQLite has no unlogged tables")
        with engine.connect() as connection:
            persistence = dict(connection.execute(text(
                "SELECT relname, relpersistence FROM pg_class "
                "WHERE relname IN ('handoff', 'handoff_key', 'handoff_message')")).all())
        assert persistence == {"handoff": "p", "handoff_key": "u", "handoff_message": "p"}
    finally:
        engine.dispose()


def _legacy_chat(engine, keys: sealing.Keyring) -> bytes:  # type: ignore[no-untyped-def]
    """A chat as revision 0009 stored it: the wrapped key and the sealed address in the handoff
    row, everything sealed with the handoff's id alone as associated data; and, as every
    message did, the row updated a few times."""
    data_key = sealing.new_data_key()
    wrapped = sealing.seal(keys.current, data_key, b"key:" + LEGACY_ID.encode())
    now = PINNED_NOW.astimezone(UTC).replace(second=0, microsecond=0)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO handoff (id, handle, channel, locale, province_code, district_code, "
            "topic, status, emergency, answered, claimed_by, unread, opened_at, "
            "last_message_at, expires_at, wrapped_key, address) VALUES (:id, 'LEGAC', 'sms', "
            "'en', NULL, NULL, '', 'waiting', :no, :no, NULL, 0, :now, :now, :later, "
            ":wrapped, :address)"
        ), {"id": LEGACY_ID, "no": False, "now": now, "later": now + timedelta(hours=72),
            "wrapped": wrapped,
            "address": sealing.seal(data_key, json.dumps(ADDRESS).encode(), LEGACY_ID.encode())})
        connection.execute(text(
            "INSERT INTO handoff_message (handoff_id, from_texter, body, at) "
            "VALUES (:id, :yes, :body, :now)"
        ), {"id": LEGACY_ID, "yes": True, "now": now,
            "body": sealing.seal(data_key, b"words from before the upgrade", LEGACY_ID.encode())})
    for _ in range(5):
        with engine.begin() as connection:
            connection.execute(text("UPDATE handoff SET unread = unread + 1"))
    return wrapped


def test_chats_open_during_the_upgrade_go_on_and_the_handoff_table_keeps_no_key(
    db_url: str, request: pytest.FixtureRequest
) -> None:
    engine = make_engine(db_url)
    keys = sealing.keyring(KEY_A)
    now = PINNED_NOW.astimezone(UTC)
    try:
        migrations.downgrade(db_url, "0009")
        wrapped = _legacy_chat(engine, keys)
        migrations.upgrade(db_url)
        with engine.begin() as connection:
            row = handoffs.find(connection, LEGACY_ID, now)
            assert row is not None and row.unread == 5
            assert handoffs.address(connection, keys, row) == ADDRESS
            handoffs.add_message(connection, keys, row, "an answer after it", from_texter=False,
                                 now=now)
            opened = handoffs.read(connection, keys, row)
        assert [said.text for said in opened.messages] == [
            "words from before the upgrade", "an answer after it"]
        # HANDOFF_KEY rotates: the legacy chat's key is re-wrapped like any other
        with engine.begin() as connection:
            done = handoffs.rekey(connection, sealing.keyring(KEY_B, [KEY_A]))
            assert (done.rewrapped, done.current, done.unreadable) == (1, 0, 0)
            opened = handoffs.read(connection, sealing.keyring(KEY_B), row)
        assert opened.messages[0][1] == "words from before the upgrade"
        if engine.dialect.name == "postgresql":
            server = request.getfixturevalue("postgres_server")
            if server.data_dir is None:
                pytest.skip("an existing PostgreSQL server: its files cannot be read")
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("CHECKPOINT"))
                path = connection.execute(text(
                    "SELECT pg_relation_filepath('handoff')")).scalar_one()
            # the handoff table was rewritten: neither its live row nor the five dead
            # versions the updates left hold the key any more
            kept = wrapped in (server.data_dir / path).read_bytes()
            assert not kept, "a key of a chat opened before the upgrade is in handoff's file"
    finally:
        migrations.upgrade(db_url)
        engine.dispose()
