"""The reference table of visibility, on the list page, the detail page, the API, search and export."""

from __future__ import annotations

from typing import Any

from sportello.testing import Channels, Record, check_visibility_table

CHANNELS = dict(list_page="/companies/", detail_page="/companies/{id}", api_list="/api/v1/companies/",
                api_detail="/api/v1/companies/{id}", search=True)


def test_visibility_table(app: Any, users: dict[str, Any], add_company: Any) -> None:
    records = {
        "of_salesperson": Record(add_company("Sole Commerciale Srl", users["salesperson"]), "Sole Commerciale Srl"),
        "of_lists": Record(add_company("Luna Elenchi Spa", users["salesperson_lists"]), "Luna Elenchi Spa"),
        "of_admin": Record(add_company("Stella Direzione Snc", users["crm_admin"]), "Stella Direzione Snc"),
        "unassigned": Record(add_company("Nessuno Sas", None), "Nessuno Sas"),
    }
    everything = set(records)
    check_visibility_table(app, users, records, Channels(**CHANNELS, export="/companies/export.csv"), {
        "salesperson": ({"of_salesperson"}, {"of_salesperson"}),
        "salesperson_lists": (everything, {"of_lists"}),
        "crm_admin": (everything, everything),
        "system_admin": (everything, everything),
    })
    # Project managers and assignees open the section but see no company (and export nothing).
    check_visibility_table(app, users, records, Channels(**CHANNELS), {
        "project_manager": (set(), set()),
        "assignee": (set(), set()),
    })


def test_permissions_of_the_profiles(app: Any, users: dict[str, Any]) -> None:
    with app.app_context():
        assert users["crm_admin"].can("companies.import") and users["system_admin"].can("companies.import")
        assert not users["salesperson"].can("companies.import") and not users["salesperson_lists"].can("companies.import")
        assert not users["salesperson"].can("companies.delete")
        assert not users["assignee"].can("companies.create")
