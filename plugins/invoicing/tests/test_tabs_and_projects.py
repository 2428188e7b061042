"""The company tabs carry the counts of what the user sees, and the quote form offers the
projects of the quote's company (with the projects plugin) and the page shows the one chosen."""

from __future__ import annotations

from datetime import date
from typing import Any

from sportello.testing import ApiClient, login

LINE = {"description": "Servizio", "quantity": "1", "unit_price": "100", "vat_rate": "22"}


def _token(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


def _badge(label: str, count: int) -> str:
    return f'{label} <span class="badge text-bg-light" id="tab-count-{label.lower()}">{count}</span>'


def test_company_tabs_count_what_the_user_sees(app: Any, users: dict[str, Any], add_company: Any, api_as: Any) -> None:
    from sportello import session
    from sportello_invoicing import services
    from sportello_invoicing.models import Invoice

    company = add_company("Conteggi Srl", users["salesperson"])
    seller, admin = api_as(users["salesperson"]), api_as(users["crm_admin"])
    for _ in range(2):
        seller.post("/invoicing/quotes/", json={"company_id": company, "lines": [LINE]})
    admin.post("/invoicing/quotes/", json={"company_id": company, "lines": [LINE]})  # the admin's, not the seller's
    invoice = admin.post("/invoicing/invoices/", json={"company_id": company, "lines": [LINE]}).json
    assert admin.post(f"/invoicing/invoices/{invoice['id']}/issue").status_code == 200
    admin.post("/invoicing/invoices/", json={"company_id": company, "lines": [LINE]})  # a draft counts too
    with app.app_context():
        services.register_payment(session.get(Invoice, invoice["id"]), {"amount": "50", "date": date.today().isoformat()},
                                  session.merge(users["crm_admin"]))
    page = login(app.test_client(), users["salesperson"]).get(f"/companies/{company}").get_data(as_text=True)
    assert _badge("Quotes", 2) in page and "Invoices" not in page and "Payments" not in page
    page = login(app.test_client(), users["crm_admin"]).get(f"/companies/{company}").get_data(as_text=True)
    assert _badge("Quotes", 3) in page and _badge("Invoices", 2) in page and _badge("Payments", 1) in page
    empty = add_company("Vuota Srl", users["salesperson"])
    page = login(app.test_client(), users["crm_admin"]).get(f"/companies/{empty}").get_data(as_text=True)
    assert _badge("Quotes", 0) in page and _badge("Payments", 0) in page


def test_the_quote_form_offers_the_projects_of_the_company(make_app: Any) -> None:
    from sportello.core.types import STANDARD_PROFILES
    from sportello.core.users import create_user
    from sportello_companies.models import Company
    from sportello_projects.models import Project

    from sportello import Actor, acting_as, session

    app = make_app(plugins=["companies", "projects", "invoicing"])
    with app.app_context(), acting_as(Actor(user_id=None, channel="test")):
        people = {code: create_user(email=f"{code}@form.test", name=code.title(), profile_code=code,
                                    password="password-123", language="en") for code in STANDARD_PROFILES}
        ours = Company(name="Nostra Srl", name_key="nostra srl", salesperson_id=people["salesperson"].id)
        theirs = Company(name="Altrui Spa", name_key="altrui spa", salesperson_id=people["crm_admin"].id)
        session.add_all([ours, theirs])
        session.flush()
        mine = Project(code="C-10", title="Impianto nuovo", company_id=ours.id, manager_id=people["project_manager"].id)
        other = Project(code="C-20", title="Commessa altrui", company_id=theirs.id, manager_id=people["crm_admin"].id)
        session.add_all([mine, other])
        session.commit()
        ours_id, mine_id, other_id = ours.id, mine.id, other.id
    client = login(app.test_client(), people["salesperson"], password="password-123")
    form_page = client.get(f"/invoicing/quotes/new?company_id={ours_id}").get_data(as_text=True)
    assert f'<option value="{mine_id}">C-10 · Impianto nuovo</option>' in form_page and "C-20" not in form_page
    form = {"csrf_token": _token(form_page), "company_id": str(ours_id), "project_id": str(other_id), "title": "Con commessa",
            "date": "", "valid_until": "", "line_description": ["Quadro"], "line_quantity": ["1"], "line_unit": [""],
            "line_unit_price": ["100"], "line_discount_percent": ["0"], "line_vat_rate": ["22"], "line_vat_nature": [""],
            "notes": "", "terms": ""}
    refused = client.post("/invoicing/quotes/new", data=form)
    assert refused.status_code == 422 and "Choose a project of the same company" in refused.get_data(as_text=True)
    form["project_id"] = str(mine_id)
    saved = client.post("/invoicing/quotes/new", data=form)
    assert saved.status_code == 302
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "C-10 · Impianto nuovo" in page and f"/projects/{mine_id}" in page
    quote_id = int(saved.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    edit = client.get(f"/invoicing/quotes/{quote_id}/edit").get_data(as_text=True)
    assert f'<option value="{mine_id}" selected>C-10 · Impianto nuovo</option>' in edit
    form["project_id"] = ""
    assert client.post(f"/invoicing/quotes/{quote_id}/edit", data=form).status_code == 302
    api = ApiClient(login(app.test_client(), people["salesperson"], password="password-123"))
    assert api.get(f"/invoicing/quotes/{quote_id}").json["project_id"] is None
    # The project manager of the project opens the quote through it and sees the project.
    api.patch(f"/invoicing/quotes/{quote_id}", json={"project_id": mine_id})
    manager = login(app.test_client(), people["project_manager"], password="password-123")
    assert "C-10 · Impianto nuovo" in manager.get(f"/invoicing/quotes/{quote_id}").get_data(as_text=True)


def test_without_projects_the_form_has_no_project(app: Any, users: dict[str, Any]) -> None:
    page = login(app.test_client(), users["salesperson"]).get("/invoicing/quotes/new").get_data(as_text=True)
    assert 'name="project_id"' not in page and 'name="lead_id"' not in page
