"""Profiles as administrators edit them: permissions, scopes, copies, deletion, and the
rule that at least one active user can always manage users and profiles."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from .errors import SportelloError
from .identity import Profile, ProfilePermission, ProfileScope, User
from .types import Scope

#: A system administrator is an active user whose profile holds both of these.
ADMIN_CODES: tuple[str, ...] = ("core.users", "core.profiles")

START_PAGE_MAX = 120


class ProfileError(SportelloError):
    """A profile change is refused; the message (translatable) says why."""


class LastAdminError(ProfileError):
    """The change would leave nobody able to manage users and profiles."""


def admin_profile_ids(session: Session) -> list[int]:
    """The profiles holding every code of :data:`ADMIN_CODES`."""
    query = (
        select(ProfilePermission.profile_id)
        .where(ProfilePermission.code.in_(ADMIN_CODES))
        .group_by(ProfilePermission.profile_id)
        .having(func.count(distinct(ProfilePermission.code)) == len(ADMIN_CODES))
    )
    return list(session.scalars(query))


def active_admin_count(session: Session) -> int:
    """How many active users can manage users and profiles (pending changes included)."""
    session.flush()
    ids = admin_profile_ids(session)
    if not ids:
        return 0
    return session.scalar(select(func.count(User.id)).where(User.active.is_(True), User.profile_id.in_(ids))) or 0


def ensure_admin_remains(session: Session) -> None:
    """Raise :class:`LastAdminError` (after rolling the pending change back) when no
    active user would hold both :data:`ADMIN_CODES`."""
    if active_admin_count(session) == 0:
        session.rollback()
        raise LastAdminError(
            _l("Refused: after this change no active user could manage users and profiles. Nothing was changed.")
        )


def valid_start_page(value: str | None) -> bool:
    """An empty start page, or a same-site path such as ``/crm``."""
    if not value:
        return True
    return value.startswith("/") and not value.startswith("//") and len(value) <= START_PAGE_MAX and " " not in value


def users_per_profile(session: Session) -> dict[int, int]:
    rows = session.execute(select(User.profile_id, func.count(User.id)).group_by(User.profile_id))
    return {profile_id: count for profile_id, count in rows}


def save_profile(
    session: Session,
    profile: Profile,
    *,
    name: str | None,
    description: str,
    start_page: str | None,
    codes: Iterable[str],
    declared_codes: Iterable[str],
    scopes: Mapping[str, Scope],
) -> None:
    """Replace what an administrator can edit, then commit, unless no admin would remain.

    Only the declared codes (those of enabled plugins) are touched: grants of a disabled
    plugin stay, ready for when it comes back. ``name`` is ignored for standard profiles.
    """
    declared = set(declared_codes)
    wanted = set(codes) & declared
    if name is not None and not profile.standard:
        profile.name = name.strip()
    profile.description = description.strip()
    profile.start_page = start_page or None
    for grant in list(profile.permissions):
        if grant.code in declared and grant.code not in wanted:
            profile.permissions.remove(grant)
    held = {grant.code for grant in profile.permissions}
    for code in sorted(wanted - held):
        profile.permissions.append(ProfilePermission(code=code))
    rows = {row.section: row for row in profile.scopes}
    for section, scope in scopes.items():
        value = Scope(scope).value
        if section in rows:
            rows[section].scope = value
        else:
            profile.scopes.append(ProfileScope(section=section, scope=value))
    ensure_admin_remains(session)
    session.commit()


def _code_for(session: Session, name: str) -> str:
    base = "custom_" + (re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:40] or "profile")
    taken = set(session.scalars(select(Profile.code).where(Profile.code.like(base + "%"))))
    code, number = base, 2
    while code in taken:
        code, number = f"{base}_{number}", number + 1
    return code


def copy_profile(session: Session, source: Profile, name: str) -> Profile:
    """A custom profile with ``source``'s permissions, scopes, description and start page."""
    name = name.strip()
    if not name:
        raise ProfileError(_l("The name cannot be empty."))
    if session.scalar(select(Profile.id).where(func.lower(Profile.name) == name.lower())) is not None:
        raise ProfileError(_l("A profile with this name already exists."))
    profile = Profile(
        code=_code_for(session, name),
        name=name,
        standard=False,
        description=source.description,
        start_page=source.start_page,
    )
    profile.permissions = [ProfilePermission(code=grant.code) for grant in source.permissions]
    profile.scopes = [ProfileScope(section=row.section, scope=row.scope) for row in source.scopes]
    session.add(profile)
    session.commit()
    return profile


def delete_profile(session: Session, profile: Profile) -> None:
    """Delete a custom profile nobody has."""
    if profile.standard:
        raise ProfileError(_l("Standard profiles cannot be deleted."))
    if session.scalar(select(func.count(User.id)).where(User.profile_id == profile.id)):
        raise ProfileError(_l("This profile is still assigned to some users: give them another profile first."))
    session.delete(profile)
    session.commit()
