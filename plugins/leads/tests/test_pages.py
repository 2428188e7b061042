"""The pages: forms with their messages, contacts, communications really sent, the
conversion through its preview, the exports."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from sportello.testing import login
from sqlalchemy import select

from .conftest import VALID_PIVA


def _token(page: str) -> str:
    return page.split('name="csrf-token" content="')[1].split('"')[0]


def _form(client: Any, url: str, **data: Any) -> Any:
    token = _token(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def test_create_and_edit_a_lead_with_the_form(app: Any, users: dict[str, Any], status_id: Any) -> None:
    client = login(app.test_client(), users["salesperson"])
    base = {"name": "Modulo Srl", "legal_country": "IT", "status_id": status_id("future_contact")}
    refused = _form(client, "/leads/new", **base)
    assert refused.status_code == 422
    assert "Write the date of the future contact." in refused.get_data(as_text=True)
    refused = _form(client, "/leads/new", **base, contact_date=str(date.today() - timedelta(days=2)))
    assert "cannot be in the past" in refused.get_data(as_text=True)
    created = _form(client, "/leads/new", **base, contact_date=str(date.today() + timedelta(days=2)),
                    vat_number=VALID_PIVA, estimated_value="12.500,00", tags="fiera, web")
    assert created.status_code == 302, created.get_data(as_text=True)[:2000]
    lead_url = created.headers["Location"]
    page = client.get(lead_url).get_data(as_text=True)
    assert "Modulo Srl" in page and "fiera" in page
    from sportello import session
    from sportello_leads.models import Lead

    with app.app_context():
        lead = session.scalar(select(Lead).where(Lead.name == "Modulo Srl"))
        assert lead.owner_id == users["salesperson"].id and str(lead.estimated_value) == "12500.00"
    lost = _form(client, f"{lead_url}/edit", name="Modulo Srl", legal_country="IT", status_id=status_id("lost"))
    assert lost.status_code == 422 and "Write why the lead was lost." in lost.get_data(as_text=True)
    ok = _form(client, f"{lead_url}/edit", name="Modulo Srl", legal_country="IT", status_id=status_id("lost"), lost_reason="Prezzo")
    assert ok.status_code == 302


def test_contacts_communications_and_conversion_in_pages(make_app: Any, smtp_server: Any) -> None:
    app = make_app(plugins=["companies", "leads"], **smtp_server.config())
    from sportello import session
    from sportello.core.users import create_user
    from sportello_companies.models import Communication, Company
    from sportello_leads.models import Lead, Status

    with app.app_context():
        admin = create_user(email="crm@leads.it", name="Crm", profile_code="crm_admin", password="password-123", language="en")
        existing = Company(name="Esistente Spa", name_key="esistente spa", vat_number=VALID_PIVA)
        session.add(existing)
        acquired = session.scalar(select(Status.id).where(Status.code == "acquired"))
        lead = Lead(name="Pagina Srl", name_key="pagina srl", owner_id=admin.id, status_id=acquired, vat_number=VALID_PIVA,
                    email="info@pagina.example.it")
        session.add(lead)
        session.commit()
        lead_id, existing_id = lead.id, existing.id
    client = login(app.test_client(), admin, password="password-123")
    assert _form(client, f"/leads/{lead_id}/contacts/new", last_name="Verdi", email="verdi@pagina.example.it").status_code == 302
    sent = _form(client, f"/leads/{lead_id}/communications/new", kind="email", direction="out", subject="Offerta", body="Ecco l'offerta")
    assert sent.status_code == 302
    assert [m["To"] for m in smtp_server.messages if m["Subject"] == "Offerta"] == ["info@pagina.example.it"]
    preview = client.get(f"/leads/{lead_id}/convert").get_data(as_text=True)
    assert "Esistente Spa" in preview and "1 contact person moves" in preview
    done = _form(client, f"/leads/{lead_id}/convert", company_id=str(existing_id))
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/companies/{existing_id}")
    with app.app_context():
        assert session.scalar(select(Lead.converted_company_id).where(Lead.id == lead_id)) == existing_id
        assert len(session.scalars(select(Company)).all()) == 1
        assert session.scalar(select(Communication.subject).where(Communication.company_id == existing_id)) == "Offerta"
    again = client.get(f"/leads/{lead_id}/convert").get_data(as_text=True)
    assert "cannot be converted twice" in again
    assert "Converted into the company" in client.get(f"/leads/{lead_id}").get_data(as_text=True)


def test_exports(app: Any, users: dict[str, Any], add_lead: Any) -> None:
    add_lead("Esportata Srl", users["crm_admin"], estimated_value=1234)
    client = login(app.test_client(), users["crm_admin"])
    response = client.get("/leads/export.csv")
    csv_text = response.get_data(as_text=True)
    assert "Esportata Srl" in csv_text and "1234,0" in csv_text
    assert csv_text.lstrip("\ufeff").startswith("Company name;VAT number;Tax code;")
    assert "Status;Source;Salesperson;Estimated value;Expected close;Follow-up date;Updated on" in csv_text
    assert 'filename="leads-' in response.headers["Content-Disposition"]
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get("/leads/export.xlsx").data))
    assert book.active.title == "Leads"
    assert any("Esportata Srl" in [c for c in row] for row in book.active.iter_rows(values_only=True))
    assert login(app.test_client(), users["assignee"]).get("/leads/export.csv").status_code == 403


def test_exports_speak_the_users_language(app: Any, add_lead: Any) -> None:
    from openpyxl import load_workbook
    from sportello import session
    from sportello.core.users import create_user

    with app.app_context():
        person = create_user(email="export@leads.it", name="Esporta", profile_code="salesperson", password="password-123",
                             language="it")
        session.commit()
    add_lead("Esportata Srl", person, estimated_value=1234)
    client = login(app.test_client(), person, password="password-123")
    response = client.get("/leads/export.csv")
    header = response.get_data(as_text=True).lstrip("\ufeff").splitlines()[0]
    assert header.split(";") == ["Ragione sociale", "Partita IVA", "Codice fiscale", "Indirizzo", "CAP", "Città", "Provincia",
                                 "Nazione", "PEC", "Codice destinatario", "Telefono", "E-mail", "Sito web", "Settore",
                                 "Stato", "Fonte", "Commerciale", "Valore stimato", "Chiusura prevista", "Data ricontatto",
                                 "Aggiornato"]
    assert 'filename="lead-' in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(client.get("/leads/export.xlsx").data))
    assert book.active.title == "Lead"
    assert next(book.active.iter_rows(values_only=True))[:2] == ("Ragione sociale", "Partita IVA")


def test_admins_configure_statuses_and_sources(app: Any, users: dict[str, Any]) -> None:
    client = login(app.test_client(), users["crm_admin"])
    page = client.get("/leads/settings/lists").get_data(as_text=True)
    assert "In negotiation" in page
    token = _token(page)
    added = client.post("/leads/settings/lists", data={"csrf_token": token, "kind": "source", "name": "LinkedIn", "position": "70"})
    assert added.status_code == 302
    assert "LinkedIn" in client.get("/leads/new").get_data(as_text=True)
    assert login(app.test_client(), users["salesperson"]).get("/leads/settings/lists").status_code == 403


def test_the_board_speaks_italian(app: Any, add_lead: Any) -> None:
    from sportello import session
    from sportello.core.users import create_user

    with app.app_context():
        person = create_user(email="it@leads.it", name="Italiana", profile_code="salesperson", password="password-123", language="it")
        session.commit()
    add_lead("Italiana Srl", person, "negotiation", estimated_value=1000)
    page = login(app.test_client(), person, password="password-123").get("/leads/pipeline").get_data(as_text=True)
    assert "In trattativa" in page and "Da ricontattare" in page and "Italiana Srl" in page


def test_status_form_on_the_lead_page(app: Any, users: dict[str, Any], add_lead: Any, status_id: Any) -> None:
    lead = add_lead("Stato Srl", users["salesperson"])
    client = login(app.test_client(), users["salesperson"])
    token = _token(client.get(f"/leads/{lead}").get_data(as_text=True))
    moved = client.post(f"/leads/{lead}/status", data={"csrf_token": token, "status_id": status_id("negotiation")})
    assert moved.status_code == 302 and moved.headers["Location"].endswith(f"/leads/{lead}")
    needs_more = client.post(f"/leads/{lead}/status", data={"csrf_token": token, "status_id": status_id("lost")})
    assert needs_more.status_code == 302 and f"/leads/{lead}/edit" in needs_more.headers["Location"]
    page = client.get(needs_more.headers["Location"]).get_data(as_text=True)
    assert "Write why the lead was lost." in page
    other = add_lead("Altro Srl", users["crm_admin"])
    assert client.post(f"/leads/{other}/status", data={"csrf_token": token, "status_id": status_id("lost")}).status_code == 404
