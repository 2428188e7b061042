"""Communications: e-mail really sent through SMTP, SMS failing cleanly, the timeline."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sportello.testing import ApiClient, login
from sqlalchemy import select


@pytest.fixture
def app(make_app: Callable[..., Any], smtp_server: Any) -> Any:
    """The companies plugin with e-mail going to the loopback SMTP server (no SMS gateway)."""
    return make_app(plugins=["companies"], **smtp_server.config())


def csrf(client: Any, url: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def test_email_is_sent_and_kept_with_its_result(app: Any, users: dict[str, Any], add_company: Any, smtp_server: Any) -> None:
    company_id = add_company("Delta S.r.l.", users["salesperson"], email="info@delta.it")
    client = login(app.test_client(), users["salesperson"])
    url = f"/companies/{company_id}/communications/new"
    response = client.post(url, data={"kind": "email", "direction": "out", "subject": "Offerta", "body": "Buongiorno, ecco l'offerta.",
                                      "recipient": "", "csrf_token": csrf(client, url)})
    assert response.status_code == 302
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "info@delta.it" and message["Subject"] == "Offerta"
    page = client.get(f"/companies/{company_id}").get_data(as_text=True)
    assert "Offerta" in page and "Sent" in page
    entries = ApiClient(client).get(f"/companies/{company_id}/communications/").get_json()["items"]
    assert entries[0]["status"] == "sent" and entries[0]["recipient"] == "info@delta.it"


def test_sms_without_gateway_fails_cleanly_and_is_kept(app: Any, users: dict[str, Any], add_company: Any) -> None:
    company_id = add_company("Epsilon S.r.l.", users["salesperson"], phone="+39 333 1234567")
    api = ApiClient(login(app.test_client(), users["salesperson"]))
    response = api.post(f"/companies/{company_id}/communications/", json={"kind": "sms", "body": "Ci vediamo domani"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "failed" and "SMS is not configured" in body["failure_reason"]
    assert body["recipient"] == "+39 333 1234567"
    client = login(app.test_client(), users["salesperson"])
    page = client.get(f"/companies/{company_id}").get_data(as_text=True)
    assert "Not sent" in page and "SMS is not configured" in page and "Ci vediamo domani" in page and "Send again" in page


def test_missing_text_is_refused_next_to_the_field(app: Any, users: dict[str, Any], add_company: Any) -> None:
    company_id = add_company("Zeta S.r.l.", users["salesperson"])
    client = login(app.test_client(), users["salesperson"])
    url = f"/companies/{company_id}/communications/new"
    response = client.post(url, data={"kind": "email", "direction": "out", "subject": "", "body": "", "recipient": "x@y.it",
                                      "csrf_token": csrf(client, url)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Write the subject of the e-mail." in page and "Write the text." in page and 'value="x@y.it"' in page


def test_timeline_shows_communications_and_events_newest_first(app: Any, users: dict[str, Any]) -> None:
    from sportello import session, utcnow
    from sportello_companies.models import Communication

    api = ApiClient(login(app.test_client(), users["crm_admin"]))
    company_id = api.post("/companies/", json={"name": "Eta S.r.l.", "salesperson_id": users["salesperson"].id}).get_json()["id"]
    with app.app_context():
        session.add(Communication(company_id=company_id, kind="call", subject="Telefonata vecchia", status="recorded",
                                  occurred_at=utcnow() - timedelta(days=3)))
        session.commit()
    api.post(f"/companies/{company_id}/communications/", json={"kind": "other", "subject": "Visita in sede", "body": "Incontro"})
    api.patch(f"/companies/{company_id}", json={"phone": "02 555 1234"})
    page = login(app.test_client(), users["crm_admin"]).get(f"/companies/{company_id}").get_data(as_text=True)
    timeline = page.split('id="h-timeline"')[1]
    order = [timeline.index(text) for text in ("Company updated", "Visita in sede", "Company created", "Telefonata vecchia")]
    assert order == sorted(order)
    with app.app_context():
        assert session.scalar(select(Communication.status).where(Communication.subject == "Visita in sede")) == "recorded"
