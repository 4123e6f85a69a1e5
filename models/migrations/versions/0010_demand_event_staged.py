"""Demand events are staged by the turn and published by the hourly purge (finding N5).

A demand event written in the turn's own transaction shared it with the texter's conversation
row, the delivery record and the day's digest: PostgreSQL's ``xmin`` (which ``CLUSTER`` keeps)
tied each event to them and ordered events by arrival, as did the order rows were written in.
The turn now writes the event into ``demand_event_staged``, with whether it counted a new
sender for the day, and the hourly purge moves the events of ended hours into ``demand_event``
in batches, in random order (``models.demand_events``). Like ``demand_event``, the staging
table has no rowid on SQLite, so it is stored in the order of its random ids.

Downgrading publishes whatever is still staged (and its new senders), so no event is lost.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_COLUMNS = ("day, hour, channel, locale, intent, service_type, province_code, district_code, "
            "outcome")


def upgrade() -> None:
    op.create_table(
        "demand_event_staged",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hour", sa.SmallInteger(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("intent", sa.String(length=32), nullable=False),
        sa.Column("service_type", sa.String(length=32), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("district_code", sa.String(length=4), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("new_sender", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_event_staged")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.execute(f"INSERT INTO demand_event (id, {_COLUMNS}) "
               f"SELECT id, {_COLUMNS} FROM demand_event_staged ORDER BY id")
    op.execute(
        "INSERT INTO daily_unique_sender (day, service_type, province_code, district_code, "
        "senders) "
        "SELECT day, service_type, COALESCE(province_code, ''), COALESCE(district_code, ''), "
        "COUNT(*) FROM demand_event_staged WHERE new_sender AND service_type IS NOT NULL "
        "GROUP BY day, service_type, COALESCE(province_code, ''), COALESCE(district_code, '') "
        "ON CONFLICT (day, service_type, province_code, district_code) "
        "DO UPDATE SET senders = daily_unique_sender.senders + excluded.senders"
    )
    op.drop_table("demand_event_staged")
