"""The reference visibility table, on pages, API and search, for every profile."""

from typing import Any

from sportello.testing import Channels, Record, check_visibility_table, login

PROJECTS = Channels(list_page="/projects/", detail_page="/projects/{id}", api_list="/api/v1/projects/",
                    api_detail="/api/v1/projects/{id}", export="/projects/export.csv")
ACTIVITIES = Channels(list_page="/projects/activities/?state=any", detail_page="/projects/activities/{id}",
                      api_list="/api/v1/projects/activities/", api_detail="/api/v1/projects/activities/{id}",
                      export="/projects/activities/export.csv?state=any")
EVENTS = Channels(list_page="/projects/events/", detail_page="/projects/events/{id}", api_list="/api/v1/projects/events/",
                  api_detail="/api/v1/projects/events/{id}", export="/projects/events/export.csv")


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
    assert client.get("/projects/export.xlsx").status_code == 403


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
    # "My activities" (and its export): only what is assigned to the user, even for who sees more.
    mine = Channels(list_page="/projects/activities/mine?state=any", export="/projects/activities/mine/export.csv?state=any",
                    search=False)
    check_visibility_table(app, users, records, mine, {
        "assignee": ({"a_direct", "a_group"}, set()),
        "project_manager": (set(), set()),
        "crm_admin": (set(), set()),
    })


def _events(app: Any, users: dict[str, Any], world: dict[str, Any]) -> dict[str, Record]:
    """Upcoming events: of the project manager, with the assignee invited, of the managed
    project by someone else, of another project, with the salesperson invited."""
    from datetime import timedelta

    from sportello import Actor, acting_as, session, utcnow
    from sportello_projects.models import Event

    soon = utcnow() + timedelta(days=3)
    admin = users["crm_admin"].id
    specs = {
        "pm_owned": ("Golf pm owned", world["ours"], world["p_pm"], users["project_manager"].id, []),
        "invited": ("Hotel invited", world["theirs"], None, admin, [users["assignee"].id]),
        "pm_project": ("India of managed project", world["ours"], world["p_pm"], admin, []),
        "theirs": ("Juliet theirs", world["theirs"], world["p_other"], admin, []),
        "seller_invited": ("Kilo with seller", world["theirs"], None, admin, [users["salesperson"].id]),
    }
    made = {}
    with app.app_context(), acting_as(Actor(user_id=None, channel="test")):
        from sportello.core.identity import User

        for key, (title, company, project, owner, invited) in specs.items():
            event = Event(title=title, company_id=company, project_id=project, owner_id=owner, place="", description="",
                          starts_at=soon, ends_at=soon + timedelta(hours=1))
            event.invitees = [session.get(User, i) for i in invited]
            session.add(event)
            session.flush()
            made[key] = Record(event.id, title)
        session.commit()
    return made


def test_events_table(app: Any, users: dict[str, Any], world: dict[str, Any]) -> None:
    records = _events(app, users, world)
    everything = set(records)
    check_visibility_table(app, users, records, EVENTS, {
        "system_admin": (everything, everything),
        "crm_admin": (everything, everything),
        "project_manager": ({"pm_owned", "pm_project"}, {"pm_owned", "pm_project"}),
        "assignee": ({"invited"}, {"invited"}),
        # the events of their companies in lists only; the one they are invited to, opened
        "salesperson": ({"pm_owned", "pm_project", "seller_invited"}, {"seller_invited"}),
        "salesperson_lists": (set(), set()),
    })


def test_company_page_tabs_per_profile(app: Any, users: dict[str, Any], world: dict[str, Any]) -> None:
    """The tabs of a company answer only to who may open the company, and list what the
    user may list there, linking only what they may open."""
    tabs = ("projects", "activities", "events")
    labels = {"ours": {"projects": "Zeta managed", "activities": "Alpha of pm", "events": "Echo meeting"},
              "theirs": {"projects": "Omega other", "activities": "Bravo assigned", "events": None}}
    links = {"projects": "/projects/{}", "activities": "/projects/activities/{}", "events": "/projects/events/{}"}
    ids = {"projects": {"ours": world["p_pm"], "theirs": world["p_other"]},
           "activities": {"ours": world["a_pm"], "theirs": world["a_direct"]},
           "events": {"ours": world["event"], "theirs": None}}
    table = {  # profile: {company: None (404) or whether its rows are linked}
        "system_admin": {"ours": True, "theirs": True},
        "crm_admin": {"ours": True, "theirs": True},
        "salesperson": {"ours": False, "theirs": None},
        "salesperson_lists": {"ours": None, "theirs": None},
        "project_manager": {"ours": None, "theirs": None},
        "assignee": {"ours": None, "theirs": None},
    }
    problems = []
    for profile, companies in table.items():
        client = login(app.test_client(), users[profile])
        for company, linked in companies.items():
            company_page = client.get(f"/companies/{world[company]}")
            for tab in tabs:
                response = client.get(f"/projects/company/{world[company]}/{tab}")
                if linked is None:
                    # the assignee's profile has no projects at all: the tab is closed (403)
                    expected = 403 if (profile, tab) == ("assignee", "projects") else 404
                    if response.status_code != expected:
                        problems.append(f"{profile} {company} {tab}: {response.status_code}, expected {expected}")
                    continue
                text = response.get_data(as_text=True)
                if f"/projects/company/{world[company]}/{tab}" not in company_page.get_data(as_text=True):
                    problems.append(f"{profile} {company}: no {tab} tab on the company page")
                label = labels[company][tab]
                if label and label not in text:
                    problems.append(f"{profile} {company} {tab}: {label} missing")
                if label and (links[tab].format(ids[tab][company]) + '"' in text) != linked:
                    problems.append(f"{profile} {company} {tab}: {label} {'not ' if linked else ''}linked")
    assert not problems, "\n".join(problems)
    # What the salesperson may not list does not show on their company's tabs either.
    seller = login(app.test_client(), users["salesperson"])
    assert "Omega other" not in seller.get(f"/projects/company/{world['ours']}/projects").get_data(as_text=True)


def test_attachment_download_follows_the_activity(app: Any, users: dict[str, Any], world: dict[str, Any]) -> None:
    url = f"/projects/attachments/{world['attachment']}"
    assert login(app.test_client(), users["assignee"]).get(url).data == b"hello"
    assert login(app.test_client(), users["crm_admin"]).get(url).status_code == 200
    for profile in ("project_manager", "salesperson", "salesperson_lists"):
        assert login(app.test_client(), users[profile]).get(url).status_code == 404, profile
    assert login(app.test_client(), users["crm_admin"]).get("/projects/attachments/999999").status_code == 404


def test_project_attachment_download(app: Any, users: dict[str, Any], world: dict[str, Any]) -> None:
    from sportello import Actor, acting_as, session
    from sportello_projects.models import Attachment

    with app.app_context(), acting_as(Actor(user_id=None, channel="test")):
        attachment = Attachment(project_id=world["p_pm"], name="contratto.pdf", content_type="application/pdf", size=4,
                                data=b"%PDF")
        session.add(attachment)
        session.commit()
        url = f"/projects/attachments/{attachment.id}"
    for profile in ("project_manager", "crm_admin", "system_admin"):
        assert login(app.test_client(), users[profile]).get(url).data == b"%PDF", profile
    # Listing the project (the salesperson) is not reading it; nor is working on its activities.
    for profile in ("salesperson", "salesperson_lists", "assignee"):
        assert login(app.test_client(), users[profile]).get(url).status_code == 404, profile


def test_rules_have_reasons(app: Any, users: dict[str, Any]) -> None:
    from sportello_projects.access import rules

    with app.app_context():
        for profile, user in users.items():
            for entity in ("projects.project", "projects.activity", "projects.event"):
                for rule in rules(entity, user, "list"):
                    assert rule.reason, (profile, entity)
