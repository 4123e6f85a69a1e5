"""Upkeep leaves the texter's path: a small table says what the clock has done and what is due.

The web app no longer purges or compacts inside texters' requests (``models.upkeep``): the
``flask clock`` process does, one instance at a time, and a turn that deletes a texter's rows
only marks a compaction as due. This table holds, per job, the hour or day it last ran for and
whether it is due; nothing about any texter.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "upkeep",
        sa.Column("job", sa.String(length=16), nullable=False),
        sa.Column("last_run", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("job", name=op.f("pk_upkeep")),
    )


def downgrade() -> None:
    op.drop_table("upkeep")
