"""The core's own hook implementations, registered first like any plugin."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from . import hookimpl
from . import attachments as _attachments  # noqa: F401 - registers the attachments table
from .notify import models as _notify_models  # noqa: F401 - registers the notification tables
from .periodic import PeriodicTask
from .types import (
    Event,
    Grant,
    MenuItem,
    Permission,
    PluginInfo,
    RecordTab,
    SettingsSection,
)

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
        Permission("core.users", _l("Manage users"), section="admin"),
        Permission("core.profiles", _l("Manage profiles and check who can see what"), section="admin"),
        Permission("core.hourly_costs", _l("Set users' hourly costs"), section="admin"),
        Permission("core.audit", _l("Search the audit log"), section="admin"),
        Permission("core.api", _l("Use the REST API with personal tokens"), section="admin"),
        Permission("core.operations", _l("See system events and background jobs, retry failed jobs"), section="admin"),
        Permission("core.notifications", _l("Manage notification rules and see every notice"), section="admin"),
    ]


@hookimpl
def default_grants() -> list[Grant]:
    return [
        Grant("system_admin", ["*"]),  # includes core.notifications
        Grant("crm_admin", ["core.plugins", "core.hourly_costs", "core.api"]),
        Grant("project_manager", ["core.api"]),
        Grant("salesperson", ["core.api"]),
        Grant("salesperson_lists", ["core.api"]),
        Grant("assignee", ["core.api"]),
    ]


@hookimpl
def menu_items(user: Any) -> list[MenuItem]:
    from .hooks import call_hooks

    importable = any(user.can(target.permission) for target in call_hooks("import_targets"))
    return [
        MenuItem(_l("Home"), "core.home", icon="house", order=10),
        *([MenuItem(_l("Import"), "core.import_index", icon="upload", order=835, group="admin")] if importable else []),
        MenuItem(_l("Users"), "core.users", icon="people", permission="core.users", order=800, group="admin"),
        MenuItem(_l("Hourly costs"), "core.hourly_costs", icon="cash-coin", permission="core.hourly_costs", order=805, group="admin"),
        MenuItem(_l("Profiles"), "core.profiles", icon="shield-lock", permission="core.profiles", order=810, group="admin"),
        MenuItem(_l("Who can see what"), "core.access_check", icon="patch-question", permission="core.profiles", order=820, group="admin"),
        MenuItem(_l("Audit log"), "core.audit_log", icon="journal-text", permission="core.audit", order=830, group="admin"),
        MenuItem(_l("Events and jobs"), "core.operations", icon="activity", permission="core.operations", order=840, group="admin"),
        MenuItem(_l("Notifications"), "core.notification_rules", icon="bell", permission="core.notifications", order=845, group="admin"),
        MenuItem(_l("Settings"), "core.settings_index", icon="gear", permission="core.settings", order=900, group="admin"),
        MenuItem(_l("Modules"), "core.plugins_page", icon="puzzle", permission="core.plugins", order=910, group="admin"),
    ]


@hookimpl
def record_tabs(entity: str, record: Any) -> list[RecordTab]:
    """Every protected record's page gets its history from the audit log, and its files
    when its class accepts attachments."""
    from flask import url_for
    from sqlalchemy import inspect

    from .attachments import count_attachments

    key = inspect(type(record)).primary_key_from_instance(record)
    tabs = [RecordTab("history", _l("History"), url_for("core.record_history", entity=entity, record_id=key[0]), order=990)]
    if getattr(type(record), "__attachments__", False):
        tabs.append(RecordTab("attachments", _l("Attachments"),
                              url_for("core.record_attachments", entity=entity, record_id=key[0]),
                              count=count_attachments(record), order=900))
    return tabs


@hookimpl
def visibility_rules(entity: str, user: Any, action: str) -> list[Any]:
    """Files are reachable exactly as far as the records they belong to."""
    if entity != "core.attachment":
        return []
    from .attachments import attachment_rules

    return attachment_rules(user, action)


@hookimpl
def settings() -> list[SettingsSection]:
    from .notify.channels import SmsSettings

    return [
        SettingsSection("general", _l("General"), GeneralSettings, permission="core.settings", order=0),
        SettingsSection("sms", _l("SMS"), SmsSettings, permission="core.settings", order=10),
    ]


@hookimpl
def on_event(event: Event) -> None:
    """Notices for the rules whose trigger is this event."""
    from .notify.service import notify_event

    notify_event(event)


@hookimpl
def periodic_tasks() -> list[PeriodicTask]:
    return [PeriodicTask("core.scan_deadlines", "sportello.core.notify.service:scan_today", every="day")]
