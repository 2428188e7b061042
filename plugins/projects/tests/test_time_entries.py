"""Correcting and deleting time entries: who may, the same limits as adding, the cost
taken again, the audit trail; on the activity page and in the API."""

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from sportello.testing import csrf_token_of, login


def _hourly_costs(app: Any, user: Any) -> None:
    from sportello import session
    from sportello.core.identity import HourlyCost

    with app.app_context():
        session.add_all([HourlyCost(user_id=user.id, valid_from=date(2026, 1, 1), amount=Decimal("30.00")),
                         HourlyCost(user_id=user.id, valid_from=date(2026, 4, 1), amount=Decimal("40.00"))])
        session.commit()


def _cost(app: Any, activity_id: int) -> Decimal:
    from sportello import session
    from sportello_projects.models import Activity
    from sportello_projects.services import activity_cost

    with app.app_context():
        return activity_cost(session.get(Activity, activity_id))


def test_the_author_corrects_and_deletes_with_the_limits_of_adding(app: Any, users: dict[str, Any],
                                                                   world: dict[str, Any], api_as: Any) -> None:
    _hourly_costs(app, users["assignee"])
    api = api_as(users["assignee"])
    base = f"/projects/activities/{world['a_direct']}/time"
    first = api.post(base, json={"day": "2026-03-02", "hours": "20", "note": "analisi"}).json
    api.post(f"/projects/activities/{world['a_group']}/time", json={"day": "2026-03-02", "hours": "3"})
    url = f"{base}/{first['id']}"
    assert _cost(app, world["a_direct"]) == Decimal("600.00")

    for hours in ("-2", "0", "25"):
        assert api.patch(url, json={"hours": hours}).status_code == 422, hours
    over = api.patch(url, json={"hours": "22"})  # 22 + the 3 hours of the other activity
    assert over.status_code == 422 and "24 hours" in over.get_data(as_text=True)
    assert api.get(url).json["hours"] == "20.00"  # nothing changed

    fixed = api.patch(url, json={"hours": "21"})  # itself is not counted twice
    assert fixed.status_code == 200 and fixed.json["cost"] == "630.00"
    assert _cost(app, world["a_direct"]) == Decimal("630.00")
    moved = api.patch(url, json={"day": "2026-04-02", "note": "analisi finale"})  # the cost of that day
    assert moved.json["cost"] == "840.00" and moved.json["day"] == "2026-04-02" and moved.json["note"] == "analisi finale"
    assert _cost(app, world["a_direct"]) == Decimal("840.00")

    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert api.get(base).json["items"] == []
    assert _cost(app, world["a_direct"]) == Decimal("0")

    from sportello import session
    from sportello.core.audit import AuditEntry

    with app.app_context():
        actions = [(e.action, e.changes) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "projects.time_entry", AuditEntry.record_id == str(first["id"]))
            .order_by(AuditEntry.id))]
    assert [a for a, _changes in actions] == ["create", "update", "update", "delete"], actions
    assert actions[2][1] == {"day": ["2026-03-02", "2026-04-02"], "cost": ["630.00", "840.00"],
                             "note": ["analisi", "analisi finale"]}


def test_who_may_correct_whose_time(app: Any, users: dict[str, Any], world: dict[str, Any], api_as: Any) -> None:
    pm, assignee = api_as(users["project_manager"]), api_as(users["assignee"])
    made = pm.post("/projects/activities/", json={"title": "Shared work", "project_id": world["p_pm"],
                                                  "assignee_id": users["assignee"].id}).json
    base = f"/projects/activities/{made['id']}/time"
    of_pm = pm.post(base, json={"day": "2026-05-04", "hours": "2"}).json
    of_assignee = assignee.post(base, json={"day": "2026-05-04", "hours": "3"}).json

    # The assignee sees the project manager's entry but may not touch it.
    assert assignee.patch(f"{base}/{of_pm['id']}", json={"hours": "1"}).status_code == 403
    assert assignee.delete(f"{base}/{of_pm['id']}").status_code == 403
    # The project manager corrects the assignee's; a CRM administrator too.
    assert pm.patch(f"{base}/{of_assignee['id']}", json={"hours": "4"}).json["hours"] == "4.00"
    assert api_as(users["crm_admin"]).patch(f"{base}/{of_assignee['id']}", json={"hours": "5"}).status_code == 200
    # Those who cannot reach the activity get 404, as for the activity itself.
    for profile in ("salesperson", "salesperson_lists"):
        assert api_as(users[profile]).patch(f"{base}/{of_pm['id']}", json={"hours": "1"}).status_code == 404, profile
        assert api_as(users[profile]).delete(f"{base}/{of_pm['id']}").status_code == 404, profile
    # An entry asked for through another activity is not found.
    assert pm.patch(f"/projects/activities/{world['a_pm']}/time/{of_pm['id']}", json={"hours": "1"}).status_code == 404
    # Once the activity is closed its time stays as it is.
    pm.patch(f"/projects/activities/{made['id']}", json={"state": "completed"})
    closed = pm.patch(f"{base}/{of_pm['id']}", json={"hours": "1"})
    assert closed.status_code == 422 and "closed" in closed.get_data(as_text=True)
    assert pm.delete(f"{base}/{of_pm['id']}").status_code == 422


def test_correcting_on_the_activity_page(app: Any, users: dict[str, Any], world: dict[str, Any], api_as: Any) -> None:
    pm = api_as(users["project_manager"])
    made = pm.post("/projects/activities/", json={"title": "Page work", "project_id": world["p_pm"],
                                                  "assignee_id": users["assignee"].id}).json
    base = f"/projects/activities/{made['id']}/time"
    of_pm = pm.post(base, json={"day": "2026-05-04", "hours": "2"}).json
    mine = api_as(users["assignee"]).post(base, json={"day": "2026-05-04", "hours": "3", "note": "sopralluogo"}).json

    client = login(app.test_client(), users["assignee"])
    page = client.get(f"/projects/activities/{made['id']}").get_data(as_text=True)
    assert f"{base}/{mine['id']}/edit" in page and f"{base}/{mine['id']}/delete" in page
    assert f"{base}/{of_pm['id']}/edit" not in page and f"{base}/{of_pm['id']}/delete" not in page
    assert client.get(f"{base}/{of_pm['id']}/edit").status_code == 403

    form = client.get(f"{base}/{mine['id']}/edit").get_data(as_text=True)
    assert 'value="3"' in form and 'value="sopralluogo"' in form
    refused = client.post(f"{base}/{mine['id']}/edit", data={"day": "2026-05-04", "hours": "30",
                                                             "csrf_token": csrf_token_of(client)})
    assert refused.status_code == 422 and "is-invalid" in refused.get_data(as_text=True)
    saved = client.post(f"{base}/{mine['id']}/edit", data={"day": "2026-05-05", "hours": "1,5", "note": "rivisto",
                                                           "csrf_token": csrf_token_of(client)}, follow_redirects=True)
    assert "Time corrected." in saved.get_data(as_text=True)
    entry = api_as(users["assignee"]).get(f"{base}/{mine['id']}").json
    assert entry["hours"] == "1.50" and entry["day"] == "2026-05-05" and entry["note"] == "rivisto"

    gone = client.post(f"{base}/{mine['id']}/delete", data={"csrf_token": csrf_token_of(client)}, follow_redirects=True)
    assert "Time entry deleted." in gone.get_data(as_text=True) and "rivisto" not in gone.get_data(as_text=True)
    # The project manager corrects anyone's entry from the page.
    manager = login(app.test_client(), users["project_manager"])
    assert f"{base}/{of_pm['id']}/edit" in manager.get(f"/projects/activities/{made['id']}").get_data(as_text=True)
    # Someone who cannot open the activity: 404.
    seller = login(app.test_client(), users["salesperson"])
    assert seller.post(f"{base}/{of_pm['id']}/delete", data={"csrf_token": csrf_token_of(seller)}).status_code == 404


def test_the_api_documents_the_time_entry_operations(api_client: Any) -> None:
    spec = api_client.get("/openapi.json").json
    path = spec["paths"]["/api/v1/projects/activities/{activity_id}/time/{entry_id}"]
    assert {"get", "patch", "delete"} <= set(path)
