"""Companies (Aziende): the Italian company registry every other module attaches to,
with contact persons and a communications log (e-mail and SMS really sent).

The hooks below are thin: views, models and the API are imported inside them, so that
importing the plugin costs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sportello import (
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
    name="companies",
    title=_l("Companies"),
    version="1.0.0",
    core=">=1.0,<2",
    description=_l("Companies with Italian registry data, contact persons and communications."),
)

#: Permissions every profile that works on companies gets (import is kept for admins).
WORKING = ["companies.view", "companies.create", "companies.edit", "companies.export"]


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
        Section("companies", _l("Companies")),
        Permission("companies.view", _l("See companies"), section="companies"),
        Permission("companies.create", _l("Create companies"), section="companies"),
        Permission("companies.edit", _l("Edit companies, their contacts and communications"), section="companies"),
        Permission("companies.delete", _l("Delete companies"), section="companies"),
        Permission("companies.export", _l("Export the list of companies"), section="companies"),
        Permission("companies.import", _l("Import companies from files"), section="companies"),
    ]


@hookimpl
def default_grants() -> list[Grant]:
    return [
        Grant("system_admin", ["*"], {"companies": Scope.ALL}),
        Grant("crm_admin", ["*"], {"companies": Scope.ALL}),
        Grant("salesperson", WORKING, {"companies": Scope.OWN}),
        Grant("salesperson_lists", WORKING, {"companies": Scope.LIST}),
        # Project managers and assignees open the section but see no company unless
        # another plugin (projects) grants them rows; the scope stays "none".
        Grant("project_manager", ["companies.view"]),
        Grant("assignee", ["companies.view"]),
    ]


def company_rules(user: Any, action: str) -> list[Rule]:
    from .models import Company

    scope = user.scope("companies")
    if scope == Scope.ALL:
        return [Rule(Company.id.is_not(None), "Scope 'all' on companies: every company")]
    if scope == Scope.LIST and action == "list":
        return [Rule(Company.id.is_not(None), "Scope 'list' on companies: every company in lists, opened only when theirs")]
    if scope in (Scope.OWN, Scope.LIST):
        return [Rule(Company.salesperson_id == user.id, "Scope 'own' on companies: the companies the user is the salesperson of")]
    return []


@hookimpl
def visibility_rules(entity: str, user: Any, action: str) -> list[Any]:
    if entity == "companies.company":
        return company_rules(user, action)
    if entity not in ("companies.contact", "companies.communication"):
        return []
    from sportello import visible
    from sqlalchemy import select

    from .models import Communication, Company, Contact

    model = Contact if entity == "companies.contact" else Communication
    # Contacts and communications belong to the company page: shown to who may open it.
    company_action = "update" if action in ("update", "delete") else "read"
    companies = visible(select(Company.id), user, company_action)
    return [Rule(model.company_id.in_(companies), f"A {entity.split('.')[1]} is reached through its company ({company_action})")]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [MenuItem(_l("Companies"), "companies.index", icon="building", permission="companies.view", order=20)]


@hookimpl
def event_types() -> list[EventType]:
    return [
        EventType("companies.created", _l("Company created")),
        EventType("companies.updated", _l("Company updated")),
    ]


@hookimpl
def search(user: Any, text: str, limit: int) -> list[SearchResult]:
    if not user.can("companies.view"):
        return []
    from flask import url_for

    from .models import Company
    from .services import registry_search

    return registry_search(Company, user, text, limit, _l("Company"),
                           lambda record_id: url_for("companies.detail", company_id=record_id))


@hookimpl
def demo_data(ctx: Any) -> None:
    from .demo import add_demo

    add_demo(ctx)


@hookimpl
def import_targets() -> list[Any]:
    from .importing import company_target

    return [company_target()]
