"""Profiles administration: permissions by section, scopes, copies and deletion."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ..access import declared_permissions, declared_sections
from ..db import current_session
from ..identity import Profile
from ..profiles import (
    ProfileError,
    copy_profile,
    delete_profile,
    save_profile,
    users_per_profile,
    valid_start_page,
)
from ..types import Scope
from .blueprint import core
from .guards import requires

NAME_MAX = 120
DESCRIPTION_MAX = 500

#: Labels of permission groups that are not data sections.
GROUP_LABELS = {"admin": _l("Administration"), "core": _l("General")}
SCOPE_LABELS = {
    Scope.NONE: _l("None"),
    Scope.OWN: _l("Own only"),
    Scope.LIST: _l("Sees lists, cannot open"),
    Scope.ALL: _l("All"),
}


def _plugins() -> Any:
    return current_app.extensions["sportello"].plugins


def _profiles() -> list[Profile]:
    return list(current_session().scalars(select(Profile).order_by(Profile.standard.desc(), Profile.id)))


def _profile_or_404(profile_id: int) -> Profile:
    profile = current_session().get(Profile, profile_id)
    if profile is None:
        abort(404)
    return profile


def _permission_groups() -> list[tuple[str, Any, list[Any]]]:
    """Declared permissions grouped by section: (code, label, permissions), data sections
    first in plugin order, administration last."""
    sections = declared_sections(_plugins())
    groups: dict[str, list[Any]] = {}
    for _plugin, permission in declared_permissions(_plugins()).values():
        groups.setdefault(permission.section, []).append(permission)
    order = sorted(groups, key=lambda key: (key == "admin", key == "core", key not in sections))
    result = []
    for key in order:
        label = sections[key].label if key in sections else GROUP_LABELS.get(key, key)
        result.append((key, label, groups[key]))
    return result


@core.route("/admin/profiles")
@requires("core.profiles")
def profiles() -> str:
    return render_template(
        "core/admin_profiles.html",
        rows=_profiles(),
        counts=users_per_profile(current_session()),
    )


@core.route("/admin/profiles/new", methods=["GET", "POST"])
@requires("core.profiles")
def profile_new() -> Any:
    session = current_session()
    rows = _profiles()
    errors: dict[str, str] = {}
    source_id = request.values.get("source", type=int)
    name = (request.form.get("name") or "").strip()
    if request.method == "POST":
        source = session.get(Profile, source_id) if source_id else None
        if source is None:
            errors["source"] = _("Choose the profile to copy.")
        if not name:
            errors["name"] = _("Write the name.")
        elif len(name) > NAME_MAX:
            errors["name"] = _("At most %(count)s characters.", count=NAME_MAX)
        if not errors and source is not None:
            try:
                profile = copy_profile(session, source, name)
            except ProfileError as error:
                session.rollback()
                errors["name"] = str(error)
            else:
                flash(_("Profile %(name)s created: now tick what it may do.", name=profile.name), "success")
                return redirect(url_for("core.profile_edit", profile_id=profile.id))
        flash(_("Some values are not valid: see the marked fields."), "danger")
    return render_template("core/admin_profile_new.html", rows=rows, source_id=source_id, name=name, errors=errors)


@core.route("/admin/profiles/<int:profile_id>", methods=["GET", "POST"])
@requires("core.profiles")
def profile_edit(profile_id: int) -> Any:
    session = current_session()
    profile = _profile_or_404(profile_id)
    groups = _permission_groups()
    sections = declared_sections(_plugins())
    declared = [p.code for _k, _l2, items in groups for p in items]
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        values = {
            "name": (form.get("name") or "").strip(),
            "description": (form.get("description") or "").strip(),
            "start_page": (form.get("start_page") or "").strip(),
            "codes": set(form.getlist("permission")),
            "scopes": {code: form.get(f"scope-{code}", Scope.NONE.value) for code in sections},
        }
        if not profile.standard:
            if not values["name"]:
                errors["name"] = _("Write the name.")
            elif len(values["name"]) > NAME_MAX:
                errors["name"] = _("At most %(count)s characters.", count=NAME_MAX)
            elif session.scalar(
                select(Profile.id).where(Profile.name == values["name"], Profile.id != profile.id)
            ) is not None:
                errors["name"] = _("A profile with this name already exists.")
        if len(values["description"]) > DESCRIPTION_MAX:
            errors["description"] = _("At most %(count)s characters.", count=DESCRIPTION_MAX)
        if not valid_start_page(values["start_page"]):
            errors["start_page"] = _("Write a path of this site beginning with /, for example /crm.")
        valid_scopes = {s.value for s in Scope}
        for code, value in values["scopes"].items():
            if value not in valid_scopes:
                errors[f"scope-{code}"] = _("Choose one of the listed values.")
        if errors:
            flash(_("Some values are not valid: see the marked fields."), "danger")
        else:
            try:
                save_profile(
                    session,
                    profile,
                    name=values["name"] if not profile.standard else None,
                    description=values["description"],
                    start_page=values["start_page"] or None,
                    codes=values["codes"],
                    declared_codes=declared,
                    scopes={code: Scope(value) for code, value in values["scopes"].items()},
                )
            except ProfileError as error:
                flash(str(error), "danger")
                errors["permissions"] = _("Keep “Manage users” and “Manage profiles” for at least one active user.")
                profile = _profile_or_404(profile_id)
            else:
                current_user.__dict__.pop("_codes", None)  # this request's cache; others load fresh
                flash(_("Profile %(name)s saved.", name=profile.label), "success")
                return redirect(url_for("core.profile_edit", profile_id=profile.id))
    else:
        values = {
            "name": profile.name,
            "description": profile.description or "",
            "start_page": profile.start_page or "",
            "codes": set(profile.permission_codes()),
            "scopes": {code: profile.scope_for(code).value for code in sections},
        }
    user_count = users_per_profile(session).get(profile.id, 0)
    return render_template(
        "core/admin_profile_form.html",
        profile=profile,
        groups=groups,
        sections=sections,
        scope_labels=SCOPE_LABELS,
        values=values,
        errors=errors,
        user_count=user_count,
    )


@core.route("/admin/profiles/<int:profile_id>/delete", methods=["POST"])
@requires("core.profiles")
def profile_delete(profile_id: int) -> Any:
    session = current_session()
    profile = _profile_or_404(profile_id)
    label = profile.label
    try:
        delete_profile(session, profile)
    except ProfileError as error:
        session.rollback()
        flash(str(error), "danger")
        return redirect(url_for("core.profile_edit", profile_id=profile_id))
    flash(_("Profile %(name)s deleted.", name=label), "success")
    return redirect(url_for("core.profiles"))
