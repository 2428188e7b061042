"""A salesperson drags a lead card to another column of the pipeline in the browser."""

from __future__ import annotations

from typing import Any

import pytest
from sportello.testing import TEST_PASSWORD


@pytest.mark.browser
def test_drag_a_card_to_another_column(live_server: str, browser_page: Any, users: dict[str, Any], add_lead: Any,
                                       status_id: Any, app: Any) -> None:
    lead = add_lead("Trascinata Srl", users["salesperson"], estimated_value=5000)
    page = browser_page
    page.goto(f"{live_server}/login")
    page.fill("#email", users["salesperson"].email)
    page.fill("#password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/leads/pipeline")
    target = '.lead-column[data-status-code="negotiation"]'
    with page.expect_response(lambda r: r.url.endswith(f"/leads/{lead}/status")) as answer:
        page.drag_and_drop(f'.lead-card[data-lead-id="{lead}"]', f"{target} .lead-cards")
    assert answer.value.status == 200
    assert page.locator(f'{target} .lead-card[data-lead-id="{lead}"]').count() == 1
    page.reload()
    assert page.locator(f'{target} >> text=Trascinata Srl').is_visible()
    from sportello import session
    from sportello_leads.models import Lead

    with app.app_context():
        assert session.get(Lead, lead).status_id == status_id("negotiation")
