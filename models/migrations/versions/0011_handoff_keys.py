"""Handoff keys in their own table, written once (UNLOGGED on PostgreSQL), out of the handoff
row that every message updates; the handoff table rewritten without them.

Each handoff's wrapped data key and sealed address move to ``handoff_key``. The ``handoff``
row changes with every message (unread, last message, claimed): on PostgreSQL every such
update left a dead copy of the key and the address in the table's file, and in the WAL. The
old columns are dropped and the table rewritten, so that its file keeps no copy of a key
(PostgreSQL: ``VACUUM FULL`` writes a new file holding the live rows only, dropped columns
nulled; SQLite: ``DROP COLUMN`` rewrites every row, and ``secure_delete`` zeroes what is freed).
Chats open during the upgrade go on (their values keep the associated data they were sealed
with, ``scheme`` 1); what the WAL wrote before the upgrade stays in it until its segments are
reused (docs/PRIVACY.md).

Downgrading closes every open chat: the older code cannot read keys kept this way.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "handoff_key",
        sa.Column("handoff_id", sa.String(length=32), nullable=False),
        sa.Column("scheme", sa.Integer(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("address", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["handoff_id"], ["handoff.id"],
            name=op.f("fk_handoff_key_handoff_id_handoff"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("handoff_id", name=op.f("pk_handoff_key")),
        # never written to the WAL: not in pg_basebackup, WAL archives or replicas
        prefixes=["UNLOGGED"] if postgresql else [],
    )
    op.execute(
        "INSERT INTO handoff_key (handoff_id, scheme, wrapped_key, address) "
        "SELECT id, 1, wrapped_key, address FROM handoff"
    )
    # Native DROP COLUMN on both engines (SQLite 3.35+ rewrites each row; Alembic's batch
    # mode would drop and recreate the table, and with foreign keys on, SQLite's DROP TABLE
    # deletes the rows that refer to it: every message).
    op.execute("ALTER TABLE handoff DROP COLUMN wrapped_key")
    op.execute("ALTER TABLE handoff DROP COLUMN address")
    if postgresql:
        with op.get_context().autocommit_block():
            op.execute("VACUUM FULL handoff")


def downgrade() -> None:
    op.execute("DELETE FROM handoff_message")
    op.execute("DELETE FROM handoff_key")
    op.execute("DELETE FROM handoff")
    op.drop_table("handoff_key")
    with op.batch_alter_table("handoff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wrapped_key", sa.LargeBinary(), nullable=False))
        batch_op.add_column(sa.Column("address", sa.LargeBinary(), nullable=False))
