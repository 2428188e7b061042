"""Payment terms, instalments as deadlines for the CRM admins, payments and states."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any

from sqlalchemy import func, select


def line(description: str = "Consulenza", quantity: str = "1", unit_price: str = "100", vat_rate: str = "22", **extra: Any) -> dict[str, Any]:
    return {"description": description, "quantity": quantity, "unit_price": unit_price, "vat_rate": vat_rate, **extra}


def _issued(api: Any, company: int, terms: str = "30/60/90", when: str | None = None) -> dict[str, Any]:
    draft = api.post("/invoicing/invoices/", json={"company_id": company, "payment_terms": terms,
                                                   **({"date": when} if when else {}), "lines": [line(unit_price="1000")]}).json
    return api.post(f"/invoicing/invoices/{draft['id']}/issue").json


def test_instalments_split_the_amount_due(users: dict[str, Any], add_company: Any, api_as: Any) -> None:
    company = add_company("Rossi Srl", users["salesperson"])
    invoice = _issued(api_as(users["crm_admin"]), company)
    today = date.today()
    assert [(i["days"], i["due_date"], i["amount"]) for i in invoice["instalments"]] == [
        (30, (today + timedelta(days=30)).isoformat(), "406.67"), (60, (today + timedelta(days=60)).isoformat(), "406.67"),
        (90, (today + timedelta(days=90)).isoformat(), "406.66")]


def test_payments_move_the_state_and_overpayment_is_refused(app: Any, users: dict[str, Any], add_company: Any, api_as: Any) -> None:
    company = add_company("Rossi Srl", users["salesperson"])
    admin = api_as(users["crm_admin"])
    invoice = _issued(admin, company, "30/60")
    first, second = invoice["instalments"]
    too_much = admin.post(f"/invoicing/invoices/{invoice['id']}/payments", json={"instalment_id": first["id"], "amount": "610.01"})
    assert too_much.status_code == 422 and "more than the € 610.00 still due" in str(too_much.json)
    paid = admin.post(f"/invoicing/invoices/{invoice['id']}/payments", json={"instalment_id": first["id"], "amount": "610.00"})
    assert paid.status_code == 201, paid.json
    assert admin.get(f"/invoicing/invoices/{invoice['id']}").json["state"] == "partly_paid"
    admin.post(f"/invoicing/invoices/{invoice['id']}/payments", json={"instalment_id": second["id"], "amount": "600"})
    again = admin.post(f"/invoicing/invoices/{invoice['id']}/payments", json={"instalment_id": second["id"], "amount": "10.01"})
    assert again.status_code == 422
    admin.post(f"/invoicing/invoices/{invoice['id']}/payments", json={"amount": "10.00"})  # the first instalment still due
    after = admin.get(f"/invoicing/invoices/{invoice['id']}").json
    assert after["state"] == "paid" and D(after["paid_total"]) == D("1220.00") and len(after["payments"]) == 3
    assert admin.post(f"/invoicing/invoices/{invoice['id']}/payments", json={"amount": "1"}).status_code == 422
    with app.app_context():
        from sportello import session
        from sportello_invoicing.models import Payment

        assert session.scalar(select(func.count()).select_from(Payment)) == 3


def test_overdue_state_deadlines_and_company_tabs(app: Any, users: dict[str, Any], add_company: Any, api_as: Any) -> None:
    from sportello.testing import login

    company = add_company("Rossi Srl", users["salesperson"])
    admin = api_as(users["crm_admin"])
    old = (date.today() - timedelta(days=45)).isoformat()
    late = _issued(admin, company, "30", old)
    assert admin.get(f"/invoicing/invoices/{late['id']}").json["overdue"] is True
    current = _issued(admin, company, "30/60")
    admin.post(f"/invoicing/invoices/{current['id']}/payments", json={"amount": "100"})
    with app.test_request_context():
        from sportello_invoicing.due_dates import deadlines_between

        found = deadlines_between(date.today() - timedelta(days=60), date.today() + timedelta(days=90), None)
        assert [(d.kind, d.record_id) for d in found] == [("invoicing.payment_due", late["id"]),
                                                         ("invoicing.payment_due", current["id"]), ("invoicing.payment_due", current["id"])]
        assert found[0].recipients == {"crm_admins": [users["crm_admin"].id]}
        assert found[0].due == date.today() - timedelta(days=15)
    client = login(app.test_client(), users["crm_admin"])
    listed = client.get("/invoicing/invoices/?state=overdue").get_data(as_text=True)
    assert late["number"] in listed and current["number"] not in listed
    page = client.get(f"/companies/{company}").get_data(as_text=True)
    assert f"/invoicing/companies/{company}/payments" in page and f"/invoicing/companies/{company}/quotes" in page
    payments = client.get(f"/invoicing/companies/{company}/payments").get_data(as_text=True)
    assert current["number"] in payments
    seller = login(app.test_client(), users["salesperson"])
    assert f"/invoicing/companies/{company}/invoices" not in seller.get(f"/companies/{company}").get_data(as_text=True)
    assert seller.get(f"/invoicing/companies/{company}/payments").status_code == 403


def test_deadline_kind_declared(app: Any) -> None:
    from sportello_invoicing import deadline_kinds

    (kind,) = deadline_kinds()
    assert (kind.code, list(kind.default_recipients), kind.days_ahead) == ("invoicing.payment_due", ["crm_admins"], 3)
