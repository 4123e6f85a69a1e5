"""A worker's message in a handoff records its delivery: it is recorded, then sent outside any
transaction, then marked sent or failed (a failed one is kept, to send again).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoff_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery", sa.String(length=16), nullable=True))
    # Until now a worker's message was recorded only once it had been sent.
    op.execute("UPDATE handoff_message SET delivery = 'sent' WHERE NOT from_texter")


def downgrade() -> None:
    with op.batch_alter_table("handoff_message", schema=None) as batch_op:
        batch_op.drop_column("delivery")
