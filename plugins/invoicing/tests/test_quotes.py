"""Quotes: numbering, totals, who may create them, states and events, bad input."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from sqlalchemy import func, select


def line(description: str = "Consulenza", quantity: str = "1", unit_price: str = "100", vat_rate: str = "22", **extra: Any) -> dict[str, Any]:
    """A quote or invoice line as the API takes it."""
    return {"description": description, "quantity": quantity, "unit_price": unit_price, "vat_rate": vat_rate, **extra}


def test_quote_numbers_totals_and_created_event(app: Any, users: dict[str, Any], add_company: Any, api_as: Any) -> None:
    company = add_company("Rossi Srl", users["salesperson"])
    api = api_as(users["salesperson"])
    first = api.post("/invoicing/quotes/", json={"company_id": company, "title": "Sito web", "date": "2026-03-02",
                                                        "lines": [line("Sviluppo", "3", "0.15"), line("Hosting", "1", "100", "0", vat_nature="N4")]})
    assert first.status_code == 201, first.json
    body = first.json
    assert body["number"] == "P-2026-0001" and body["state"] == "draft" and body["salesperson_id"] == users["salesperson"].id
    assert (D(body["taxable_total"]), D(body["vat_total"]), D(body["total"])) == (D("100.45"), D("0.10"), D("100.55"))
    assert body["valid_until"] == "2026-04-01"
    second = api.post("/invoicing/quotes/", json={"company_id": company, "date": "2026-05-02", "lines": [line()]})
    assert second.json["number"] == "P-2026-0002"
    with app.app_context():
        from sportello import session
        from sportello.core.events import EventRecord

        events = list(session.scalars(select(EventRecord).where(EventRecord.type == "invoicing.quote_created")))
        assert len(events) == 2
        assert events[0].payload["recipients"] == {"owner": [users["salesperson"].id]}
        assert events[0].payload["title"].startswith("P-2026-0001") and events[0].payload["url"].endswith(f"/quotes/{body['id']}")


def test_salesperson_only_on_their_companies_and_for_themselves(users: dict[str, Any], add_company: Any, api_as: Any) -> None:
    theirs = add_company("Altrui Spa", users["crm_admin"])
    mine = add_company("Mia Srl", users["salesperson"])
    api = api_as(users["salesperson"])
    refused = api.post("/invoicing/quotes/", json={"company_id": theirs, "lines": [line()]})
    assert refused.status_code == 422 and "responsible" in str(refused.json)
    refused = api.post("/invoicing/quotes/", json={"company_id": mine, "salesperson_id": users["crm_admin"].id, "lines": [line()]})
    assert refused.status_code == 422 and "only with yourself" in str(refused.json)
    admin = api_as(users["crm_admin"])
    made = admin.post("/invoicing/quotes/", json={"company_id": mine, "salesperson_id": users["salesperson"].id, "lines": [line()]})
    assert made.status_code == 201


def test_a_quote_stays_editable_when_its_company_passes_to_another_salesperson(
        app: Any, users: dict[str, Any], add_company: Any, api_as: Any) -> None:
    from sportello import session
    from sportello_companies.models import Company

    company = add_company("Passata Srl", users["salesperson"])
    seller = api_as(users["salesperson"])
    quote = seller.post("/invoicing/quotes/", json={"company_id": company, "lines": [line()]}).json
    with app.app_context():
        session.get(Company, company).salesperson_id = users["crm_admin"].id
        session.commit()
    changed = seller.patch(f"/invoicing/quotes/{quote['id']}", json={"title": "Offerta rivista"})
    assert changed.status_code == 200, changed.json
    assert changed.json["title"] == "Offerta rivista"
    other = add_company("Nuova Spa", users["crm_admin"], vat_number="01234567897")
    moved = seller.patch(f"/invoicing/quotes/{quote['id']}", json={"company_id": other})
    assert moved.status_code == 422 and "responsible" in str(moved.json)  # a new customer is still checked


def test_bad_lines_change_nothing(app: Any, users: dict[str, Any], add_company: Any, api_as: Any) -> None:
    company = add_company("Rossi Srl", users["salesperson"])
    api = api_as(users["salesperson"])
    negative = api.post("/invoicing/quotes/", json={"company_id": company, "lines": [line(quantity="-2")]})
    assert negative.status_code == 422 and "cannot be negative" in str(negative.json)
    no_nature = api.post("/invoicing/quotes/", json={"company_id": company, "lines": [line(vat_rate="0")]})
    assert no_nature.status_code == 422 and "nature code" in str(no_nature.json)
    with app.app_context():
        from sportello import session
        from sportello_invoicing.models import Counter, Quote

        assert session.scalar(select(func.count()).select_from(Quote)) == 0
        assert session.scalar(select(func.count()).select_from(Counter)) == 0  # no number was used up


def test_states_and_accept_event(app: Any, users: dict[str, Any], add_company: Any, api_as: Any) -> None:
    company = add_company("Rossi Srl", users["salesperson"])
    api = api_as(users["salesperson"])
    quote = api.post("/invoicing/quotes/", json={"company_id": company, "lines": [line()]}).json
    assert api.post(f"/invoicing/quotes/{quote['id']}/state", json={"state": "sent"}).json["state"] == "sent"
    accepted = api.post(f"/invoicing/quotes/{quote['id']}/accept")
    assert accepted.status_code == 200 and accepted.json["state"] == "accepted"
    again = api.patch(f"/invoicing/quotes/{quote['id']}", json={"title": "changed"})
    assert again.status_code == 422 and "can no longer be changed" in str(again.json)
    back = api.post(f"/invoicing/quotes/{quote['id']}/state", json={"state": "draft"})
    assert back.status_code == 422
    with app.app_context():
        from sportello import session
        from sportello.core.events import EventRecord

        event = session.scalar(select(EventRecord).where(EventRecord.type == "invoicing.quote_accepted"))
        assert event.payload["recipients"] == {"owner": [users["salesperson"].id]}


def test_quote_pages_and_form(users: dict[str, Any], add_company: Any, app: Any) -> None:
    from sportello.testing import login

    company = add_company("Rossi Srl", users["salesperson"])
    client = login(app.test_client(), users["salesperson"])
    page = client.get(f"/invoicing/quotes/new?company_id={company}")
    assert page.status_code == 200
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": token, "company_id": str(company), "title": "Impianto", "date": "2026-02-01", "valid_until": "",
            "line_description": ["Quadro elettrico", ""], "line_quantity": ["2", "1"], "line_unit": ["pz", ""],
            "line_unit_price": ["1.250,00", ""], "line_discount_percent": ["0", "0"], "line_vat_rate": ["0", "22"],
            "line_vat_nature": ["", ""], "notes": "", "terms": ""}
    refused = client.post("/invoicing/quotes/new", data=form)
    assert refused.status_code == 422 and "nature code" in refused.get_data(as_text=True)
    assert "Quadro elettrico" in refused.get_data(as_text=True)  # what was typed is kept
    form["line_vat_rate"] = ["22", "22"]
    saved = client.post("/invoicing/quotes/new", data=form)
    assert saved.status_code == 302
    detail = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "P-2026-0001" in detail and ("3.050,00" in detail or "3,050.00" in detail)
