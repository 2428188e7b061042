"""In the browser: a project manager assigns an activity and has it notified at once; the
assignee finds it in "my activities", records time and closes it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from sportello.testing import TEST_PASSWORD


def _sign_in(page: Any, live_server: str, user: Any) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#email", user.email)
    page.fill("#password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.mark.browser
def test_assign_notify_work_and_close(live_server: str, browser: Any, users: dict[str, Any], world: dict[str, Any],
                                      app: Any) -> None:
    manager = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB").new_page()
    _sign_in(manager, live_server, users["project_manager"])
    manager.goto(f"{live_server}/projects/{world['p_pm']}")
    manager.get_by_role("link", name="New activity").click()
    manager.fill("#title", "Sopralluogo in cantiere")
    manager.select_option("#assignee", str(users["assignee"].id))
    manager.fill("#planned_end", "2030-02-01")
    manager.check("#notify")
    manager.get_by_role("button", name="Save").click()
    assert manager.get_by_text("Activity created. The notification is on its way.").is_visible()
    assert manager.locator("h1").inner_text() == "Sopralluogo in cantiere"
    manager.context.close()

    from sportello import session
    from sportello.core.events import EventRecord
    from sportello_projects.models import Activity

    with app.app_context():
        activity = session.scalar(select(Activity).where(Activity.title == "Sopralluogo in cantiere"))
        notified = session.scalar(select(EventRecord).where(EventRecord.type == "projects.activity_notified",
                                                            EventRecord.record_id == activity.id))
        assert notified.payload["recipients"]["assignee"] == [users["assignee"].id]

    worker = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB").new_page()  # on the phone
    _sign_in(worker, live_server, users["assignee"])
    worker.goto(f"{live_server}/projects/activities/mine")
    worker.get_by_role("link", name="Sopralluogo in cantiere").click()
    worker.fill("#hours", "2,5")
    worker.fill("#note", "rilievi")
    worker.get_by_role("button", name="Record time").click()
    assert worker.get_by_text("Time recorded.").is_visible()
    assert worker.locator("#time").get_by_text("2.5").is_visible()
    worker.get_by_role("link", name="Update state").click()
    worker.select_option("#state", "completed")
    worker.fill("#closing_note", "Fatto")
    worker.get_by_role("button", name="Save").click()
    assert worker.get_by_text("Activity saved.").is_visible()
    worker.goto(f"{live_server}/projects/activities/mine")
    assert worker.get_by_text("Sopralluogo in cantiere").count() == 0  # only the open ones
    worker.context.close()

    with app.app_context():
        activity = session.get(Activity, activity.id)
        assert activity.state == "completed" and activity.closing_note == "Fatto"
