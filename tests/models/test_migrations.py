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
