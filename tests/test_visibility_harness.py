"""The visibility harness plugins use for their part of the reference table."""

from __future__ import annotations

from typing import Any

import pytest

from sportello.testing import ApiClient, Channels, Record, check_visibility_table, login

NOTES = Channels(list_page="/notes/", detail_page="/notes/{id}", api_list="/api/v1/notes/", api_detail="/api/v1/notes/{id}")


@pytest.fixture
def app(make_app: Any, example_plugins: list[str]) -> Any:
    return make_app(plugins=example_plugins)


@pytest.fixture
def notes(app: Any, users: dict[str, Any]) -> dict[str, Record]:
    made = {}
    for key, author in [("seller", "salesperson"), ("crm", "crm_admin"), ("admin", "system_admin")]:
        title = f"Nota di {key} 7731"
        made[key] = Record(ApiClient(login(app.test_client(), users[author])).post("/notes/", json={"title": title}).json["id"], title)
    return made


def test_the_example_table_holds_on_every_channel(app: Any, users: dict[str, Any], notes: dict[str, Record]) -> None:
    everything = set(notes)
    check_visibility_table(
        app,
        users,
        notes,
        NOTES,
        {
            "salesperson": ({"seller"}, {"seller"}),
            "crm_admin": (everything, everything),
            "system_admin": (everything, everything),
        },
    )


def test_a_wrong_table_is_reported_with_every_difference(app: Any, users: dict[str, Any], notes: dict[str, Record]) -> None:
    with pytest.raises(AssertionError) as caught:
        check_visibility_table(app, users, notes, NOTES, {"salesperson": ({"seller", "crm"}, {"seller", "crm"})})
    message = str(caught.value)
    assert "profile salesperson" in message
    assert "list page: crm missing" in message
    assert "API list: crm missing" in message
    assert "search: crm not found" in message
    assert "page of crm: 404, expected 200" in message
