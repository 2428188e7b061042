"""Sportello: a modular CRM. This module is the public surface for plugin authors.

Everything a plugin needs is importable from here; ``sportello.core`` is internal and
may change between minor versions. Importing this package loads no plugin.
"""

from __future__ import annotations

__version__ = "1.0.0"

from flask_babel import gettext, lazy_gettext, lazy_pgettext, ngettext, pgettext

from .core import hookimpl
from .core.access import entity_models, entity_name, select_visible, visible
from .core.api import ApiBlueprint, ListArgs, api_list, page_schema, problem
from .core.attachments import (
    Attachment,
    AttachmentRefused,
    attach,
    attachments_of,
    check_file,
    count_attachments,
    move_attachments,
    upload_limits,
)
from .core.audit import Actor, acting_as
from .core.db import Model, TimestampMixin, session, utcnow
from .core.errors import ConfigError, PluginError, SportelloError
from .core.events import EventRecord, emit
from .core.export import csv_response, each_row, xlsx_response
from .core.hooks import call_hooks, plugin_title
from .core.jobs import enqueue
from .core.users import hourly_cost_on
from .core.numbers import parse_decimal
from .core.notify.channels import ChannelError
from .core.notify.direct import send_email_message, send_sms_message
from .core.identity import Unit, User
from .core.pagination import Filter, InvalidQuery, Page, apply_filters, paginate, parse_sort
from .core.periodic import PeriodicTask
from .core.settings_store import get_setting
from .core.types import (
    STANDARD_PROFILES,
    DashboardWidget,
    Deadline,
    DeadlineKind,
    DemoContext,
    Event,
    EventType,
    Grant,
    ImportField,
    ImportTarget,
    MatchKey,
    MenuItem,
    NotificationChannel,
    Permission,
    PersonalDataSection,
    PluginInfo,
    RecordTab,
    ReportDefinition,
    Rule,
    Scope,
    SearchResult,
    Section,
    SettingsSection,
)
from .core.web import public
from .core.web.guards import requires

__all__ = [
    "STANDARD_PROFILES",
    "Actor",
    "ApiBlueprint",
    "Attachment",
    "AttachmentRefused",
    "ChannelError",
    "ConfigError",
    "DashboardWidget",
    "Deadline",
    "DeadlineKind",
    "DemoContext",
    "Event",
    "EventRecord",
    "EventType",
    "Filter",
    "Grant",
    "ImportField",
    "ImportTarget",
    "InvalidQuery",
    "ListArgs",
    "MatchKey",
    "MenuItem",
    "Model",
    "NotificationChannel",
    "Page",
    "PeriodicTask",
    "Permission",
    "PersonalDataSection",
    "PluginError",
    "PluginInfo",
    "RecordTab",
    "ReportDefinition",
    "Rule",
    "Scope",
    "SearchResult",
    "Section",
    "SettingsSection",
    "SportelloError",
    "TimestampMixin",
    "Unit",
    "User",
    "__version__",
    "acting_as",
    "api_list",
    "apply_filters",
    "attach",
    "attachments_of",
    "call_hooks",
    "check_file",
    "count_attachments",
    "csv_response",
    "each_row",
    "emit",
    "enqueue",
    "entity_models",
    "entity_name",
    "get_setting",
    "gettext",
    "hookimpl",
    "hourly_cost_on",
    "lazy_gettext",
    "lazy_pgettext",
    "move_attachments",
    "ngettext",
    "page_schema",
    "paginate",
    "parse_decimal",
    "parse_sort",
    "pgettext",
    "plugin_title",
    "problem",
    "public",
    "requires",
    "select_visible",
    "send_email_message",
    "send_sms_message",
    "session",
    "upload_limits",
    "utcnow",
    "visible",
    "xlsx_response",
]
