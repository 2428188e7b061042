"""A colour for each note.

Revision ID: ex0002
Revises: ex0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "ex0002"
down_revision = "ex0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("example_note") as batch:
        batch.add_column(sa.Column("colour", sa.String(16), nullable=False, server_default="yellow"))


def downgrade() -> None:
    with op.batch_alter_table("example_note") as batch:
        batch.drop_column("colour")
