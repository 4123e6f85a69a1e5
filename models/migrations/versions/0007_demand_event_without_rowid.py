"""Demand events stored in the order of their random ids, not of arrival (SQLite).

An SQLite table with a text primary key still keeps its rows in ``rowid`` order, which is the
order they arrived in: a dump would list events in arrival order and could be matched with a
carrier's records. A ``WITHOUT ROWID`` table is stored in primary-key order instead, and the key
is random. PostgreSQL is rewritten in id order by the daily compaction (``models.retention``).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_COLUMNS = ("id, day, hour, channel, locale, intent, service_type, province_code, "
            "district_code, outcome")


def _rebuild(with_rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE demand_event_new (id VARCHAR(32) NOT NULL, day DATE NOT NULL, "
        "hour SMALLINT NOT NULL, channel VARCHAR(16) NOT NULL, locale VARCHAR(8) NOT NULL, "
        "intent VARCHAR(32) NOT NULL, service_type VARCHAR(32), province_code VARCHAR(2), "
        "district_code VARCHAR(4), outcome VARCHAR(32) NOT NULL, "
        "CONSTRAINT pk_demand_event PRIMARY KEY (id))" + ("" if with_rowid else " WITHOUT ROWID")
    )
    op.execute(f"INSERT INTO demand_event_new ({_COLUMNS}) "
               f"SELECT {_COLUMNS} FROM demand_event ORDER BY id")
    op.execute("DROP INDEX ix_demand_event_day")
    op.execute("DROP TABLE demand_event")
    op.execute("ALTER TABLE demand_event_new RENAME TO demand_event")
    op.execute("CREATE INDEX ix_demand_event_day ON demand_event (day)")


def upgrade() -> None:
    _rebuild(with_rowid=False)


def downgrade() -> None:
    _rebuild(with_rowid=True)
