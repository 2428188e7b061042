"""The reference table of visibility on the list page, the detail page, the API, search and export."""

from __future__ import annotations

from typing import Any

from sportello.testing import Channels, Record, check_visibility_table

CHANNELS = {"list_page": "/leads/", "detail_page": "/leads/{id}", "api_list": "/api/v1/leads/",
            "api_detail": "/api/v1/leads/{id}", "search": True}


def test_visibility_table(app: Any, users: dict[str, Any], add_lead: Any) -> None:
    records = {
        "of_salesperson": Record(add_lead("Sole Prospetto Srl", users["salesperson"]), "Sole Prospetto Srl"),
        "of_lists": Record(add_lead("Luna Elenchi Spa", users["salesperson_lists"]), "Luna Elenchi Spa"),
        "of_admin": Record(add_lead("Stella Direzione Snc", users["crm_admin"]), "Stella Direzione Snc"),
    }
    everything = set(records)
    check_visibility_table(app, users, records, Channels(**CHANNELS, export="/leads/export.csv"), {
        "salesperson": ({"of_salesperson"}, {"of_salesperson"}),
        "salesperson_lists": (everything, {"of_lists"}),
        "crm_admin": (everything, everything),
        "system_admin": (everything, everything),
    })


def test_others_see_nothing(app: Any, users: dict[str, Any], add_lead: Any) -> None:
    from sportello.testing import login

    add_lead("Invisibile Srl", users["salesperson"])
    for profile in ("project_manager", "assignee"):
        client = login(app.test_client(), users[profile])
        assert client.get("/leads/").status_code == 403
        assert ">Invisibile Srl<" not in client.get("/search", query_string={"q": "Invisibile"}).get_data(as_text=True)


def test_lists_profile_cannot_edit_others(app: Any, users: dict[str, Any], add_lead: Any, api_as: Any) -> None:
    other = add_lead("Altrui Srl", users["salesperson"])
    api = api_as(users["salesperson_lists"])
    assert api.patch(f"/leads/{other}", json={"name": "Preso"}).status_code in (403, 404)
    from sportello.testing import login

    assert login(app.test_client(), users["salesperson_lists"]).get(f"/leads/{other}/edit").status_code == 404


def test_permissions_of_the_profiles(app: Any, users: dict[str, Any]) -> None:
    with app.app_context():
        for code in ("leads.convert", "leads.import"):
            assert users["crm_admin"].can(code) and users["system_admin"].can(code)
            assert not users["salesperson"].can(code) and not users["salesperson_lists"].can(code)
        assert users["salesperson"].can("leads.create")
        assert not users["assignee"].can("leads.view")
