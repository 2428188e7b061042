"""The audit log: every create, update and delete, by whom, through which channel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .db import Model, utcnow


class AuditEntry(Model):
    """One change to one record. Append-only: nothing updates or deletes these rows."""

    __tablename__ = "core_audit"
    __audit__ = False
    __table_args__ = (
        Index("ix_core_audit_entity_record", "entity", "record_id", "id"),
        Index("ix_core_audit_actor", "actor_id", "id"),
        Index("ix_core_audit_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column()
    token_id: Mapped[int | None] = mapped_column()
    channel: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(8))
    entity: Mapped[str] = mapped_column(String(120))
    record_id: Mapped[str] = mapped_column(String(64))
    changes: Mapped[Any] = mapped_column(JSON)
    address: Mapped[str | None] = mapped_column(String(64))
