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
