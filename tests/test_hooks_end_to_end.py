"""Every hook the core calls, exercised end to end through the example test plugins."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from sportello.core.cli import cli
from sportello.testing import ApiClient, csrf_token_of, login


@pytest.fixture
def people(notes_app: Any) -> dict[str, Any]:
    from sportello.core.types import STANDARD_PROFILES
    from sportello.core.users import create_user

    with notes_app.app_context():
        return {
            code: create_user(email=f"{code}@example.com", name=code.title(), profile_code=code, password="password-123", language="en")
            for code in STANDARD_PROFILES
        }


def signed_in(app: Any, user: Any) -> Any:
    return login(app.test_client(), user, password="password-123")


def write_note(app: Any, user: Any, title: str, body: str = "text") -> int:
    api = ApiClient(signed_in(app, user))
    response = api.post("/notes/", json={"title": title, "body": body})
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_blueprint_menu_and_permissions(notes_app: Any, people: dict[str, Any]) -> None:
    admin = signed_in(notes_app, people["system_admin"])
    html = admin.get("/").get_data(as_text=True)
    assert 'href="/notes/"' in html
    assert 'href="/settings/example"' in html  # admin-group entry with URL values
    assert admin.get("/notes/").status_code == 200
    assert 'href="/import"' in html  # the admin may import notes
    assignee = signed_in(notes_app, people["assignee"])
    assert 'href="/notes/"' not in assignee.get("/").get_data(as_text=True)
    assert 'href="/import"' not in assignee.get("/").get_data(as_text=True)
    assert assignee.get("/notes/").status_code == 403


def test_visibility_rules_apply_to_pages_api_and_search(notes_app: Any, people: dict[str, Any]) -> None:
    mine = write_note(notes_app, people["salesperson"], "Offerta Bianchi")
    theirs = write_note(notes_app, people["crm_admin"], "Offerta Verdi")
    seller = signed_in(notes_app, people["salesperson"])
    listing = seller.get("/notes/").get_data(as_text=True)
    assert "Offerta Bianchi" in listing and "Offerta Verdi" not in listing
    assert seller.get(f"/notes/{mine}").status_code == 200
    assert seller.get(f"/notes/{theirs}").status_code == 404
    api = ApiClient(seller)
    assert api.get(f"/notes/{theirs}").status_code == 404
    assert [n["title"] for n in api.get("/notes/").json["items"]] == ["Offerta Bianchi"]
    found = seller.get("/search?q=Offerta").get_data(as_text=True)
    assert "Offerta Bianchi" in found and "Offerta Verdi" not in found
    admin_found = signed_in(notes_app, people["system_admin"]).get("/search?q=Offerta").get_data(as_text=True)
    assert "Offerta Bianchi" in admin_found and "Offerta Verdi" in admin_found


def test_record_tabs_from_two_plugins_and_published_hook(notes_app: Any, people: dict[str, Any]) -> None:
    note = write_note(notes_app, people["system_admin"], "Riunione", body="Ordine del giorno")
    admin = signed_in(notes_app, people["system_admin"])
    html = admin.get(f"/notes/{note}").get_data(as_text=True)
    assert html.index('id="tab-text"') < html.index('id="tab-history"')
    assert f'hx-get="/notes/{note}/text"' in html
    assert ">3</span>" in html  # the tab count
    assert ">extra</span>" in html  # from example_extra through example's own hookspec
    assert "Ordine del giorno" in admin.get(f"/notes/{note}/text").get_data(as_text=True)


def test_dashboard_widget_and_page_slot(notes_app: Any, people: dict[str, Any]) -> None:
    write_note(notes_app, people["system_admin"], "Prima nota")
    admin = signed_in(notes_app, people["system_admin"])
    home = admin.get("/").get_data(as_text=True)
    assert "Latest notes" in home
    assert 'hx-get="/notes/widget"' in home
    assert "notes on" in home
    assert "Prima nota" in admin.get("/notes/widget").get_data(as_text=True)
    assignee_home = signed_in(notes_app, people["assignee"]).get("/").get_data(as_text=True)
    assert "Latest notes" not in assignee_home


def test_plugin_settings_validate_and_persist(notes_app: Any, people: dict[str, Any]) -> None:
    admin = signed_in(notes_app, people["system_admin"])
    token = csrf_token_of(admin)
    bad = admin.post("/settings/example", data={"csrf_token": token, "default_colour": "green", "max_length": "3"})
    assert bad.status_code == 200
    assert "is-invalid" in bad.get_data(as_text=True)
    good = admin.post("/settings/example", data={"csrf_token": token, "default_colour": "blue", "max_length": "800", "shared": "on"})
    assert good.status_code == 302
    with notes_app.app_context():
        from sportello import get_setting

        assert get_setting("example", "default_colour") == "blue"
        assert get_setting("example", "max_length") == 800
        assert get_setting("example", "shared") is True
    crm = signed_in(notes_app, people["crm_admin"])
    assert crm.get("/settings/example").status_code == 404


def test_api_pagination_filters_and_openapi(notes_app: Any, people: dict[str, Any]) -> None:
    for number in range(5):
        write_note(notes_app, people["system_admin"], f"Nota {number}")
    api = ApiClient(signed_in(notes_app, people["system_admin"]))
    first = api.get("/notes/?limit=2&sort=-id").json
    assert [n["title"] for n in first["items"]] == ["Nota 4", "Nota 3"]
    second = api.get(f"/notes/?limit=2&sort=-id&cursor={first['next_cursor']}").json
    assert [n["title"] for n in second["items"]] == ["Nota 2", "Nota 1"]
    last = api.get(f"/notes/?limit=2&sort=-id&cursor={second['next_cursor']}").json
    assert [n["title"] for n in last["items"]] == ["Nota 0"] and last["next_cursor"] is None
    assert [n["title"] for n in api.get("/notes/?title=ta 3").json["items"]] == ["Nota 3"]
    bad_sort = api.get("/notes/?sort=password")
    assert bad_sort.status_code == 400
    assert bad_sort.json["detail"].startswith("cannot sort by 'password'")
    assert bad_sort.mimetype == "application/problem+json"
    bad_body = api.post("/notes/", json={"body": "no title"})
    assert bad_body.status_code == 422
    assert "title" in bad_body.json["errors"]["json"]
    spec = notes_app.test_client().get("/api/v1/openapi.json").json
    assert "/api/v1/notes/" in spec["paths"]
    assert "/api/v1/me" in spec["paths"]


def test_translation_dirs_of_plugins_are_merged(notes_app: Any, people: dict[str, Any]) -> None:
    italian = people["salesperson"]
    with notes_app.app_context():
        from sportello import session

        session.get(type(italian), italian.id).language = "it"
        session.commit()
    html = signed_in(notes_app, italian).get("/").get_data(as_text=True)
    assert "Appunti" in html


def test_cli_commands_of_plugins(notes_app: Any, people: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    write_note(notes_app, people["system_admin"], "Una")
    monkeypatch.setenv("SPORTELLO_DATABASE_URL", notes_app.config["DATABASE_URL"])
    monkeypatch.setenv("SPORTELLO_PLUGINS", "example,example_extra")
    result = CliRunner().invoke(cli, ["notes-count"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 notes"
    listing = CliRunner().invoke(cli, ["--help"])
    assert "notes-count" in listing.output


def test_a_second_cli_run_in_one_process_uses_its_own_database(
        make_app: Any, example_plugins: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from sportello.core.users import create_user

    counts = []
    for notes in (1, 3):
        app = make_app(plugins=example_plugins)
        with app.app_context():
            owner = create_user(email=f"cli{notes}@example.it", name="Cli", profile_code="system_admin",
                                password="password-123")
        for index in range(notes):
            write_note(app, owner, f"Nota {index}")
        monkeypatch.setenv("SPORTELLO_DATABASE_URL", app.config["DATABASE_URL"])
        monkeypatch.setenv("SPORTELLO_PLUGINS", "example,example_extra")
        counts.append(CliRunner().invoke(cli, ["notes-count"]).output.strip())
    assert counts == ["1 notes", "3 notes"]


def test_demo_data_runs_in_dependency_order(make_app: Any, example_plugins: list[str]) -> None:
    from sqlalchemy import select

    from sportello.core.demo import load_demo

    app = make_app(plugins=example_plugins)
    with app.app_context():
        report = load_demo(app)
        assert report.created
        from sportello import session

        titles = session.scalars(select(__import__("sportello_example.models").models.Note.title)).all()
        assert "Demo note of salesperson" in titles
        assert not load_demo(app).created  # a second run adds nothing
