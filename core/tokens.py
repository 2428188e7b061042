"""Personal API tokens and one-time secrets, stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Model, utcnow
from .identity import User

TOKEN_PREFIX = "spt_"


def new_secret(prefix: str = "") -> str:
    """A random secret of 256 bits, URL-safe."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The SHA-256 of a high-entropy secret: what the database keeps."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(Model):
    """A personal API token: acts with exactly its user's permissions and visibility."""

    __tablename__ = "core_api_token"
    __audit_exclude__ = frozenset({"token_hash"})
    __audit_ignore__ = frozenset({"last_used_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    user: Mapped[User] = relationship(lazy="joined")

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class PasswordReset(Model):
    """A single-use, expiring password reset link sent by e-mail."""

    __tablename__ = "core_password_reset"
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class LoginFailure(Model):
    """A failed sign-in, kept for throttling when there is no Redis."""

    __tablename__ = "core_login_failure"
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
