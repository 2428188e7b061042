"""Projects, work groups, activities, time entries, attachments, events and invitees.

Revision ID: projects0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

import sportello.core.db

revision = "projects0001"
down_revision = None
branch_labels = ("projects",)
depends_on = ("core0005", "companies0001")


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sportello.core.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sportello.core.db.UTCDateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "projects_project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("planned_end", sa.Date(), nullable=True),
        sa.Column("docs_due", sa.Date(), nullable=True),
        sa.Column("contract_expiry", sa.Date(), nullable=True),
        sa.Column("budget", sa.Numeric(14, 2), nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("closed_at", sportello.core.db.UTCDateTime(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(["company_id"], ["companies_company.id"], name=op.f("fk_projects_project_company_id_companies_company")),
        sa.ForeignKeyConstraint(["manager_id"], ["core_user.id"], name=op.f("fk_projects_project_manager_id_core_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_project")),
        sa.UniqueConstraint("code", name=op.f("uq_projects_project_code")),
    )
    op.create_index("ix_projects_project_manager_updated", "projects_project", ["manager_id", "updated_at", "id"])
    op.create_index("ix_projects_project_company", "projects_project", ["company_id", "id"])
    op.create_index("ix_projects_project_updated", "projects_project", ["updated_at", "id"])

    op.create_table(
        "projects_project_member",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects_project.id"], ondelete="CASCADE",
                                name=op.f("fk_projects_project_member_project_id_projects_project")),
        sa.ForeignKeyConstraint(["user_id"], ["core_user.id"], ondelete="CASCADE",
                                name=op.f("fk_projects_project_member_user_id_core_user")),
        sa.PrimaryKeyConstraint("project_id", "user_id", name=op.f("pk_projects_project_member")),
    )
    op.create_index(op.f("ix_projects_project_member_user_id"), "projects_project_member", ["user_id"])

    op.create_table(
        "projects_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("assigned_to_group", sa.Boolean(), nullable=False),
        sa.Column("planned_start", sa.Date(), nullable=True),
        sa.Column("planned_end", sa.Date(), nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("closing_note", sa.Text(), nullable=False),
        sa.Column("closed_at", sportello.core.db.UTCDateTime(), nullable=True),
        sa.Column("actual_cost", sa.Numeric(14, 2), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(["company_id"], ["companies_company.id"], name=op.f("fk_projects_activity_company_id_companies_company")),
        sa.ForeignKeyConstraint(["project_id"], ["projects_project.id"], ondelete="CASCADE",
                                name=op.f("fk_projects_activity_project_id_projects_project")),
        sa.ForeignKeyConstraint(["owner_id"], ["core_user.id"], name=op.f("fk_projects_activity_owner_id_core_user")),
        sa.ForeignKeyConstraint(["assignee_id"], ["core_user.id"], name=op.f("fk_projects_activity_assignee_id_core_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_activity")),
    )
    op.create_index("ix_projects_activity_assignee_updated", "projects_activity", ["assignee_id", "updated_at", "id"])
    op.create_index("ix_projects_activity_project_updated", "projects_activity", ["project_id", "updated_at", "id"])
    op.create_index("ix_projects_activity_company", "projects_activity", ["company_id", "id"])
    op.create_index("ix_projects_activity_updated", "projects_activity", ["updated_at", "id"])
    op.create_index("ix_projects_activity_planned_end", "projects_activity", ["planned_end"])

    op.create_table(
        "projects_time_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hours", sa.Numeric(5, 2), nullable=False),
        sa.Column("cost", sa.Numeric(14, 2), nullable=True),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("created_at", sportello.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["projects_activity.id"], ondelete="CASCADE",
                                name=op.f("fk_projects_time_entry_activity_id_projects_activity")),
        sa.ForeignKeyConstraint(["user_id"], ["core_user.id"], name=op.f("fk_projects_time_entry_user_id_core_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_time_entry")),
    )
    op.create_index("ix_projects_time_entry_activity", "projects_time_entry", ["activity_id", "day", "id"])
    op.create_index("ix_projects_time_entry_user_day", "projects_time_entry", ["user_id", "day"])

    op.create_table(
        "projects_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sportello.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["projects_activity.id"], ondelete="CASCADE",
                                name=op.f("fk_projects_attachment_activity_id_projects_activity")),
        sa.ForeignKeyConstraint(["project_id"], ["projects_project.id"], ondelete="CASCADE",
                                name=op.f("fk_projects_attachment_project_id_projects_project")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["core_user.id"], name=op.f("fk_projects_attachment_uploaded_by_id_core_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_attachment")),
    )
    op.create_index("ix_projects_attachment_activity", "projects_attachment", ["activity_id", "id"])
    op.create_index("ix_projects_attachment_project", "projects_attachment", ["project_id", "id"])

    op.create_table(
        "projects_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", sportello.core.db.UTCDateTime(), nullable=False),
        sa.Column("ends_at", sportello.core.db.UTCDateTime(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(["company_id"], ["companies_company.id"], name=op.f("fk_projects_event_company_id_companies_company")),
        sa.ForeignKeyConstraint(["project_id"], ["projects_project.id"], ondelete="CASCADE",
                                name=op.f("fk_projects_event_project_id_projects_project")),
        sa.ForeignKeyConstraint(["owner_id"], ["core_user.id"], name=op.f("fk_projects_event_owner_id_core_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_event")),
    )
    op.create_index("ix_projects_event_starts", "projects_event", ["starts_at", "id"])
    op.create_index("ix_projects_event_owner", "projects_event", ["owner_id", "starts_at", "id"])
    op.create_index("ix_projects_event_project", "projects_event", ["project_id", "starts_at"])
    op.create_index("ix_projects_event_company", "projects_event", ["company_id", "starts_at"])

    op.create_table(
        "projects_event_invitee",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["projects_event.id"], ondelete="CASCADE",
                                name=op.f("fk_projects_event_invitee_event_id_projects_event")),
        sa.ForeignKeyConstraint(["user_id"], ["core_user.id"], ondelete="CASCADE",
                                name=op.f("fk_projects_event_invitee_user_id_core_user")),
        sa.PrimaryKeyConstraint("event_id", "user_id", name=op.f("pk_projects_event_invitee")),
    )
    op.create_index(op.f("ix_projects_event_invitee_user_id"), "projects_event_invitee", ["user_id"])


def downgrade() -> None:
    op.drop_table("projects_event_invitee")
    op.drop_table("projects_event")
    op.drop_table("projects_attachment")
    op.drop_table("projects_time_entry")
    op.drop_table("projects_activity")
    op.drop_table("projects_project_member")
    op.drop_table("projects_project")
