"""Profiles built from the plugins' permissions and default grants, and the one choke
point for row visibility, :func:`visible`."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import current_app
from flask_babel import force_locale, lazy_gettext
from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.orm import Session

from .identity import KnownPermission, Profile, ProfilePermission, ProfileScope
from .plugins import PluginManager
from .db import Model
from .types import STANDARD_PROFILES, Grant, Permission, Rule, Scope, Section

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


def rules_for(model: Any, user: Any, action: str) -> list[Rule]:
    """The rules the enabled plugins give for ``model``, bare clauses made into grants."""
    plugins: PluginManager = current_app.extensions["sportello"].plugins
    found = plugins.collect("visibility_rules", entity=entity_name(model), user=user, action=action)
    return [item if isinstance(item, Rule) else Rule(item, "") for item in found]


def combine(rules: list[Rule]) -> Any:
    """Grants OR-ed, then restrictions AND-ed; no grant at all means no row."""
    grants = [rule.clause for rule in rules if not rule.restriction]
    restrictions = [rule.clause for rule in rules if rule.restriction]
    if not grants:
        return false()
    return and_(or_(*grants), *restrictions)


def visible(statement: S, user: Any, action: str = "read") -> S:
    """Restrict a ``select()`` of an entity to the rows ``user`` may reach for ``action``.

    The one choke point of row visibility: every list, page, search, export, PDF,
    download, API call, notification and feed of protected records goes through it.
    ``action`` is ``"list"`` (shown in lists), ``"read"`` (opened), ``"update"`` or
    ``"delete"``.
    """
    model = statement.column_descriptions[0]["entity"]
    if model is None:
        raise ValueError("visible() needs a select() of a mapped entity")
    return statement.where(combine(rules_for(model, user, action)))


def select_visible(model: Any, user: Any, action: str = "read") -> Select[Any]:
    """Shorthand for ``visible(select(model), user, action)``."""
    return visible(select(model), user, action)


def entity_models() -> dict[str, Any]:
    """Mapped classes of the enabled plugins that declare an ``__entity__``, by name."""
    enabled = {"core", *current_app.extensions["sportello"].plugins.loaded}
    found = {}
    for mapper in Model.registry.mappers:
        name = getattr(mapper.class_, "__entity__", None)
        if name and name.split(".")[0] in enabled:
            found[name] = mapper.class_
    return dict(sorted(found.items()))
