"""Deadlines (Scadenze): a calendar of every deadline the enabled plugins produce, and a
personal iCal feed per user.

The plugin owns no dated records: it asks every enabled plugin through the ``deadlines``
hook (with the viewer, so each plugin returns only what that user may see) and shows
the answers as a month, week or list calendar, or as a ``text/calendar`` feed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sportello import (
    STANDARD_PROFILES,
    Grant,
    MenuItem,
    Permission,
    PluginInfo,
    Section,
    hookimpl,
)
from sportello import lazy_gettext as _l

HERE = Path(__file__).parent

PLUGIN = PluginInfo(
    name="deadlines",
    title=_l("Deadlines"),
    version="1.0.0",
    core=">=1.0,<2",
    description=_l("Calendar of the deadlines of every module, with a personal iCal feed."),
)


@hookimpl
def blueprints() -> list[Any]:
    from .views import blueprint

    return [blueprint]


@hookimpl
def migrations() -> Path:
    from . import models  # noqa: F401 - so that autogenerate sees the table

    return HERE / "migrations" / "versions"


@hookimpl
def translation_dirs() -> list[Path]:
    return [HERE / "translations"]


@hookimpl
def permissions() -> list[Permission | Section]:
    return [
        Section("deadlines", _l("Deadlines")),
        Permission("deadlines.view", _l("See the deadlines calendar and its iCal feed"), section="deadlines"),
    ]


@hookimpl
def default_grants() -> list[Grant]:
    return [Grant(profile, ["deadlines.view"]) for profile in STANDARD_PROFILES]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [MenuItem(_l("Deadlines"), "deadlines.calendar", icon="calendar-event", permission="deadlines.view", order=60)]


@hookimpl
def demo_data() -> None:
    """Nothing to add: the calendar shows the dated records of the other plugins."""
