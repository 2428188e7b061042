"""Tables of the notification service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Model, utcnow
from ..identity import User

#: States of a notice. ``sending`` is held by the one job that claimed it.
QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
STATES = (QUEUED, SENDING, SENT, FAILED)

#: What a rule's trigger is.
EVENT, DEADLINE = "event", "deadline"


class NotificationRule(Model):
    """Who hears about what, and how: trigger → recipients → channel."""

    __tablename__ = "core_notification_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    trigger: Mapped[str] = mapped_column(String(120), index=True)
    trigger_type: Mapped[str] = mapped_column(String(8), default=EVENT)
    #: Recipient kinds relative to the record (``"owner"``, ``"crm_admins"``, ...).
    recipients: Mapped[Any] = mapped_column(JSON, default=list)
    fixed_user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    fixed_user: Mapped[User | None] = relationship(lazy="joined")
    channel: Mapped[str] = mapped_column(String(64), default="email")
    days_ahead: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class KnownTrigger(Model):
    """An event type or deadline kind seen once: its default rule is never created again."""

    __tablename__ = "core_notification_trigger"
    __audit__ = False

    code: Mapped[str] = mapped_column(String(120), primary_key=True)
    trigger_type: Mapped[str] = mapped_column(String(8))
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)


class Notice(Model):
    """One message to one person through one channel, and its fate.

    ``key`` is unique: (rule, entity, record, due date or event id, recipient, channel),
    so the same notice is never created twice.
    """

    __tablename__ = "core_notice"
    __audit__ = False
    __table_args__ = (
        Index("ix_core_notice_created", "created_at", "id"),
        Index("ix_core_notice_user", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("core_notification_rule.id", ondelete="SET NULL"))
    trigger: Mapped[str] = mapped_column(String(120))
    entity: Mapped[str] = mapped_column(String(120))
    record_id: Mapped[int | None] = mapped_column()
    event_id: Mapped[int | None] = mapped_column()
    due: Mapped[date | None] = mapped_column()
    happened_at: Mapped[datetime | None] = mapped_column()
    title: Mapped[str] = mapped_column(String(300), default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"))
    user: Mapped[User] = relationship(lazy="joined")
    channel: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(8), default=QUEUED, index=True)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    #: When a job last claimed it for sending: a claim older than the job lease means
    #: the worker died while sending.
    claimed_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
