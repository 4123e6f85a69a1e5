"""Structured opening hours and languages spoken replace the free-text hours.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("opening_hours", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("languages", sa.String(length=64), nullable=False, server_default="km")
        )
        batch_op.drop_column("hours_en")
        batch_op.drop_column("hours_km")


def downgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hours_km", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("hours_en", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.drop_column("languages")
        batch_op.drop_column("opening_hours")
