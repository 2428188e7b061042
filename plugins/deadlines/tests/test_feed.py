"""The personal iCal feed: exactly the user's deadlines, behind a secret that can be replaced."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from icalendar import Calendar

from sportello.testing import csrf_token_of, login

FEED_URL = re.compile(r'id="dl-feed-url" type="text" readonly value="([^"]+)"')


def new_feed_url(client: Any) -> str:
    response = client.post("/deadlines/feed", data={"csrf_token": csrf_token_of(client)})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    match = FEED_URL.search(response.get_data(as_text=True))
    assert match, "the new feed address is not shown"
    return match.group(1)


def fetch(app: Any, url: str) -> Any:
    return app.test_client().get(url.removeprefix(app.config["BASE_URL"].rstrip("/")))


def events(response: Any) -> dict[str, Any]:
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_holds_exactly_the_users_deadlines(app: Any, users: dict[str, Any], add_note: Any, today: date) -> None:
    mine = add_note(users["salesperson"], "Richiamare Rossi", today + timedelta(days=3))
    add_note(users["salesperson"], "Passata da poco", today - timedelta(days=20))
    add_note(users["salesperson"], "Troppo vecchia", today - timedelta(days=40))
    add_note(users["salesperson"], "Troppo lontana", today + timedelta(days=400))
    add_note(users["crm_admin"], "Rinnovo Verdi", today + timedelta(days=3))

    url = new_feed_url(login(app.test_client(), users["salesperson"]))
    assert url.startswith(app.config["BASE_URL"].rstrip("/") + "/deadlines/feed/") and url.endswith(".ics")
    found = events(fetch(app, url))  # no cookie: the secret in the URL is the only credential
    assert set(found) == {"Richiamare Rossi", "Passata da poco"}
    event = found["Richiamare Rossi"]
    assert event.decoded("DTSTART") == today + timedelta(days=3)  # a date: an all-day event
    assert not hasattr(event.decoded("DTSTART"), "hour")
    assert str(event["URL"]) == app.config["BASE_URL"].rstrip("/") + f"/notes/{mine}"
    assert "example.note_due" in str(event["DESCRIPTION"])
    assert str(event["UID"]) == f"example.note_due-example.note-{mine}-{(today + timedelta(days=3)).isoformat()}@127.0.0.1"
    assert str(events(fetch(app, url))["Richiamare Rossi"]["UID"]) == str(event["UID"])  # stable

    admin = events(fetch(app, new_feed_url(login(app.test_client(), users["crm_admin"]))))
    assert {"Richiamare Rossi", "Rinnovo Verdi", "Passata da poco"} <= set(admin)
    assert "Troppo lontana" not in admin and "Troppo vecchia" not in admin


def test_regenerating_invalidates_the_old_address(app: Any, users: dict[str, Any], add_note: Any, today: date) -> None:
    add_note(users["salesperson"], "Richiamare Rossi", today)
    client = login(app.test_client(), users["salesperson"])
    page = client.get("/deadlines/feed").get_data(as_text=True)
    assert "Create my feed address" in page and "data-confirm" not in page
    first = new_feed_url(client)
    assert fetch(app, first).status_code == 200
    page = client.get("/deadlines/feed").get_data(as_text=True)
    assert first not in page  # kept only as a hash: shown once
    assert "Regenerate the address" in page and "data-confirm=" in page
    second = new_feed_url(client)
    assert second != first
    assert fetch(app, first).status_code == 404
    assert "Richiamare Rossi" in events(fetch(app, second))


def test_unknown_tokens_inactive_users_and_lost_permissions_get_404(app: Any, users: dict[str, Any]) -> None:
    from sqlalchemy import delete

    from sportello import session
    from sportello.core.identity import ProfilePermission, User

    assert app.test_client().get("/deadlines/feed/not-a-real-token.ics").status_code == 404
    seller = new_feed_url(login(app.test_client(), users["salesperson"]))
    assignee = new_feed_url(login(app.test_client(), users["assignee"]))
    assert fetch(app, seller).status_code == 200 and fetch(app, assignee).status_code == 200
    with app.app_context():
        session.get(User, users["salesperson"].id).active = False
        session.execute(
            delete(ProfilePermission).where(
                ProfilePermission.profile_id == users["assignee"].profile_id, ProfilePermission.code == "deadlines.view"
            )
        )
        session.commit()
    assert fetch(app, seller).status_code == 404
    assert fetch(app, assignee).status_code == 404


def test_the_feed_speaks_the_users_language(app: Any, users: dict[str, Any], add_note: Any, today: date) -> None:
    from sportello import session
    from sportello.core.identity import User

    with app.app_context():
        session.get(User, users["salesperson"].id).language = "it"
        session.commit()
    add_note(users["salesperson"], "Richiamare Rossi", today)
    calendar = Calendar.from_ical(fetch(app, new_feed_url(login(app.test_client(), users["salesperson"]))).data)
    assert str(calendar["X-WR-CALNAME"]).startswith("Scadenze")
    assert [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")] == ["Richiamare Rossi"]
