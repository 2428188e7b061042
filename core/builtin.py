"""The core's own hook implementations, registered first like any plugin."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from . import hookimpl
from .types import Grant, MenuItem, Permission, PluginInfo, SettingsSection

PLUGIN = PluginInfo(name="core", title=_l("Core"), description=_l("The Sportello core"))


class GeneralSettings(Schema):
    """Settings every installation has."""

    organisation_name = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"label": _l("Organisation name"), "description": _l("Shown in the header and in e-mails.")},
    )
    support_email = fields.Email(
        load_default="",
        allow_none=True,
        metadata={"label": _l("Support e-mail"), "description": _l("Where users are told to write for help.")},
    )


@hookimpl
def permissions() -> list[Permission]:
    return [
        Permission("core.settings", _l("Edit the settings"), section="admin"),
        Permission("core.plugins", _l("See the installed modules"), section="admin"),
    ]


@hookimpl
def default_grants() -> list[Grant]:
    return [
        Grant("system_admin", ["*"]),
        Grant("crm_admin", ["core.plugins"]),
    ]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [
        MenuItem(_l("Home"), "core.home", icon="house", order=10),
        MenuItem(_l("Settings"), "core.settings_index", icon="gear", permission="core.settings", order=900, group="admin"),
        MenuItem(_l("Modules"), "core.plugins_page", icon="puzzle", permission="core.plugins", order=910, group="admin"),
    ]


@hookimpl
def settings() -> list[SettingsSection]:
    return [SettingsSection("general", _l("General"), GeneralSettings, permission="core.settings", order=0)]
