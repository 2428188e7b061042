"""Leads (opportunità): prospective customers with the registry data of a company, a
configurable pipeline of statuses and sources, contacts and a communications log, the
"acquired" notice to the administrators and the conversion into a company.

The hooks below are thin: views, models and the API are imported inside them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sportello import (
    Deadline,
    DeadlineKind,
    EventType,
    Grant,
    MenuItem,
    Permission,
    PluginInfo,
    Rule,
    Scope,
    SearchResult,
    Section,
    hookimpl,
)
from sportello import lazy_gettext as _l

HERE = Path(__file__).parent

PLUGIN = PluginInfo(
    name="leads",
    title=_l("Leads"),
    version="1.0.0",
    requires=["companies"],
    core=">=1.0,<2",
    description=_l("Leads with a pipeline, the acquired notice and conversion into a company."),
)

#: Permissions of the profiles that work on leads (convert and import are the admins').
WORKING = ["leads.view", "leads.create", "leads.edit", "leads.export"]


@hookimpl
def plugin_hookspecs() -> list[object]:
    from . import hooks_published

    return [hooks_published]


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
def cli_commands() -> list[Any]:
    from .totals import command

    return [command()]


@hookimpl
def translation_dirs() -> list[Path]:
    return [HERE / "translations"]


@hookimpl
def permissions() -> list[Permission | Section]:
    return [
        Section("leads", _l("Leads")),
        Permission("leads.view", _l("See leads"), section="leads"),
        Permission("leads.create", _l("Create leads (and be the owner of leads)"), section="leads"),
        Permission("leads.edit", _l("Edit leads, their contacts and communications"), section="leads"),
        Permission("leads.delete", _l("Delete leads"), section="leads"),
        Permission("leads.export", _l("Export the list of leads"), section="leads"),
        Permission("leads.import", _l("Import leads from files"), section="leads"),
        Permission("leads.convert", _l("Convert acquired leads into companies"), section="leads"),
        Permission("leads.settings", _l("Configure the statuses and sources of leads"), section="admin"),
    ]


@hookimpl
def default_grants() -> list[Grant]:
    return [
        Grant("system_admin", ["*"], {"leads": Scope.ALL}),
        Grant("crm_admin", ["*"], {"leads": Scope.ALL}),
        Grant("salesperson", WORKING, {"leads": Scope.OWN}),
        Grant("salesperson_lists", WORKING, {"leads": Scope.LIST}),
    ]


def lead_rules(user: Any, action: str) -> list[Rule]:
    from .models import Lead

    scope = user.scope("leads")
    if scope == Scope.ALL:
        return [Rule(Lead.id.is_not(None), "Scope 'all' on leads: every lead")]
    if scope == Scope.LIST and action == "list":
        return [Rule(Lead.id.is_not(None), "Scope 'list' on leads: every lead in lists, opened and changed only when theirs")]
    if scope in (Scope.OWN, Scope.LIST):
        return [Rule(Lead.owner_id == user.id, "Scope 'own' on leads: the leads the user owns")]
    return []


@hookimpl
def visibility_rules(entity: str, user: Any, action: str) -> list[Any]:
    if entity == "leads.lead":
        return lead_rules(user, action)
    if entity not in ("leads.contact", "leads.communication"):
        return []
    from sportello import visible
    from sqlalchemy import select

    from .models import Communication, Contact, Lead

    model = Contact if entity == "leads.contact" else Communication
    lead_action = "update" if action in ("update", "delete") else "read"
    leads = visible(select(Lead.id), user, lead_action)
    return [Rule(model.lead_id.in_(leads), f"A {entity.split('.')[1]} is reached through its lead ({lead_action})")]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [
        MenuItem(_l("Leads"), "leads.index", icon="funnel", permission="leads.view", order=25),
        MenuItem(_l("Pipeline"), "leads.pipeline", icon="kanban", permission="leads.view", order=26),
        MenuItem(_l("Lead statuses and sources"), "leads.lists", icon="list-check", permission="leads.settings",
                 order=860, group="admin"),
    ]


@hookimpl
def event_types() -> list[EventType]:
    return [
        EventType("leads.created", _l("Lead created")),
        EventType("leads.status_changed", _l("Lead status changed")),
        EventType("leads.acquired", _l("Lead acquired"), default_recipients=["system_admins", "crm_admins"]),
        EventType("leads.converted", _l("Lead converted into a company")),
    ]


@hookimpl
def deadline_kinds() -> list[DeadlineKind]:
    return [DeadlineKind("leads.future_contact", _l("Lead to contact again"), default_recipients=["owner"], days_ahead=1)]


@hookimpl
def deadlines(start: date, end: date, user: Any) -> list[Deadline]:
    from .services import future_contact_deadlines

    return future_contact_deadlines(start, end, user)


@hookimpl
def search(user: Any, text: str, limit: int) -> list[SearchResult]:
    if not user.can("leads.view"):
        return []
    from flask import url_for
    from sportello_companies.services import registry_search

    from .models import Lead

    return registry_search(Lead, user, text, limit, _l("Lead"), lambda record_id: url_for("leads.detail", lead_id=record_id))


@hookimpl
def demo_data(ctx: Any) -> None:
    from .demo import add_demo

    add_demo(ctx)


@hookimpl
def import_targets() -> list[Any]:
    from .importing import lead_target

    return [lead_target()]
