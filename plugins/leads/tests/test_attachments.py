"""Files of a lead: the tab on the lead page, visibility by owner, and the move to the
company on conversion (shown in the preview, nothing lost or duplicated)."""

from __future__ import annotations

import io
from typing import Any

from sportello.testing import csrf_token_of, login
from sqlalchemy import select

VALID_PIVA = "00743110157"


def upload(client: Any, entity: str, record_id: int, name: str, data: bytes) -> Any:
    return client.post(f"/attachments/{entity}/{record_id}",
                       headers={"X-CSRFToken": csrf_token_of(client), "HX-Request": "true"},
                       data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_lead_files_follow_the_lead_owner_and_move_on_conversion(
        app: Any, users: dict[str, Any], add_lead: Any, api_as: Any, status_id: Any) -> None:
    seller, other_seller, admin = users["salesperson"], users["salesperson_lists"], users["crm_admin"]
    lead = add_lead("Allegati Srl", seller, "acquired", vat_number=VALID_PIVA)
    seller_client = login(app.test_client(), seller)

    page = seller_client.get(f"/leads/{lead}").get_data(as_text=True)
    assert f"/attachments/leads.lead/{lead}" in page
    assert upload(seller_client, "leads.lead", lead, "visura camerale.pdf", b"%PDF visura").status_code == 200
    assert upload(seller_client, "leads.lead", lead, "foto stand.jpg", b"\xff\xd8\xff").status_code == 200

    # The variant profile sees every lead in lists but opens only its own: not the files either.
    other = login(app.test_client(), other_seller)
    assert other.get(f"/attachments/leads.lead/{lead}").status_code == 404

    preview = login(app.test_client(), admin).get(f"/leads/{lead}/convert").get_data(as_text=True)
    assert "2 attached files move to the company." in preview

    done = api_as(admin).post(f"/leads/{lead}/convert", json={})
    assert done.status_code == 201, done.json
    company_id = done.json["id"]

    with app.app_context():
        from sportello import Attachment, session

        rows = session.execute(select(Attachment.entity, Attachment.record_id, Attachment.name)
                               .order_by(Attachment.name)).all()
    assert rows == [("companies.company", company_id, "foto stand.jpg"),
                    ("companies.company", company_id, "visura camerale.pdf")]
    company_tab = seller_client.get(f"/attachments/companies.company/{company_id}").get_data(as_text=True)
    assert "visura camerale.pdf" in company_tab and "foto stand.jpg" in company_tab
    assert "No files attached yet." in seller_client.get(f"/attachments/leads.lead/{lead}").get_data(as_text=True)


def test_a_failed_conversion_leaves_the_files_on_the_lead(
        app: Any, users: dict[str, Any], add_lead: Any, api_as: Any) -> None:
    seller, admin = users["salesperson"], users["crm_admin"]
    lead = add_lead("Ancora Lead Srl", seller, "negotiation", vat_number=VALID_PIVA)
    upload(login(app.test_client(), seller), "leads.lead", lead, "offerta.pdf", b"%PDF")
    refused = api_as(admin).post(f"/leads/{lead}/convert", json={})
    assert refused.status_code == 409
    with app.app_context():
        from sportello import Attachment, session

        assert session.execute(select(Attachment.entity, Attachment.record_id)).all() == [("leads.lead", lead)]


def test_the_conversion_page_says_what_moved_over(
        app: Any, users: dict[str, Any], add_lead: Any, api_as: Any) -> None:
    seller, admin = users["salesperson"], users["crm_admin"]
    lead = add_lead("Riepilogo Srl", seller, "acquired", vat_number=VALID_PIVA)
    api_as(admin).post(f"/leads/{lead}/contacts/", json={"last_name": "Bianchi", "email": "bianchi@example.it"})
    upload(login(app.test_client(), seller), "leads.lead", lead, "offerta.pdf", b"%PDF")
    client = login(app.test_client(), admin)
    done = client.post(f"/leads/{lead}/convert", data={"csrf_token": csrf_token_of(client), "company_id": ""},
                       follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "Riepilogo Srl is now a company. Moved over: 1 contact person, 1 attached file." in page
