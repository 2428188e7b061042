"""Quotes on leads (with the leads plugin): who may make them, the lead's registry data on
the page and the PDF, the lead's quotes tab, the move onto the company at conversion,
no invoice before the conversion, and a clear refusal without the leads plugin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sportello.testing import ApiClient, login
from sqlalchemy import func, select

from .conftest import VAT_A, line

PLUGINS = ["companies", "leads", "invoicing"]


@pytest.fixture
def sportello_plugins() -> list[str]:
    return PLUGINS


@pytest.fixture
def app(make_app: Callable[..., Any]) -> Any:
    return make_app(plugins=PLUGINS)


@pytest.fixture
def add_lead(app: Any) -> Callable[..., int]:
    """``add_lead(name, owner, status="new", **fields)``: a lead saved directly; its id."""

    def add(name: str, owner: Any, status: str = "new", **fields: Any) -> int:
        from sportello import Actor, acting_as, session
        from sportello_leads.models import Lead, Status

        with app.app_context(), acting_as(Actor(user_id=None, channel="test")):
            status_id = session.scalar(select(Status.id).where(Status.code == status))
            lead = Lead(name=name, name_key=name.lower(), owner_id=owner.id, status_id=status_id, **fields)
            session.add(lead)
            session.commit()
            return lead.id

    return add


REGISTRY = {"vat_number": VAT_A, "tax_code": "RSSMRA80A01F205X", "legal_street": "Via Dante 7", "legal_postcode": "40121",
            "legal_city": "Bologna", "legal_province": "BO"}


def _token(page: Any) -> str:
    return page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]


def test_a_salesperson_makes_quotes_only_on_their_own_leads(users: dict[str, Any], add_lead: Any, api_as: Any) -> None:
    mine = add_lead("Mio Lead Srl", users["salesperson"])
    theirs = add_lead("Altrui Lead Spa", users["salesperson_lists"])
    api = api_as(users["salesperson"])
    made = api.post("/invoicing/quotes/", json={"lead_id": mine, "title": "Offerta", "lines": [line()]})
    assert made.status_code == 201, made.json
    assert made.json["lead_id"] == mine and made.json["company_id"] is None
    for lead_id in (theirs, 999_999):  # someone else's lead and a lead that does not exist: the same answer
        refused = api.post("/invoicing/quotes/", json={"lead_id": lead_id, "lines": [line()]})
        assert refused.status_code == 422 and "Lead not found" in str(refused.json["errors"]["json"]["lead_id"])
    neither = api.post("/invoicing/quotes/", json={"lines": [line()]})
    assert neither.status_code == 422 and "company or the lead" in str(neither.json)
    admin = api_as(users["crm_admin"])
    on_theirs = admin.post("/invoicing/quotes/", json={"lead_id": theirs, "salesperson_id": users["salesperson_lists"].id,
                                                       "lines": [line()]})
    assert on_theirs.status_code == 201
    listed = api.get("/invoicing/quotes/", query_string={"lead_id": mine}).json["items"]
    assert [q["id"] for q in listed] == [made.json["id"]]


def test_the_quote_page_and_pdf_show_the_lead_registry_data(app: Any, users: dict[str, Any], add_lead: Any,
                                                             api_as: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    lead = add_lead("Anagrafica Lead Srl", users["salesperson"], **REGISTRY)
    quote = api_as(users["salesperson"]).post("/invoicing/quotes/", json={"lead_id": lead, "lines": [line()]}).json
    client = login(app.test_client(), users["salesperson"])
    page = client.get(f"/invoicing/quotes/{quote['id']}").get_data(as_text=True)
    for text in ("Anagrafica Lead Srl", "Via Dante 7", "40121", "Bologna", "(BO)", VAT_A, "RSSMRA80A01F205X",
                 f"/leads/{lead}"):
        assert text in page, text
    from sportello_invoicing import pdf

    printed: list[str] = []
    real = pdf.render_template
    monkeypatch.setattr(pdf, "render_template", lambda *a, **kw: printed.append(real(*a, **kw)) or printed[-1])
    response = client.get(f"/invoicing/quotes/{quote['id']}/pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    for text in ("Anagrafica Lead Srl", "Via Dante 7", "40121 Bologna (BO)", f"Partita IVA: {VAT_A}",
                 "Codice fiscale: RSSMRA80A01F205X"):
        assert text in printed[0], text


def test_the_lead_page_has_a_quotes_tab_with_new_quote(app: Any, users: dict[str, Any], add_lead: Any, api_as: Any) -> None:
    lead = add_lead("Scheda Lead Srl", users["salesperson"])
    other = add_lead("Lead Altrui Srl", users["crm_admin"])
    api = api_as(users["salesperson"])
    first = api.post("/invoicing/quotes/", json={"lead_id": lead, "title": "Prima offerta", "lines": [line()]}).json
    admin_quote = api_as(users["crm_admin"]).post("/invoicing/quotes/", json={"lead_id": lead, "lines": [line()]}).json
    client = login(app.test_client(), users["salesperson"])
    detail = client.get(f"/leads/{lead}").get_data(as_text=True)
    assert f"/invoicing/leads/{lead}/quotes" in detail
    assert 'Quotes <span class="badge text-bg-light" id="tab-count-quotes">1</span>' in detail  # the admin's quote is not theirs
    tab = client.get(f"/invoicing/leads/{lead}/quotes").get_data(as_text=True)
    assert first["number"] in tab and admin_quote["number"] not in tab
    assert f"/invoicing/quotes/new?lead_id={lead}" in tab
    assert client.get(f"/invoicing/leads/{other}/quotes").status_code == 404
    admin_tab = login(app.test_client(), users["crm_admin"]).get(f"/invoicing/leads/{lead}/quotes").get_data(as_text=True)
    assert first["number"] in admin_tab and admin_quote["number"] in admin_tab
    # "New quote" from the lead: the form has the lead chosen, and saving makes a quote on it.
    form_page = client.get(f"/invoicing/quotes/new?lead_id={lead}")
    assert f'<option value="{lead}" selected>Scheda Lead Srl</option>' in form_page.get_data(as_text=True)
    assert "Lead Altrui Srl" not in form_page.get_data(as_text=True)
    saved = client.post("/invoicing/quotes/new", data={
        "csrf_token": _token(form_page), "company_id": "", "lead_id": str(lead), "title": "Dal lead", "date": "", "valid_until": "",
        "line_description": ["Consulenza"], "line_quantity": ["1"], "line_unit": [""], "line_unit_price": ["100"],
        "line_discount_percent": ["0"], "line_vat_rate": ["22"], "line_vat_nature": [""], "notes": "", "terms": ""})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    shown = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Scheda Lead Srl" in shown and "Dal lead" in shown
    edit_url = saved.headers["Location"] + "/edit"
    edit = client.get(edit_url)
    assert f'<option value="{lead}" selected>Scheda Lead Srl</option>' in edit.get_data(as_text=True)
    changed = client.post(edit_url, data={
        "csrf_token": _token(edit), "company_id": "", "lead_id": str(lead), "title": "Dal lead, rivisto", "date": "",
        "valid_until": "", "line_description": ["Consulenza"], "line_quantity": ["2"], "line_unit": [""],
        "line_unit_price": ["100"], "line_discount_percent": ["0"], "line_vat_rate": ["22"], "line_vat_nature": [""],
        "notes": "", "terms": ""})
    assert changed.status_code == 302 and "Dal lead, rivisto" in client.get(changed.headers["Location"]).get_data(as_text=True)
    assert 'Quotes <span class="badge text-bg-light" id="tab-count-quotes">2</span>' in client.get(f"/leads/{lead}").get_data(as_text=True)


def test_conversion_moves_the_quotes_onto_the_company(app: Any, users: dict[str, Any], add_lead: Any, api_as: Any) -> None:
    from sportello import session
    from sportello_invoicing.models import Quote

    lead = add_lead("Convertenda Srl", users["salesperson"], status="acquired", **REGISTRY)
    seller = api_as(users["salesperson"])
    numbers = {seller.post("/invoicing/quotes/", json={"lead_id": lead, "lines": [line()]}).json["number"] for _ in range(3)}
    admin = ApiClient(login(app.test_client(), users["crm_admin"]))
    converted = admin.post(f"/leads/{lead}/convert", json={})
    assert converted.status_code == 201, converted.json
    company = converted.json["id"]
    with app.app_context():
        rows = session.execute(select(Quote.company_id, Quote.lead_id)).all()
        assert len(rows) == 3 and set(rows) == {(company, lead)}  # moved, not copied; the lead keeps them
    client = login(app.test_client(), users["salesperson"])
    tab = client.get(f"/invoicing/companies/{company}/quotes").get_data(as_text=True)
    assert all(number in tab for number in numbers)
    assert 'Quotes <span class="badge text-bg-light" id="tab-count-quotes">3</span>' in client.get(f"/companies/{company}").get_data(as_text=True)
    lead_tab = client.get(f"/invoicing/leads/{lead}/quotes").get_data(as_text=True)
    assert all(number in lead_tab for number in numbers) and "/invoicing/quotes/new" not in lead_tab
    listed = seller.get("/invoicing/quotes/", query_string={"company_id": company}).json["items"]
    assert {q["number"] for q in listed} == numbers


def test_the_hook_reports_what_it_moved(app: Any, users: dict[str, Any], add_lead: Any, add_company: Any, api_as: Any) -> None:
    from sportello import session
    from sportello_companies.models import Company
    from sportello_invoicing import leads_conversion_preview, leads_converted
    from sportello_invoicing.models import Quote
    from sportello_leads.models import Lead

    lead = add_lead("Conta Srl", users["salesperson"])
    empty = add_lead("Vuoto Srl", users["salesperson"])
    for _ in range(2):
        api_as(users["salesperson"]).post("/invoicing/quotes/", json={"lead_id": lead, "lines": [line()]})
    company = add_company("Conta Srl", users["salesperson"])
    with app.test_request_context():  # nobody signed in: the office's language, Italian
        assert leads_conversion_preview(session.get(Lead, lead)) == ["2 preventivi passano all'azienda."]
        assert leads_conversion_preview(session.get(Lead, empty)) == []
        assert leads_converted(session.get(Lead, lead), session.get(Company, company)) == ["2 preventivi"]
        assert leads_converted(session.get(Lead, empty), session.get(Company, company)) == []
        session.rollback()  # the conversion commits, not the hook
        assert session.scalar(select(func.count()).select_from(Quote).where(Quote.company_id.is_not(None))) == 0


def test_no_invoice_from_a_quote_still_on_a_lead(app: Any, users: dict[str, Any], add_lead: Any, api_as: Any) -> None:
    from sportello.core.users import create_user

    lead = add_lead("Non Convertito Srl", users["salesperson"])
    quote = api_as(users["salesperson"]).post("/invoicing/quotes/", json={"lead_id": lead, "lines": [line()]}).json
    admin = api_as(users["crm_admin"])
    assert admin.post(f"/invoicing/quotes/{quote['id']}/accept").status_code == 200
    refused = admin.post(f"/invoicing/quotes/{quote['id']}/invoice")
    assert refused.status_code == 422 and "convert the lead into a company first" in refused.json["detail"]
    with app.app_context():
        italian = create_user(email="amministrazione@example.test", name="Amministrazione", profile_code="crm_admin",
                              password="password-123", language="it")
    in_italian = ApiClient(login(app.test_client(), italian, password="password-123"))
    refused = in_italian.post(f"/invoicing/quotes/{quote['id']}/invoice")
    assert refused.status_code == 422 and "converti prima il lead in azienda" in refused.json["detail"]
    page = login(app.test_client(), users["crm_admin"]).get(f"/invoicing/quotes/{quote['id']}").get_data(as_text=True)
    assert "convert the lead into a company first" in page and "Make the invoice" not in page


def test_without_the_leads_plugin_a_lead_is_refused(make_app: Callable[..., Any]) -> None:
    from sportello.core.users import create_user

    bare = make_app(plugins=["companies", "invoicing"])
    with bare.app_context():
        seller = create_user(email="venditore@example.test", name="Venditore", profile_code="salesperson",
                             password="password-123", language="en")
    api = ApiClient(login(bare.test_client(), seller, password="password-123"))
    refused = api.post("/invoicing/quotes/", json={"lead_id": 1, "lines": [line()]})
    assert refused.status_code == 422 and "need the leads plugin" in str(refused.json["errors"]["json"]["lead_id"])
    form = login(bare.test_client(), seller, password="password-123").get("/invoicing/quotes/new").get_data(as_text=True)
    assert 'name="lead_id"' not in form


def test_a_quote_on_a_lead_is_sent_by_email_and_kept_among_the_leads_communications(
        make_app: Callable[..., Any], smtp_server: Any) -> None:
    from sportello import Actor, acting_as, session
    from sportello.core.users import create_user
    from sportello.testing import csrf_token_of
    from sportello_invoicing.models import Quote
    from sportello_leads.models import Communication, Lead, Status

    app = make_app(plugins=PLUGINS, **smtp_server.config())
    with app.app_context(), acting_as(Actor(user_id=None, channel="test")):
        seller = create_user(email="venditore@lead.it", name="Venditore", profile_code="salesperson",
                             password="password-123", language="en")
        lead = Lead(name="Spedizioni Lead Srl", name_key="spedizioni lead srl", owner_id=seller.id,
                    email="ufficio@spedizionilead.it",
                    status_id=session.scalar(select(Status.id).where(Status.code == "negotiation")))
        session.add(lead)
        session.commit()
        lead_id = lead.id
    client = login(app.test_client(), seller, password="password-123")
    quote = ApiClient(client).post("/invoicing/quotes/", json={"lead_id": lead_id, "lines": [line()]}).json
    page = client.get(f"/invoicing/quotes/{quote['id']}").get_data(as_text=True)
    assert "ufficio@spedizionilead.it" in page and "kept among the lead's communications" in page
    sent = client.post(f"/invoicing/quotes/{quote['id']}/email", data={"csrf_token": csrf_token_of(client), "recipient": ""})
    assert sent.status_code == 302
    [message] = [m for m in smtp_server.messages if m["To"] == "ufficio@spedizionilead.it"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf" and attachment.get_content().startswith(b"%PDF")
    with app.app_context():
        assert session.get(Quote, quote["id"]).state == "sent"
        entry = session.scalars(select(Communication).where(Communication.lead_id == lead_id)).one()
        assert (entry.kind, entry.status, entry.recipient) == ("email", "sent", "ufficio@spedizionilead.it")
