"""The web frame as a signed-in user sees it: menu, home, search, settings, errors."""

from __future__ import annotations

from typing import Any

from sportello.testing import TEST_PASSWORD, login


def test_pages_need_sign_in(client: Any) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_wrong_password_is_refused_with_one_message(client: Any, users: dict[str, Any]) -> None:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/login", data={"email": users["salesperson"].email, "password": "nope", "csrf_token": token})
    assert response.status_code == 200
    assert "Wrong e-mail or password." in response.get_data(as_text=True)


def test_form_without_csrf_token_is_refused(client: Any, users: dict[str, Any]) -> None:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/login", data={"email": users["salesperson"].email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_home_of_core_alone_explains_how_to_enable_modules(admin_client: Any) -> None:
    html = admin_client.get("/").get_data(as_text=True)
    assert "No modules are enabled yet" in html
    assert "sportello plugins enable" in html


def test_menu_is_filtered_by_permission(app: Any, users: dict[str, Any]) -> None:
    admin = login(app.test_client(), users["system_admin"]).get("/").get_data(as_text=True)
    seller = login(app.test_client(), users["salesperson"]).get("/").get_data(as_text=True)
    assert 'href="/settings"' in admin
    assert 'href="/settings"' not in seller
    assert 'href="/modules"' not in seller


def test_forbidden_and_missing_pages_render_in_the_layout(app: Any, users: dict[str, Any]) -> None:
    seller = login(app.test_client(), users["salesperson"])
    forbidden = seller.get("/modules")
    assert forbidden.status_code == 403
    assert "You cannot open this page" in forbidden.get_data(as_text=True)
    assert "sidebar" in forbidden.get_data(as_text=True)
    missing = seller.get("/no-such-page")
    assert missing.status_code == 404
    assert "Page not found" in missing.get_data(as_text=True)


def test_unexpected_error_shows_the_500_page(app: Any, users: dict[str, Any]) -> None:
    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    response = login(app.test_client(), users["system_admin"]).get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)


def test_security_headers(admin_client: Any) -> None:
    headers = admin_client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_settings_keep_input_and_mark_errors(admin_client: Any) -> None:
    page = admin_client.get("/settings/general")
    assert page.status_code == 200
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    bad = admin_client.post(
        "/settings/general", data={"csrf_token": token, "organisation_name": "Rossi Srl", "support_email": "not-an-email"}
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200
    assert "is-invalid" in html
    assert 'value="Rossi Srl"' in html
    good = admin_client.post(
        "/settings/general", data={"csrf_token": token, "organisation_name": "Rossi Srl", "support_email": "help@rossi.it"}
    )
    assert good.status_code == 302
    home = admin_client.get("/").get_data(as_text=True)
    assert "Rossi Srl" in home


def test_healthz_reports_database(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["database"]["ok"] is True
    assert response.json["status"] == "ok"
