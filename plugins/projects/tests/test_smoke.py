from typing import Any


def test_pages_answer(admin_client: Any, world: dict[str, Any]) -> None:
    for url in ["/projects/", f"/projects/{world['p_pm']}", "/projects/activities/", "/projects/activities/mine",
                f"/projects/activities/{world['a_direct']}", "/projects/events/", f"/projects/events/{world['event']}",
                "/projects/new", "/projects/activities/new", "/projects/events/new",
                f"/projects/{world['p_pm']}/edit", f"/projects/activities/{world['a_pm']}/edit",
                f"/projects/company/{world['ours']}/projects", f"/projects/company/{world['ours']}/activities",
                f"/projects/company/{world['ours']}/events", f"/companies/{world['ours']}",
                "/api/v1/projects/", "/api/v1/projects/activities/", "/api/v1/projects/events/", "/search?q=alpha"]:
        response = admin_client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[-2000:])
