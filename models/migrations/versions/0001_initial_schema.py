"""Initial schema: conversation state, processed deliveries, demand events, services.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 22:45:23.233636
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conversation',
    sa.Column('sender_key', sa.String(length=64), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=True),
    sa.Column('step', sa.String(length=32), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sender_key', name=op.f('pk_conversation'))
    )
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_updated_at'), ['updated_at'], unique=False)

    op.create_table('demand_event',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('hour', sa.SmallInteger(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('intent', sa.String(length=32), nullable=False),
    sa.Column('service_type', sa.String(length=32), nullable=True),
    sa.Column('province_code', sa.String(length=2), nullable=True),
    sa.Column('district_code', sa.String(length=4), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demand_event'))
    )
    with op.batch_alter_table('demand_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demand_event_day'), ['day'], unique=False)

    op.create_table('processed_message',
    sa.Column('inbound_key', sa.String(length=64), nullable=False),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('inbound_key', name=op.f('pk_processed_message'))
    )
    with op.batch_alter_table('processed_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_processed_message_received_at'), ['received_at'], unique=False)

    op.create_table('service',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_type', sa.String(length=32), nullable=False),
    sa.Column('name_km', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('address_km', sa.Text(), nullable=False),
    sa.Column('address_en', sa.Text(), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('district_code', sa.String(length=4), nullable=True),
    sa.Column('commune_code', sa.String(length=6), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('phone', sa.String(length=64), nullable=False),
    sa.Column('hours_km', sa.String(length=200), nullable=False),
    sa.Column('hours_en', sa.String(length=200), nullable=False),
    sa.Column('is_free', sa.Boolean(), nullable=False),
    sa.Column('is_voluntary', sa.Boolean(), nullable=False),
    sa.Column('is_walk_in', sa.Boolean(), nullable=False),
    sa.Column('is_full', sa.Boolean(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('is_sample', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service'))
    )
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_is_sample'), ['is_sample'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_province_code'), ['province_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_service_type'), ['service_type'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_service_type'))
        batch_op.drop_index(batch_op.f('ix_service_province_code'))
        batch_op.drop_index(batch_op.f('ix_service_is_sample'))

    op.drop_table('service')
    with op.batch_alter_table('processed_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_processed_message_received_at'))

    op.drop_table('processed_message')
    with op.batch_alter_table('demand_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demand_event_day'))

    op.drop_table('demand_event')
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_updated_at'))

    op.drop_table('conversation')
