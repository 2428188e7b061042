"""The personal iCal feeds: one secret address per user, kept only as a hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sportello import Model, utcnow


class Feed(Model):
    """A user's iCal feed. ``token_hash`` is the SHA-256 of the secret in the feed's URL."""

    __tablename__ = "deadlines_feed"
    __entity__ = "deadlines.feed"
    __audit_exclude__ = frozenset({"token_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
