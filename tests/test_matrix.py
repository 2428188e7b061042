"""The enable/disable matrix: the app boots, migrates and serves its pages with the core
alone, with each installed plugin alone (plus what it requires), and with all of them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sportello.core.plugins import import_plugin, installed_plugins, read_info
from sportello.testing import login

HREF = re.compile(r'href="(/[^"#?]*)"')


def requirements_closure(name: str, installed: dict[str, Any]) -> list[str]:
    """``name`` and everything it requires, transitively."""
    wanted, stack = set(), [name]
    while stack:
        current = stack.pop()
        if current in wanted:
            continue
        wanted.add(current)
        stack.extend(read_info(current, import_plugin(installed[current])).requires)
    return sorted(wanted)


def combinations(extra: list[str]) -> list[tuple[str, list[str] | None]]:
    installed = installed_plugins()
    names = sorted(set(installed))
    cases: list[tuple[str, list[str] | None]] = [("core alone", [])]
    cases += [(f"{name} alone", requirements_closure(name, installed)) for name in names]
    cases.append(("all plugins", None))
    return cases


def pages_of(client: Any) -> set[str]:
    """Every page reachable from the menu, plus the core's own."""
    home = client.get("/").get_data(as_text=True)
    sidebar = home.split('id="sidebar"')[1].split("</nav>")[0]
    return {"/", "/search?q=zz", "/settings", "/modules", "/api/v1/docs", *HREF.findall(sidebar)}


def test_every_combination_boots_migrates_and_serves(make_app: Any, example_plugins: list[str]) -> None:
    from sportello.core.users import create_user

    for label, plugins in combinations(example_plugins):
        chosen = plugins if plugins is not None else sorted(installed_plugins())
        app = make_app(plugins=chosen)
        assert sorted(app.extensions["sportello"].plugins.order) == sorted(chosen), label
        with app.app_context():
            admin = create_user(email="admin@matrix.it", name="Admin", profile_code="system_admin", password="password-123", language="en")
        client = login(app.test_client(), admin, password="password-123")
        for path in sorted(pages_of(client)):
            response = client.get(path, follow_redirects=True)
            assert response.status_code == 200, f"{label}: {path} answered {response.status_code}"
        assert client.get("/api/v1/openapi.json").status_code == 200
        assert client.get("/healthz").json["status"] == "ok"


@pytest.mark.parametrize("plugins", [["example"], ["example", "example_extra"]])
def test_disable_and_enable_again_brings_everything_back(make_app: Any, example_plugins: list[str], plugins: list[str]) -> None:
    from sportello.core.users import create_user

    app = make_app(plugins=plugins)
    url = app.config["DATABASE_URL"]
    with app.app_context():
        admin = create_user(email="admin@matrix.it", name="Admin", profile_code="system_admin", password="password-123", language="en")
    client = login(app.test_client(), admin, password="password-123")
    from sportello.testing import ApiClient

    note = ApiClient(client).post("/notes/", json={"title": "Kept across restarts"}).json["id"]

    core_only = make_app(plugins=[], database_url=url)
    off = login(core_only.test_client(), admin, password="password-123")
    assert off.get(f"/notes/{note}").status_code == 404
    assert 'href="/notes/"' not in off.get("/").get_data(as_text=True)

    back = make_app(plugins=plugins, database_url=url)
    on = login(back.test_client(), admin, password="password-123")
    assert "Kept across restarts" in on.get(f"/notes/{note}").get_data(as_text=True)
