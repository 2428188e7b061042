"""Attachments: files of the records of any plugin

Revision ID: core0006
Revises: core0005
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sportello.core.db


revision: str = 'core0006'
down_revision: str | Sequence[str] | None = 'core0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('core_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=80), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sportello.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['core_user.id'], name=op.f('fk_core_attachment_uploaded_by_id_core_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_attachment'))
    )
    with op.batch_alter_table('core_attachment', schema=None) as batch_op:
        batch_op.create_index('ix_core_attachment_record', ['entity', 'record_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('core_attachment', schema=None) as batch_op:
        batch_op.drop_index('ix_core_attachment_record')
    op.drop_table('core_attachment')
