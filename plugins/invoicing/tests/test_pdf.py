"""PDFs carry the data an Italian invoice must show (read back with pdftotext)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta
from typing import Any

import pytest
from sportello.testing import service_missing

SELLER = {"seller_name": "Sportello Consulting S.r.l.", "seller_vat_number": "01234567897", "seller_tax_code": "01234567897",
          "seller_address": "Via Torino 10", "seller_postcode": "10121", "seller_city": "Torino", "seller_province": "TO",
          "seller_pec": "amministrazione@pec.sportello.it", "iban": "IT60X0542811101000000123456"}


def _text(pdf: bytes, tmp_path: Any) -> str:
    if not shutil.which("pdftotext"):
        service_missing("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _configure(app: Any) -> None:
    from sportello import session
    from sportello.core.settings_store import (  # (internal) settings in tests
        save_section,
        settings_sections,
    )

    with app.app_context():
        save_section(session, settings_sections()["invoicing"], SELLER)
        session.commit()


def test_invoice_pdf_has_the_mandatory_data(app: Any, users: dict[str, Any], add_company: Any, api_as: Any, tmp_path: Any) -> None:
    _configure(app)
    company = add_company("Rossi Costruzioni S.p.A.", users["salesperson"], tax_code="00743110157", sdi_code="M5UXCR1")
    admin = api_as(users["crm_admin"])
    draft = admin.post("/invoicing/invoices/", json={"company_id": company, "payment_terms": "30/60", "lines": [
        {"description": "Progettazione impianto", "quantity": "2", "unit": "gg", "unit_price": "450", "vat_rate": "22"},
        {"description": "Pratica esente", "quantity": "1", "unit_price": "100", "vat_rate": "0", "vat_nature": "N4"}]}).json
    invoice = admin.post(f"/invoicing/invoices/{draft['id']}/issue").json
    from sportello.testing import login

    client = login(app.test_client(), users["crm_admin"])
    response = client.get(f"/invoicing/invoices/{invoice['id']}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(_text(response.data, tmp_path).split())
    today = date.today()
    for expected in (
        "FATTURA", f"N. {invoice['number']}", f"Data: {today:%d/%m/%Y}", "TD01",
        "Sportello Consulting S.r.l.", "Partita IVA: 01234567897", "Via Torino 10", "10121 Torino (TO)", "Regime fiscale: RF01",
        "Rossi Costruzioni S.p.A.", "Partita IVA: 00743110157", "Codice fiscale: 00743110157", "Codice destinatario: M5UXCR1",
        "Progettazione impianto", "€ 450,00", "€ 900,00", "IVA 22%", "€ 198,00", "N4 – Esenti",
        "Totale imponibile € 1.000,00", "Totale IVA € 198,00", "Imposta di bollo € 2,00", "Totale documento € 1.200,00",
        f"{today + timedelta(days=30):%d/%m/%Y}", f"{today + timedelta(days=60):%d/%m/%Y}", "Bonifico",
        "IT60X0542811101000000123456", "assolta in modo virtuale",
    ):
        assert expected in text, f"{expected!r} missing from the PDF text:\n{text}"


def test_quote_pdf(app: Any, users: dict[str, Any], add_company: Any, api_as: Any, tmp_path: Any) -> None:
    from sportello.testing import login

    company = add_company("Pastificio Bianchi S.r.l.", users["salesperson"])
    quote = api_as(users["salesperson"]).post("/invoicing/quotes/", json={
        "company_id": company, "title": "Fornitura linea confezionamento", "terms": "Consegna 60 giorni.",
        "lines": [{"description": "Macchina confezionatrice", "unit_price": "12500", "vat_rate": "22", "discount_percent": "5"}]}).json
    response = login(app.test_client(), users["salesperson"]).get(f"/invoicing/quotes/{quote['id']}/pdf")
    text = " ".join(_text(response.data, tmp_path).split())
    for expected in ("PREVENTIVO", quote["number"], "Pastificio Bianchi S.r.l.", "Macchina confezionatrice", "€ 11.875,00",
                     "IVA 22%", "€ 2.612,50", "Totale documento € 14.487,50", "Consegna 60 giorni."):
        assert expected in text, f"{expected!r} missing from the PDF text:\n{text}"


def test_quote_sent_by_email_with_its_pdf_and_kept_as_a_communication(make_app: Any, users: Any, smtp_server: Any) -> None:
    from sqlalchemy import select
    from sportello_companies.models import Communication, Company
    from sportello_companies.validation import name_key
    from sportello_invoicing.models import Quote

    from sportello import session
    from sportello.testing import ApiClient, csrf_token_of, login

    app = make_app(plugins=["companies", "invoicing"], **smtp_server.config())
    from sportello.core.users import create_user

    with app.app_context():
        seller = create_user(email="venditore@rossi.it", name="Venditore", profile_code="salesperson", password="password-123", language="en")
        company = Company(name="Bianchi Srl", name_key=name_key("Bianchi Srl"), email="acquisti@bianchi.it", salesperson_id=seller.id)
        session.add(company)
        session.commit()
        company_id = company.id
    client = login(app.test_client(), seller, password="password-123")
    quote = ApiClient(client).post("/invoicing/quotes/", json={"company_id": company_id, "lines": [
        {"description": "Manutenzione", "quantity": "1", "unit_price": "500", "vat_rate": "22"}]}).json
    response = client.post(f"/invoicing/quotes/{quote['id']}/email", data={"csrf_token": csrf_token_of(client), "recipient": ""})
    assert response.status_code == 302
    [message] = [m for m in smtp_server.messages if m["To"] == "acquisti@bianchi.it"]  # besides the owner's notices
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF")
    with app.app_context():
        assert session.get(Quote, quote["id"]).state == "sent"
        entry = session.scalars(select(Communication).where(Communication.company_id == company_id)).one()
        assert (entry.kind, entry.status, entry.recipient) == ("email", "sent", "acquisti@bianchi.it")
