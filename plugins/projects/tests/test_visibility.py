"""The reference visibility table, on pages, API and search, for every profile."""

from typing import Any

from sportello.testing import Channels, Record, check_visibility_table, login

PROJECTS = Channels(list_page="/projects/", detail_page="/projects/{id}", api_list="/api/v1/projects/",
                    api_detail="/api/v1/projects/{id}")
ACTIVITIES = Channels(list_page="/projects/activities/?state=any", detail_page="/projects/activities/{id}",
                      api_list="/api/v1/projects/activities/", api_detail="/api/v1/projects/activities/{id}")


def _records(world: dict[str, Any], keys: dict[str, str]) -> dict[str, Record]:
    return {key: Record(world[key], label) for key, label in keys.items()}


def test_projects_table(app: Any, users: dict[str, Any], world: dict[str, Any]) -> None:
    records = _records(world, {"p_pm": "Zeta managed", "p_other": "Omega other", "p_group": "Kappa group"})
    everything = set(records)
    check_visibility_table(app, users, records, PROJECTS, {
        "system_admin": (everything, everything),
        "crm_admin": (everything, everything),
        "project_manager": ({"p_pm"}, {"p_pm"}),
        "salesperson": ({"p_pm"}, set()),          # their company's project: listed, never opened
        "salesperson_lists": (set(), set()),
    })
    # The assignee has no projects at all: the section is closed.
    client = login(app.test_client(), users["assignee"])
    assert client.get("/projects/").status_code == 403
    assert client.get(f"/projects/{world['p_group']}").status_code == 403


def test_activities_table(app: Any, users: dict[str, Any], world: dict[str, Any]) -> None:
    records = _records(world, {"a_pm": "Alpha of pm", "a_direct": "Bravo assigned", "a_group": "Charlie group",
                               "a_none": "Delta nobody"})
    everything = set(records)
    check_visibility_table(app, users, records, ACTIVITIES, {
        "system_admin": (everything, everything),
        "crm_admin": (everything, everything),
        "project_manager": ({"a_pm"}, {"a_pm"}),
        "assignee": ({"a_direct", "a_group"}, {"a_direct", "a_group"}),
        "salesperson": ({"a_pm"}, set()),
        "salesperson_lists": (set(), set()),
    })


def test_attachment_download_follows_the_activity(app: Any, users: dict[str, Any], world: dict[str, Any]) -> None:
    url = f"/projects/attachments/{world['attachment']}"
    assert login(app.test_client(), users["assignee"]).get(url).data == b"hello"
    assert login(app.test_client(), users["crm_admin"]).get(url).status_code == 200
    for profile in ("project_manager", "salesperson", "salesperson_lists"):
        assert login(app.test_client(), users[profile]).get(url).status_code == 404, profile
    assert login(app.test_client(), users["crm_admin"]).get("/projects/attachments/999999").status_code == 404


def test_rules_have_reasons(app: Any, users: dict[str, Any]) -> None:
    from sportello_projects.access import rules

    with app.app_context():
        for profile, user in users.items():
            for entity in ("projects.project", "projects.activity", "projects.event"):
                for rule in rules(entity, user, "list"):
                    assert rule.reason, (profile, entity)
