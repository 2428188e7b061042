"""Creating users, shared by the CLI, the demo and the tests."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .db import current_session
from .errors import SportelloError
from .identity import HourlyCost, Profile, Unit, User, find_user_by_email
from .numbers import parse_decimal

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 10


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


# ---------------------------------------------------------------------------
# What the users administration pages use
# ---------------------------------------------------------------------------

#: Passwords typed by an administrator for a new user.
ADMIN_PASSWORD_MIN_LENGTH = 10
PHONE_PATTERN = re.compile(r"^\+?[0-9 ]{6,24}$")


def email_in_use(session: Session, email: str, except_id: int | None = None) -> bool:
    """Whether another user has this e-mail address, compared without case."""
    query = select(User.id).where(func.lower(User.email) == email.strip().lower())
    if except_id is not None:
        query = query.where(User.id != except_id)
    return session.scalar(query) is not None


def set_user_active(session: Session, user: User, active: bool, actor: User | None = None) -> None:
    """Deactivate or reactivate ``user``; never the actor themselves, never the last admin."""
    from .profiles import ensure_admin_remains

    if not active and actor is not None and actor.id == user.id:
        raise UserError(_l("You cannot deactivate yourself."))
    user.active = active
    ensure_admin_remains(session)
    session.commit()


def add_unit(session: Session, name: str) -> Unit:
    """A new organisational unit; names are unique without case."""
    name = " ".join(name.split())
    if not name:
        raise UserError(_l("The name cannot be empty."))
    if len(name) > 120:
        raise UserError(_l("At most 120 characters."))
    if session.scalar(select(Unit.id).where(func.lower(Unit.name) == name.lower())) is not None:
        raise UserError(_l("A unit with this name already exists."))
    unit = Unit(name=name)
    session.add(unit)
    session.commit()
    return unit


def parse_amount(text: str) -> Decimal:
    """``35,50``, ``35.50`` or ``1.234,50`` as a ``Decimal`` with two decimals; raises
    :class:`UserError` for anything else, more than two decimals or not above zero."""
    try:
        amount = parse_decimal(text)
    except ValueError:
        raise UserError(_l("Write an amount such as 35,50 (at most two decimals).")) from None
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        raise UserError(_l("Write an amount such as 35,50 (at most two decimals)."))
    amount = amount.quantize(Decimal("0.01"))
    if amount <= 0:
        raise UserError(_l("The amount must be greater than zero."))
    if amount >= Decimal(1000000000000):
        raise UserError(_l("The amount is too large."))
    return amount


def add_hourly_cost(session: Session, user_id: int, valid_from: date, amount: Decimal) -> HourlyCost:
    """Record ``user_id``'s hourly cost from ``valid_from`` on (one per date)."""
    if amount <= 0:
        raise UserError(_l("The amount must be greater than zero."))
    existing = session.scalar(
        select(HourlyCost.id).where(HourlyCost.user_id == user_id, HourlyCost.valid_from == valid_from)
    )
    if existing is not None:
        raise UserError(_l("This user already has a cost from this date: choose another date."))
    cost = HourlyCost(user_id=user_id, valid_from=valid_from, amount=amount)
    session.add(cost)
    session.commit()
    return cost


def hourly_costs_of(session: Session, user_id: int) -> list[HourlyCost]:
    """A user's hourly costs, newest ``valid_from`` first."""
    return list(
        session.scalars(select(HourlyCost).where(HourlyCost.user_id == user_id).order_by(HourlyCost.valid_from.desc()))
    )


def hourly_cost_on(session: Session, user_id: int, day: date) -> Decimal | None:
    """The hourly cost valid on ``day``: the one with the latest ``valid_from <= day``."""
    return session.scalar(
        select(HourlyCost.amount)
        .where(HourlyCost.user_id == user_id, HourlyCost.valid_from <= day)
        .order_by(HourlyCost.valid_from.desc())
        .limit(1)
    )
