"""Notification rules, the triggers already seen and the notice log.

Revision ID: core0004
Revises: core0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sportello.core.db


revision: str = 'core0004'
down_revision: str | Sequence[str] | None = 'core0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('core_notification_trigger',
    sa.Column('code', sa.String(length=120), nullable=False),
    sa.Column('trigger_type', sa.String(length=8), nullable=False),
    sa.Column('first_seen', sportello.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_core_notification_trigger'))
    )
    op.create_table('core_notification_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.String(length=120), nullable=False),
    sa.Column('trigger_type', sa.String(length=8), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('fixed_user_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('days_ahead', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sportello.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sportello.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['fixed_user_id'], ['core_user.id'], name=op.f('fk_core_notification_rule_fixed_user_id_core_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_notification_rule'))
    )
    with op.batch_alter_table('core_notification_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_notification_rule_trigger'), ['trigger'], unique=False)

    op.create_table('core_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('trigger', sa.String(length=120), nullable=False),
    sa.Column('entity', sa.String(length=120), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('happened_at', sportello.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_at', sportello.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', sportello.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sportello.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['rule_id'], ['core_notification_rule.id'], name=op.f('fk_core_notice_rule_id_core_notification_rule'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_notice_user_id_core_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_notice')),
    sa.UniqueConstraint('key', name=op.f('uq_core_notice_key'))
    )
    with op.batch_alter_table('core_notice', schema=None) as batch_op:
        batch_op.create_index('ix_core_notice_created', ['created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_notice_state'), ['state'], unique=False)
        batch_op.create_index('ix_core_notice_user', ['user_id', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('core_notice', schema=None) as batch_op:
        batch_op.drop_index('ix_core_notice_user')
        batch_op.drop_index(batch_op.f('ix_core_notice_state'))
        batch_op.drop_index('ix_core_notice_created')

    op.drop_table('core_notice')
    with op.batch_alter_table('core_notification_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_notification_rule_trigger'))

    op.drop_table('core_notification_rule')
    op.drop_table('core_notification_trigger')
