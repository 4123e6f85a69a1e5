"""Daily unique senders without tracking: a per-day random key, per-day digests, and counts.

The key and the digests of a day are deleted when the day closes; only the counts remain, so
two days share nothing that links them.

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
        sa.Column("service_type", sa.String(length=32), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("district_code", sa.String(length=4), nullable=True),
        sa.PrimaryKeyConstraint("day", "digest", name=op.f("pk_daily_sender_digest")),
    )
    op.create_table(
        "daily_unique_sender",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("service_type", sa.String(length=32), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("district_code", sa.String(length=4), nullable=True),
        sa.Column("senders", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_unique_sender")),
    )
    with op.batch_alter_table("daily_unique_sender", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_daily_unique_sender_day"), ["day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("daily_unique_sender", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_daily_unique_sender_day"))
    op.drop_table("daily_unique_sender")
    op.drop_table("daily_sender_digest")
    op.drop_table("daily_key")
