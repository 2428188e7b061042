"""Signing in, the lock after failed attempts and the password reset, in a real browser."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from sportello.testing import TEST_PASSWORD

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a-much-better-passphrase"


@pytest.fixture
def app(make_app: Any, smtp_server: Any) -> Any:
    # live_server serves this app; BASE_URL is set once the server's port is known.
    return make_app(**smtp_server.config(), LOGIN_MAX_FAILURES_ACCOUNT=3, LOGIN_LOCK_MINUTES=15)


@pytest.fixture
def base(app: Any, live_server: str) -> str:
    app.config["BASE_URL"] = live_server
    return live_server


def sign_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def wait_for_mail(smtp_server: Any, count: int = 1) -> Any:
    deadline = time.monotonic() + 5
    while len(smtp_server.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(smtp_server.messages) >= count, "no e-mail arrived"
    return smtp_server.messages[count - 1]


def test_sign_in_and_lock_after_failures(users: dict[str, Any], base: str, browser_page: Any) -> None:
    page = browser_page
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    email = users["salesperson"].email
    for _ in range(3):
        sign_in(page, base, email, "wrong-password")
        assert page.locator(".alert-danger").inner_text().strip() == "Wrong e-mail or password."
    sign_in(page, base, email, TEST_PASSWORD)
    assert page.locator(".alert-danger").inner_text().strip() == "Too many failed attempts. Try again in 15 minutes."
    assert "/login" in page.url
    # Another account signs in normally from the same browser.
    sign_in(page, base, users["system_admin"].email, TEST_PASSWORD)
    page.wait_for_url(base + "/")
    page.goto(base + "/account/security")
    assert page.locator(".account-nav .nav-link.active").inner_text().strip() == "Password and sign-in"
    page.click("text=Set up two-factor sign-in")
    page.wait_for_selector(".totp-qr svg")
    assert page.locator(".totp-qr svg").is_visible()
    assert not [e for e in errors if "Content Security Policy" in e]


def test_password_reset_in_the_browser(users: dict[str, Any], base: str, browser_page: Any, smtp_server: Any) -> None:
    page = browser_page
    user = users["salesperson"]
    page.goto(base + "/login")
    page.click("text=Forgot your password?")
    page.wait_for_url("**/password/forgot")
    page.fill("#email", user.email)
    page.click("button[type=submit]")
    page.wait_for_url("**/login")
    assert "If an account exists for that address" in page.locator(".alert-info").inner_text()

    message = wait_for_mail(smtp_server)
    link = re.search(re.escape(base) + r"/password/reset/[A-Za-z0-9_\-]+", message.get_body(("plain",)).get_content())
    assert link, "no reset link in the e-mail"
    page.goto(link.group(0))
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#confirm_password", "something-else-entirely")
    page.click("button[type=submit]")
    assert page.locator("#confirm_password.is-invalid").is_visible()
    assert page.locator(".invalid-feedback").inner_text().strip() == "The two passwords do not match."
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#confirm_password", NEW_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/login")
    assert "Your password has been changed" in page.locator(".alert-success").inner_text()

    sign_in(page, base, user.email, NEW_PASSWORD)
    page.wait_for_url(base + "/")
    page.goto(link.group(0))
    assert page.locator("h1").inner_text().strip() == "This link no longer works"
    assert page.get_by_role("link", name="Ask for a new link").is_visible()
