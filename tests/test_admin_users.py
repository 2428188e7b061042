"""Users administration: permissions, forms that keep input, last-admin protection, units
and hourly costs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sportello.testing import csrf_token_of, login
from sqlalchemy import select


def english(client: Any) -> Any:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def post(client: Any, path: str, data: dict[str, Any], **kwargs: Any) -> Any:
    return client.post(path, data={"csrf_token": csrf_token_of(client), **data}, **kwargs)


def db_user(app: Any, email: str) -> Any:
    from sportello.core.db import current_session
    from sportello.core.identity import find_user_by_email

    with app.app_context():
        user = find_user_by_email(current_session(), email)
        if user is not None:
            current_session().expunge(user)
        return user


def profile_id(app: Any, code: str) -> int:
    from sportello.core.db import current_session
    from sportello.core.identity import Profile

    with app.app_context():
        return current_session().scalar(select(Profile.id).where(Profile.code == code))


def new_user_data(app: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "name": "Anna Verdi",
        "email": "anna.verdi@example.test",
        "phone": "+39 333 1234567",
        "language": "en",
        "profile_id": profile_id(app, "salesperson"),
        "unit_id": "",
        "start_page": "",
        "active": "y",
        "password": "a-long-password",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("path", ["/admin/users", "/admin/users/new", "/admin/units", "/admin/hourly-costs"])
def test_a_salesperson_cannot_open_the_users_pages(app: Any, users: dict[str, Any], path: str) -> None:
    seller = login(app.test_client(), users["salesperson"])
    assert seller.get(path).status_code == 403
    assert seller.get(f"/admin/users/{users['assignee'].id}").status_code == 403


def test_list_searches_and_filters(admin_client: Any, app: Any, users: dict[str, Any]) -> None:
    html = admin_client.get("/admin/users").get_data(as_text=True)
    for user in users.values():
        assert user.email in html
    found = admin_client.get("/admin/users?q=PROJECT").get_data(as_text=True)
    assert users["project_manager"].email in found
    assert users["assignee"].email not in found
    by_profile = admin_client.get(f"/admin/users?profile={profile_id(app, 'assignee')}").get_data(as_text=True)
    assert users["assignee"].email in by_profile
    assert users["salesperson"].email not in by_profile
    none = admin_client.get("/admin/users?q=nobody-at-all").get_data(as_text=True)
    assert "No user matches" in none
    assert admin_client.get("/admin/users?active=0").get_data(as_text=True).count('data-href="/admin/users/') == 0


def test_create_user_with_bad_input_keeps_values_and_marks_fields(admin_client: Any, app: Any) -> None:
    response = post(
        admin_client,
        "/admin/users/new",
        new_user_data(app, email="not-an-address", phone="call me", start_page="crm", password="short"),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="not-an-address"' in html
    assert 'value="call me"' in html
    assert 'value="Anna Verdi"' in html
    for field in ("email", "phone", "start_page", "password"):
        assert f'id="{field}-error"' in html, field
    assert html.count("is-invalid") >= 4
    assert db_user(app, "not-an-address") is None


def test_create_user_with_and_without_password(admin_client: Any, app: Any) -> None:
    response = post(admin_client, "/admin/users/new", new_user_data(app))
    assert response.status_code == 302
    user = db_user(app, "anna.verdi@example.test")
    assert user.phone == "+39 333 1234567"
    assert user.password_hash and user.password_hash != "a-long-password"
    assert login(app.test_client(), user, password="a-long-password")

    post(admin_client, "/admin/users/new", new_user_data(app, email="nopass@example.test", password=""))
    assert db_user(app, "nopass@example.test").password_hash is None


def test_duplicate_email_is_refused_without_case(admin_client: Any, app: Any, users: dict[str, Any]) -> None:
    taken = users["assignee"].email.upper()
    response = post(admin_client, "/admin/users/new", new_user_data(app, email=taken))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Another user already has this e-mail address." in html
    assert f'value="{taken}"' in html

    edit = post(admin_client, f"/admin/users/{users['salesperson'].id}", new_user_data(app, email=taken))
    assert "Another user already has this e-mail address." in edit.get_data(as_text=True)
    assert db_user(app, users["salesperson"].email).name == users["salesperson"].name


def test_edit_user_and_units(admin_client: Any, app: Any, users: dict[str, Any]) -> None:
    assert "No units yet" in admin_client.get("/admin/units").get_data(as_text=True)
    assert post(admin_client, "/admin/units", {"name": "Milano office"}).status_code == 302
    again = post(admin_client, "/admin/units", {"name": "milano OFFICE"})
    assert "A unit with this name already exists." in again.get_data(as_text=True)
    from sportello.core.db import current_session
    from sportello.core.identity import Unit

    with app.app_context():
        unit_id = current_session().scalar(select(Unit.id))
    seller = users["salesperson"]
    response = post(
        admin_client,
        f"/admin/users/{seller.id}",
        new_user_data(app, name="Luca Renamed", email=seller.email, unit_id=unit_id, start_page="/crm", language="it"),
    )
    assert response.status_code == 302
    user = db_user(app, seller.email)
    assert (user.name, user.unit_id, user.start_page, user.language) == ("Luca Renamed", unit_id, "/crm", "it")
    assert "Milano office" in admin_client.get("/admin/users").get_data(as_text=True)


def test_deactivate_and_reactivate(admin_client: Any, app: Any, users: dict[str, Any]) -> None:
    seller = users["salesperson"]
    page = admin_client.get(f"/admin/users/{seller.id}").get_data(as_text=True)
    assert "data-confirm=" in page
    assert post(admin_client, f"/admin/users/{seller.id}/active", {"active": "0"}).status_code == 302
    assert db_user(app, seller.email).active is False
    post(admin_client, f"/admin/users/{seller.id}/active", {"active": "1"})
    assert db_user(app, seller.email).active is True


def test_an_admin_cannot_deactivate_themselves(admin_client: Any, app: Any, users: dict[str, Any]) -> None:
    admin = users["system_admin"]
    response = post(admin_client, f"/admin/users/{admin.id}/active", {"active": "0"}, follow_redirects=True)
    assert "You cannot deactivate yourself." in response.get_data(as_text=True)
    edit = post(admin_client, f"/admin/users/{admin.id}", new_user_data(app, email=admin.email, name=admin.name, profile_id=profile_id(app, "system_admin"), active=""))
    assert "You cannot deactivate yourself." in edit.get_data(as_text=True)
    assert db_user(app, admin.email).active is True


def test_the_last_system_admin_cannot_lose_the_profile(admin_client: Any, app: Any, users: dict[str, Any]) -> None:
    admin = users["system_admin"]
    data = new_user_data(app, email=admin.email, name="Renamed admin", profile_id=profile_id(app, "crm_admin"))
    response = post(admin_client, f"/admin/users/{admin.id}", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "no active user could manage users and profiles" in html
    assert 'value="Renamed admin"' in html
    assert 'id="profile_id-error"' in html
    user = db_user(app, admin.email)
    assert (user.name, user.profile_id) == (admin.name, profile_id(app, "system_admin"))

    # with a second administrator the same change is allowed
    post(admin_client, "/admin/users/new", new_user_data(app, email="second@example.test", profile_id=profile_id(app, "system_admin")))
    assert post(admin_client, f"/admin/users/{admin.id}", data).status_code == 302
    assert db_user(app, admin.email).profile_id == profile_id(app, "crm_admin")


def test_the_last_system_admin_cannot_be_deactivated(app: Any, users: dict[str, Any]) -> None:
    from sportello.core.db import current_session
    from sportello.core.identity import User
    from sportello.core.profiles import LastAdminError
    from sportello.core.users import set_user_active

    with app.app_context():
        session = current_session()
        admin = session.get(User, users["system_admin"].id)
        with pytest.raises(LastAdminError):
            set_user_active(session, admin, False)
        assert session.get(User, users["system_admin"].id).active is True


def test_hourly_cost_on_a_date(app: Any, users: dict[str, Any]) -> None:
    from sportello.core.db import current_session
    from sportello.core.users import UserError, add_hourly_cost, hourly_cost_on

    user_id = users["assignee"].id
    with app.app_context():
        session = current_session()
        assert hourly_cost_on(session, user_id, date(2025, 1, 1)) is None
        add_hourly_cost(session, user_id, date(2025, 1, 1), Decimal("30.00"))
        add_hourly_cost(session, user_id, date(2025, 7, 1), Decimal("35.50"))
        assert hourly_cost_on(session, user_id, date(2024, 12, 31)) is None
        assert hourly_cost_on(session, user_id, date(2025, 1, 1)) == Decimal("30.00")
        assert hourly_cost_on(session, user_id, date(2025, 6, 30)) == Decimal("30.00")
        assert hourly_cost_on(session, user_id, date(2025, 7, 1)) == Decimal("35.50")
        assert hourly_cost_on(session, user_id, date(2030, 1, 1)) == Decimal("35.50")
        assert hourly_cost_on(session, users["salesperson"].id, date(2030, 1, 1)) is None
        with pytest.raises(UserError):
            add_hourly_cost(session, user_id, date(2025, 7, 1), Decimal(40))


@pytest.mark.parametrize(("text", "expected"), [("35,50", "35.50"), ("35.50", "35.50"), ("35", "35.00"), ("0,5", "0.50"),
                                                      ("1.234,50", "1234.50"), ("€ 40", "40.00")])
def test_amounts_accept_comma_and_point(text: str, expected: str) -> None:
    from sportello.core.users import parse_amount

    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["0", "0,00", "-3", "35,505", "1,2,3", "abc", "", "NaN"])
def test_bad_amounts_are_refused(text: str) -> None:
    from sportello.core.users import UserError, parse_amount

    with pytest.raises(UserError):
        parse_amount(text)


def test_crm_admin_sets_hourly_costs_on_the_user_page(app: Any, users: dict[str, Any]) -> None:
    from sportello.core.db import current_session
    from sportello.core.users import hourly_cost_on

    crm = english(login(app.test_client(), users["crm_admin"]))
    target = users["assignee"]
    assert crm.get("/admin/users").status_code == 403
    assert target.name in crm.get("/admin/hourly-costs").get_data(as_text=True)
    page = crm.get(f"/admin/users/{target.id}").get_data(as_text=True)
    assert "No hourly cost yet" in page
    assert 'name="email"' not in page  # no user editing without core.users

    bad = post(crm, f"/admin/users/{target.id}/costs", {"amount": "35,555", "valid_from": "2025-03-01"})
    html = bad.get_data(as_text=True)
    assert 'value="35,555"' in html and 'id="amount-error"' in html

    ok = post(crm, f"/admin/users/{target.id}/costs", {"amount": "35,50", "valid_from": "2025-03-01"})
    assert ok.status_code == 302
    twice = post(crm, f"/admin/users/{target.id}/costs", {"amount": "40", "valid_from": "2025-03-01"})
    assert "already has a cost from this date" in twice.get_data(as_text=True)
    with app.app_context():
        assert hourly_cost_on(current_session(), target.id, date(2025, 3, 2)) == Decimal("35.50")
    seller = login(app.test_client(), users["salesperson"])
    assert post(seller, f"/admin/users/{target.id}/costs", {"amount": "1", "valid_from": "2025-04-01"}).status_code == 403
