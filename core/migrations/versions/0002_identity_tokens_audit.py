"""Units, hourly costs, sign-in security, API tokens and the audit log.

Revision ID: core0002
Revises: core0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sportello.core.db

revision: str = 'core0002'
down_revision: str | Sequence[str] | None = 'core0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('core_audit',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sportello.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('token_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('entity', sa.String(length=120), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_audit'))
    )
    with op.batch_alter_table('core_audit', schema=None) as batch_op:
        batch_op.create_index('ix_core_audit_actor', ['actor_id', 'id'], unique=False)
        batch_op.create_index('ix_core_audit_at', ['at'], unique=False)
        batch_op.create_index('ix_core_audit_entity_record', ['entity', 'record_id', 'id'], unique=False)

    op.create_table('core_login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('at', sportello.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_login_failure'))
    )
    with op.batch_alter_table('core_login_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_login_failure_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_login_failure_key'), ['key'], unique=False)

    op.create_table('core_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('created_at', sportello.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_unit')),
    sa.UniqueConstraint('name', name=op.f('uq_core_unit_name'))
    )
    op.create_table('core_api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('hint', sa.String(length=16), nullable=False),
    sa.Column('created_at', sportello.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sportello.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sportello.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sportello.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_api_token_user_id_core_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_core_api_token_token_hash'))
    )
    with op.batch_alter_table('core_api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('core_hourly_cost',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('created_at', sportello.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_hourly_cost_user_id_core_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_hourly_cost')),
    sa.UniqueConstraint('user_id', 'valid_from', name=op.f('uq_core_hourly_cost_user_id_valid_from'))
    )
    with op.batch_alter_table('core_hourly_cost', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_hourly_cost_user_id'), ['user_id'], unique=False)

    op.create_table('core_password_reset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sportello.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sportello.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', sportello.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_password_reset_user_id_core_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_password_reset')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_core_password_reset_token_hash'))
    )
    with op.batch_alter_table('core_password_reset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_password_reset_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('core_profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sa.String(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('start_page', sa.String(length=120), nullable=True))

    with op.batch_alter_table('core_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('password_changed_at', sportello.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_core_user_unit_id_core_unit'), 'core_unit', ['unit_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('core_user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_core_user_unit_id_core_unit'), type_='foreignkey')
        batch_op.drop_column('password_changed_at')
        batch_op.drop_column('totp_enabled')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('session_version')
        batch_op.drop_column('unit_id')

    with op.batch_alter_table('core_profile', schema=None) as batch_op:
        batch_op.drop_column('start_page')
        batch_op.drop_column('description')

    with op.batch_alter_table('core_password_reset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_password_reset_user_id'))

    op.drop_table('core_password_reset')
    with op.batch_alter_table('core_hourly_cost', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_hourly_cost_user_id'))

    op.drop_table('core_hourly_cost')
    with op.batch_alter_table('core_api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_api_token_user_id'))

    op.drop_table('core_api_token')
    op.drop_table('core_unit')
    with op.batch_alter_table('core_login_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_login_failure_key'))
        batch_op.drop_index(batch_op.f('ix_core_login_failure_at'))

    op.drop_table('core_login_failure')
    with op.batch_alter_table('core_audit', schema=None) as batch_op:
        batch_op.drop_index('ix_core_audit_entity_record')
        batch_op.drop_index('ix_core_audit_at')
        batch_op.drop_index('ix_core_audit_actor')

    op.drop_table('core_audit')
