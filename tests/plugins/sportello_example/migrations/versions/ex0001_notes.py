"""Notes table.

Revision ID: ex0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

import sportello.core.db

revision = "ex0001"
down_revision = None
branch_labels = ("example",)
depends_on = "core0001"


def upgrade() -> None:
    op.create_table(
        "example_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sportello.core.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sportello.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["core_user.id"], name=op.f("fk_example_note_owner_id_core_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_example_note")),
    )
    op.create_index(op.f("ix_example_note_owner_id"), "example_note", ["owner_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_example_note_owner_id"), table_name="example_note")
    op.drop_table("example_note")
