"""The pages: making, issuing and correcting an invoice through the forms, with the
refusals answered by a clear message and nothing changed."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook
from sportello.testing import login


def _token(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


def test_invoice_through_the_pages(app: Any, users: dict[str, Any], add_company: Any) -> None:
    company = add_company("Rossi Srl", users["salesperson"])
    client = login(app.test_client(), users["crm_admin"])
    page = client.get(f"/invoicing/invoices/new?company_id={company}").get_data(as_text=True)
    form = {"csrf_token": _token(page), "company_id": str(company), "document_type": "TD01", "date": "", "payment_terms": "30/60",
            "payment_method": "MP05", "stamp_duty_charged": "1", "line_description": ["Assistenza"], "line_quantity": ["-1"],
            "line_unit": [""], "line_unit_price": ["500"], "line_discount_percent": ["0"], "line_vat_rate": ["22"], "line_vat_nature": [""]}
    refused = client.post("/invoicing/invoices/new", data=form)
    assert refused.status_code == 422 and "cannot be negative" in refused.get_data(as_text=True)
    form["line_quantity"] = ["1"]
    saved = client.post("/invoicing/invoices/new", data=form)
    assert saved.status_code == 302
    url = saved.headers["Location"]
    invoice_page = client.get(url).get_data(as_text=True)
    issued = client.post(url + "/issue", data={"csrf_token": _token(invoice_page)}, follow_redirects=True).get_data(as_text=True)
    assert "Issued as number 1/" in issued
    edit = client.get(url + "/edit", follow_redirects=True).get_data(as_text=True)
    assert "is issued and cannot be changed: issue a credit note to correct it" in edit
    again = client.post(url + "/edit", data=form, follow_redirects=True).get_data(as_text=True)
    assert "cannot be changed" in again
    payment = client.post(url + "/payments", data={"csrf_token": _token(issued), "amount": "999", "date": ""}, follow_redirects=True)
    assert "more than the € 305.00 still due on instalment 1" in payment.get_data(as_text=True)


def test_invoice_from_a_quote_not_accepted_through_the_pages(app: Any, users: dict[str, Any], add_company: Any, api_as: Any) -> None:
    company = add_company("Rossi Srl", users["salesperson"])
    quote = api_as(users["salesperson"]).post("/invoicing/quotes/", json={"company_id": company, "lines": [
        {"description": "Servizio", "unit_price": "10", "vat_rate": "22"}]}).json
    client = login(app.test_client(), users["crm_admin"])
    page = client.get(f"/invoicing/quotes/{quote['id']}").get_data(as_text=True)
    answer = client.post(f"/invoicing/quotes/{quote['id']}/invoice", data={"csrf_token": _token(page)}, follow_redirects=True)
    assert "is draft, not accepted: only an accepted quote becomes an invoice" in answer.get_data(as_text=True)
    assert "No invoices yet" in client.get("/invoicing/invoices/").get_data(as_text=True)


def test_quotes_on_leads_wait_for_the_leads_plugin(users: dict[str, Any], api_as: Any) -> None:
    refused = api_as(users["crm_admin"]).post("/invoicing/quotes/", json={"lead_id": 7, "lines": [
        {"description": "Servizio", "unit_price": "10", "vat_rate": "22"}]})
    assert refused.status_code == 422 and "leads plugin" in str(refused.json)


def test_exports(app: Any, users: dict[str, Any], add_company: Any, api_as: Any) -> None:
    company = add_company("Rossi Srl", users["salesperson"])
    api_as(users["salesperson"]).post("/invoicing/quotes/", json={"company_id": company, "title": "Sito", "lines": [
        {"description": "Servizio", "unit_price": "1000", "vat_rate": "22"}]})
    client = login(app.test_client(), users["crm_admin"])
    response = client.get("/invoicing/quotes/export.csv")
    csv = response.get_data(as_text=True)
    assert "Rossi Srl" in csv and "1220,00" in csv
    assert csv.lstrip("\ufeff").splitlines()[0] == "Number;Date;Valid until;Customer;Subject;State;Taxable;VAT;Total;Salesperson"
    assert 'filename="quotes-' in response.headers["Content-Disposition"]
    xlsx = client.get("/invoicing/quotes/export.xlsx?state=draft")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert load_workbook(io.BytesIO(xlsx.data)).active.title == "Quotes"
    invoices = client.get("/invoicing/invoices/export.csv")
    assert invoices.get_data(as_text=True).lstrip("\ufeff").splitlines()[0] == (
        "Number;Document type;Date;Customer;State;Taxable;VAT;Document total;Amount due;Received;Salesperson")
    assert 'filename="invoices-' in invoices.headers["Content-Disposition"]
    assert load_workbook(io.BytesIO(client.get("/invoicing/invoices/export.xlsx").data)).active.title == "Invoices"
    assert client.get("/invoicing/quotes/?from=notadate").status_code == 400


def test_exports_in_italian(app: Any, users: dict[str, Any], add_company: Any, api_as: Any) -> None:
    from sportello import session

    company = add_company("Rossi Srl", users["salesperson"])
    api_as(users["salesperson"]).post("/invoicing/quotes/", json={"company_id": company, "title": "Sito", "lines": [
        {"description": "Servizio", "unit_price": "1000", "vat_rate": "22"}]})
    with app.app_context():
        session.merge(users["crm_admin"]).language = "it"
        session.commit()
    client = login(app.test_client(), users["crm_admin"])
    quotes = client.get("/invoicing/quotes/export.csv")
    assert quotes.get_data(as_text=True).lstrip("\ufeff").splitlines()[0] == (
        "Numero;Data;Valido fino al;Cliente;Oggetto;Stato;Imponibile;IVA;Totale;Commerciale")
    assert 'filename="preventivi-' in quotes.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(client.get("/invoicing/quotes/export.xlsx").data)).active
    assert sheet.title == "Preventivi" and next(sheet.iter_rows(values_only=True))[:2] == ("Numero", "Data")
    invoices = client.get("/invoicing/invoices/export.csv")
    assert invoices.get_data(as_text=True).lstrip("\ufeff").splitlines()[0] == (
        "Numero;Tipo documento;Data;Cliente;Stato;Imponibile;IVA;Totale documento;Netto a pagare;Incassato;Commerciale")
    assert 'filename="fatture-' in invoices.headers["Content-Disposition"]
    assert load_workbook(io.BytesIO(client.get("/invoicing/invoices/export.xlsx").data)).active.title == "Fatture"


def test_pages_in_italian(app: Any, users: dict[str, Any], add_company: Any) -> None:
    from sportello import session

    with app.app_context():
        user = session.merge(users["crm_admin"])
        user.language = "it"
        session.commit()
    client = login(app.test_client(), users["crm_admin"])
    quotes = client.get("/invoicing/quotes/").get_data(as_text=True)
    assert "Nuovo preventivo" in quotes and "Ancora nessun preventivo" in quotes
    assert "Netto a pagare" not in quotes and "Nuova fattura" in client.get("/invoicing/invoices/").get_data(as_text=True)
    with app.app_context():
        session.merge(users["system_admin"]).language = "it"
        session.commit()
    settings = login(app.test_client(), users["system_admin"]).get("/settings/invoicing").get_data(as_text=True)
    assert "Cedente: ragione sociale" in settings and "Sezionale delle fatture" in settings
    refused = client.post("/invoicing/quotes/new", data={"csrf_token": _token(client.get("/invoicing/quotes/new").get_data(as_text=True)),
                                                         "company_id": "", "line_description": ["Servizio"],
                                                         "line_unit_price": ["dieci"], "line_vat_rate": ["22"]})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Il preventivo non è stato salvato" in text
    assert "Scegli l&#39;azienda o il lead" in text or "Scegli l'azienda o il lead" in text
    assert "Riga 1: Il prezzo unitario non è un numero" in text
