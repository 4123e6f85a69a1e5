"""Team leads: a third staff role, ``lead``, who posts, renews and withdraws service and health
alerts (``models.staff.Role``). Only the role's check constraint changes.

Going back turns every lead into an outreach worker (the only role below it that exists then):
they keep their account and lose the right to post alerts, which did not exist either.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_WITH_LEADS = "role IN ('admin', 'lead', 'outreach')"
_WITHOUT = "role IN ('admin', 'outreach')"


def _check(condition: str) -> None:
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_staff_user_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_staff_user_role"), sa.text(condition))


def upgrade() -> None:
    _check(_WITH_LEADS)


def downgrade() -> None:
    op.execute("UPDATE staff_user SET role = 'outreach' WHERE role = 'lead'")
    _check(_WITHOUT)
