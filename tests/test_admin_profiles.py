"""Profiles administration: copies, permissions that change the menu, scopes, deletion,
and the rule that someone can always manage users and profiles."""

from __future__ import annotations

from typing import Any

import pytest
from sportello.testing import csrf_token_of, login
from sqlalchemy import select
from werkzeug.datastructures import MultiDict


def post(client: Any, path: str, data: Any, **kwargs: Any) -> Any:
    if isinstance(data, dict):
        data = {"csrf_token": csrf_token_of(client), **data}
    else:
        data = MultiDict([("csrf_token", csrf_token_of(client)), *data])
    return client.post(path, data=data, **kwargs)


def profile(app: Any, code: str | None = None, name: str | None = None) -> Any:
    from sportello.core.db import current_session
    from sportello.core.identity import Profile

    with app.app_context():
        session = current_session()
        query = select(Profile).where(Profile.code == code) if code else select(Profile).where(Profile.name == name)
        found = session.scalar(query)
        if found is None:
            return None
        return {"id": found.id, "code": found.code, "codes": set(found.permission_codes()), "scopes": {s.section: s.scope for s in found.scopes}, "standard": found.standard}


def form_of(data: dict[str, Any], codes: set[str], scopes: dict[str, str] | None = None) -> list[tuple[str, str]]:
    pairs = [(k, v) for k, v in data.items()]
    pairs += [("permission", code) for code in sorted(codes)]
    pairs += [(f"scope-{k}", v) for k, v in (scopes or {}).items()]
    return pairs


def test_a_salesperson_cannot_open_the_profiles_pages(app: Any, users: dict[str, Any]) -> None:
    seller = login(app.test_client(), users["salesperson"])
    assert seller.get("/admin/profiles").status_code == 403
    assert seller.get("/admin/profiles/new").status_code == 403
    assert seller.get(f"/admin/profiles/{profile(app, 'salesperson')['id']}").status_code == 403


def test_list_shows_standard_profiles_and_user_counts(admin_client: Any) -> None:
    html = admin_client.get("/admin/profiles").get_data(as_text=True)
    assert "System administrator" in html
    assert "Salesperson (sees all lists)" in html
    assert "Standard" in html


def test_custom_profile_by_copy_then_a_permission_changes_the_menu(admin_client: Any, app: Any, users: dict[str, Any]) -> None:
    seller_profile = profile(app, "salesperson")
    bad = post(admin_client, "/admin/profiles/new", {"name": "", "source": seller_profile["id"]})
    assert 'id="f-name-error"' in bad.get_data(as_text=True)

    created = post(admin_client, "/admin/profiles/new", {"name": "Senior seller", "source": seller_profile["id"]})
    assert created.status_code == 302
    copy = profile(app, name="Senior seller")
    assert copy["standard"] is False and copy["codes"] == seller_profile["codes"]

    # give the salesperson the new profile, then tick "See the installed modules"
    from sportello.core.db import current_session
    from sportello.core.identity import User

    with app.app_context():
        current_session().get(User, users["salesperson"].id).profile_id = copy["id"]
        current_session().commit()
    seller = login(app.test_client(), users["salesperson"])
    assert 'href="/modules"' not in seller.get("/").get_data(as_text=True)

    saved = post(admin_client, f"/admin/profiles/{copy['id']}", form_of({"name": "Senior seller", "description": "Sees modules", "start_page": "/"}, copy["codes"] | {"core.plugins"}))
    assert saved.status_code == 302
    assert "core.plugins" in profile(app, name="Senior seller")["codes"]
    assert 'href="/modules"' in seller.get("/").get_data(as_text=True)  # the same session, no stale cache
    assert seller.get("/modules").status_code == 200


def test_bad_profile_input_keeps_values_and_marks_fields(admin_client: Any, app: Any) -> None:
    post(admin_client, "/admin/profiles/new", {"name": "Temp", "source": profile(app, "assignee")["id"]})
    temp = profile(app, name="Temp")
    response = post(admin_client, f"/admin/profiles/{temp['id']}", form_of({"name": "Temp 2", "description": "typed", "start_page": "no-slash"}, {"core.plugins"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="no-slash"' in html and 'id="f-start-error"' in html
    assert 'value="Temp 2"' in html and ">typed</textarea>" in html
    assert 'value="core.plugins" id="p-core.plugins" checked' in html
    assert profile(app, name="Temp")["codes"] == temp["codes"]


@pytest.mark.plugins("example")
def test_scopes_are_saved(make_app: Any, example_plugins: list[str]) -> None:
    from sportello.core.users import create_user

    app = make_app(plugins=["example"])
    with app.app_context():
        admin = create_user(email="admin@example.test", name="Admin", profile_code="system_admin", password="password-123", language="en")
    client = login(app.test_client(), admin, password="password-123")
    target = profile(app, "assignee")
    page = client.get(f"/admin/profiles/{target['id']}").get_data(as_text=True)
    assert 'name="scope-example"' in page
    assert "Notes" in page
    response = post(client, f"/admin/profiles/{target['id']}", form_of({"description": ""}, {"example.view"}, {"example": "list"}))
    assert response.status_code == 302
    saved = profile(app, "assignee")
    assert saved["scopes"]["example"] == "list"
    assert "example.view" in saved["codes"]
    bad = post(client, f"/admin/profiles/{target['id']}", form_of({}, set(), {"example": "everything"}))
    assert bad.status_code == 200 and "is-invalid" in bad.get_data(as_text=True)
    assert profile(app, "assignee")["scopes"]["example"] == "list"


def test_removing_admin_permissions_from_the_last_admin_profile_is_refused(admin_client: Any, app: Any) -> None:
    admin_profile = profile(app, "system_admin")
    response = post(admin_client, f"/admin/profiles/{admin_profile['id']}", form_of({"description": "x"}, admin_profile["codes"] - {"core.profiles"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "no active user could manage users and profiles" in html
    assert profile(app, "system_admin")["codes"] == admin_profile["codes"]

    # once another profile's active user holds both, the change is allowed
    crm = profile(app, "crm_admin")
    assert post(admin_client, f"/admin/profiles/{crm['id']}", form_of({}, crm["codes"] | {"core.users", "core.profiles"})).status_code == 302
    assert post(admin_client, f"/admin/profiles/{admin_profile['id']}", form_of({}, admin_profile["codes"] - {"core.profiles"})).status_code == 302


def test_deletion_rules(admin_client: Any, app: Any, users: dict[str, Any]) -> None:
    standard = profile(app, "assignee")
    refused = post(admin_client, f"/admin/profiles/{standard['id']}/delete", {}, follow_redirects=True)
    assert "Standard profiles cannot be deleted." in refused.get_data(as_text=True)
    assert profile(app, "assignee") is not None

    post(admin_client, "/admin/profiles/new", {"name": "Short lived", "source": standard["id"]})
    custom = profile(app, name="Short lived")
    from sportello.core.db import current_session
    from sportello.core.identity import User

    with app.app_context():
        current_session().get(User, users["assignee"].id).profile_id = custom["id"]
        current_session().commit()
    in_use = post(admin_client, f"/admin/profiles/{custom['id']}/delete", {}, follow_redirects=True)
    assert "still assigned to some users" in in_use.get_data(as_text=True)
    assert profile(app, name="Short lived") is not None

    with app.app_context():
        current_session().get(User, users["assignee"].id).profile_id = standard["id"]
        current_session().commit()
    assert post(admin_client, f"/admin/profiles/{custom['id']}/delete", {}).status_code == 302
    assert profile(app, name="Short lived") is None
