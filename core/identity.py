"""Users and profiles: who can sign in, and which permissions and scopes they hold."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .db import Model, TimestampMixin, utcnow
from .types import Scope

_hasher = PasswordHasher()
#: Cheap parameters for MODE=testing only, where thousands of users are made per run.
_test_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (the library's recommended cost)."""
    testing = has_app_context() and current_app.config.get("MODE") == "testing"
    return (_test_hasher if testing else _hasher).hash(password)


def check_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash``; never raises."""
    if not stored_hash:
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class Profile(Model):
    """A set of permission codes plus a scope per data section."""

    __tablename__ = "core_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    standard: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str] = mapped_column(String(500), default="")
    start_page: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    permissions: Mapped[list[ProfilePermission]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", lazy="selectin"
    )
    scopes: Mapped[list[ProfileScope]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def label(self) -> str:
        """The name to show: standard profiles in the reader's language."""
        if self.standard:
            from .access import STANDARD_PROFILE_NAMES

            if self.code in STANDARD_PROFILE_NAMES:
                return str(STANDARD_PROFILE_NAMES[self.code])
        return self.name

    def permission_codes(self) -> frozenset[str]:
        return frozenset(grant.code for grant in self.permissions)

    def scope_for(self, section: str) -> Scope:
        for row in self.scopes:
            if row.section == section:
                return Scope(row.scope)
        return Scope.NONE


class ProfilePermission(Model):
    """One permission code granted to a profile."""

    __tablename__ = "core_profile_permission"
    __table_args__ = (UniqueConstraint("profile_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("core_profile.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(120))
    profile: Mapped[Profile] = relationship(back_populates="permissions")


class ProfileScope(Model):
    """How much of one section a profile reaches (none, own, list, all)."""

    __tablename__ = "core_profile_scope"
    __table_args__ = (UniqueConstraint("profile_id", "section"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("core_profile.id", ondelete="CASCADE"))
    section: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(8), default=Scope.NONE.value)
    profile: Mapped[Profile] = relationship(back_populates="scopes")


class KnownPermission(Model):
    """Every permission code the installation has seen, so default grants apply once."""

    __tablename__ = "core_known_permission"

    code: Mapped[str] = mapped_column(String(120), primary_key=True)
    plugin: Mapped[str] = mapped_column(String(64))
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)


class User(UserMixin, TimestampMixin, Model):
    """A person who signs in."""

    __tablename__ = "core_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(8))
    phone: Mapped[str | None] = mapped_column(String(32))
    start_page: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("core_profile.id"))
    profile: Mapped[Profile] = relationship(lazy="joined")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("core_unit.id"))
    unit: Mapped[Unit | None] = relationship(lazy="joined")
    #: Raised by "sign out everywhere" and by a password change: older sessions stop working.
    session_version: Mapped[int] = mapped_column(default=0)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    #: The time step of the last two-factor code accepted: that code and older ones are refused.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    password_changed_at: Mapped[datetime | None] = mapped_column()

    __audit_exclude__ = frozenset({"password_hash", "totp_secret"})
    __audit_ignore__ = frozenset({"updated_at", "totp_last_step"})

    def get_id(self) -> str:
        """What the session cookie keeps: the id and the session version."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # flask-login asks this
        return self.active

    def can(self, code: str | None) -> bool:
        """Whether the user's profile holds permission ``code`` (``None`` is always true)."""
        if code is None:
            return True
        cached = self.__dict__.get("_codes")
        if cached is None:
            cached = self.profile.permission_codes()
            self.__dict__["_codes"] = cached
        return code in cached

    def scope(self, section: str) -> Scope:
        """The user's scope on a data section."""
        return self.profile.scope_for(section)

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return check_password(self.password_hash, password)


class Unit(Model):
    """An organisational unit (office, branch, team) that users and records belong to."""

    __tablename__ = "core_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HourlyCost(Model):
    """A user's hourly cost from ``valid_from`` on; older costs stay for older work."""

    __tablename__ = "core_hourly_cost"
    __table_args__ = (UniqueConstraint("user_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), index=True)
    valid_from: Mapped[date] = mapped_column()
    amount: Mapped[Decimal] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def find_user_by_email(session: Session, email: str) -> User | None:
    """The user with this e-mail address, compared without case."""
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
