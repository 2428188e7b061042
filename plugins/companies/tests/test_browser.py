"""A person creates a company in the browser, fixing a wrong partita IVA, and finds it in the list."""

from __future__ import annotations

from typing import Any

import pytest
from sportello.testing import TEST_PASSWORD


@pytest.mark.browser
def test_create_a_company_in_the_browser(live_server: str, browser_page: Any, users: dict[str, Any]) -> None:
    page = browser_page
    page.goto(f"{live_server}/login")
    page.fill("#email", users["salesperson"].email)
    page.fill("#password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/companies/")
    page.click("text=New company")
    page.fill("#name", "Navigatore S.r.l.")
    page.fill("#vat_number", "00743110158")
    page.fill("#legal_city", "Torino")
    page.fill("#legal_province", "TO")
    page.click("button:has-text('Create company')")
    assert page.locator("#vat_number-error").is_visible()
    assert page.input_value("#name") == "Navigatore S.r.l."
    page.fill("#vat_number", "00743110157")
    page.click("button:has-text('Create company')")
    page.wait_for_url("**/companies/*")
    assert page.locator("h1").inner_text() == "Navigatore S.r.l."
    page.goto(f"{live_server}/companies/?q=Navigatore")
    assert page.locator("table >> text=Navigatore S.r.l.").is_visible()
