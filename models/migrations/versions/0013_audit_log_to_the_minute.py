"""Audit log times are kept to the minute (``models.base.UTCMinute``); earlier ones are cut down.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE audit_log SET at = date_trunc('minute', at)")
    else:  # SQLite keeps SQLAlchemy's text form, 'YYYY-MM-DD HH:MM:SS.ffffff'
        op.execute(sa.text(r"UPDATE audit_log SET at = substr(at, 1, 16) || '\:00.000000'"))


def downgrade() -> None:
    pass  # the seconds are gone
