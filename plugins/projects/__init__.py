"""Projects (Commesse): projects tied to a company with a project manager and a work
group, activities with time worked, actual cost and attachments, events (meetings) with
invitations; the visibility rules of the reference table for all of them.

The hooks below are thin: views, models and the API are imported inside them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sportello import (
    DeadlineKind,
    EventType,
    Grant,
    MenuItem,
    Permission,
    PluginInfo,
    RecordTab,
    Scope,
    SearchResult,
    Section,
    hookimpl,
)
from sportello import lazy_gettext as _l

HERE = Path(__file__).parent

PLUGIN = PluginInfo(
    name="projects",
    title=_l("Projects"),
    version="1.0.0",
    requires=["companies"],
    core=">=1.0,<2",
    description=_l("Projects (commesse) with activities, time and cost, and events with invitations."),
)

#: What a project manager works with.
MANAGER = [
    "projects.view", "projects.edit", "projects.close",
    "projects.activity_view", "projects.activity_create", "projects.activity_edit", "projects.activity_work",
    "projects.activity_cost", "projects.event_view", "projects.event_create", "projects.export",
]
#: What a salesperson gets: the lists of their companies' projects and activities.
SALES = ["projects.view", "projects.activity_view", "projects.event_view", "projects.export"]
#: What an assignee gets: their activities, to work them.
ASSIGNEE = ["projects.activity_view", "projects.activity_work", "projects.event_view", "projects.export"]


@hookimpl
def blueprints() -> list[Any]:
    from .views import blueprint

    return [blueprint]


@hookimpl
def api_blueprints() -> list[Any]:
    from .api import blueprint

    return [blueprint]


@hookimpl
def migrations() -> Path:
    from . import models  # noqa: F401 - so that autogenerate sees the tables

    return HERE / "migrations" / "versions"


@hookimpl
def translation_dirs() -> list[Path]:
    return [HERE / "translations"]


@hookimpl
def permissions() -> list[Permission | Section]:
    return [
        Section("projects", _l("Projects")),
        Section("activities", _l("Activities and events")),
        Permission("projects.view", _l("See projects"), section="projects"),
        Permission("projects.create", _l("Open projects and assign their project manager"), section="projects"),
        Permission("projects.edit", _l("Edit projects and their work group"), section="projects"),
        Permission("projects.close", _l("Close projects"), section="projects"),
        Permission("projects.delete", _l("Delete projects"), section="projects"),
        Permission("projects.export", _l("Export the lists of projects, activities and events"), section="projects"),
        Permission("projects.activity_view", _l("See activities"), section="activities"),
        Permission("projects.activity_create", _l("Create and assign activities"), section="activities"),
        Permission("projects.activity_edit", _l("Edit every field of activities"), section="activities"),
        Permission("projects.activity_work", _l("Work activities: time, state and attachments"), section="activities"),
        Permission("projects.activity_cost", _l("Enter the actual cost of activities"), section="activities"),
        Permission("projects.event_view", _l("See events"), section="activities"),
        Permission("projects.event_create", _l("Create events and invite people"), section="activities"),
    ]


@hookimpl
def default_grants() -> list[Grant]:
    both = {"projects": Scope.ALL, "activities": Scope.ALL}
    return [
        Grant("system_admin", ["*"], both),
        Grant("crm_admin", ["*"], both),
        Grant("project_manager", MANAGER, {"projects": Scope.OWN, "activities": Scope.OWN}),
        Grant("salesperson", SALES, {"projects": Scope.LIST, "activities": Scope.LIST}),
        Grant("salesperson_lists", SALES, {"projects": Scope.LIST, "activities": Scope.LIST}),
        Grant("assignee", ASSIGNEE, {"projects": Scope.NONE, "activities": Scope.OWN}),
    ]


@hookimpl
def visibility_rules(entity: str, user: Any, action: str) -> list[Any]:
    if not entity.startswith("projects."):
        return []
    from . import access

    return access.rules(entity, user, action)


@hookimpl
def menu_items() -> list[MenuItem]:
    return [
        MenuItem(_l("Projects"), "projects.index", icon="kanban", permission="projects.view", order=30),
        MenuItem(_l("Activities"), "projects.activities", icon="list-check", permission="projects.activity_view", order=31),
        MenuItem(_l("My activities"), "projects.my_activities", icon="person-check", permission="projects.activity_work", order=32),
        MenuItem(_l("Events"), "projects.events", icon="people", permission="projects.event_view", order=33),
    ]


@hookimpl
def record_tabs(entity: str, record: Any, user: Any) -> list[RecordTab]:
    if entity != "companies.company":
        return []
    from flask import url_for

    tabs = []
    if user.can("projects.view"):
        tabs.append(RecordTab("projects", _l("Projects"), url_for("projects.company_projects", company_id=record.id), order=40))
    if user.can("projects.activity_view"):
        tabs.append(RecordTab("activities", _l("Activities"), url_for("projects.company_activities", company_id=record.id), order=41))
    if user.can("projects.event_view"):
        tabs.append(RecordTab("events", _l("Events"), url_for("projects.company_events", company_id=record.id), order=42))
    return tabs


@hookimpl
def event_types() -> list[EventType]:
    activity = ["owner", "assignee", "project_manager"]
    return [
        EventType("projects.project_closed", _l("Project closed"), default_recipients=["project_manager"]),
        EventType("projects.activity_created", _l("Activity created"), default_recipients=activity),
        EventType("projects.activity_closed", _l("Activity closed"), default_recipients=activity),
        EventType("projects.activity_notified", _l("Activity notification sent on save"), default_recipients=activity),
        EventType("projects.event_created", _l("Event created"), default_recipients=["owner", "invitees"]),
    ]


@hookimpl
def deadline_kinds() -> list[DeadlineKind]:
    return [
        DeadlineKind("projects.planned_end", _l("Planned end of a project"), default_recipients=["project_manager"], days_ahead=3),
        DeadlineKind("projects.docs_due", _l("Documentation delivery of a project"), default_recipients=["project_manager"], days_ahead=3),
        DeadlineKind("projects.contract_expiry", _l("Contract expiry of a project"), default_recipients=["project_manager"], days_ahead=3),
        DeadlineKind("projects.activity_end", _l("Planned end of an activity"), default_recipients=["project_manager", "assignee"], days_ahead=3),
    ]


@hookimpl
def deadlines(start: Any, end: Any, user: Any) -> list[Any]:
    # not ``.deadlines``: importing a submodule of that name would replace this hook on the package
    from .due_dates import deadlines_between

    return deadlines_between(start, end, user)


@hookimpl
def search(user: Any, text: str, limit: int) -> list[SearchResult]:
    from .views import search_results

    return search_results(user, text, limit)


@hookimpl
def demo_data(ctx: Any) -> None:
    from .demo import add_demo

    add_demo(ctx)
