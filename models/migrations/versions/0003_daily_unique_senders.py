"""Daily unique senders without tracking: a per-day random key, per-day digests, and counts.

A day's key and digests are deleted when the day closes; only the counts remain, so two days
share nothing that links them (models/unique.py).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "daily_key",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("key", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_daily_key")),
    )
    op.create_table(
        "daily_sender_digest",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("day", "digest", name=op.f("pk_daily_sender_digest")),
    )
    op.create_table(
        "daily_unique_sender",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("service_type", sa.String(length=32), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("district_code", sa.String(length=4), nullable=False),
        sa.Column("senders", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "service_type", "province_code", "district_code",
            name=op.f("pk_daily_unique_sender"),
        ),
    )


def downgrade() -> None:
    op.drop_table("daily_unique_sender")
    op.drop_table("daily_sender_digest")
    op.drop_table("daily_key")
