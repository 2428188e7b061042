"""What a notification rule may name, and the default rules plugins ask for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..plugins import PluginManager
from ..types import DeadlineKind, EventType, NotificationChannel
from .models import DEADLINE, EVENT, KnownTrigger, NotificationRule

#: Recipient kinds relative to the record, in the order the editor shows them. The
#: first four come from the record (a Deadline's ``recipients`` or the event payload's
#: ``"recipients"``); the admins are every active user of that profile.
RECIPIENT_KINDS: dict[str, Any] = {
    "owner": _l("Owner"),
    "assignee": _l("Assignee"),
    "project_manager": _l("Project manager"),
    "invitees": _l("Invitees"),
    "crm_admins": _l("CRM administrators"),
    "system_admins": _l("System administrators"),
}

#: Kinds that stand for every active user of a profile.
PROFILE_KINDS = {"crm_admins": "crm_admin", "system_admins": "system_admin"}

CORE_CHANNELS: dict[str, Any] = {"email": _l("E-mail"), "sms": _l("SMS")}

MAX_DAYS_AHEAD = 365


@dataclass(frozen=True)
class Trigger:
    """An event type or a deadline kind, as a rule names it."""

    code: str
    label: Any
    type: str
    plugin: str
    default_recipients: tuple[str, ...] = ()
    days_ahead: int = 0


def _plugins(plugins: PluginManager | None) -> PluginManager:
    return plugins or current_app.extensions["sportello"].plugins


def triggers(plugins: PluginManager | None = None) -> dict[str, Trigger]:
    """Event types and deadline kinds of the enabled plugins, by code."""
    plugins = _plugins(plugins)
    found: dict[str, Trigger] = {}
    for plugin, items in plugins.call_in_order("event_types"):
        for item in items:
            if isinstance(item, EventType):
                found[item.code] = Trigger(item.code, item.label, EVENT, plugin, tuple(item.default_recipients))
    for plugin, items in plugins.call_in_order("deadline_kinds"):
        for item in items:
            if isinstance(item, DeadlineKind):
                found[item.code] = Trigger(
                    item.code, item.label, DEADLINE, plugin, tuple(item.default_recipients), max(0, int(item.days_ahead))
                )
    return found


def vendor_channels(plugins: PluginManager | None = None) -> dict[str, NotificationChannel]:
    """Channels plugins add with ``notification_channels``, by code."""
    return {c.code: c for c in _plugins(plugins).collect("notification_channels") if isinstance(c, NotificationChannel)}


def channels(plugins: PluginManager | None = None) -> dict[str, Any]:
    """Every channel a rule may choose: code to label."""
    found = dict(CORE_CHANNELS)
    for code, channel in vendor_channels(plugins).items():
        found.setdefault(code, channel.label)
    return found


def sync_default_rules(session: Session, plugins: PluginManager) -> list[str]:
    """Create the default rule of every trigger never seen before; returns their codes.

    A trigger is remembered the first time it appears, so a default rule an
    administrator deleted or changed is never brought back.
    """
    known = set(session.scalars(select(KnownTrigger.code)))
    new = []
    for code, trigger in sorted(triggers(plugins).items()):
        if code in known:
            continue
        session.add(KnownTrigger(code=code, trigger_type=trigger.type))
        kinds = [kind for kind in trigger.default_recipients if kind in RECIPIENT_KINDS]
        if kinds:
            session.add(NotificationRule(
                trigger=code, trigger_type=trigger.type, recipients=kinds, channel="email",
                days_ahead=trigger.days_ahead if trigger.type == DEADLINE else 0, active=True,
            ))
        new.append(code)
    session.flush()
    return new
