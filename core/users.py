"""Creating users, shared by the CLI, the demo and the tests."""

from __future__ import annotations

import re

from sqlalchemy import select

from .db import current_session
from .errors import SportelloError
from .identity import Profile, User, find_user_by_email

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 8


class UserError(SportelloError):
    """A user cannot be created as asked; the message says why."""


def create_user(
    *,
    email: str,
    name: str,
    profile_code: str,
    password: str | None,
    language: str = "it",
    phone: str | None = None,
    commit: bool = True,
) -> User:
    """Create a user after checking the e-mail, the password and the profile."""
    session = current_session()
    email = email.strip()
    if not EMAIL_PATTERN.match(email):
        raise UserError(f"{email!r} is not a valid e-mail address.")
    if find_user_by_email(session, email) is not None:
        raise UserError(f"a user with e-mail {email} already exists.")
    if not name.strip():
        raise UserError("the name cannot be empty.")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters.")
    profile = session.scalar(select(Profile).where(Profile.code == profile_code))
    if profile is None:
        codes = ", ".join(session.scalars(select(Profile.code).order_by(Profile.id))) or "none: run `sportello init` first"
        raise UserError(f"profile {profile_code!r} does not exist (profiles: {codes}).")
    user = User(email=email, name=name.strip(), profile=profile, language=language, phone=phone, active=True)
    if password is not None:
        user.set_password(password)
    session.add(user)
    if commit:
        session.commit()
    else:
        session.flush()
    return user
