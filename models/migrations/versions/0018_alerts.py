"""Service and health alerts: ``models.alerts`` (an alert and its terms as recorded, so that a
renewal or a withdrawal never rewrites the past). Nothing about any texter.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("scope_kind", sa.String(length=16), nullable=False),
        sa.Column("scope_code", sa.String(length=16), nullable=False),
        sa.Column("text_km", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("advice_km", sa.Text(), nullable=False),
        sa.Column("advice_en", sa.Text(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_by", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["posted_by"], ["staff_user.id"], ondelete="SET NULL",
                                name=op.f("fk_alert_posted_by_staff_user")),
        sa.ForeignKeyConstraint(["withdrawn_by"], ["staff_user.id"], ondelete="SET NULL",
                                name=op.f("fk_alert_withdrawn_by_staff_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
    )
    op.create_index(op.f("ix_alert_changed_at"), "alert", ["changed_at"])
    op.create_table(
        "alert_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("set_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["alert.id"], ondelete="CASCADE",
                                name=op.f("fk_alert_term_alert_id_alert")),
        sa.ForeignKeyConstraint(["set_by"], ["staff_user.id"], ondelete="SET NULL",
                                name=op.f("fk_alert_term_set_by_staff_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_term")),
    )
    op.create_index("ix_alert_term_alert_id_superseded_at", "alert_term",
                    ["alert_id", "superseded_at"])


def downgrade() -> None:
    op.drop_index("ix_alert_term_alert_id_superseded_at", table_name="alert_term")
    op.drop_table("alert_term")
    op.drop_index(op.f("ix_alert_changed_at"), table_name="alert")
    op.drop_table("alert")
