"""Invoices: from a quote or from scratch, issuing with gap-free numbering (also under
concurrency on PostgreSQL), frozen customer data, tax options, credit notes, bad input."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select


def line(description: str = "Consulenza", quantity: str = "1", unit_price: str = "100", vat_rate: str = "22", **extra: Any) -> dict[str, Any]:
    """A quote or invoice line as the API takes it."""
    return {"description": description, "quantity": quantity, "unit_price": unit_price, "vat_rate": vat_rate, **extra}


def _accepted_quote(api: Any, company: int) -> dict[str, Any]:
    quote = api.post("/invoicing/quotes/", json={"company_id": company, "lines": [
        line("Analisi", "10", "80", unit="h"), line("Licenza", "1", "500", discount_percent="10")]}).json
    api.post(f"/invoicing/quotes/{quote['id']}/accept")
    return quote


def test_invoice_from_an_accepted_quote_issued_and_frozen(app: Any, users: dict[str, Any], add_company: Any, api_as: Any) -> None:
    company = add_company("Rossi Srl", users["salesperson"])
    admin = api_as(users["crm_admin"])
    quote = _accepted_quote(api_as(users["salesperson"]), company)
    draft = admin.post(f"/invoicing/quotes/{quote['id']}/invoice")
    assert draft.status_code == 201, draft.json
    invoice = draft.json
    assert invoice["quote_id"] == quote["id"] and invoice["state"] == "draft" and invoice["number"] == ""
    assert [l["description"] for l in invoice["lines"]] == ["Analisi", "Licenza"]
    assert D(invoice["total"]) == D(quote["total"]) == D("1525.00")
    assert admin.post(f"/invoicing/quotes/{quote['id']}/invoice").status_code == 422  # only one invoice per quote
    issued = admin.post(f"/invoicing/invoices/{invoice['id']}/issue").json
    year = date.today().year
    assert issued["number"] == f"1/{year}" and issued["state"] == "issued"
    assert issued["customer"]["name"] == "Rossi Srl" and issued["customer"]["vat_number"] == "00743110157"
    assert [i["days"] for i in issued["instalments"]] == [30]
    # The company changes name: the issued invoice keeps the data of the day it was issued.
    admin.patch(f"/companies/{company}", json={"name": "Rossi Nuova Srl"})
    assert admin.get(f"/invoicing/invoices/{invoice['id']}").json["customer"]["name"] == "Rossi Srl"


def test_invoice_from_a_quote_not_accepted_is_refused(app: Any, users: dict[str, Any], add_company: Any, api_as: Any) -> None:
    company = add_company("Rossi Srl", users["salesperson"])
    quote = api_as(users["salesperson"]).post("/invoicing/quotes/", json={"company_id": company, "lines": [line()]}).json
    refused = api_as(users["crm_admin"]).post(f"/invoicing/quotes/{quote['id']}/invoice")
    assert refused.status_code == 422 and "not accepted" in str(refused.json)
    with app.app_context():
        from sportello import session
        from sportello_invoicing.models import Invoice

        assert session.scalar(select(func.count()).select_from(Invoice)) == 0


def test_salespeople_make_no_invoices(users: dict[str, Any], add_company: Any, api_as: Any) -> None:
    company = add_company("Rossi Srl", users["salesperson"])
    quote = _accepted_quote(api_as(users["salesperson"]), company)
    assert api_as(users["salesperson"]).post(f"/invoicing/quotes/{quote['id']}/invoice").status_code == 403
    assert api_as(users["salesperson"]).get("/invoicing/invoices/").status_code == 403


def test_editing_an_issued_invoice_is_refused(users: dict[str, Any], add_company: Any, api_as: Any) -> None:
    company = add_company("Rossi Srl", users["salesperson"])
    admin = api_as(users["crm_admin"])
    invoice = admin.post("/invoicing/invoices/", json={"company_id": company, "lines": [line()]}).json
    assert admin.patch(f"/invoicing/invoices/{invoice['id']}", json={"notes": "ok"}).status_code == 200
    admin.post(f"/invoicing/invoices/{invoice['id']}/issue")
    refused = admin.patch(f"/invoicing/invoices/{invoice['id']}", json={"lines": [line(unit_price="1")]})
    assert refused.status_code == 422 and "only a credit note" in str(refused.json) or "credit note" in str(refused.json)
    after = admin.get(f"/invoicing/invoices/{invoice['id']}").json
    assert D(after["total"]) == D("122.00") and after["notes"] == "ok"
    note = admin.post(f"/invoicing/invoices/{invoice['id']}/credit-note").json
    assert note["document_type"] == "TD04" and note["related_invoice_id"] == invoice["id"]
    issued = admin.post(f"/invoicing/invoices/{note['id']}/issue").json
    assert issued["number"] == f"NC 1/{date.today().year}"  # its own sequence


def test_numbering_per_sequence_and_year_without_gaps(app: Any, users: dict[str, Any], add_company: Any, api_as: Any) -> None:
    company = add_company("Rossi Srl", users["salesperson"])
    with app.app_context():
        from sportello import session
        from sportello_invoicing import services

        admin = session.merge(users["crm_admin"])
        numbers = []
        for day in (date(2025, 12, 30), date(2026, 1, 2), date(2026, 1, 3)):
            draft = services.save_invoice(None, {"company_id": company, "lines": [line()], "date": day}, admin)
            numbers.append(services.issue(draft.id, admin, on=day).number)
        bad = services.save_invoice(None, {"company_id": company, "lines": [line()]}, admin)
        bad.payment_terms = "x"
        session.commit()
        with pytest.raises(ValueError):
            services.issue(bad.id, admin, on=date(2026, 1, 4))
        session.rollback()
        draft = services.save_invoice(None, {"company_id": company, "lines": [line()]}, admin)
        numbers.append(services.issue(draft.id, admin, on=date(2026, 1, 5)).number)
    assert numbers == ["1/2025", "1/2026", "2/2026", "3/2026"]  # the failed issue gave its number back


def test_tax_options_and_pa_data(users: dict[str, Any], add_company: Any, api_as: Any) -> None:
    pa = add_company("Comune di Castelverde", users["salesperson"], public_administration=True, pa_code="UFX7Q2", vat_number=None, tax_code="80012345678")
    private = add_company("Studio Conti", users["salesperson"])
    admin = api_as(users["crm_admin"])
    invoice = admin.post("/invoicing/invoices/", json={"company_id": pa, "cig": "Z1A2B3C4D5", "cup": "J11B22000000001",
                                                              "order_reference": "DET-45", "lines": [line(unit_price="1000")]}).json
    assert invoice["split_payment"] is True  # PA default
    assert (D(invoice["total"]), D(invoice["amount_due"])) == (D("1220.00"), D("1000.00"))
    refused = admin.post("/invoicing/invoices/", json={"company_id": private, "cig": "Z1A2B3C4D5", "lines": [line()]})
    assert refused.status_code == 422 and "public administrations" in str(refused.json)
    both = admin.post("/invoicing/invoices/", json={"company_id": private, "split_payment": True, "reverse_charge": True,
                                                           "lines": [line(vat_rate="0", vat_nature="N6.7")]})
    assert both.status_code == 422 and "cannot be used together" in str(both.json)
    rc = admin.post("/invoicing/invoices/", json={"company_id": private, "reverse_charge": True,
                                                         "lines": [line(unit_price="5000", vat_rate="0", vat_nature="N6.7")]}).json
    assert (D(rc["vat_total"]), D(rc["stamp_duty"])) == (D("0.00"), D("0.00"))
    pro = admin.post("/invoicing/invoices/", json={"company_id": private, "withholding_rate": "20", "withholding_type": "RT01",
                                                          "withholding_reason": "A", "lines": [line(unit_price="1000", withholding=True),
                                                          line("Marca da bollo spese", "1", "100", "0", vat_nature="N1")]}).json
    assert (D(pro["withholding_amount"]), D(pro["stamp_duty"]), D(pro["total"]), D(pro["amount_due"])) == (
        D("200.00"), D("2.00"), D("1322.00"), D("1122.00"))


def test_fifty_concurrent_issues_get_numbers_1_to_50(app: Any, users: dict[str, Any], add_company: Any) -> None:
    db = app.extensions["sportello"].db
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks (SELECT ... FOR UPDATE) are tested on PostgreSQL; SQLite serialises writers")
    company = add_company("Rossi Srl", users["salesperson"])
    with app.app_context():
        from sportello import session
        from sportello_invoicing import services

        admin = session.merge(users["crm_admin"])
        drafts = [services.save_invoice(None, {"company_id": company, "lines": [line()]}, admin).id for _ in range(50)]
    barrier = threading.Barrier(50)
    failures: list[BaseException] = []

    issuer = SimpleNamespace(id=users["crm_admin"].id)

    def issue(invoice_id: int) -> None:
        try:
            barrier.wait(timeout=30)  # all together, then each in its own session and transaction
            with app.app_context():
                from sportello_invoicing import services

                services.issue(invoice_id, issuer)
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=issue, args=(i,)) for i in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures, failures
    with app.app_context():
        from sportello import session
        from sportello_invoicing.models import Invoice

        numbers = sorted(session.scalars(select(Invoice.sequence_number).where(Invoice.id.in_(drafts))))
    assert numbers == list(range(1, 51))


def test_dates_follow_the_numbers(app: Any, users: dict[str, Any], add_company: Any) -> None:
    from datetime import timedelta

    from flask_babel import force_locale

    company = add_company("Rossi Srl", users["salesperson"])
    with app.app_context(), force_locale("en"):  # the messages in English (the office's language is Italian)
        from sportello import session
        from sportello_invoicing import services

        admin = session.merge(users["crm_admin"])
        today = date.today()
        first = services.issue(services.save_invoice(None, {"company_id": company, "lines": [line()]}, admin).id, admin, on=today)
        draft = services.save_invoice(None, {"company_id": company, "lines": [line()]}, admin)
        if today.timetuple().tm_yday > 1:  # the day before is in the same yearly sequence
            with pytest.raises(services.Refused, match="dated later"):
                services.issue(draft.id, admin, on=today - timedelta(days=1))
            session.rollback()
        with pytest.raises(services.Refused, match="future"):
            services.issue(draft.id, admin, on=today + timedelta(days=1))
        session.rollback()
        assert services.issue(draft.id, admin).sequence_number == first.sequence_number + 1
        assert services.format_number("FT-{year}", 7, 2026, "FT") == "7/2026"
