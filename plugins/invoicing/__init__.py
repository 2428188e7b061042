"""Invoicing (Preventivi e Fatture): quotes on companies (and leads), invoices and
credit notes with Italian VAT rules and gap-free yearly numbering, payment terms whose
instalments are deadlines for the CRM admins, payments, PDFs.

The hooks below are thin: views, models and the API are imported inside them, so that
importing the plugin costs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sportello import (
    DeadlineKind,
    EventType,
    Grant,
    MenuItem,
    PeriodicTask,
    Permission,
    PluginInfo,
    RecordTab,
    Rule,
    Scope,
    SearchResult,
    Section,
    SettingsSection,
    entity_models,
    hookimpl,
)
from sportello import lazy_gettext as _l

HERE = Path(__file__).parent

PLUGIN = PluginInfo(
    name="invoicing",
    title=_l("Invoicing"),
    version="1.0.0",
    requires=["companies"],
    optional=["leads", "projects"],
    core=">=1.0,<2",
    description=_l("Quotes, invoices and credit notes with Italian VAT, payment terms and PDFs."),
)

#: What salespeople get: their quotes, accepting them included.
SALES = ["invoicing.quote_view", "invoicing.quote_create", "invoicing.quote_edit", "invoicing.quote_accept",
         "invoicing.quote_export"]


@hookimpl
def blueprints() -> list[Any]:
    from .views import blueprint, invoices_blueprint

    return [blueprint, invoices_blueprint]


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
def settings() -> list[SettingsSection]:
    from .options import (
        InvoicingSettings,  # not "settings": the module would shadow this hook
    )

    return [SettingsSection("invoicing", _l("Invoicing"), InvoicingSettings, permission="core.settings", order=40)]


@hookimpl
def permissions() -> list[Permission | Section]:
    return [
        Section("quotes", _l("Quotes")),
        Section("invoices", _l("Invoices")),
        Permission("invoicing.quote_view", _l("See quotes"), section="quotes"),
        Permission("invoicing.quote_create", _l("Create quotes"), section="quotes"),
        Permission("invoicing.quote_edit", _l("Edit quotes and change their state"), section="quotes"),
        Permission("invoicing.quote_accept", _l("Accept quotes"), section="quotes"),
        Permission("invoicing.quote_export", _l("Export the list of quotes"), section="quotes"),
        Permission("invoicing.invoice_view", _l("See invoices and payments"), section="invoices"),
        Permission("invoicing.invoice_issue", _l("Make and issue invoices and credit notes"), section="invoices"),
        Permission("invoicing.payment_register", _l("Record payments received"), section="invoices"),
        Permission("invoicing.invoice_export", _l("Export the list of invoices"), section="invoices"),
    ]


@hookimpl
def default_grants() -> list[Grant]:
    everything = {"quotes": Scope.ALL, "invoices": Scope.ALL}
    return [
        Grant("system_admin", ["*"], everything),
        Grant("crm_admin", ["*"], everything),
        Grant("salesperson", SALES, {"quotes": Scope.OWN}),
        Grant("salesperson_lists", SALES, {"quotes": Scope.OWN}),
        # Project managers see the quotes of their projects (project_quote_rules), nothing else.
        Grant("project_manager", ["invoicing.quote_view"], {"quotes": Scope.NONE}),
    ]


def quote_rules(user: Any, action: str) -> list[Rule]:
    from sqlalchemy import or_

    from .models import Quote

    scope = user.scope("quotes")
    if scope == Scope.ALL:
        return [Rule(Quote.id.is_not(None), _l("Scope 'all' on quotes: every quote"))]
    rules = []
    if scope in (Scope.OWN, Scope.LIST):
        rules.append(Rule(or_(Quote.salesperson_id == user.id, Quote.created_by_id == user.id),
                          _l("Scope 'own' on quotes: the quotes associated with the user or created by them")))
    rules += project_quote_rules(user, action)
    return rules


def project_quote_rules(user: Any, action: str) -> list[Rule]:
    """"A project manager sees the quotes of their projects" (reference table).

    Quotes carry a nullable ``project_id`` (no foreign key: projects is optional). When
    the projects plugin is enabled, a quote is readable by whoever may open its project,
    which for a project manager means the projects they run. Reading only: the quote
    stays the salesperson's to change.
    """
    from sportello import visible
    from sqlalchemy import select

    from .models import Quote

    project = entity_models().get("projects.project")
    if project is None or action not in ("list", "read"):
        return []
    return [Rule(Quote.project_id.in_(visible(select(project.id), user, "read")),
                 _l("Quotes of the projects the user may open (a project manager: the projects they run)"))]


@hookimpl
def visibility_rules(entity: str, user: Any, action: str) -> list[Any]:
    if entity == "invoicing.quote":
        return quote_rules(user, action)
    if entity == "invoicing.invoice":
        from .models import Invoice

        if user.scope("invoices") == Scope.ALL:
            return [Rule(Invoice.id.is_not(None), _l("Scope 'all' on invoices: every invoice (CRM and system admins)"))]
        return []
    if entity in ("invoicing.instalment", "invoicing.payment"):
        from sportello import visible
        from sqlalchemy import select

        from .models import Instalment, Invoice, Payment

        invoices = visible(select(Invoice.id), user, "read")
        if entity == "invoicing.instalment":
            return [Rule(Instalment.invoice_id.in_(invoices), _l("An instalment is reached through its invoice"))]
        return [Rule(Payment.invoice_id.in_(invoices), _l("A payment is reached through its invoice"))]
    return []


@hookimpl
def menu_items() -> list[MenuItem]:
    return [
        MenuItem(_l("Quotes"), "invoicing.quotes", icon="file-earmark-text", permission="invoicing.quote_view", order=40),
        MenuItem(_l("Invoices"), "invoicing_invoices.invoices", icon="receipt", permission="invoicing.invoice_view", order=41),
    ]


@hookimpl
def record_tabs(entity: str, record: Any, user: Any) -> list[RecordTab]:
    if entity == "companies.company":
        from .views import company_tabs

        return company_tabs(record, user)
    if entity == "leads.lead":
        from .views import lead_tabs

        return lead_tabs(record, user)
    return []


@hookimpl(optionalhook=True)
def leads_converted(lead: Any, company: Any) -> list[Any]:
    """The lead's quotes go onto the company it becomes (they keep the lead too)."""
    from .services import move_lead_quotes

    return move_lead_quotes(lead, company)


@hookimpl(optionalhook=True)
def leads_conversion_preview(lead: Any) -> list[Any]:
    """How many quotes the conversion will move, for the conversion page."""
    from .services import lead_quotes_preview

    return lead_quotes_preview(lead)


@hookimpl
def event_types() -> list[EventType]:
    return [
        EventType("invoicing.quote_created", _l("Quote created"), default_recipients=["owner"]),
        EventType("invoicing.quote_accepted", _l("Quote accepted"), default_recipients=["owner"]),
        EventType("invoicing.quote_expired", _l("Quote expired"), default_recipients=["owner"]),
    ]


@hookimpl
def periodic_tasks() -> list[PeriodicTask]:
    return [PeriodicTask("invoicing.expire_quotes", "sportello_invoicing.services:expire_quotes", every="day")]


@hookimpl
def deadline_kinds() -> list[DeadlineKind]:
    return [DeadlineKind("invoicing.payment_due", _l("Invoice payment due"), default_recipients=["crm_admins"], days_ahead=3)]


@hookimpl
def deadlines(start: Any, end: Any, user: Any) -> list[Any]:
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
