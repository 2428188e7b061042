"""Personal iCal feeds.

Revision ID: deadlines0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

import sportello.core.db

revision = "deadlines0001"
down_revision = None
branch_labels = ("deadlines",)
depends_on = "core0002"


def upgrade() -> None:
    op.create_table(
        "deadlines_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sportello.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["core_user.id"], name=op.f("fk_deadlines_feed_user_id_core_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadlines_feed")),
        sa.UniqueConstraint("user_id", name=op.f("uq_deadlines_feed_user_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_deadlines_feed_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("deadlines_feed")
