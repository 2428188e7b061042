"""Events: on save, the owner and every invitee get an e-mail with an .ics invitation."""

from typing import Any

from sportello.testing import ApiClient, login


def test_event_invitation_with_ics(make_app: Any, smtp_server: Any) -> None:
    from sportello import Actor, acting_as, session
    from sportello.core.users import create_user
    from sportello_companies.models import Company

    app = make_app(plugins=["companies", "projects"], **smtp_server.config())
    with app.app_context(), acting_as(Actor(user_id=None, channel="test")):
        admin = create_user(email="crm@example.test", name="Crm", profile_code="crm_admin", password="password-123", language="en")
        guest = create_user(email="guest@example.test", name="Guest", profile_code="assignee", password="password-123", language="it")
        company = Company(name="Acme", name_key="acme")
        session.add(company)
        session.commit()
        company_id, guest_id = company.id, guest.id
    api = ApiClient(login(app.test_client(), admin, password="password-123"))
    bad = api.post("/projects/events/", json={"title": "Kick-off", "company_id": company_id,
                                                    "starts_at": "2026-12-01T10:00:00+01:00", "ends_at": "2026-12-01T09:00:00+01:00"})
    assert bad.status_code == 422 and "before the start" in bad.get_data(as_text=True)
    made = api.post("/projects/events/", json={"title": "Kick-off", "company_id": company_id, "place": "Milano",
                                                     "starts_at": "2026-12-01T10:00:00+01:00", "ends_at": "2026-12-01T11:00:00+01:00",
                                                     "invitee_ids": [guest_id]})
    assert made.status_code == 201, made.get_data(as_text=True)
    invitations = [m for m in smtp_server.messages if "invito.ics" in m.as_string()]
    assert sorted(m["To"] for m in invitations) == ["crm@example.test", "guest@example.test"]
    ics = next(invitations[0].iter_attachments())
    assert ics.get_content_type() == "text/calendar"
    assert b"METHOD:REQUEST" in ics.get_payload(decode=True)
    # The "event created" notification rule (owner, invitees) sends its notices too.
    assert len(smtp_server.messages) > len(invitations)
    guest_page = login(app.test_client(), type("U", (), {"email": "guest@example.test"})(), password="password-123")
    assert guest_page.get(f"/projects/events/{made.json['id']}").status_code == 200
