"""Per-sender abuse-limit counters on the conversation row (counts only, gone with the row).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("burst_start", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("burst_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("limited", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("replies", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_column("replies")
        batch_op.drop_column("limited")
        batch_op.drop_column("burst_count")
        batch_op.drop_column("burst_start")
