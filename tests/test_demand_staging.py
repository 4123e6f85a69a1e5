"""Staged, then published by the hourly purge (``models.demand_events``, docs/PRIVACY.md).

A turn stages its demand event; the hourly purge publishes the events of the hours that have
ended, in batches, exactly once, however many processes run it; a redelivered message counts
once and a rolled-back turn stages nothing; the day's new senders are counted when their
events are published, and STOP still forgets the day's digests at once; the staged copies are
gone from the files after the move; and the statistics (dashboard, CSV and DHIS2 exports,
``flask demand report``) publish a period only once all its events are in ``demand_event``, so
none is lost or counted twice.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import DateTime, func, select, text

from models import (
    DailySenderDigest,
    DailyUniqueSender,
    PublishedDemandEvent,
    StagedDemandEvent,
    demand_events,
)
from tests.conftest import PINNED_TODAY
from tests.synthetic import last_week
from tests.webhooks.channels import clock_tick, count_rows, engine_of, say_sms
from tests.webhooks.outreach.helpers import OUTREACH, add_events, login, make_user
from tests.webhooks.test_concurrency import in_parallel
from webhooks import pipeline
from webhooks.outreach import demand

#: 10:20 in Cambodia (UTC+7).
AT = datetime(2026, 3, 16, 3, 20, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[1]


def _published(app: Flask) -> list[dict[str, Any]]:
    with engine_of(app).connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(PublishedDemandEvent.__table__))]


def _senders(app: Flask) -> dict[tuple[str, str, str, str], int]:
    with engine_of(app).connect() as connection:
        return {(str(r.day), r.service_type, r.province_code, r.district_code): r.senders
                for r in connection.execute(select(DailyUniqueSender.__table__))}


def _stage(app: Flask, events: list[dict[str, Any]]) -> None:
    with engine_of(app).begin() as connection:
        for event in events:
            event = dict(event)
            new_sender = event.pop("new_sender", False)
            demand_events.stage(connection, event, new_sender=new_sender)


def _event(day: date, hour: int = 10, district: str = "0203", **changes: Any) -> dict[str, Any]:
    return {"day": day, "hour": hour, "channel": "sms", "locale": "km",
            "intent": "find_methadone", "service_type": "methadone",
            "province_code": district[:2], "district_code": district,
            "outcome": "served_farther", **changes}


# --- the move -----------------------------------------------------------------------------------


def test_the_latest_hour_appears_after_the_next_hourly_purge(sample_app: Flask) -> None:
    assert say_sms(sample_app, "k-a", "methadone in Battambang province", AT, "SM-a")
    assert count_rows(sample_app, StagedDemandEvent) == 1 and _published(sample_app) == []
    engine = engine_of(sample_app)
    assert demand_events.publish(engine, AT.replace(minute=59)) == 0  # the hour has not ended
    with engine.connect() as connection:
        staged = dict(connection.execute(select(StagedDemandEvent.__table__)).one()._mapping)
    assert demand_events.publish(engine, AT + timedelta(minutes=40)) == 1  # 11:00
    assert count_rows(sample_app, StagedDemandEvent) == 0
    [event] = _published(sample_app)
    assert event["id"] != staged["id"]  # a new random id: nothing to match with an old copy
    assert {k: v for k, v in event.items() if k != "id"} == {
        k: v for k, v in staged.items() if k not in ("id", "new_sender")}
    assert (event["day"], event["hour"]) == (date(2026, 3, 16), 10)
    assert demand_events.publish(engine, AT + timedelta(hours=5)) == 0  # moved once


def test_the_clock_publishes_the_hours_that_ended_but_not_the_current_one(
    sample_app: Flask,
) -> None:
    say_sms(sample_app, "k-a", "methadone in Battambang province", AT, "SM-a")
    say_sms(sample_app, "k-b", "methadone in Kampot province", AT + timedelta(minutes=5), "SM-b")
    say_sms(sample_app, "k-c", "methadone in Kep province", AT + timedelta(hours=1), "SM-c")
    assert _published(sample_app) == []  # a texter's message publishes nothing
    assert clock_tick(sample_app, AT + timedelta(hours=1, minutes=1)).published == 2
    assert sorted(e["province_code"] for e in _published(sample_app)) == ["02", "07"]
    with engine_of(sample_app).connect() as connection:
        assert connection.execute(select(StagedDemandEvent.province_code)).scalars().all() == ["23"]


def test_a_redelivered_message_is_staged_and_published_once(sample_app: Flask) -> None:
    first = say_sms(sample_app, "k-a", "methadone in Battambang province", AT, "SM-same")
    again = say_sms(sample_app, "k-a", "methadone in Battambang province",
                 AT + timedelta(seconds=30), "SM-same")
    assert first == again
    assert count_rows(sample_app, StagedDemandEvent) == 1
    demand_events.publish(engine_of(sample_app), AT + timedelta(hours=1))
    late = say_sms(sample_app, "k-a", "methadone in Battambang province",
                AT + timedelta(hours=1, minutes=5), "SM-same")
    assert late == first
    demand_events.publish(engine_of(sample_app), AT + timedelta(hours=2))
    assert len(_published(sample_app)) == 1
    assert count_rows(sample_app, StagedDemandEvent) == 0


def test_a_rolled_back_turn_stages_nothing(sample_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """The event is staged in the turn's transaction: if the turn fails once its writes are
    made (the delivery record last), the staged event and the day's digest go with it."""
    save_turn = pipeline.turns.save_turn

    def broken(*args: Any) -> Any:
        save_turn(*args)
        raise RuntimeError("disk full")

    monkeypatch.setattr(pipeline.turns, "save_turn", broken)
    say_sms(sample_app, "k-a", "methadone in Battambang province", AT, "SM-a")  # the static reply
    assert count_rows(sample_app, StagedDemandEvent) == 0
    assert count_rows(sample_app, DailySenderDigest) == 0


def test_concurrent_purges_move_every_event_exactly_once(app: Flask) -> None:
    """Six processes' hourly purges at once (the web workers' and the clock's), in small
    batches: every event is published once, and every new sender counted once."""
    day = date(2026, 3, 16)
    districts = ("0203", "1201", "1602")
    _stage(app, [_event(day, hour=n % 24, district=districts[n % 3], new_sender=n % 2 == 0)
                 for n in range(300)])

    def purge(_index: int) -> int:
        return demand_events.publish(engine_of(app), datetime(2026, 3, 17, 12, tzinfo=UTC),
                                     batch=17)

    moved = in_parallel(purge, 6)
    assert sum(moved) == 300
    assert len(_published(app)) == 300 and len({e["id"] for e in _published(app)}) == 300
    assert count_rows(app, StagedDemandEvent) == 0
    assert _senders(app) == {(str(day), "methadone", d[:2], d): 50 for d in districts}


def test_each_batch_is_one_transaction_in_random_id_order(app: Flask) -> None:
    engine = engine_of(app)
    _stage(app, [_event(date(2026, 3, 16), hour=10) for _ in range(100)])
    assert demand_events.publish(engine, AT + timedelta(hours=1), batch=40) == 100
    if engine.dialect.name != "postgresql":
        assert len(_published(app)) == 100
        return
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT id, xmin::text::bigint FROM demand_event ORDER BY ctid")).all()
    batches: dict[int, list[str]] = {}
    for event_id, xid in rows:
        batches.setdefault(xid, []).append(event_id)
    assert sorted(len(b) for b in batches.values()) == [20, 40, 40]
    assert all(ids == sorted(ids) for ids in batches.values())
    # batches lie one after the other
    assert [xid for _, xid in rows] == sorted(xid for _, xid in rows)


# --- daily unique senders -------------------------------------------------------------------------


def test_new_senders_are_counted_when_their_events_are_published(sample_app: Flask) -> None:
    say_sms(sample_app, "k-a", "methadone in Battambang province", AT, "SM-1")
    say_sms(sample_app, "k-a", "methadone in Battambang province",
            AT + timedelta(minutes=1), "SM-2")
    say_sms(sample_app, "k-b", "methadone in Battambang province",
            AT + timedelta(minutes=2), "SM-3")
    with engine_of(sample_app).connect() as connection:
        flags = sorted(connection.execute(select(StagedDemandEvent.new_sender)).scalars())
    assert flags == [False, True, True]
    assert _senders(sample_app) == {}  # nothing counted by a turn's own transaction
    demand_events.publish(engine_of(sample_app), AT + timedelta(hours=1))
    assert list(_senders(sample_app).values()) == [2]


def test_stop_forgets_the_digests_of_requests_not_yet_published(sample_app: Flask) -> None:
    say_sms(sample_app, "k-a", "methadone in Battambang province", AT, "SM-1")
    say_sms(sample_app, "k-b", "methadone in Kampot province", AT, "SM-2")
    assert count_rows(sample_app, DailySenderDigest) == 2
    say_sms(sample_app, "k-a", "STOP", AT + timedelta(minutes=1), "SM-3")
    assert count_rows(sample_app, DailySenderDigest) == 1  # k-a's is gone, k-b's stays
    demand_events.publish(engine_of(sample_app), AT + timedelta(hours=1))
    assert sorted(_senders(sample_app).values()) == [1, 1]  # the requests did happen


# --- what is left of the staged rows --------------------------------------------------------------


def test_a_staged_event_is_as_bare_as_a_published_one() -> None:
    staged = {c.name: c for c in StagedDemandEvent.__table__.columns}
    published = {c.name: c for c in PublishedDemandEvent.__table__.columns}
    assert set(staged) == set(published) | {"new_sender"}
    for table in (staged, published):
        assert not [c for c in table.values() if isinstance(c.type, DateTime)]  # hours at finest
        # no clock, no sequence, no autoincrement: a random id (PublishedDemandEvent's default is uuid4)
        assert not [c for c in table.values() if c.server_default is not None]
        assert [c.name for c in table.values() if c.primary_key] == ["id"]
        assert table["id"].type.length == 32 and table["id"].autoincrement is not True
    assert staged["id"].default is None and staged["new_sender"].default.arg is False
    assert not StagedDemandEvent.__table__.indexes  # nothing sorted by arrival beside it


def test_the_staged_copies_are_gone_from_the_files(sample_app: Flask) -> None:
    say_sms(sample_app, "k-a", "methadone in Battambang province", AT, "SM-1")
    say_sms(sample_app, "k-b", "methadone in Kampot province", AT, "SM-2")
    engine = engine_of(sample_app)
    with engine.connect() as connection:
        staged_ids = connection.execute(select(StagedDemandEvent.id)).scalars().all()
    assert len(staged_ids) == 2
    path = Path(engine.url.database or "")

    def in_the_files() -> list[str]:
        files = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
        return [i for i in staged_ids if i.encode() in files]

    if engine.dialect.name == "sqlite":
        assert in_the_files() == staged_ids  # the check can see a staged row
    demand_events.publish(engine, AT + timedelta(hours=1))
    if engine.dialect.name == "sqlite":
        assert in_the_files() == []  # overwritten (secure_delete), the log truncated
    else:
        with engine.connect() as connection:
            size = connection.execute(text(
                "SELECT pg_relation_size('demand_event_staged')")).scalar()
            vacuumed = connection.execute(text(
                "SELECT count(*) FROM pg_stat_user_tables "
                "WHERE relname = 'demand_event_staged' AND last_vacuum IS NOT NULL")).scalar()
        assert size == 0 and vacuumed == 1  # the dead tuples, with their xmin, are gone


# --- the statistics wait for the last hour ------------------------------------------------------


def test_a_period_is_published_once_its_last_hour_is(sample_app: Flask) -> None:
    """Last week's Sunday, 23:00, is still staged: the dashboard, the CSV and DHIS2 exports and
    the report leave the week out (nothing cached, nothing counted twice); after the hourly
    purge every one of them shows all of its events."""
    monday = last_week(PINNED_TODAY)
    sunday = monday + timedelta(days=6)
    week = f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}"
    add_events(sample_app, [(str(monday + timedelta(days=1)), "12", "1201", "methadone",
                             "served_within_10km", "sms", "km", 12)])
    _stage(sample_app, [_event(sunday, hour=23, district="1201",
                               outcome="served_within_10km") for _ in range(6)])
    make_user(sample_app, OUTREACH, "outreach")
    worker = sample_app.test_client()
    login(worker, OUTREACH)
    runner = sample_app.test_cli_runner()
    mapping = str(ROOT / "data" / "dhis2_mapping.sample.json")

    def looks() -> dict[str, Any]:
        with sample_app.test_request_context():
            labels = [p.label for p in demand.periods(demand.Filters())]
        page = worker.get("/outreach/demand.csv").get_data(as_text=True).lstrip("\ufeff")
        shown = {r["period"]: r["requests"] for r in csv.DictReader(io.StringIO(page))
                 if r["table"] == "period"}
        export = runner.invoke(args=["demand", "export"])
        exported = {(r["period"], r["district_code"], r["service_type"]): r["requests"]
                    for r in csv.DictReader(io.StringIO(export.stdout))}
        dhis2 = runner.invoke(args=["demand", "export", "--format", "dhis2", "--mapping", mapping,
                                    "--level", "district"])
        report = runner.invoke(args=["demand", "report", "--from", str(monday),
                                     "--to", str(sunday)])
        return {"labels": labels, "shown": shown, "export": export, "exported": exported,
                "dhis2": dhis2, "report": report}

    before = looks()
    assert week not in before["labels"] and week not in before["shown"]
    assert not [key for key in before["exported"] if key[0] == week]
    assert "next hourly purge" in before["export"].stderr
    assert before["dhis2"].exit_code == 0
    dhis2_week = f"{monday.isocalendar()[0]}W{monday.isocalendar()[1]}"
    assert not [v for v in json.loads(before["dhis2"].stdout)["dataValues"]
                if v["period"] == dhis2_week]
    assert before["report"].exit_code != 0 and "next hourly purge" in before["report"].output

    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and "published 6 demand event(s)" in result.stdout

    after = looks()
    assert after["labels"][-1] == week
    assert after["shown"][week] == "18"  # 12 + 6: none lost, none twice, no stale cache
    assert after["exported"][(week, "1201", "methadone")] == "18"
    assert after["report"].exit_code == 0 and "Service requests: 18" in after["report"].stdout
    assert [v["value"] for v in json.loads(after["dhis2"].stdout)["dataValues"]
            if v["period"] == dhis2_week and v["orgUnit"] == "SampleD1201"
            and v["dataElement"] == "SmpReqMmt00"] == ["18"]
    with sample_app.extensions["sangkhim.db"].sessions() as session:
        assert session.scalar(select(func.count()).select_from(PublishedDemandEvent)) == 18
