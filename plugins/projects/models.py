"""Tables of the projects plugin: projects (commesse) with their work group, activities
with time entries and attachments, events (meetings) with their invitees."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Index, Integer, LargeBinary, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from sportello import Model, TimestampMixin, utcnow

#: States of a project.
PROJECT_STATES = ("open", "closed")
#: States of an activity: open, then closed as completed or abandoned (with a note).
ACTIVITY_STATES = ("open", "completed", "abandoned")
#: Kinds of activity.
ACTIVITY_KINDS = ("task", "call", "meeting", "visit", "document", "other")

project_member = Table(
    "projects_project_member",
    Model.metadata,
    Column("project_id", Integer, ForeignKey("projects_project.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("core_user.id", ondelete="CASCADE"), primary_key=True, index=True),
)

event_invitee = Table(
    "projects_event_invitee",
    Model.metadata,
    Column("event_id", Integer, ForeignKey("projects_event.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("core_user.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Project(TimestampMixin, Model):
    """A project (commessa) for a company, run by a project manager with a work group."""

    __tablename__ = "projects_project"
    __entity__ = "projects.project"
    __table_args__ = (
        Index("ix_projects_project_manager_updated", "manager_id", "updated_at", "id"),
        Index("ix_projects_project_company", "company_id", "id"),
        Index("ix_projects_project_updated", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    company_id: Mapped[int] = mapped_column(ForeignKey("companies_company.id"))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    start_date: Mapped[date | None] = mapped_column()
    planned_end: Mapped[date | None] = mapped_column()
    docs_due: Mapped[date | None] = mapped_column()
    contract_expiry: Mapped[date | None] = mapped_column()
    budget: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    state: Mapped[str] = mapped_column(String(10), default="open")
    closed_at: Mapped[datetime | None] = mapped_column()

    company = relationship("Company", foreign_keys=[company_id])
    manager = relationship("User", foreign_keys=[manager_id])
    members = relationship("User", secondary=project_member, order_by="User.name")


class Activity(TimestampMixin, Model):
    """Work on a company, or on a project (then its company is the project's)."""

    __tablename__ = "projects_activity"
    __entity__ = "projects.activity"
    __table_args__ = (
        Index("ix_projects_activity_assignee_updated", "assignee_id", "updated_at", "id"),
        Index("ix_projects_activity_project_updated", "project_id", "updated_at", "id"),
        Index("ix_projects_activity_company", "company_id", "id"),
        Index("ix_projects_activity_updated", "updated_at", "id"),
        Index("ix_projects_activity_planned_end", "planned_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies_company.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects_project.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default="task")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    #: Assigned to the project's work group rather than to one user.
    assigned_to_group: Mapped[bool] = mapped_column(default=False)
    planned_start: Mapped[date | None] = mapped_column()
    planned_end: Mapped[date | None] = mapped_column()
    state: Mapped[str] = mapped_column(String(10), default="open")
    closing_note: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column()
    #: The actual cost entered by the project manager; ``None``: the cost of the time entries.
    actual_cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))

    company = relationship("Company", foreign_keys=[company_id])
    project: Mapped[Project | None] = relationship(foreign_keys=[project_id])
    owner = relationship("User", foreign_keys=[owner_id])
    assignee = relationship("User", foreign_keys=[assignee_id])


class TimeEntry(Model):
    """Hours a user worked on an activity on a day, with their cost at that date."""

    __tablename__ = "projects_time_entry"
    __entity__ = "projects.time_entry"
    __table_args__ = (
        Index("ix_projects_time_entry_activity", "activity_id", "day", "id"),
        Index("ix_projects_time_entry_user_day", "user_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("projects_activity.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    day: Mapped[date] = mapped_column()
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    #: hours × the user's hourly cost valid on ``day``; ``None`` when no cost was set.
    cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User", foreign_keys=[user_id])


class Attachment(Model):
    """A file attached to an activity or a project, stored in the database."""

    __tablename__ = "projects_attachment"
    __entity__ = "projects.attachment"
    __table_args__ = (
        Index("ix_projects_attachment_activity", "activity_id", "id"),
        Index("ix_projects_attachment_project", "project_id", "id"),
    )
    __audit_exclude__ = frozenset({"data"})

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("projects_activity.id", ondelete="CASCADE"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects_project.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column()
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])


class Event(TimestampMixin, Model):
    """A meeting on a company or a project, with invited users."""

    __tablename__ = "projects_event"
    __entity__ = "projects.event"
    __table_args__ = (
        Index("ix_projects_event_starts", "starts_at", "id"),
        Index("ix_projects_event_owner", "owner_id", "starts_at", "id"),
        Index("ix_projects_event_project", "project_id", "starts_at"),
        Index("ix_projects_event_company", "company_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    company_id: Mapped[int] = mapped_column(ForeignKey("companies_company.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects_project.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))

    company = relationship("Company", foreign_keys=[company_id])
    project: Mapped[Project | None] = relationship(foreign_keys=[project_id])
    owner = relationship("User", foreign_keys=[owner_id])
    invitees = relationship("User", secondary=event_invitee, order_by="User.name")
