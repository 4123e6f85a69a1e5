from __future__ import annotations

from sqlalchemy import inspect

from models import Base
from models import migrate as migrations
from models.base import make_engine


def test_migrations_reach_the_models_and_go_back(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert {t.name for t in Base.metadata.sorted_tables} <= tables
        migrations.downgrade(db_url, "base")
        assert not ({t.name for t in Base.metadata.sorted_tables} & set(inspect(engine).get_table_names()))
        migrations.upgrade(db_url)
        assert {t.name for t in Base.metadata.sorted_tables} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migration_history_matches_the_models(db_url: str) -> None:
    """A model change without its migration would make these differ."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_downgrading_past_the_staging_table_publishes_what_it_held(db_url: str) -> None:
    """0010 staged demand events; going back to 0009 must not lose one, nor its new sender."""
    from datetime import date

    from sqlalchemy import select, text

    from models import DailyUniqueSender, PublishedDemandEvent, demand_events

    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(DailyUniqueSender.__table__.insert().values(
                day=date(2026, 3, 16), service_type="methadone", province_code="02",
                district_code="", senders=4))
            for new_sender in (True, True, False):
                demand_events.stage(connection, {
                    "day": date(2026, 3, 16), "hour": 10, "channel": "sms", "locale": "km",
                    "intent": "find_methadone", "service_type": "methadone",
                    "province_code": "02", "district_code": None, "outcome": "served_farther",
                }, new_sender=new_sender)
        migrations.downgrade(db_url, "0009")
        assert "demand_event_staged" not in inspect(engine).get_table_names()
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM demand_event")).scalar() == 3
            assert connection.execute(select(DailyUniqueSender.senders)).scalars().all() == [6]
        migrations.upgrade(db_url)
        with engine.connect() as connection:
            assert connection.execute(select(PublishedDemandEvent.day)).scalars().all() == [date(2026, 3, 16)] * 3
            assert connection.execute(text("SELECT count(*) FROM demand_event_staged")).scalar() == 0
    finally:
        engine.dispose()


def test_directory_history_starts_with_the_directory_of_the_migration(db_url: str) -> None:
    """0016 records each service as it was then, valid since the beginning (what it was
    before is not known), and its triggers keep every later change; back to 0015 and up
    again, the same."""
    from datetime import UTC, date, datetime

    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from models.directory_history import BEGINNING, services_as_of
    from models.stats import directory_services

    engine = make_engine(db_url)
    try:
        migrations.downgrade(db_url, "0015")
        assert "service_history" not in inspect(engine).get_table_names()
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO service (service_type, name_km, name_en, address_km, address_en, "
                "province_code, phone, opening_hours, languages, is_free, is_voluntary, "
                "is_walk_in, is_full, is_active, is_sample, updated_at) VALUES ('methadone', "
                "'ក', 'Old Clinic', '', '', '12', '', '', 'km', :yes, :yes, :no, :no, :yes, "
                ":no, :at)"), {"yes": True, "no": False, "at": "2026-01-01 00:00:00"})
        migrations.upgrade(db_url, "0016")
        with Session(engine) as session:
            rows = session.execute(text("SELECT name_en, valid_to FROM service_history")).all()
            assert [tuple(r) for r in rows] == [("Old Clinic", None)]
            first = services_as_of(session, date(1970, 1, 1), include_sample=False)
            assert first == directory_services(session, include_sample=False)
            assert services_as_of(session, BEGINNING, include_sample=False) == first
        with engine.begin() as connection:
            connection.execute(text("UPDATE service SET is_full = :yes, updated_at = :at"),
                               {"yes": True, "at": datetime(2026, 2, 1, tzinfo=UTC)})
        with Session(engine) as session:
            assert [s.is_full for s in services_as_of(session, date(2026, 2, 1), False)] == [True]
            assert [s.is_full for s in services_as_of(session, date(2026, 1, 31), False)] == [False]
        migrations.downgrade(db_url, "0015")
        assert "service_history" not in inspect(engine).get_table_names()
        with engine.begin() as connection:  # the triggers went with the table
            connection.execute(text("UPDATE service SET is_full = :no"), {"no": False})
    finally:
        migrations.upgrade(db_url)
        engine.dispose()


def test_team_leads_come_with_0019_and_become_outreach_workers_without_it(db_url: str) -> None:
    """0019 lets a staff account be a ``lead``; back to 0018, the check refuses the role again
    and a lead is an outreach worker; up again, ``lead`` is taken and ``boss`` still refused."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    insert = text("INSERT INTO staff_user (email, password_hash, role, is_active, session_token, "
                  "must_change_password, created_at, password_changed_at) VALUES (:email, 'x', "
                  ":role, :yes, :token, :no, :at, :at)")

    def add(email: str, role: str) -> None:
        with engine.begin() as connection:
            connection.execute(insert, {"email": email, "role": role, "yes": True, "no": False,
                                        "token": email[:32], "at": "2026-01-01 00:00:00"})

    def roles() -> dict[str, str]:
        with engine.connect() as connection:
            return dict(connection.execute(text("SELECT email, role FROM staff_user")).all())

    engine = make_engine(db_url)
    try:
        add("lead@example.org", "lead")
        migrations.downgrade(db_url, "0018")
        assert roles() == {"lead@example.org": "outreach"}
        with pytest.raises(IntegrityError):
            add("second@example.org", "lead")
        migrations.upgrade(db_url)
        add("second@example.org", "lead")
        assert roles() == {"lead@example.org": "outreach", "second@example.org": "lead"}
        with pytest.raises(IntegrityError):
            add("boss@example.org", "boss")
    finally:
        migrations.upgrade(db_url)
        engine.dispose()
