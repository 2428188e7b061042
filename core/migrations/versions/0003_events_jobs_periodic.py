"""System events outbox, background jobs and periodic runs.

Revision ID: core0003
Revises: core0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sportello.core.db


revision: str = 'core0003'
down_revision: str | Sequence[str] | None = 'core0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('core_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=120), nullable=False),
    sa.Column('entity', sa.String(length=120), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('occurred_at', sportello.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('dispatched_at', sportello.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_event'))
    )
    with op.batch_alter_table('core_event', schema=None) as batch_op:
        batch_op.create_index('ix_core_event_pending', ['dispatched_at', 'id'], unique=False)
        batch_op.create_index('ix_core_event_type', ['type', 'id'], unique=False)

    op.create_table('core_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('function', sa.String(length=200), nullable=False),
    sa.Column('kwargs', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('run_after', sportello.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sportello.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', sportello.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sportello.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_job'))
    )
    with op.batch_alter_table('core_job', schema=None) as batch_op:
        batch_op.create_index('ix_core_job_state_run_after', ['state', 'run_after'], unique=False)

    op.create_table('core_periodic_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task', sa.String(length=120), nullable=False),
    sa.Column('period', sa.String(length=32), nullable=False),
    sa.Column('claimed_at', sportello.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_periodic_run')),
    sa.UniqueConstraint('task', 'period', name=op.f('uq_core_periodic_run_task_period'))
    )


def downgrade() -> None:
    op.drop_table('core_periodic_run')
    with op.batch_alter_table('core_job', schema=None) as batch_op:
        batch_op.drop_index('ix_core_job_state_run_after')

    op.drop_table('core_job')
    with op.batch_alter_table('core_event', schema=None) as batch_op:
        batch_op.drop_index('ix_core_event_type')
        batch_op.drop_index('ix_core_event_pending')

    op.drop_table('core_event')
