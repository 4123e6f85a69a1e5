"""Protected tables: each ended period's published statistics, protected once and kept.

``models.protected_tables``: the counts of one period's table (demand, sender-days, handoffs,
channels and languages) and how each is shown, built by the clock (or by the first reader) and
read by every view and export. Nothing about any texter.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "protected_table",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("period_by", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("shape", sa.String(length=32), nullable=False),
        sa.Column("rule", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("build_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protected_table")),
        sa.UniqueConstraint("kind", "period_by", "period_start", "k", "shape", "rule",
                            name=op.f("uq_protected_table_kind")),
    )


def downgrade() -> None:
    op.drop_table("protected_table")
