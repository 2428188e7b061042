"""Bad input and the workflow: clear refusals, nothing changed."""

from typing import Any

from sqlalchemy import inspect, select

from sportello.testing import ApiClient, login


def test_assignee_may_change_only_work_fields(app: Any, users: dict[str, Any], world: dict[str, Any], api_as: Any) -> None:
    api = api_as(users["assignee"])
    url = f"/projects/activities/{world['a_direct']}"
    refused = api.patch(url, json={"title": "Renamed", "state": "completed"})
    assert refused.status_code == 422
    assert "only the time worked" in refused.get_data(as_text=True)
    assert api.get(url).json["title"] == "Bravo assigned" and api.get(url).json["state"] == "open"
    assert api.patch(url, json={"state": "abandoned"}).status_code == 422  # a note is required
    done = api.patch(url, json={"state": "completed", "closing_note": "done"})
    assert done.status_code == 200 and done.json["state"] == "completed"
    # The page form of an assignee offers only state, note and notification.
    page = login(app.test_client(), users["assignee"]).get(f"/projects/activities/{world['a_group']}/edit")
    assert 'name="title"' not in page.get_data(as_text=True) and 'name="state"' in page.get_data(as_text=True)


def test_time_entries_limits_and_cost(app: Any, users: dict[str, Any], world: dict[str, Any], api_as: Any) -> None:
    from datetime import date
    from decimal import Decimal

    from sportello import session
    from sportello.core.identity import HourlyCost

    with app.app_context():
        session.add(HourlyCost(user_id=users["assignee"].id, valid_from=date(2026, 1, 1), amount=Decimal("30.00")))
        session.commit()
    api = api_as(users["assignee"])
    url = f"/projects/activities/{world['a_direct']}/time"
    assert api.post(url, json={"day": "2026-03-02", "hours": "-1"}).status_code == 422
    assert api.post(url, json={"day": "2026-03-02", "hours": "25"}).status_code == 422
    ok = api.post(url, json={"day": "2026-03-02", "hours": "20"})
    assert ok.status_code == 201 and ok.json["cost"] == "600.00"
    over = api.post(f"/projects/activities/{world['a_group']}/time", json={"day": "2026-03-02", "hours": "5"})
    assert over.status_code == 422 and "24 hours" in over.get_data(as_text=True)
    # The page keeps the values and marks the error.
    client = login(app.test_client(), users["assignee"])
    from sportello.testing import csrf_token_of

    page = client.post(f"/projects/activities/{world['a_direct']}/time",
                       data={"day": "2026-03-03", "hours": "30", "csrf_token": csrf_token_of(client)})
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "is-invalid" in text and 'value="30"' in text
    # Hours typed the Italian way.
    comma = client.post(f"/projects/activities/{world['a_direct']}/time",
                        data={"day": "2026-03-04", "hours": "1,5", "csrf_token": csrf_token_of(client)})
    assert comma.status_code in (200, 302), comma.get_data(as_text=True)[:500]


def test_attachments_type_and_size(app: Any, users: dict[str, Any], world: dict[str, Any]) -> None:
    import io

    from sportello.testing import csrf_token_of

    client = login(app.test_client(), users["assignee"])
    url = f"/projects/activities/{world['a_direct']}/attachments"
    bad = client.post(url, data={"csrf_token": csrf_token_of(client), "file": (io.BytesIO(b"MZ"), "virus.exe")},
                      follow_redirects=True)
    assert "cannot be attached" in bad.get_data(as_text=True)
    big = client.post(url, data={"csrf_token": csrf_token_of(client),
                                 "file": (io.BytesIO(b"x" * (10 * 1024 * 1024 + 1)), "big.pdf")}, follow_redirects=True)
    assert "too big" in big.get_data(as_text=True)
    good = client.post(url, data={"csrf_token": csrf_token_of(client), "file": (io.BytesIO(b"%PDF-1.4"), "verbale.pdf")},
                       follow_redirects=True)
    assert "verbale.pdf" in good.get_data(as_text=True)


def test_closing_with_open_activities_is_refused(app: Any, users: dict[str, Any], world: dict[str, Any], api_as: Any) -> None:
    api = api_as(users["project_manager"])
    refused = api.post(f"/projects/{world['p_pm']}/close")
    assert refused.status_code == 409 and "Alpha of pm" in refused.get_data(as_text=True)
    api.patch(f"/projects/activities/{world['a_pm']}", json={"state": "completed", "closing_note": ""})
    assert api.post(f"/projects/{world['p_pm']}/close").json["state"] == "closed"
    assert api_as(users["project_manager"]).post(f"/projects/{world['p_other']}/close").status_code == 404


def test_activity_dates_and_notification(app: Any, users: dict[str, Any], world: dict[str, Any], api_as: Any) -> None:
    from sportello import session
    from sportello.core.events import EventRecord

    api = api_as(users["project_manager"])
    bad = api.post("/projects/activities/", json={"title": "X", "project_id": world["p_pm"],
                                                         "planned_start": "2026-05-10", "planned_end": "2026-05-01"})
    assert bad.status_code == 422 and "before the planned start" in bad.get_data(as_text=True)
    made = api.post("/projects/activities/", json={"title": "New one", "project_id": world["p_pm"],
                                                          "assignee_id": users["assignee"].id})
    assert made.status_code == 201
    assert api.post("/projects/activities/", json={"title": "Y", "project_id": world["p_other"]}).status_code == 422
    api.patch(f"/projects/activities/{made.json['id']}", json={"notify": True})
    with app.app_context():
        types = [e.type for e in session.scalars(select(EventRecord).where(EventRecord.record_id == made.json["id"]))]
    assert "projects.activity_created" in types and "projects.activity_notified" in types
    with app.app_context():
        payload = session.scalars(select(EventRecord).where(EventRecord.type == "projects.activity_notified")).first().payload
    assert payload["recipients"] == {"owner": [users["project_manager"].id], "assignee": [users["assignee"].id],
                                     "project_manager": [users["project_manager"].id]}


def test_migrations_go_down_and_up(make_app: Any) -> None:
    from sportello.core.migrate import downgrade, upgrade

    app = make_app(plugins=["companies", "projects"])
    engine = app.extensions["sportello"].db.engine
    with app.app_context():
        downgrade(app, "projects@base")
        assert "projects_activity" not in inspect(engine).get_table_names()
        upgrade(app, ["companies", "projects"])
        assert "projects_activity" in inspect(engine).get_table_names()
        downgrade(app, "projects@base")
        upgrade(app, ["companies", "projects"])
        assert "projects_event_invitee" in inspect(engine).get_table_names()
