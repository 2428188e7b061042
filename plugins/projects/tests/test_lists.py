"""The lists: CSV and XLSX exports with the page's filters, and a fixed number of queries
per page whatever the number of rows."""

import csv
import io
import re
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from sportello.testing import login


def _csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))


def _xlsx(response: Any) -> list[list[Any]]:
    from openpyxl import load_workbook

    assert response.status_code == 200, response.status_code
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def _export_links(page: str) -> list[str]:
    return [link.replace("&amp;", "&") for link in re.findall(r'href="([^"]*export\.(?:csv|xlsx)[^"]*)"', page)]


def test_project_export_keeps_the_filters(app: Any, users: dict[str, Any], world: dict[str, Any]) -> None:
    client = login(app.test_client(), users["crm_admin"])
    page = client.get("/projects/?q=ega&state=open").get_data(as_text=True)
    links = _export_links(page)
    assert links == ["/projects/export.csv?q=ega&state=open", "/projects/export.xlsx?q=ega&state=open"]
    rows = _csv(client.get(links[0]))
    assert rows[0][:5] == ["Code", "Project", "Company", "Project manager", "State"]
    assert [r[:5] for r in rows[1:]] == [["P-OT", "Omega other", "Theirs Spa", "Crm Admin", "Open"]]
    sheet = _xlsx(client.get(links[1]))
    assert sheet[0][0] == "Code" and [r[1] for r in sheet[1:]] == ["Omega other"]
    everything = _csv(client.get("/projects/export.csv"))
    assert sorted(r[0] for r in everything[1:]) == ["P-GR", "P-OT", "P-PM"]


def test_activity_exports_follow_the_list_and_my_activities(app: Any, users: dict[str, Any], world: dict[str, Any],
                                                            api_as: Any) -> None:
    api_as(users["assignee"]).post(f"/projects/activities/{world['a_direct']}/time", json={"day": "2026-03-02", "hours": "2.5"})
    assignee = login(app.test_client(), users["assignee"])
    page = assignee.get("/projects/activities/mine").get_data(as_text=True)
    assert _export_links(page)[0] == "/projects/activities/mine/export.csv"
    rows = _csv(assignee.get("/projects/activities/mine/export.csv"))
    header = rows[0]
    by_title = {r[0]: dict(zip(header, r)) for r in rows[1:]}
    assert set(by_title) == {"Bravo assigned", "Charlie group"}
    assert by_title["Bravo assigned"]["Hours worked"] == "2,5" and by_title["Bravo assigned"]["Assigned to"] == "Assignee"
    assert by_title["Charlie group"]["Assigned to"] == "Work group" and by_title["Charlie group"]["State"] == "Open"
    # Closing one: "my activities" shows (and exports) the open ones unless told otherwise.
    api_as(users["assignee"]).patch(f"/projects/activities/{world['a_direct']}", json={"state": "completed"})
    assert [r[0] for r in _csv(assignee.get("/projects/activities/mine/export.csv"))[1:]] == ["Charlie group"]
    done = _xlsx(assignee.get("/projects/activities/mine/export.xlsx?state=completed"))
    assert [r[0] for r in done[1:]] == ["Bravo assigned"] and done[1][9] == 2.5

    admin = login(app.test_client(), users["crm_admin"])
    links = _export_links(admin.get(f"/projects/activities/?q=a&assignee={users['assignee'].id}&state=any").get_data(as_text=True))
    assert links[0] == f"/projects/activities/export.csv?q=a&state=any&assignee={users['assignee'].id}"
    assert [r[0] for r in _csv(admin.get(links[0]))[1:]] == ["Bravo assigned"]


def test_exports_speak_the_users_language(app: Any, users: dict[str, Any], world: dict[str, Any]) -> None:
    from sportello import session
    from sportello.core.identity import User

    with app.app_context():
        session.get(User, users["crm_admin"].id).language = "it"
        session.commit()
    rows = _csv(login(app.test_client(), users["crm_admin"]).get("/projects/activities/export.csv?q=Bravo"))
    assert rows[0][:3] == ["Attività", "Tipo", "Azienda"]
    assert rows[1][1] == "Compito" and rows[1][7] == "Aperta"


def test_event_export_upcoming_and_past(app: Any, users: dict[str, Any], world: dict[str, Any], api_as: Any) -> None:
    from sportello import utcnow

    soon = utcnow() + timedelta(days=2)
    api_as(users["project_manager"]).post("/projects/events/", json={
        "title": "Foxtrot review", "project_id": world["p_pm"], "place": "Sala riunioni",
        "starts_at": soon.isoformat(), "ends_at": (soon + timedelta(hours=1)).isoformat()})
    client = login(app.test_client(), users["project_manager"])
    rows = _csv(client.get("/projects/events/export.csv"))
    assert rows[0] == ["Event", "Start", "End", "Place", "Company", "Project", "Organised by"]
    assert [r[0] for r in rows[1:]] == ["Foxtrot review"]
    assert rows[1][3:] == ["Sala riunioni", "Ours Srl", "P-PM", "Project Manager"]
    assert [r[0] for r in _csv(client.get("/projects/events/export.csv?when=past"))[1:]] == ["Echo meeting"]
    assert _export_links(client.get("/projects/events/?when=past").get_data(as_text=True))[0] == \
        "/projects/events/export.csv?when=past"


def test_who_may_export(app: Any, users: dict[str, Any], world: dict[str, Any]) -> None:
    assignee = login(app.test_client(), users["assignee"])
    assert assignee.get("/projects/export.csv").status_code == 403  # no projects at all
    from sqlalchemy import delete

    from sportello import session
    from sportello.core.identity import ProfilePermission

    with app.app_context():
        profile_id = users["salesperson"].profile_id
        session.execute(delete(ProfilePermission).where(ProfilePermission.profile_id == profile_id,
                                                        ProfilePermission.code == "projects.export"))
        session.commit()
    seller = login(app.test_client(), users["salesperson"])
    assert seller.get("/projects/activities/export.xlsx").status_code == 403
    assert "export.csv" not in seller.get("/projects/activities/").get_data(as_text=True)


def _count_queries(app: Any, client: Any, url: str) -> int:
    engine = app.extensions["sportello"].db.engine
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        response = client.get(url)
        assert response.status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert not any("count(" in s.lower() for s in statements)
    return len(statements)


def _add_activities(app: Any, world: dict[str, Any], users: dict[str, Any], count: int) -> None:
    from sportello import Actor, acting_as, session
    from sportello_projects.models import Activity

    with app.app_context(), acting_as(Actor(user_id=None, channel="test")):
        for n in range(count):
            session.add(Activity(title=f"Extra {n}", company_id=world["ours"], project_id=world["p_pm"],
                                 assignee_id=users["assignee"].id, owner_id=users["project_manager"].id,
                                 description="", closing_note="", kind=("task", "call", "visit")[n % 3], state="open"))
        session.commit()


def test_the_activity_pages_run_a_fixed_number_of_queries(app: Any, users: dict[str, Any], world: dict[str, Any]) -> None:
    manager = login(app.test_client(), users["project_manager"])
    assignee = login(app.test_client(), users["assignee"])
    _add_activities(app, world, users, 1)
    pages = ((manager, "/projects/activities/"), (assignee, "/projects/activities/mine"))
    for client, url in pages:
        _count_queries(app, client, url)  # warm-up: caches of the first request
    few = [_count_queries(app, client, url) for client, url in pages]
    assert "Extra 0" in manager.get("/projects/activities/").get_data(as_text=True)
    _add_activities(app, world, users, 29)
    many = [_count_queries(app, client, url) for client, url in pages]
    assert few == many and max(many) <= 12, (few, many)
    assert "Extra 28" in assignee.get("/projects/activities/mine").get_data(as_text=True)


def test_long_lists_load_more(app: Any, users: dict[str, Any], world: dict[str, Any]) -> None:
    from sportello import Actor, acting_as, session, utcnow
    from sportello_projects.models import Event, Project

    _add_activities(app, world, users, 60)
    with app.app_context(), acting_as(Actor(user_id=None, channel="test")):
        soon = utcnow() + timedelta(days=1)
        for n in range(55):
            session.add(Project(code=f"L-{n:02}", title=f"Lungo {n}", company_id=world["ours"], description="",
                                manager_id=users["project_manager"].id))
            session.add(Event(title=f"Riunione {n}", company_id=world["ours"], owner_id=users["project_manager"].id,
                              place="", description="", starts_at=soon + timedelta(hours=n),
                              ends_at=soon + timedelta(hours=n + 1)))
        session.commit()
    client = login(app.test_client(), users["project_manager"])
    for url, first, last in (("/projects/activities/", "Extra 59", "Alpha of pm"), ("/projects/", "Lungo 54", "Zeta managed"),
                             ("/projects/events/", "Riunione 0", "Riunione 54")):
        page = client.get(url).get_data(as_text=True)
        assert first in page and last not in page, url
        more = re.search(r'href="([^"]*cursor=[^"]+)"', page)
        assert more, url
        following = client.get(more.group(1).replace("&amp;", "&"))
        assert following.status_code == 200 and last in following.get_data(as_text=True), url
