"""Signing in: throttling, password reset by e-mail, own password and sessions, two-factor codes."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pyotp
import pytest

from sportello.core import throttle
from sportello.core.db import current_session, utcnow
from sportello.core.identity import User
from sportello.core.mail import MailError, send_mail
from sportello.testing import TEST_PASSWORD, login

NEW_PASSWORD = "a-much-better-passphrase"
WRONG = "Wrong e-mail or password."
NEUTRAL = "If an account exists for that address, we have sent a link to reset the password."
BASE_URL = "http://crm.example.test"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
LINK = re.compile(re.escape(BASE_URL) + r"(/password/reset/[A-Za-z0-9_\-]+)")
STORAGES = ["database", "redis"]


@pytest.fixture
def app(make_app: Any, smtp_server: Any) -> Any:
    return make_app(**smtp_server.config(), BASE_URL=BASE_URL)


class Clock:
    """The throttle's and reset links' clock, moved by hand."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.at = utcnow()
        monkeypatch.setattr(throttle, "now", lambda: self.at)

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def storage_config(request: pytest.FixtureRequest, storage: str) -> dict[str, Any]:
    return {"REDIS_URL": request.getfixturevalue("redis_url")} if storage == "redis" else {}


def add_user(app: Any, email: str, profile: str = "salesperson", **values: Any) -> User:
    from sportello.core.users import create_user

    with app.app_context():
        user = create_user(email=email, name=email.split("@")[0].title(), profile_code=profile, password=TEST_PASSWORD, language="en")
        for name, value in values.items():
            setattr(user, name, value)
        current_session().commit()
        return user


def fresh_user(app: Any, user_id: int) -> User:
    with app.app_context():
        user = current_session().get(User, user_id)
        current_session().expunge(user)
        return user


def english(client: Any) -> Any:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def token_of(client: Any, path: str = "/login") -> str:
    match = CSRF_META.search(client.get(path).get_data(as_text=True))
    assert match, f"no csrf token on {path}"
    return match.group(1)


def post(client: Any, path: str, data: dict[str, Any], token_page: str = "/login") -> Any:
    return client.post(path, data={**data, "csrf_token": token_of(client, token_page)})


def sign_in(client: Any, email: str, password: str = TEST_PASSWORD, **extra: Any) -> Any:
    return post(client, "/login", {"email": email, "password": password, **extra})


def text_of(response: Any) -> str:
    return response.get_data(as_text=True)


def signed_in(client: Any) -> bool:
    response = client.get("/")
    return response.status_code == 200


# ---------------------------------------------------------------------------
# Mail
# ---------------------------------------------------------------------------


def test_send_mail_plain_and_alternative(app: Any, smtp_server: Any) -> None:
    with app.app_context():
        send_mail("ann@example.test", "Plain", "Just text")
        send_mail("bob@example.test", "Both", "Text part", "<p>HTML part</p>")
    plain, both = smtp_server.messages
    assert plain["To"] == "ann@example.test" and plain["From"] == "sportello@localhost"
    assert plain.get_content_type() == "text/plain" and "Just text" in plain.get_content()
    assert both.get_content_type() == "multipart/alternative"
    assert both.get_body(("plain",)).get_content().strip() == "Text part"
    assert both.get_body(("html",)).get_content().strip() == "<p>HTML part</p>"


def test_send_mail_errors_are_clear(make_app: Any) -> None:
    with make_app().app_context(), pytest.raises(MailError, match="SMTP is not configured"):
        send_mail("ann@example.test", "Subject", "Text")
    from sportello.testing import free_port

    with make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port()).app_context(), pytest.raises(MailError, match="failed"):
        send_mail("ann@example.test", "Subject", "Text")


# ---------------------------------------------------------------------------
# Throttling
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("storage", STORAGES)
def test_throttle_counts_in_a_sliding_window(make_app: Any, request: pytest.FixtureRequest, storage: str, clock: Clock) -> None:
    app = make_app(LOGIN_MAX_FAILURES_ACCOUNT=3, LOGIN_MAX_FAILURES_ADDRESS=5, LOGIN_LOCK_MINUTES=10, **storage_config(request, storage))
    with app.app_context():
        assert throttle.locked_for("ann@example.test", "10.0.0.1") is None
        for _ in range(3):
            throttle.record_failure("Ann@Example.test", "10.0.0.1")
            clock.advance(minutes=1)
        # Three failures at 0, 1 and 2 minutes; now is 3: the oldest leaves the window at 10.
        assert throttle.locked_for("ANN@example.test", "10.9.9.9") == timedelta(minutes=7)
        assert throttle.locked_for("bob@example.test", "10.9.9.9") is None
        clock.advance(minutes=7)
        assert throttle.locked_for("ann@example.test", "10.9.9.9") is None
        throttle.record_failure("ann@example.test", "10.0.0.1")  # the third in the window again
        assert throttle.locked_for("ann@example.test", "10.9.9.9") == timedelta(minutes=1)
        throttle.clear("Ann@example.test")
        assert throttle.locked_for("ann@example.test", "10.9.9.9") is None
        # Per address: five failures from one address (at 1, 2, 10, 10, 10) lock it for every
        # account until the one at 1 leaves the window.
        for number in range(2):
            throttle.record_failure(f"user{number}@example.test", "10.0.0.1")
        assert throttle.locked_for("carl@example.test", "10.0.0.1") == timedelta(minutes=1)
        assert throttle.locked_for("carl@example.test", "10.0.0.2") is None
        throttle.clear("ann@example.test")  # clearing an account leaves the address locked
        assert throttle.locked_for("carl@example.test", "10.0.0.1") is not None
    if storage == "redis":
        from sportello.core.checks import redis_client

        keys = redis_client(app.config["REDIS_URL"]).keys("*")
        assert keys and all(key.startswith(b"sportello:login:") for key in keys)


@pytest.mark.parametrize("storage", STORAGES)
def test_sign_in_lock_per_account_lasts_and_ends(
    make_app: Any, request: pytest.FixtureRequest, storage: str, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(LOGIN_MAX_FAILURES_ACCOUNT=3, LOGIN_LOCK_MINUTES=15, **storage_config(request, storage))
    user = add_user(app, "seller@example.test")
    client = english(app.test_client())
    for _ in range(3):
        response = sign_in(client, user.email, "wrong-password")
        assert response.status_code == 200
        assert WRONG in text_of(response)
    checked: list[str] = []
    original = User.check_password
    monkeypatch.setattr(User, "check_password", lambda self, password: checked.append(password) or original(self, password))
    locked = sign_in(client, "SELLER@example.test", TEST_PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed attempts. Try again in 15 minutes." in text_of(locked)
    assert WRONG not in text_of(locked)
    assert checked == []  # the password is not even looked at while locked
    clock.advance(minutes=14, seconds=30)
    assert "Too many failed attempts. Try again in 1 minute." in text_of(sign_in(client, user.email, TEST_PASSWORD))
    clock.advance(seconds=31)
    assert sign_in(client, user.email, TEST_PASSWORD).status_code == 302
    assert signed_in(client)


@pytest.mark.parametrize("storage", STORAGES)
def test_successful_sign_in_clears_the_account_failures(make_app: Any, request: pytest.FixtureRequest, storage: str) -> None:
    app = make_app(LOGIN_MAX_FAILURES_ACCOUNT=3, **storage_config(request, storage))
    user = add_user(app, "seller@example.test")
    for _ in range(2):
        sign_in(english(app.test_client()), user.email, "wrong-password")
    assert sign_in(app.test_client(), user.email).status_code == 302
    client = english(app.test_client())
    for _ in range(2):
        assert WRONG in text_of(sign_in(client, user.email, "wrong-password"))
    assert sign_in(client, user.email).status_code == 302  # four failures in the window, but two were cleared


@pytest.mark.parametrize("storage", STORAGES)
def test_sign_in_lock_per_address(make_app: Any, request: pytest.FixtureRequest, storage: str) -> None:
    app = make_app(LOGIN_MAX_FAILURES_ACCOUNT=100, LOGIN_MAX_FAILURES_ADDRESS=4, LOGIN_LOCK_MINUTES=15, **storage_config(request, storage))
    user = add_user(app, "seller@example.test")
    attacker = english(app.test_client())
    for number in range(4):
        assert WRONG in text_of(sign_in(attacker, f"guess{number}@example.test", "wrong-password"))
    locked = sign_in(attacker, user.email)
    assert "Too many failed attempts. Try again in 15 minutes." in text_of(locked)
    elsewhere = english(app.test_client())
    elsewhere.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert sign_in(elsewhere, user.email).status_code == 302


def test_inactive_user_cannot_sign_in(app: Any) -> None:
    user = add_user(app, "gone@example.test", active=False)
    client = english(app.test_client())
    response = sign_in(client, user.email)
    assert response.status_code == 200
    assert WRONG in text_of(response)
    assert not signed_in(client)


def test_login_page_links_to_the_forgotten_password_page(client: Any) -> None:
    html = text_of(english(client).get("/login"))
    assert 'href="/password/forgot"' in html
    assert "Forgot your password?" in html


# ---------------------------------------------------------------------------
# Password reset
# ---------------------------------------------------------------------------


def ask_reset(client: Any, email: str) -> Any:
    response = post(client, "/password/forgot", {"email": email}, token_page="/password/forgot")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert NEUTRAL in text_of(client.get("/login"))
    return response


def link_in(message: EmailMessage) -> str:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    in_text = LINK.search(text)
    in_html = LINK.search(html)
    assert in_text and in_html, "the reset link is missing from a part of the e-mail"
    assert in_text.group(1) == in_html.group(1)
    return in_text.group(1)


def test_password_reset_by_email_works_once_and_signs_out_other_sessions(app: Any, users: dict[str, Any], smtp_server: Any) -> None:
    user = users["salesperson"]
    other_device = login(app.test_client(), user)
    assert signed_in(other_device)
    client = english(app.test_client())
    ask_reset(client, user.email.upper())
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == user.email
    assert "password" in message["Subject"].lower()
    assert message.get_content_type() == "multipart/alternative"
    path = link_in(message)
    with app.app_context():
        from sportello.core.tokens import PasswordReset

        stored = current_session().query(PasswordReset).one()
        assert path.rsplit("/", 1)[1] not in stored.token_hash  # only the digest is kept

    form = client.get(path)
    assert form.status_code == 200
    mismatch = post(client, path, {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD + "x"}, token_page=path)
    assert mismatch.status_code == 200
    assert "The two passwords do not match." in text_of(mismatch)
    assert 'id="confirm_password"' in text_of(mismatch) and "is-invalid" in text_of(mismatch)
    short = post(client, path, {"new_password": "short", "confirm_password": "short"}, token_page=path)
    assert "Use at least 10 characters." in text_of(short)

    done = post(client, path, {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}, token_page=path)
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert "Your password has been changed" in text_of(client.get("/login"))
    assert not signed_in(other_device)
    assert WRONG in text_of(sign_in(client, user.email, TEST_PASSWORD))
    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 302
    refreshed = fresh_user(app, user.id)
    assert refreshed.password_changed_at is not None
    assert refreshed.session_version == user.session_version + 1

    again = english(app.test_client()).get(path)
    assert again.status_code == 410
    assert "This link no longer works" in text_of(again)
    assert 'href="/password/forgot"' in text_of(again)


def test_password_reset_does_not_reveal_accounts(app: Any, users: dict[str, Any], smtp_server: Any) -> None:
    add_user(app, "gone@example.test", active=False)
    client = english(app.test_client())
    ask_reset(client, "nobody@example.test")
    ask_reset(client, "gone@example.test")
    assert smtp_server.messages == []
    invalid = post(client, "/password/forgot", {"email": "not-an-address"}, token_page="/password/forgot")
    assert invalid.status_code == 200
    assert "Enter a valid e-mail address." in text_of(invalid)
    assert 'value="not-an-address"' in text_of(invalid)


def test_expired_and_unknown_reset_links_are_refused(app: Any, users: dict[str, Any], smtp_server: Any, clock: Clock) -> None:
    client = english(app.test_client())
    ask_reset(client, users["salesperson"].email)
    path = link_in(smtp_server.messages[0])
    clock.advance(minutes=app.config["PASSWORD_RESET_MINUTES"] + 1)
    expired = client.get(path)
    assert expired.status_code == 410 and "This link no longer works" in text_of(expired)
    assert client.get("/password/reset/not-a-real-token").status_code == 410


def test_reset_email_is_in_the_users_language(app: Any, smtp_server: Any) -> None:
    italian = add_user(app, "rossi@example.test", language="it")
    ask_reset(english(app.test_client()), italian.email)
    html = smtp_server.messages[0].get_body(("html",)).get_content()
    assert '<html lang="it">' in html


def test_reset_page_is_public_and_failed_mail_is_not_revealed(make_app: Any) -> None:
    app = make_app(SMTP_HOST="", BASE_URL=BASE_URL)  # e-mail not configured: logged, not shown
    user = add_user(app, "seller@example.test")
    client = english(app.test_client())
    assert client.get("/password/forgot").status_code == 200
    ask_reset(client, user.email)


# ---------------------------------------------------------------------------
# Own password and sessions
# ---------------------------------------------------------------------------


def test_change_password_keeps_this_session_and_ends_the_others(app: Any, users: dict[str, Any]) -> None:
    user = users["salesperson"]
    here = english(login(app.test_client(), user))
    there = login(app.test_client(), user)
    page = here.get("/account/security")
    assert page.status_code == 200
    assert 'aria-current="page" href="/account/security"' in text_of(page)

    wrong = post(here, "/account/security/password",
                 {"current_password": "not-it", "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}, "/account/security")
    assert wrong.status_code == 200
    assert "The password is not right." in text_of(wrong)
    assert 'class="form-control is-invalid" id="current_password"' in text_of(wrong)
    short = post(here, "/account/security/password",
                 {"current_password": TEST_PASSWORD, "new_password": "short", "confirm_password": "short"}, "/account/security")
    assert "Use at least 10 characters." in text_of(short)

    done = post(here, "/account/security/password",
                {"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}, "/account/security")
    assert done.status_code == 302
    assert "Your password has been changed." in text_of(here.get("/account/security"))
    assert signed_in(here)
    assert not signed_in(there)
    assert sign_in(english(app.test_client()), user.email, NEW_PASSWORD).status_code == 302


def test_sign_out_everywhere_invalidates_every_session(app: Any, users: dict[str, Any]) -> None:
    user = users["salesperson"]
    here = english(login(app.test_client(), user))
    there = login(app.test_client(), user)
    response = post(here, "/account/security/sign-out-everywhere", {}, "/account/security")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "You have been signed out on every device" in text_of(here.get("/login"))
    assert not signed_in(here)
    assert not signed_in(there)
    assert signed_in(login(app.test_client(), user))


def test_security_page_needs_sign_in(client: Any) -> None:
    response = client.get("/account/security")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


# ---------------------------------------------------------------------------
# Two-factor sign-in
# ---------------------------------------------------------------------------


def enable_two_factor(client: Any) -> str:
    """Set up and confirm TOTP for the client's user; returns the secret."""
    assert post(client, "/account/security/two-factor/setup", {}, "/account/security").status_code == 302
    page = text_of(client.get("/account/security"))
    secret = re.search(r'class="d-block fs-6 user-select-all totp-secret" translate="no">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    svg = re.search(r"<svg.*?</svg>", page, re.DOTALL).group(0)
    assert "style=" not in svg and "<script" not in svg
    assert "QR code to scan" in svg
    wrong = post(client, "/account/security/two-factor/confirm", {"code": "000000"}, "/account/security")
    if pyotp.TOTP(secret).verify("000000", valid_window=1):  # one in a few hundred thousand
        return secret
    assert "Wrong code." in text_of(wrong) and "is-invalid" in text_of(wrong)
    assert secret.replace(" ", "") in text_of(wrong).replace(" ", "")  # the set-up stays on screen
    done = post(client, "/account/security/two-factor/confirm", {"code": pyotp.TOTP(secret).now()}, "/account/security")
    assert done.status_code == 302
    assert "Two-factor sign-in is on" in text_of(client.get("/account/security"))
    return secret


def test_two_factor_set_up_and_sign_in(app: Any, users: dict[str, Any]) -> None:
    user = users["salesperson"]
    secret = enable_two_factor(english(login(app.test_client(), user)))
    assert fresh_user(app, user.id).totp_enabled

    client = english(app.test_client())
    response = sign_in(client, user.email)
    assert response.status_code == 302 and response.headers["Location"] == "/login/code"
    assert not signed_in(client)  # the password alone is not enough
    assert "authenticator app" in text_of(client.get("/login/code"))
    wrong = post(client, "/login/code", {"code": "12345"}, "/login/code")
    assert "Enter the 6-digit code." in text_of(wrong)
    step = fresh_user(app, user.id).totp_last_step  # the code that confirmed the set-up claimed its step
    used = pyotp.TOTP(secret).at(step * 30)
    assert "used already" in text_of(post(client, "/login/code", {"code": used}, "/login/code"))
    code = pyotp.TOTP(secret).at((step + 1) * 30)  # the next code (one step of clock drift is allowed)
    wrong_code = "000000" if code != "000000" else "111111"
    assert "Wrong code." in text_of(post(client, "/login/code", {"code": wrong_code}, "/login/code"))
    assert not signed_in(client)
    done = post(client, "/login/code", {"code": code}, "/login/code")
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert signed_in(client)

    # The same code cannot be replayed by someone who saw it, even with the password.
    other = english(app.test_client())
    assert sign_in(other, user.email).headers["Location"] == "/login/code"
    replay = post(other, "/login/code", {"code": code}, "/login/code")
    assert "used already" in text_of(replay) and not signed_in(other)


def test_login_code_without_a_password_first_goes_back_to_sign_in(client: Any) -> None:
    response = client.get("/login/code")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_wrong_codes_count_for_the_lock(make_app: Any, smtp_server: Any) -> None:
    app = make_app(LOGIN_MAX_FAILURES_ACCOUNT=3)
    user = add_user(app, "seller@example.test")
    secret = enable_two_factor(english(login(app.test_client(), user)))
    code = pyotp.TOTP(secret).now()
    wrong_code = "000000" if code != "000000" else "111111"
    client = english(app.test_client())
    assert sign_in(client, user.email).headers["Location"] == "/login/code"
    for _ in range(3):
        assert "Wrong code." in text_of(post(client, "/login/code", {"code": wrong_code}, "/login/code"))
    locked = post(client, "/login/code", {"code": pyotp.TOTP(secret).now()}, "/login/code")
    assert locked.status_code == 302
    assert "Too many failed attempts." in text_of(client.get("/login"))
    assert not signed_in(client)


def test_two_factor_disable_needs_the_password(app: Any, users: dict[str, Any]) -> None:
    user = users["salesperson"]
    client = english(login(app.test_client(), user))
    enable_two_factor(client)
    wrong = post(client, "/account/security/two-factor/disable", {"disable_password": "nope"}, "/account/security")
    assert "The password is not right." in text_of(wrong)
    assert fresh_user(app, user.id).totp_enabled
    done = post(client, "/account/security/two-factor/disable", {"disable_password": TEST_PASSWORD}, "/account/security")
    assert done.status_code == 302
    refreshed = fresh_user(app, user.id)
    assert not refreshed.totp_enabled and refreshed.totp_secret is None
    assert sign_in(english(app.test_client()), user.email).headers["Location"] == "/"


def test_two_factor_is_mandatory_for_system_admins_when_configured(make_app: Any, smtp_server: Any) -> None:
    app = make_app(REQUIRE_2FA_FOR_ADMINS=True)
    admin = add_user(app, "boss@example.test", profile="system_admin")
    seller = add_user(app, "seller@example.test")
    assert signed_in(login(app.test_client(), seller))
    client = english(login(app.test_client(), admin))
    for path in ("/", "/settings"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/account/security#two-factor"
    page = client.get("/account/security")
    assert page.status_code == 200
    assert "Administrators must use two-factor sign-in" in text_of(page)
    assert client.get("/static/sportello/sportello.css").status_code == 200
    enable_two_factor(client)
    assert signed_in(client)
    assert post(client, "/logout", {}, "/").status_code == 302


def test_two_factor_is_optional_for_admins_by_default(admin_client: Any) -> None:
    assert signed_in(admin_client)
