"""The reference table of visibility on the list page, the record page, the API, search,
export and PDF: quotes for their salesperson (or creator) and the admins, invoices for
the admins only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

from sportello.testing import Channels, Record, check_visibility_table, login

QUOTES = Channels(list_page="/invoicing/quotes/", detail_page="/invoicing/quotes/{id}", api_list="/api/v1/invoicing/quotes/",
                  api_detail="/api/v1/invoicing/quotes/{id}", export="/invoicing/quotes/export.csv",
                  pdf="/invoicing/quotes/{id}/pdf", search=True)
INVOICES = Channels(list_page="/invoicing/invoices/", detail_page="/invoicing/invoices/{id}",
                    api_list="/api/v1/invoicing/invoices/", api_detail="/api/v1/invoicing/invoices/{id}",
                    export="/invoicing/invoices/export.csv", pdf="/invoicing/invoices/{id}/pdf", search=True)


def _quote(app: Any, number: str, company: int, salesperson: Any, creator: Any) -> Record:
    from sportello import Actor, acting_as, session
    from sportello_invoicing.models import Quote, QuoteLine

    with app.app_context(), acting_as(Actor(user_id=None, channel="test")):
        quote = Quote(number=number, year=2026, sequence_number=int(number[-4:]), company_id=company, salesperson_id=salesperson.id,
                      created_by_id=creator.id, date=date(2026, 3, 1), valid_until=date(2026, 3, 31), title="Offerta",
                      lines=[QuoteLine(description="Consulenza", quantity=D(1), unit_price=D(100), vat_rate=D(22), total=D(100))])
        session.add(quote)
        session.commit()
        return Record(quote.id, number)


def test_quotes_visibility_table(app: Any, users: dict[str, Any], add_company: Any) -> None:
    sales, lists, admin = users["salesperson"], users["salesperson_lists"], users["crm_admin"]
    ours = add_company("Nostra Srl", sales)
    other = add_company("Altra Spa", lists)
    records = {
        "own": _quote(app, "P-2026-0001", ours, sales, sales),
        "created_by_them": _quote(app, "P-2026-0002", ours, admin, sales),
        "of_lists": _quote(app, "P-2026-0003", other, lists, lists),
        "of_admin": _quote(app, "P-2026-0004", ours, admin, admin),
    }
    everything = set(records)
    check_visibility_table(app, users, records, QUOTES, {
        "salesperson": ({"own", "created_by_them"}, {"own", "created_by_them"}),
        "salesperson_lists": ({"of_lists"}, {"of_lists"}),
        "crm_admin": (everything, everything),
        "system_admin": (everything, everything),
    })
    for profile in ("project_manager", "assignee"):
        client = login(app.test_client(), users[profile])
        if profile == "project_manager":  # may open the list, sees the quotes of their projects only: none here
            listing = client.get("/invoicing/quotes/")
            assert listing.status_code == 200 and "P-2026-000" not in listing.get_data(as_text=True)
            assert client.get(f"/invoicing/quotes/{records['own'].id}/pdf").status_code == 404
        else:
            assert client.get("/invoicing/quotes/").status_code == 403
            assert client.get(f"/invoicing/quotes/{records['own'].id}/pdf").status_code == 403
        assert ">P-2026-0001<" not in client.get("/search", query_string={"q": "P-2026-0001"}).get_data(as_text=True)


def test_invoices_only_for_admins(app: Any, users: dict[str, Any], add_company: Any) -> None:
    from types import SimpleNamespace

    from sportello import session
    from sportello_invoicing import services

    company = add_company("Nostra Srl", users["salesperson"])
    records = {}
    with app.app_context():
        issuer = SimpleNamespace(id=users["crm_admin"].id)
        for key, number in (("first", "VIS-A-0001"), ("second", "VIS-B-0002"), ("draft", None)):
            invoice = services.save_invoice(None, {"company_id": company, "lines": [{"description": "Servizio", "unit_price": "10", "vat_rate": "22"}]},
                                            users["crm_admin"] if False else session.merge(users["crm_admin"]))
            if number:
                services.issue(invoice.id, issuer)
                invoice.number = number
                session.commit()
            records[key] = Record(invoice.id, number or "VIS-DRAFT")
    # A draft has no number to show, search or export: check the issued ones by number.
    issued = {k: v for k, v in records.items() if k != "draft"}
    everything = set(issued)
    check_visibility_table(app, users, issued, INVOICES, {
        "crm_admin": (everything, everything),
        "system_admin": (everything, everything),
    })
    for profile in ("salesperson", "salesperson_lists", "project_manager", "assignee"):
        client = login(app.test_client(), users[profile])
        for url in ("/invoicing/invoices/", "/invoicing/invoices/{id}", "/invoicing/invoices/{id}/pdf", "/api/v1/invoicing/invoices/{id}",
                    "/invoicing/invoices/export.csv"):
            status = client.get(url.format(id=records["first"].id)).status_code
            assert status in (403, 404), (profile, url, status)
        results = client.get("/search", query_string={"q": "VIS-A-0001"}).get_data(as_text=True)
        assert ">VIS-A-0001<" not in results


def test_project_managers_see_the_quotes_of_their_projects(make_app: Any) -> None:
    from sportello_companies.models import Company
    from sportello_invoicing.models import Quote
    from sportello_projects.models import Project

    from sportello import Actor, acting_as, session
    from sportello.core.types import STANDARD_PROFILES
    from sportello.core.users import create_user
    from sportello.testing import Channels, Record, check_visibility_table

    app = make_app(plugins=["companies", "projects", "invoicing"])
    with app.app_context(), acting_as(Actor(user_id=None, channel="test")):
        people = {code: create_user(email=f"{code}@pm.test", name=code.title(), profile_code=code,
                                    password="password-123", language="en") for code in STANDARD_PROFILES}
        company = Company(name="Cliente Srl", name_key="cliente srl", salesperson_id=people["salesperson"].id)
        session.add(company)
        session.flush()
        mine = Project(code="C-1", title="Mia", company_id=company.id, manager_id=people["project_manager"].id, description="")
        other = Project(code="C-2", title="Altra", company_id=company.id, manager_id=people["crm_admin"].id, description="")
        session.add_all([mine, other])
        session.flush()
        quotes = {}
        for key, project in (("of_my_project", mine), ("of_another_project", other), ("without_project", None)):
            quote = Quote(number=f"P-2026-{len(quotes) + 101:04d}", year=2026, sequence_number=len(quotes) + 101,
                          company_id=company.id, salesperson_id=people["salesperson"].id,
                          created_by_id=people["salesperson"].id, project_id=project.id if project else None,
                          title=f"Offerta {key} 9917", date=__import__("datetime").date(2026, 11, 1),
                          valid_until=__import__("datetime").date(2026, 12, 31))
            session.add(quote)
            session.flush()
            quotes[key] = Record(quote.id, quote.number)
        session.commit()
    from sportello.testing import ApiClient, login

    seller = ApiClient(login(app.test_client(), people["salesperson"], password="password-123"))
    linked = seller.post("/invoicing/quotes/", json={"company_id": company.id, "project_id": mine.id, "title": "Collegata 9917",
                                                     "lines": [{"description": "X", "quantity": "1", "unit_price": "10", "vat_rate": "22"}]})
    assert linked.status_code == 201 and linked.json["project_id"] == mine.id
    refused = seller.post("/invoicing/quotes/", json={"company_id": company.id, "project_id": 9999,
                                                      "lines": [{"description": "X", "quantity": "1", "unit_price": "10", "vat_rate": "22"}]})
    assert refused.status_code == 422 and "project_id" in refused.get_data(as_text=True)
    check_visibility_table(
        app, people, quotes,
        Channels(list_page="/invoicing/quotes/", detail_page="/invoicing/quotes/{id}", search=False),
        {"project_manager": ({"of_my_project"}, {"of_my_project"}),
         "salesperson": (set(quotes), set(quotes))},
        password="password-123",
    )


def test_quotes_on_leads_follow_the_same_table(make_app: Any) -> None:
    """With the leads plugin, quotes still only on a lead are seen exactly like the others."""
    from sportello.core.types import STANDARD_PROFILES
    from sportello.core.users import create_user
    from sportello_invoicing.models import Quote, QuoteLine
    from sportello_leads.models import Lead, Status
    from sqlalchemy import select

    from sportello import Actor, acting_as, session

    app = make_app(plugins=["companies", "leads", "invoicing"])
    with app.app_context(), acting_as(Actor(user_id=None, channel="test")):
        people = {code: create_user(email=f"{code}@leadvis.test", name=code.title(), profile_code=code,
                                    password="password-123", language="en") for code in STANDARD_PROFILES}
        sales, lists, admin = people["salesperson"], people["salesperson_lists"], people["crm_admin"]
        status = session.scalar(select(Status.id).where(Status.code == "new"))
        leads = {}
        for owner in (sales, lists, admin):
            lead = Lead(name=f"Lead di {owner.name}", name_key=f"lead di {owner.name.lower()}", owner_id=owner.id, status_id=status)
            session.add(lead)
            session.flush()
            leads[owner.id] = lead.id
        records = {}
        for n, (key, salesperson, creator, lead_owner) in enumerate((
                ("own", sales, sales, sales), ("created_by_them", admin, sales, sales),
                ("of_lists", lists, lists, lists), ("of_admin", admin, admin, admin)), 201):
            quote = Quote(number=f"P-2026-{n:04d}", year=2026, sequence_number=n, lead_id=leads[lead_owner.id],
                          salesperson_id=salesperson.id, created_by_id=creator.id, date=date(2026, 3, 1),
                          valid_until=date(2026, 3, 31), title="Offerta lead",
                          lines=[QuoteLine(description="Consulenza", quantity=D(1), unit_price=D(100), vat_rate=D(22), total=D(100))])
            session.add(quote)
            session.flush()
            records[key] = Record(quote.id, quote.number)
        session.commit()
    everything = set(records)
    check_visibility_table(app, people, records, QUOTES, {
        "salesperson": ({"own", "created_by_them"}, {"own", "created_by_them"}),
        "salesperson_lists": ({"of_lists"}, {"of_lists"}),
        "crm_admin": (everything, everything),
        "system_admin": (everything, everything),
    }, password="password-123")
    manager = login(app.test_client(), people["project_manager"], password="password-123")
    assert "P-2026-02" not in manager.get("/invoicing/quotes/").get_data(as_text=True)
    assert manager.get(f"/invoicing/quotes/{records['own'].id}/pdf").status_code == 404
    assert manager.get(f"/invoicing/leads/{leads[sales.id]}/quotes").status_code == 404
    seller = login(app.test_client(), sales, password="password-123")
    exported = seller.get("/invoicing/quotes/export.csv").get_data(as_text=True)
    assert "Lead di Salesperson" in exported  # the lead's name is the customer of a quote still on a lead
    found = seller.get("/search", query_string={"q": "P-2026-0201"}).get_data(as_text=True)
    assert "Lead di Salesperson" in found
