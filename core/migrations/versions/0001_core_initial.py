"""Core tables: profiles, permissions, users, settings.

Revision ID: core0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sportello.core.db

revision = "core0001"
down_revision = None
branch_labels = ("core",)
depends_on = None

UTC = sportello.core.db.UTCDateTime()


def upgrade() -> None:
    op.create_table(
        "core_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("standard", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_profile")),
        sa.UniqueConstraint("code", name=op.f("uq_core_profile_code")),
    )
    op.create_table(
        "core_profile_permission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(120), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"], ["core_profile.id"], ondelete="CASCADE",
            name=op.f("fk_core_profile_permission_profile_id_core_profile"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_profile_permission")),
        sa.UniqueConstraint("profile_id", "code", name=op.f("uq_core_profile_permission_profile_id_code")),
    )
    op.create_table(
        "core_profile_scope",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(8), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"], ["core_profile.id"], ondelete="CASCADE",
            name=op.f("fk_core_profile_scope_profile_id_core_profile"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_profile_scope")),
        sa.UniqueConstraint("profile_id", "section", name=op.f("uq_core_profile_scope_profile_id_section")),
    )
    op.create_table(
        "core_known_permission",
        sa.Column("code", sa.String(120), nullable=False),
        sa.Column("plugin", sa.String(64), nullable=False),
        sa.Column("first_seen", UTC, nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_core_known_permission")),
    )
    op.create_table(
        "core_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("start_page", sa.String(120), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["profile_id"], ["core_profile.id"], name=op.f("fk_core_user_profile_id_core_profile")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_user")),
        sa.UniqueConstraint("email", name=op.f("uq_core_user_email")),
    )
    op.create_table(
        "core_setting",
        sa.Column("section", sa.String(64), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("section", "name", name=op.f("pk_core_setting")),
    )


def downgrade() -> None:
    op.drop_table("core_setting")
    op.drop_table("core_user")
    op.drop_table("core_known_permission")
    op.drop_table("core_profile_scope")
    op.drop_table("core_profile_permission")
    op.drop_table("core_profile")
