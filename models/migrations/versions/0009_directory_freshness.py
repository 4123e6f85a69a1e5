"""Directory freshness: since when and by whom a service is marked full, and the day its entry
was last checked.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(sa.Column("full_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("full_by", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("verified_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("verified_on")
        batch_op.drop_column("full_by")
        batch_op.drop_column("full_since")
