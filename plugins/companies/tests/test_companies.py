"""Companies through the pages and the API: validation, CRUD, contacts, tags, events."""

from __future__ import annotations

import re
from typing import Any

from sportello.testing import ApiClient, login
from sqlalchemy import select

VALID_PIVA = "00743110157"
FORM = {
    "name": "Acme Italia S.r.l.", "vat_number": VALID_PIVA, "tax_code": VALID_PIVA, "legal_street": "Via Roma 1",
    "legal_postcode": "20121", "legal_city": "Milano", "legal_province": "MI", "legal_country": "IT",
    "pec": "acme@pec.it", "sdi_code": "M5UXCR1", "pa_code": "", "phone": "02 1234567", "email": "info@acme.it",
    "website": "www.acme.it", "sector": "ict", "tags": "Cliente, fiera", "notes": "",
}


def token(client: Any, url: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def post_form(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data={**data, "csrf_token": token(client, url)})


def test_validation_messages_next_to_fields_and_typed_values_kept(app: Any, users: dict[str, Any]) -> None:
    client = login(app.test_client(), users["crm_admin"])
    bad = {**FORM, "vat_number": "00743110158", "tax_code": "RSSMRA80A01F205Y", "sdi_code": "ABC", "pec": "not-an-email",
           "legal_province": "XX", "legal_postcode": "123"}
    response = post_form(client, "/companies/new", bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This partita IVA is not valid" in page
    assert "This codice fiscale is not valid" in page
    assert "exactly 7 letters or digits" in page
    assert "Write a valid e-mail address" in page
    assert "Italian province" in page and "5 digits" in page
    assert 'value="00743110158"' in page and 'value="not-an-email"' in page and 'value="Acme Italia S.r.l."' in page
    assert 'id="vat_number-error"' in page and 'id="pec-error"' in page


def test_personal_codice_fiscale_and_foreign_vat(app: Any, users: dict[str, Any]) -> None:
    from sportello_companies.validation import check_tax_code, check_vat

    assert check_tax_code("RSSMRA80A01F205X", "IT")[1] is None
    assert check_tax_code(VALID_PIVA, "IT") == (VALID_PIVA, None)
    assert check_vat("IT 00743110157", "IT") == (VALID_PIVA, None)
    assert check_vat("DE136695976", "DE") == ("136695976", None)
    assert check_vat("DE136695970", "DE")[1] is not None
    assert check_vat("FR 40 303 265 045", "FR")[1] is None


def test_create_edit_delete_through_pages(app: Any, users: dict[str, Any]) -> None:
    client = login(app.test_client(), users["crm_admin"])
    response = post_form(client, "/companies/new", {**FORM, "salesperson_id": str(users["salesperson"].id)})
    assert response.status_code == 302
    url = response.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert "Acme Italia S.r.l." in page and "M5UXCR1" in page and "cliente" in page and "Salesperson" in page
    assert "Company created" in page  # the system event in the timeline
    company_id = int(url.rstrip("/").split("/")[-1])
    response = post_form(client, f"/companies/{company_id}/edit", {**FORM, "name": "Acme Group S.p.A.", "tags": "cliente",
                                                                    "salesperson_id": str(users["salesperson"].id)})
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Acme Group S.p.A." in page and "Company updated" in page and "fiera" not in page
    response = client.post(f"/companies/{company_id}/delete", data={"csrf_token": token(client, url)})
    assert response.status_code == 302
    assert client.get(url).status_code == 404


def test_salesperson_creates_for_themselves_and_events_carry_recipients(app: Any, users: dict[str, Any]) -> None:
    from sportello import session
    from sportello.core.events import EventRecord
    from sportello_companies.models import Company

    api = ApiClient(login(app.test_client(), users["salesperson"]))
    response = api.post("/companies/", json={"name": "Mia Azienda", "vat_number": VALID_PIVA, "salesperson_id": users["crm_admin"].id})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["salesperson_id"] == users["salesperson"].id
    with app.app_context():
        event = session.scalar(select(EventRecord).where(EventRecord.type == "companies.created"))
        assert event.payload["recipients"] == {"owner": [users["salesperson"].id]}
        assert event.payload["title"] == "Mia Azienda" and event.payload["url"].startswith("/companies/")
        assert session.get(Company, response.get_json()["id"]).name_key == "mia azienda"


def test_api_crud_and_422(app: Any, users: dict[str, Any], api_client: ApiClient) -> None:
    response = api_client.post("/companies/", json={"name": "Beta", "vat_number": "12345678901", "pec": "x", "sdi_code": "12"})
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    assert set(errors) >= {"vat_number", "pec", "sdi_code"}
    response = api_client.post("/companies/", json={"name": "Beta S.r.l.", "vat_number": VALID_PIVA, "legal_city": "Roma",
                                                    "legal_province": "rm", "tags": ["Cliente"], "pa_code": "UFX7Q2"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["legal_province"] == "RM" and body["tags"] == ["cliente"]
    company_id = body["id"]
    response = api_client.patch(f"/companies/{company_id}", json={"tax_code": "123"})
    assert response.status_code == 422 and "tax_code" in response.get_json()["errors"]["json"]
    response = api_client.patch(f"/companies/{company_id}", json={"phone": "+39 06 123456"})
    assert response.status_code == 200 and response.get_json()["phone"] == "+39 06 123456"
    assert api_client.get(f"/companies/{company_id}").get_json()["name"] == "Beta S.r.l."
    listed = api_client.get("/companies/?province=RM&sort=-updated_at").get_json()
    assert [i["id"] for i in listed["items"]] == [company_id]
    contact = api_client.post(f"/companies/{company_id}/contacts/", json={"first_name": "Anna", "last_name": "Neri",
                                                                          "email": "anna@beta.it", "consent_marketing": True,
                                                                          "consent_date": "2025-01-10", "legal_basis": "consent"})
    assert contact.status_code == 201, contact.get_json()
    contact_id = contact.get_json()["id"]
    assert api_client.post(f"/companies/{company_id}/contacts/", json={"last_name": "X", "email": "nope"}).status_code == 422
    assert api_client.patch(f"/companies/contacts/{contact_id}", json={"role": "CEO"}).get_json()["role"] == "CEO"
    assert [c["last_name"] for c in api_client.get(f"/companies/{company_id}/contacts/").get_json()["items"]] == ["Neri"]
    assert api_client.delete(f"/companies/contacts/{contact_id}").status_code == 204
    assert api_client.delete(f"/companies/{company_id}").status_code == 204
    assert api_client.get(f"/companies/{company_id}").status_code == 404
    spec = api_client.get("/openapi.json").get_json()
    assert "/api/v1/companies/" in spec["paths"] and "/api/v1/companies/{company_id}/communications/" in spec["paths"]


def test_contacts_through_pages(app: Any, users: dict[str, Any], add_company: Any) -> None:
    company_id = add_company("Gamma S.r.l.", users["salesperson"])
    client = login(app.test_client(), users["salesperson"])
    url = f"/companies/{company_id}/contacts/new"
    response = post_form(client, url, {"first_name": "Paolo", "last_name": "", "email": "bad"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Write the surname." in page and 'value="Paolo"' in page
    response = post_form(client, url, {"first_name": "Paolo", "last_name": "Verdi", "email": "paolo@gamma.it",
                                       "mobile": "+39 333 1234567", "consent_marketing": "y", "consent_date": "2025-03-01",
                                       "legal_basis": "consent"})
    assert response.status_code == 302
    page = client.get(f"/companies/{company_id}").get_data(as_text=True)
    assert "Paolo Verdi" in page and "paolo@gamma.it" in page and "Marketing consent" in page


def test_salesperson_lists_opens_only_own_and_cannot_edit_others(app: Any, users: dict[str, Any], add_company: Any) -> None:
    other = add_company("Altrui S.r.l.", users["salesperson"])
    mine = add_company("Mia S.r.l.", users["salesperson_lists"])
    client = login(app.test_client(), users["salesperson_lists"])
    page = client.get("/companies/").get_data(as_text=True)
    assert "Altrui S.r.l." in page and f'href="/companies/{other}"' not in page and f'href="/companies/{mine}"' in page
    assert client.get(f"/companies/{other}/edit").status_code == 404
    api = ApiClient(client)
    assert api.patch(f"/companies/{other}", json={"name": "x"}).status_code == 404
    assert api.patch(f"/companies/{mine}", json={"name": "Mia Nuova S.r.l."}).status_code == 200
    assert api.delete(f"/companies/{mine}").status_code == 403  # no companies.delete


def test_no_companies_shows_the_empty_state(app: Any, users: dict[str, Any]) -> None:
    page = login(app.test_client(), users["salesperson"]).get("/companies/").get_data(as_text=True)
    assert "No companies yet" in page and 'href="/companies/new"' in page


def test_demo_data_has_valid_partite_iva(app: Any, users: dict[str, Any]) -> None:
    from datetime import date

    from sportello import Actor, DemoContext, acting_as, session
    from sportello_companies.demo import add_demo
    from sportello_companies.models import Communication, Company, Contact
    from stdnum.it import iva

    with app.app_context(), acting_as(Actor(user_id=None, channel="test")):
        add_demo(DemoContext(session=session, users=users, today=date(2026, 3, 2)))
        session.commit()
        companies = list(session.scalars(select(Company)))
        assert len(companies) >= 20 and all(iva.is_valid(c.vat_number) for c in companies)
        owners = {c.salesperson_id for c in companies}
        assert {users["salesperson"].id, users["salesperson_lists"].id} <= owners
        assert session.scalar(select(Contact.id).limit(1)) and session.scalar(select(Communication.id).limit(1))
