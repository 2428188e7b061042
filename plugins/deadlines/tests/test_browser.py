"""The calendar in a real browser: switch views, follow a deadline to its record."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from sportello.testing import TEST_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def app(make_app: Callable[..., Any], example_plugins: list[str]) -> Any:
    return make_app(plugins=["deadlines", *example_plugins])


def test_open_the_calendar_switch_views_and_follow_a_deadline(
    live_server: str, browser_page: Any, users: dict[str, Any], add_note: Any, today: date
) -> None:
    note = add_note(users["salesperson"], "Richiamare Rossi", today)
    add_note(users["crm_admin"], "Rinnovo Verdi", today)
    page = browser_page
    page.goto(live_server + "/login")
    page.fill("#email", users["salesperson"].email)
    page.fill("#password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.click("#sidebar a[href='/deadlines/']")
    page.wait_for_url("**/deadlines/")
    grid = page.locator("table.dl-grid-month")
    assert grid.is_visible()
    assert grid.get_by_role("link", name="Richiamare Rossi").is_visible()
    assert page.get_by_text("Rinnovo Verdi").count() == 0

    page.get_by_role("link", name="Week").click()
    page.wait_for_url("**view=week**")
    assert page.locator("table.dl-grid-week").get_by_role("link", name="Richiamare Rossi").is_visible()

    page.get_by_role("link", name="List").click()
    page.wait_for_url("**view=list**")
    link = page.locator(".dl-agenda").get_by_role("link", name="Richiamare Rossi")
    assert link.is_visible()
    link.click()
    page.wait_for_url(f"**/notes/{note}")
    assert page.locator("h1").inner_text() == "Richiamare Rossi"
