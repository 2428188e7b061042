"""The frame in a real browser: sign in, the menu, the search popup, a phone-sized screen."""

from __future__ import annotations

from typing import Any

import pytest

from sportello.testing import ApiClient, login

pytestmark = pytest.mark.browser


@pytest.fixture
def app(make_app: Any, example_plugins: list[str]) -> Any:
    return make_app(plugins=example_plugins)


def sign_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(base + "/")
    assert "/login" in page.url
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")


def test_sign_in_search_and_sign_out(app: Any, users: dict[str, Any], live_server: str, browser_page: Any) -> None:
    ApiClient(login(app.test_client(), users["salesperson"])).post("/notes/", json={"title": "Preventivo Ferri", "body": "Tre giornate"})
    page = browser_page
    sign_in(page, live_server, users["salesperson"].email, "wrong-password")
    assert page.locator(".alert-danger").inner_text().strip() == "Wrong e-mail or password."
    sign_in(page, live_server, users["salesperson"].email, "correct-horse-battery")
    page.wait_for_url(live_server + "/")
    assert page.locator("h1").inner_text().startswith("Good to see you")
    assert page.locator("#sidebar .nav-link.active").inner_text().strip() == "Home"
    page.fill("#global-search", "Ferri")
    page.wait_for_selector("#search-popup .list-group-item-action")
    page.click("#search-popup .list-group-item-action")
    page.wait_for_url("**/notes/*")
    assert page.locator("h1").inner_text() == "Preventivo Ferri"
    page.wait_for_selector("#pane-text .note-body")  # the first tab loaded by htmx
    page.click(".btn-user")
    page.click("text=Sign out")
    page.wait_for_url("**/login")
    assert "You have signed out." in page.content()


def test_phone_layout_hides_and_opens_the_menu(users: dict[str, Any], live_server: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, live_server, users["system_admin"].email, "correct-horse-battery")
    page.wait_for_url(live_server + "/")
    assert not page.locator("#sidebar").is_visible()
    page.click("button[aria-controls=sidebar]")
    page.wait_for_selector("#sidebar.show")
    assert page.locator("#sidebar").get_by_role("link", name="Settings", exact=True).is_visible()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(live_server + "/settings/general")
    assert not [e for e in errors if "Content Security Policy" in e]
    context.close()


def test_attach_a_file_and_see_a_refusal_in_place(app: Any, users: dict[str, Any], live_server: str,
                                                   browser_page: Any, tmp_path: Any) -> None:
    note_id = ApiClient(login(app.test_client(), users["salesperson"])).post("/notes/", json={"title": "Contratto"}).json["id"]
    offer, program = tmp_path / "offerta firmata.pdf", tmp_path / "setup.exe"
    offer.write_bytes(b"%PDF-1.4 offerta")
    program.write_bytes(b"MZ")
    page = browser_page
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, live_server, users["salesperson"].email, "correct-horse-battery")
    page.wait_for_url(live_server + "/")
    page.goto(f"{live_server}/notes/{note_id}")
    page.click("#tab-attachments")
    page.wait_for_selector("#pane-attachments input[type=file]")
    assert page.locator("#tab-count-attachments").inner_text() == "0"

    page.set_input_files("#pane-attachments input[type=file]", str(offer))
    page.click("#pane-attachments button:has-text('Attach')")
    page.wait_for_selector("#pane-attachments a:has-text('offerta firmata.pdf')")
    assert page.locator("#tab-count-attachments").inner_text() == "1"  # the tab's count follows

    page.set_input_files("#pane-attachments input[type=file]", str(program))
    page.click("#pane-attachments button:has-text('Attach')")
    page.wait_for_selector("#pane-attachments .alert-danger")  # a 422 answer is shown in place
    assert "Files of this type cannot be attached" in page.locator("#pane-attachments .alert-danger").inner_text()
    assert page.locator("#pane-attachments a:has-text('offerta firmata.pdf')").count() == 1

    with page.expect_download() as download:
        page.click("#pane-attachments a:has-text('offerta firmata.pdf')")
    assert download.value.suggested_filename == "offerta firmata.pdf"

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#pane-attachments button[aria-label='Remove offerta firmata.pdf']")
    page.wait_for_selector("#pane-attachments :text('No files attached yet.')")
    assert page.locator("#tab-count-attachments").inner_text() == "0"
    assert not [e for e in errors if "Content Security Policy" in e]
