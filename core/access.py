"""Profiles built from the plugins' permissions and default grants, and the one choke
point for row visibility, :func:`visible`."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import current_app
from flask_babel import force_locale, lazy_gettext
from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session

from .identity import KnownPermission, Profile, ProfilePermission, ProfileScope
from .plugins import PluginManager
from .types import STANDARD_PROFILES, Grant, Permission, Scope, Section

S = TypeVar("S", bound=Select[Any])

#: Names of the standard profiles, translated when shown (the database keeps English).
STANDARD_PROFILE_NAMES = {
    "system_admin": lazy_gettext("System administrator"),
    "crm_admin": lazy_gettext("CRM administrator"),
    "project_manager": lazy_gettext("Project manager"),
    "salesperson": lazy_gettext("Salesperson"),
    "salesperson_lists": lazy_gettext("Salesperson (sees all lists)"),
    "assignee": lazy_gettext("Assignee"),
}


def declared_permissions(plugins: PluginManager) -> dict[str, tuple[str, Permission]]:
    """Every permission code of the enabled plugins: code to (plugin, permission)."""
    found: dict[str, tuple[str, Permission]] = {}
    for plugin, items in plugins.call_in_order("permissions"):
        for item in items:
            if isinstance(item, Permission):
                found[item.code] = (plugin, item)
    return found


def declared_sections(plugins: PluginManager) -> dict[str, Section]:
    """Every data section of the enabled plugins, by code."""
    return {item.code: item for item in plugins.collect("permissions") if isinstance(item, Section)}


def sync_profiles(session: Session, plugins: PluginManager) -> list[str]:
    """Create the standard profiles and apply default grants to newly seen permissions.

    A grant is applied only the first time its permission code appears, so what an
    administrator later removes stays removed. Returns the new permission codes.
    """
    profiles = {p.code: p for p in session.scalars(select(Profile))}
    for code in STANDARD_PROFILES:
        if code not in profiles:
            with force_locale("en"):
                name = str(STANDARD_PROFILE_NAMES[code])
            profiles[code] = Profile(code=code, name=name, standard=True)
            session.add(profiles[code])
    session.flush()

    declared = declared_permissions(plugins)
    known = set(session.scalars(select(KnownPermission.code)))
    new_codes = sorted(code for code in declared if code not in known)
    for code in new_codes:
        session.add(KnownPermission(code=code, plugin=declared[code][0]))

    existing_scopes = {(s.profile_id, s.section) for s in session.scalars(select(ProfileScope))}
    for plugin, grants in plugins.call_in_order("default_grants"):
        plugin_codes = [c for c, (owner, _p) in declared.items() if owner == plugin]
        for grant in grants:
            _apply_grant(session, profiles, grant, plugin_codes, set(new_codes), existing_scopes)
    session.flush()
    return new_codes


def _apply_grant(
    session: Session,
    profiles: dict[str, Profile],
    grant: Grant,
    plugin_codes: list[str],
    new_codes: set[str],
    existing_scopes: set[tuple[int, str]],
) -> None:
    profile = profiles.get(grant.profile)
    if profile is None:
        return
    codes = plugin_codes if "*" in grant.permissions else list(grant.permissions)
    for code in codes:
        if code in new_codes:
            session.add(ProfilePermission(profile_id=profile.id, code=code))
    for section, scope in grant.scopes.items():
        if (profile.id, section) not in existing_scopes:
            session.add(ProfileScope(profile_id=profile.id, section=section, scope=Scope(scope).value))
            existing_scopes.add((profile.id, section))


def entity_name(model: Any) -> str:
    """The entity name of a mapped class: its ``__entity__`` or its table name."""
    return getattr(model, "__entity__", None) or model.__tablename__


def visible(statement: S, user: Any, action: str = "read") -> S:
    """Restrict a ``select()`` of an entity to the rows ``user`` may reach for ``action``.

    The clauses that plugins give through ``visibility_rules`` are OR-ed: each grants
    rows. With no clause at all, no row is visible. Use it for every list, page, search,
    export and API query of protected records.
    """
    model = statement.column_descriptions[0]["entity"]
    if model is None:
        raise ValueError("visible() needs a select() of a mapped entity")
    plugins: PluginManager = current_app.extensions["sportello"].plugins
    clauses = plugins.collect("visibility_rules", entity=entity_name(model), user=user, action=action)
    return statement.where(or_(*clauses) if clauses else false())


def select_visible(model: Any, user: Any, action: str = "read") -> Select[Any]:
    """Shorthand for ``visible(select(model), user, action)``."""
    return visible(select(model), user, action)
