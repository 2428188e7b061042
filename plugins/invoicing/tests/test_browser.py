"""A CRM admin goes through the demo: quotes, an overdue invoice, a payment, in the browser."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import pytest
from sportello.testing import TEST_PASSWORD

SHOTS = os.environ.get("SPORTELLO_SCREENSHOTS")  # a folder: screenshots of each page for a look


@pytest.mark.browser
def test_invoices_in_the_browser(app: Any, live_server: str, browser_page: Any, users: dict[str, Any]) -> None:
    from sportello import Actor, DemoContext, acting_as, session
    from sportello_companies.demo import add_demo as add_companies
    from sportello_invoicing.demo import add_demo

    with app.app_context(), acting_as(Actor(user_id=None, channel="test")):
        context = DemoContext(session=session, users=users, today=date.today())
        add_companies(context)
        add_demo(context)
        session.commit()
    page = browser_page

    def shot(name: str) -> None:
        if SHOTS:
            for width, height in ((1366, 768), (390, 844)):
                page.set_viewport_size({"width": width, "height": height})
                page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
            page.set_viewport_size({"width": 1366, "height": 768})

    page.goto(f"{live_server}/login")
    page.fill("#email", users["crm_admin"].email)
    page.fill("#password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/invoicing/quotes/")
    assert page.locator("table tbody tr").count() >= 10
    shot("quotes")
    page.goto(f"{live_server}/invoicing/invoices/?state=overdue")
    shot("invoices-overdue")
    page.locator("table tbody tr a.row-link").first.click()
    page.wait_for_url("**/invoicing/invoices/*")
    shot("invoice")
    page.fill("#p-amount", "1")
    page.click("button:has-text('Record payment')")
    assert page.locator("text=Payment recorded.").is_visible()
    page.goto(f"{live_server}/invoicing/quotes/new")
    shot("quote-form")
