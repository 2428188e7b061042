"""The calendar: month, week and list views, visibility per user, navigation, menu."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from sportello.testing import login


def page(client: Any, **args: str) -> str:
    response = client.get("/deadlines/", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("view", ["month", "week", "list"])
def test_each_view_shows_the_users_deadlines_and_not_others(
    app: Any, users: dict[str, Any], add_note: Any, today: date, view: str
) -> None:
    mine = add_note(users["salesperson"], "Richiamare Rossi", today)
    theirs = add_note(users["crm_admin"], "Rinnovo Verdi", today)
    seller = page(login(app.test_client(), users["salesperson"]), view=view)
    assert "Richiamare Rossi" in seller and f'href="/notes/{mine}"' in seller
    assert "Rinnovo Verdi" not in seller and f'href="/notes/{theirs}"' not in seller
    assert "Note due" in seller  # the label the example plugin declares in deadline_kinds()
    admin = page(login(app.test_client(), users["crm_admin"]), view=view)
    assert "Richiamare Rossi" in admin and "Rinnovo Verdi" in admin
    nothing = page(login(app.test_client(), users["assignee"]), view=view)  # notes are not theirs to see
    assert "Richiamare Rossi" not in nothing and "No deadlines in this period" in nothing


def test_overdue_deadlines_carry_a_badge(app: Any, users: dict[str, Any], add_note: Any, today: date) -> None:
    add_note(users["salesperson"], "Scaduta ieri", today - timedelta(days=1))
    add_note(users["salesperson"], "In scadenza domani", today + timedelta(days=1))
    client = login(app.test_client(), users["salesperson"])
    for anchor in {today - timedelta(days=1), today + timedelta(days=1)}:
        html = page(client, view="list", date=anchor.isoformat())
        if "Scaduta ieri" in html:
            item = html.split("Scaduta ieri", 1)[1].split("</li>", 1)[0]
            assert "Overdue" in item
        if "In scadenza domani" in html:
            item = html.split("In scadenza domani", 1)[1].split("</li>", 1)[0]
            assert "Overdue" not in item


def test_navigation_moves_by_month_and_by_week(app: Any, users: dict[str, Any], add_note: Any) -> None:
    add_note(users["salesperson"], "Fine marzo", date(2031, 3, 20))
    add_note(users["salesperson"], "Inizio aprile", date(2031, 4, 2))
    client = login(app.test_client(), users["salesperson"])

    march = page(client, view="month", date="2031-03-15")
    assert "March 2031" in march
    assert "Fine marzo" in march
    assert "Inizio aprile" in march  # the grid shows whole weeks: 2 April is in the last row
    assert 'href="/deadlines/?view=month&amp;date=2031-02-01"' in march
    assert 'href="/deadlines/?view=month&amp;date=2031-04-01"' in march
    assert 'href="/deadlines/?view=month"' in march  # today
    assert 'href="/deadlines/?view=week&amp;date=2031-03-15"' in march  # switch view, same date

    listing = page(client, view="list", date="2031-03-15")
    assert "Fine marzo" in listing and "Inizio aprile" not in listing  # the list is the month only
    assert page(client, view="list", date="2031-04-01").count("Inizio aprile") == 1

    week = page(client, view="week", date="2031-03-19")  # Babel's "en" (no territory) starts on Monday
    assert "Mar 17, 2031 – Mar 23, 2031" in week
    assert "Fine marzo" in week and "Inizio aprile" not in week
    assert 'href="/deadlines/?view=week&amp;date=2031-03-12"' in week
    assert 'href="/deadlines/?view=week&amp;date=2031-03-26"' in week

    assert page(client, view="nonsense", date="not-a-date")  # falls back to this month


def test_italian_weeks_start_on_monday_with_italian_names(app: Any, users: dict[str, Any], add_note: Any) -> None:
    from sportello import session
    from sportello.core.identity import User

    with app.app_context():
        session.get(User, users["salesperson"].id).language = "it"
        session.commit()
    add_note(users["salesperson"], "Fine marzo", date(2031, 3, 20))
    client = login(app.test_client(), users["salesperson"])
    week = page(client, view="week", date="2031-03-19")
    assert "17/03/2031 – 23/03/2031" in week
    month = page(client, view="month", date="2031-03-15")
    assert "Marzo 2031" in month
    header = month.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert header.index("Lunedì") < header.index("Domenica")
    assert "Scadenze" in month
    listing = page(client, view="list", date="2031-03-15")
    assert "Giovedì" in listing and "20/03/2031" in listing


def test_menu_entry_needs_the_permission(app: Any, users: dict[str, Any]) -> None:
    from sqlalchemy import delete

    from sportello import session
    from sportello.core.identity import ProfilePermission

    for profile, user in users.items():
        client = login(app.test_client(), user)
        assert 'href="/deadlines/"' in client.get("/").get_data(as_text=True), profile
    with app.app_context():
        session.execute(
            delete(ProfilePermission).where(
                ProfilePermission.profile_id == users["assignee"].profile_id, ProfilePermission.code == "deadlines.view"
            )
        )
        session.commit()
    client = login(app.test_client(), users["assignee"])
    assert 'href="/deadlines/"' not in client.get("/").get_data(as_text=True)
    assert client.get("/deadlines/").status_code == 403
    assert client.get("/deadlines/feed").status_code == 403


def test_pages_have_no_inline_scripts_or_styles(app: Any, users: dict[str, Any], add_note: Any, today: date) -> None:
    add_note(users["salesperson"], "Pagina pulita", today)
    client = login(app.test_client(), users["salesperson"])
    for html in (page(client, view="month"), page(client, view="week"), page(client, view="list"), client.get("/deadlines/feed").get_data(as_text=True)):
        assert "style=" not in html
        assert "<script>" not in html and "<script " not in html.replace('<script src="', "")
