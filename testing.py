"""Test fixtures for Sportello and for plugins, loaded by pytest automatically.

A plugin's tests get, with no set-up of their own:

- ``make_app(plugins=[...], **config)``: an application on a fresh database, migrated
  with the chosen plugins (the ``app`` fixture uses ``sportello_plugins``, which a test
  module overrides or sets with ``@pytest.mark.plugins("companies", "leads")``);
- every database test runs on SQLite and on PostgreSQL (``--sportello-db`` chooses);
  each run creates its own databases and drops them at the end;
- ``users``: one user of each standard profile; ``login(client, user)``;
  ``client``, ``admin_client`` and ``api_client`` (JSON, with the CSRF token handled);
- ``plugin_distribution``: make a package folder look like an installed plugin
  (a real entry point, found by discovery) for the length of one test;
- ``smtp_server``: a real SMTP server on loopback that keeps what it receives;
- ``live_server`` and ``browser_page``: the app over HTTP and Playwright's chromium.

Outside CI, a missing PostgreSQL, Redis or browser skips the tests that need it, with
the reason; with ``CI=true`` it fails them.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
TEST_PASSWORD = "correct-horse-battery"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def in_ci() -> bool:
    """Whether the run is CI's, where missing services are failures."""
    return os.environ.get("CI", "").lower() == "true"


def service_missing(what: str) -> None:
    """Fail in CI, skip elsewhere, saying what is missing."""
    if in_ci():
        pytest.fail(f"{what} (CI=true: this service must be available)", pytrace=False)
    pytest.skip(what)


# ---------------------------------------------------------------------------
# Options and parametrisation
# ---------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sportello")
    group.addoption(
        "--sportello-db",
        default=os.environ.get("SPORTELLO_TEST_DATABASES", "sqlite,postgresql"),
        help="comma-separated databases every database test runs on (sqlite, postgresql)",
    )
    group.addoption(
        "--sportello-postgres",
        default=os.environ.get("SPORTELLO_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="PostgreSQL server URL whose user may create and drop databases",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "plugins(*names): the plugins enabled in the test's app")
    config.addinivalue_line("markers", "browser: drives a real headless chromium")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "sportello_backend" in metafunc.fixturenames:
        backends = [b.strip() for b in metafunc.config.getoption("--sportello-db").split(",") if b.strip()]
        metafunc.parametrize("sportello_backend", backends, scope="session")


# ---------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------


@dataclass
class DatabaseFactory:
    """Makes databases for one test run and drops them all at the end.

    Migrated databases are cached as templates per (backend, plugin set): the first app
    with a given set migrates, the next ones get a copy in a fraction of the time.
    """

    root: Path
    postgres_url: str
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    created: list[tuple[str, str]] = field(default_factory=list)
    templates: dict[tuple[str, tuple[str, ...]], str] = field(default_factory=dict)
    _counter: int = 0

    def _name(self) -> str:
        self._counter += 1
        return f"sportello_test_{self.run_id}_{self._counter}"

    def new_url(self, backend: str) -> str:
        """An empty database of ``backend``."""
        name = self._name()
        if backend == "sqlite":
            return f"sqlite:///{self.root / (name + '.db')}"
        if backend == "postgresql":
            self._admin_execute(f'CREATE DATABASE "{name}"')
            self.created.append(("postgresql", name))
            return self._pg_url(name)
        raise ValueError(f"unknown test database backend {backend!r}")

    def copy_of(self, backend: str, template_url: str) -> str:
        """A new database holding what ``template_url`` holds."""
        name = self._name()
        if backend == "sqlite":
            target = self.root / (name + ".db")
            shutil.copyfile(template_url.removeprefix("sqlite:///"), target)
            return f"sqlite:///{target}"
        template = template_url.rsplit("/", 1)[1]
        self._admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self.created.append(("postgresql", name))
        return self._pg_url(name)

    def _pg_url(self, name: str) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.postgres_url).set(database=name).render_as_string(hide_password=False)

    def _admin_execute(self, sql: str) -> None:
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(self.postgres_url)
        try:
            connection = psycopg.connect(
                host=url.host or "127.0.0.1",
                port=url.port or 5432,
                user=url.username or "postgres",
                password=url.password or None,
                dbname=url.database or "postgres",
                autocommit=True,
                connect_timeout=5,
            )
        except psycopg.OperationalError as error:
            service_missing(f"PostgreSQL at {url.host}:{url.port or 5432} is not reachable ({error})")
            raise
        with connection:
            connection.execute(sql)  # type: ignore[arg-type]

    def drop_all(self) -> None:
        for backend, name in reversed(self.created):
            if backend == "postgresql":
                try:
                    self._admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                except BaseException:  # noqa: BLE001 - dropping is best effort at exit
                    pass
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(
        root=tmp_path_factory.mktemp("sportello-db"),
        postgres_url=pytestconfig.getoption("--sportello-postgres"),
    )
    yield factory
    factory.drop_all()


# ---------------------------------------------------------------------------
# Applications
# ---------------------------------------------------------------------------


@pytest.fixture
def sportello_plugins(request: pytest.FixtureRequest) -> list[str]:
    """The plugins of the ``app`` fixture: the ``plugins`` marker, else none (core only).

    Override this fixture in a plugin's ``conftest.py`` to enable that plugin everywhere.
    """
    marker = request.node.get_closest_marker("plugins")
    return list(marker.args) if marker else []


@pytest.fixture
def make_app(
    database_factory: DatabaseFactory,
    sportello_backend: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., Any]]:
    """Factory: ``make_app(plugins=[...], migrate=True, **config)`` on a fresh database."""
    from sportello.core.app import create_app
    from sportello.core.setup import prepare_database

    for name in list(os.environ):
        if name.startswith("SPORTELLO_") and not name.startswith("SPORTELLO_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SPORTELLO_INSTANCE_PATH", str(tmp_path / "instance"))
    apps: list[Any] = []

    def build(plugins: list[str] | None = None, migrate: bool = True, database_url: str | None = None, **config: Any) -> Any:
        chosen = tuple(sorted(plugins or []))
        settings = {"MODE": "testing", "SECRET_KEY": "test-secret", "PROPAGATE_EXCEPTIONS": False, **config}
        if database_url is None:
            key = (sportello_backend, chosen)
            if migrate and key in database_factory.templates:
                database_url = database_factory.copy_of(sportello_backend, database_factory.templates[key])
            else:
                database_url = database_factory.new_url(sportello_backend)
                if migrate:
                    template_app = create_app({**settings, "DATABASE_URL": database_url}, plugins=list(chosen))
                    with template_app.app_context():
                        prepare_database(template_app)
                    template_app.extensions["sportello"].db.dispose()
                    database_factory.templates[key] = database_url
                    database_url = database_factory.copy_of(sportello_backend, database_url)
        app = create_app({**settings, "DATABASE_URL": database_url}, plugins=list(chosen))
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["sportello"].db.dispose()


@pytest.fixture
def app(make_app: Callable[..., Any], sportello_plugins: list[str]) -> Any:
    """An application with ``sportello_plugins`` enabled, on a fresh migrated database."""
    return make_app(plugins=sportello_plugins)


@pytest.fixture
def users(app: Any) -> dict[str, Any]:
    """One user of each standard profile, by profile code; password :data:`TEST_PASSWORD`."""
    from sportello.core.types import STANDARD_PROFILES
    from sportello.core.users import create_user

    made = {}
    with app.app_context():
        for code in STANDARD_PROFILES:
            made[code] = create_user(
                email=f"{code.replace('_', '.')}@example.test",
                name=code.replace("_", " ").title(),
                profile_code=code,
                password=TEST_PASSWORD,
                language="en",
            )
    return made


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def login(client: Any, user: Any, password: str = TEST_PASSWORD) -> Any:
    """Sign ``client`` in as ``user`` through the real sign-in form."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    response = client.post(
        "/login",
        data={"email": user.email, "password": password, "csrf_token": token.group(1) if token else ""},
    )
    assert response.status_code == 302, f"sign-in of {user.email} failed ({response.status_code})"
    return client


def csrf_token_of(client: Any) -> str:
    """The CSRF token of ``client``'s session, read from a page like a browser does."""
    match = CSRF_META.search(client.get("/").get_data(as_text=True))
    assert match, "no csrf-token meta tag on the home page"
    return match.group(1)


@pytest.fixture
def client(app: Any) -> Any:
    """An anonymous test client."""
    return app.test_client()


@pytest.fixture
def admin_client(app: Any, users: dict[str, Any]) -> Any:
    """A test client signed in as the system administrator."""
    return login(app.test_client(), users["system_admin"])


class ApiClient:
    """A JSON client of ``/api/v1`` signed in as one user."""

    def __init__(self, flask_client: Any) -> None:
        self.client = flask_client
        self.token = csrf_token_of(flask_client)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Accept": "application/json", **kwargs.pop("headers", {})}
        if method != "GET":
            headers["X-CSRFToken"] = self.token
        return getattr(self.client, method.lower())("/api/v1" + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self._call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self._call("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self._call("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self._call("DELETE", path, **kwargs)


@pytest.fixture
def api_client(admin_client: Any) -> ApiClient:
    """An API client signed in as the system administrator."""
    return ApiClient(admin_client)


# ---------------------------------------------------------------------------
# Plugins made for one test
# ---------------------------------------------------------------------------


@pytest.fixture
def plugin_distribution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Make ``package_dir`` an installed plugin named ``name`` for this test only.

    Writes a ``.dist-info`` with a real ``sportello`` entry point and puts the package's
    parent folder on ``sys.path``, so discovery finds it exactly as it finds a
    pip-installed plugin. Packages written under the test's ``tmp_path`` are forgotten
    after the test; others (with models, which register once) stay imported. The
    returned function's ``paths`` make a subprocess (a worker) see the same plugins.
    """
    import importlib

    site = tmp_path / "site-packages"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    paths = [str(site)]

    def install(name: str, package_dir: Path | str, version: str = "1.0.0", summary: str = "") -> None:
        package_dir = Path(package_dir).resolve()
        monkeypatch.syspath_prepend(str(package_dir.parent))
        paths.append(str(package_dir.parent))
        info = site / f"sportello_test_{name}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: sportello-test-{name}\nVersion: {version}\nSummary: {summary}\n"
        )
        (info / "entry_points.txt").write_text(f"[sportello]\n{name} = {package_dir.name}\n")
        importlib.invalidate_caches()

    install.paths = paths  # type: ignore[attr-defined] - for PYTHONPATH of subprocesses
    yield install
    forgotten = set()
    for module_name, module in list(sys.modules.items()):
        origin = getattr(module, "__file__", None) or ""
        if origin.startswith(str(tmp_path)):
            del sys.modules[module_name]
            forgotten.add(module_name)
    from sportello.core.db import Model

    for mapper in list(Model.registry.mappers):
        if mapper.class_.__module__ in forgotten and mapper.local_table.name in Model.metadata.tables:
            Model.metadata.remove(mapper.local_table)


# ---------------------------------------------------------------------------
# Services on loopback
# ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SmtpServer:
    """A real SMTP server on loopback keeping every message it accepts."""

    host: str
    port: int
    messages: list[Any]

    def config(self) -> dict[str, Any]:
        """The Sportello settings that send e-mail to this server."""
        return {"SMTP_HOST": self.host, "SMTP_PORT": self.port, "SMTP_SECURITY": "none"}


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
            received.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield SmtpServer("127.0.0.1", port, received)
    controller.stop()


@pytest.fixture
def redis_url() -> str:
    """A Redis database for the test, emptied before use; fails in CI when Redis is down."""
    url = os.environ.get("SPORTELLO_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    from sportello.core.checks import redis_client

    client = redis_client(url)
    try:
        client.flushdb()
    except Exception as error:  # noqa: BLE001 - any failure means Redis is unusable
        service_missing(f"Redis at {url} is not reachable ({error})")
    return url


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    """The app served over HTTP on a free loopback port; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Playwright's chromium, using Debian's build at /usr/bin/chromium."""
    if not Path(CHROMIUM).exists():
        service_missing(f"no browser at {CHROMIUM}: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_missing("playwright is not installed: pip install playwright")
        raise
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def browser_page(browser: Any) -> Iterator[Any]:
    """A fresh browser tab at laptop size, with its own cookies."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


# ---------------------------------------------------------------------------
# Visibility: one table checked on every channel
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Channels:
    """Where an entity shows up. URLs take the record's id as ``{id}``; ``None`` skips.

    :param list_page: the HTML list; a listed record's label appears in it.
    :param detail_page: the record's page: 200 when it may be opened, else 404.
    :param api_list: a JSON list with ``items`` of objects carrying ``id``.
    :param api_detail: the record in the API: 200 or 404, like the page.
    :param export: a CSV/XLSX export of the list; a listed record's label is in it.
    :param pdf: the record's PDF: 200 or 404.
    :param search: whether the global search finds listed records by their label.
    """

    list_page: str | None = None
    detail_page: str | None = None
    api_list: str | None = None
    api_detail: str | None = None
    export: str | None = None
    pdf: str | None = None
    search: bool = True


@dataclass(frozen=True)
class Record:
    """A record of the table under test: its id and a label unique in the pages."""

    id: int
    label: str


def check_visibility(client: Any, records: dict[str, Record], channels: Channels, listed: set[str], opened: set[str]) -> None:
    """Check what one signed-in client reaches, record by record, on every channel.

    ``listed`` and ``opened`` are the keys of ``records`` the user must see in lists
    and may open; every other record must be absent from lists and answer 404, and
    an id nobody has (a guessed id) must answer 404 too. All mismatches are reported
    together.
    """
    problems: list[str] = []
    unknown = set(listed | opened) - set(records)
    assert not unknown, f"expected keys that are not records: {sorted(unknown)}"

    def text(url: str) -> str:
        response = client.get(url)
        if response.status_code != 200:
            problems.append(f"{url} answered {response.status_code}")
        return response.get_data(as_text=True)

    if channels.list_page:
        page = text(channels.list_page)
        for key, record in records.items():
            if (record.label in page) != (key in listed):
                problems.append(f"list page: {key} {'missing' if key in listed else 'shown'}")
    if channels.export:
        exported = text(channels.export)
        for key, record in records.items():
            if (record.label in exported) != (key in listed):
                problems.append(f"export: {key} {'missing' if key in listed else 'present'}")
    if channels.api_list:
        ids = {item["id"] for item in client.get(channels.api_list + ("&" if "?" in channels.api_list else "?") + "limit=200").json["items"]}
        for key, record in records.items():
            if (record.id in ids) != (key in listed):
                problems.append(f"API list: {key} {'missing' if key in listed else 'returned'}")
    if channels.search:
        for key, record in records.items():
            from markupsafe import escape

            results = client.get("/search", query_string={"q": record.label}).get_data(as_text=True)
            found = f">{escape(record.label)}<" in results  # a result's title, not the echoed query
            if found != (key in listed):
                problems.append(f"search: {key} {'not found' if key in listed else 'found'}")
    guessed = max(record.id for record in records.values()) + 100_000
    for name, template in (("page", channels.detail_page), ("API", channels.api_detail), ("PDF", channels.pdf)):
        if not template:
            continue
        for key, record in records.items():
            status = client.get(template.format(id=record.id)).status_code
            expected = 200 if key in opened else 404
            if status != expected:
                problems.append(f"{name} of {key}: {status}, expected {expected}")
        if (status := client.get(template.format(id=guessed)).status_code) != 404:
            problems.append(f"{name} of a guessed id: {status}, expected 404")
    assert not problems, "visibility differs from the table:\n  " + "\n  ".join(problems)


def check_visibility_table(
    app: Any,
    people: dict[str, Any],
    records: dict[str, Record],
    channels: Channels,
    table: dict[str, tuple[set[str], set[str]]],
    password: str = TEST_PASSWORD,
) -> None:
    """Check a whole table: profile (a key of ``people``) to (listed, opened) record keys."""
    for profile, (listed, opened) in table.items():
        client = login(app.test_client(), people[profile], password)
        try:
            check_visibility(client, records, channels, listed, opened)
        except AssertionError as error:
            raise AssertionError(f"profile {profile}: {error}") from None


# ---------------------------------------------------------------------------
# A Redis of the test's own, to stop and start in fault tests
# ---------------------------------------------------------------------------


@dataclass
class PrivateRedis:
    """A redis-server on a free loopback port, owned by one test."""

    folder: Path
    port: int
    process: Any = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import subprocess
        import time

        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A redis-server of this test only, so stopping it disturbs nobody else."""
    if shutil.which("redis-server") is None:
        service_missing("redis-server is not installed: fault tests start their own")
    server = PrivateRedis(tmp_path, free_port())
    server.start()
    yield server
    server.stop()
