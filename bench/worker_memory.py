#!/usr/bin/env python3
"""Resident memory of one gunicorn worker after every page has been served once.

1. ``sportello demo --no-serve`` prepares a demo database in a temp instance folder;
2. gunicorn serves ``sportello.core.app:create_app()`` with 1 sync worker on
   127.0.0.1 (loopback only) and a free port;
3. the system administrator signs in through the real login form (CSRF token read
   from the page), then every page is requested once: the sidebar menu links, the
   global search, every settings page, the modules page, the API documentation page,
   the OpenAPI document, ``/api/v1/me``, ``/healthz`` and a page that does not exist;
4. no answer may be a 5xx;
5. the RSS of the worker process (the master's child) is read with psutil.

gunicorn is always stopped at the end (SIGTERM, then SIGKILL of its process group).

Run:  .venv/bin/python bench/worker_memory.py

Not part of the test suite; standard library + psutil only.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import psutil

TARGET_MB = 150.0
MB = 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent
ADMIN_EMAIL = "admin@demo.sportello.local"
DEMO_PASSWORD = "sportello-demo"
HOST = "127.0.0.1"
REQUEST_TIMEOUT = 30.0
BOOT_TIMEOUT = 60.0
DEMO_TIMEOUT = 300.0
STOP_TIMEOUT = 15.0


def venv_bin(name: str) -> str:
    """A tool of the project's virtualenv, else the one next to this interpreter."""
    for folder in (ROOT / ".venv" / "bin", Path(sys.executable).parent):
        if (folder / name).exists():
            return str(folder / name)
    raise SystemExit(f"{name} is not installed: `.venv/bin/pip install {name}`")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def bench_env(instance: Path) -> dict[str, str]:
    """No inherited SPORTELLO_* (every installed plugin), a temp instance and SQLite."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")}
    env.update(
        SPORTELLO_INSTANCE_PATH=str(instance),
        SPORTELLO_DATABASE_URL=f"sqlite:///{instance / 'sportello.db'}",
        SPORTELLO_SECRET_KEY="bench-worker-memory-not-a-secret",
        SPORTELLO_MODE="development",
    )
    for name in ("PYTHONTRACEMALLOC", "PYTHONPROFILEIMPORTTIME", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    return env


# ---------------------------------------------------------------------------
# HTML parsing
# ---------------------------------------------------------------------------


class LinkParser(HTMLParser):
    """Collects the csrf_token hidden input, the hrefs inside nav#sidebar and all hrefs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.csrf_token: str | None = None
        self.sidebar_links: list[str] = []
        self.all_links: list[str] = []
        self._nav_depth = 0  # nesting of <nav> elements, counted while inside the sidebar
        self._in_sidebar = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name") == "csrf_token" and self.csrf_token is None:
            self.csrf_token = attributes.get("value")
        if tag == "nav":
            if self._in_sidebar:
                self._nav_depth += 1
            elif attributes.get("id") == "sidebar":
                self._in_sidebar, self._nav_depth = True, 1
        if tag == "a" and attributes.get("href"):
            href = attributes["href"] or ""
            self.all_links.append(href)
            if self._in_sidebar:
                self.sidebar_links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self._in_sidebar:
            self._nav_depth -= 1
            if self._nav_depth == 0:
                self._in_sidebar = False


def parse(html: str) -> LinkParser:
    parser = LinkParser()
    parser.feed(html)
    parser.close()
    return parser


def local_path(href: str, base: str) -> str | None:
    """The path (and query) of a same-site link, or None for anchors and other sites."""
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
        return None
    absolute = urllib.parse.urljoin(base, href)
    parts = urllib.parse.urlsplit(absolute)
    if parts.netloc != urllib.parse.urlsplit(base).netloc:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


# ---------------------------------------------------------------------------
# HTTP client
# ---------------------------------------------------------------------------


class Client:
    """urllib with a cookie jar, no proxy (loopback only), bounded timeouts."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),  # never send loopback traffic to a proxy
            urllib.request.HTTPCookieProcessor(self.jar),
        )
        self.log: list[tuple[str, int, int, float, str]] = []

    def request(self, path: str, data: dict[str, str] | None = None, record: bool = True) -> tuple[int, str, str]:
        """(status, final URL, body); HTTP errors are answers too, not exceptions."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers={"Accept": "text/html,application/json"})
        start = time.perf_counter()
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                status, url, raw = response.status, response.url, response.read()
        except urllib.error.HTTPError as error:
            status, url, raw = error.code, error.url or self.base + path, error.read()
        elapsed = (time.perf_counter() - start) * 1000
        text = raw.decode("utf-8", errors="replace")
        if record:
            self.log.append((("POST " if data is not None else "GET  ") + path, status, len(raw), elapsed, url))
        return status, url, text


# ---------------------------------------------------------------------------
# gunicorn
# ---------------------------------------------------------------------------


def start_gunicorn(instance: Path, port: int, log_path: Path) -> subprocess.Popen:
    command = [
        venv_bin("gunicorn"),
        "--bind", f"{HOST}:{port}",
        "--workers", "1",
        "--worker-class", "sync",
        "--timeout", "60",
        "--graceful-timeout", "5",
        "--log-level", "warning",
        "sportello.core.app:create_app()",
    ]
    with log_path.open("wb") as log:
        return subprocess.Popen(
            command,
            cwd=instance,
            env=bench_env(instance),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so stopping it gets every worker
        )


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)  # graceful stop of master and workers
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=STOP_TIMEOUT)
    # a worker outliving its master would keep the group: make sure nothing is left
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def wait_until_up(process: subprocess.Popen, client: Client, log_path: Path) -> float:
    start = time.perf_counter()
    deadline = start + BOOT_TIMEOUT
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with code {process.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            status, _url, _text = client.request("/healthz", record=False)
            if status < 500:
                return time.perf_counter() - start
        except (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError):
            pass
        time.sleep(0.1)
    raise SystemExit(f"gunicorn did not answer within {BOOT_TIMEOUT:.0f} s:\n{log_path.read_text(errors='replace')}")


def worker_processes(master_pid: int) -> list[psutil.Process]:
    return psutil.Process(master_pid).children(recursive=False)


def memory_line(process: psutil.Process) -> str:
    info = process.memory_full_info()
    return f"RSS {info.rss / MB:7.1f} MB   USS {info.uss / MB:7.1f} MB   PSS {getattr(info, 'pss', 0) / MB:7.1f} MB"


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------


def sign_in(client: Client) -> None:
    status, _url, html = client.request("/login")
    if status != 200:
        raise SystemExit(f"GET /login answered {status}")
    token = parse(html).csrf_token
    if not token:
        raise SystemExit("the login page has no csrf_token hidden input")
    status, url, _html = client.request("/login", {"csrf_token": token, "email": ADMIN_EMAIL, "password": DEMO_PASSWORD})
    if status >= 400 or urllib.parse.urlsplit(url).path == "/login":
        raise SystemExit(f"signing in as {ADMIN_EMAIL} failed (status {status}, ended on {url})")
    status, _url, text = client.request("/api/v1/me", record=False)
    if status != 200 or json.loads(text).get("email") != ADMIN_EMAIL:
        raise SystemExit(f"/api/v1/me after sign-in answered {status}: {text[:200]}")


def visit_everything(client: Client) -> None:
    """GET each page once (a page reached twice, e.g. /settings, is fetched once)."""
    answers: dict[str, tuple[int, str, str]] = {}

    def get(path: str) -> tuple[int, str, str]:
        if path not in answers:
            answers[path] = client.request(path)
        return answers[path]

    status, url, home = get("/")
    if status != 200:
        raise SystemExit(f"GET / answered {status}")
    sidebar = [p for p in (local_path(h, url) for h in parse(home).sidebar_links) if p]
    if not sidebar:
        raise SystemExit("no link found in nav#sidebar of the home page")
    for path in dict.fromkeys(sidebar):
        get(path)

    get("/search?q=demo")

    _status, url, settings_html = get("/settings")  # redirects to the first section
    for href in parse(settings_html).all_links:
        path = local_path(href, url)
        if path and urllib.parse.urlsplit(path).path.startswith("/settings/"):
            get(path)

    for path in ("/modules", "/api/v1/docs", "/api/v1/openapi.json", "/api/v1/me", "/healthz",
                 "/this-page-does-not-exist-bench"):
        get(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temp instance folder (database, gunicorn log)")
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="sportello-bench-memory-"))
    log_path = instance / "gunicorn.log"
    process: subprocess.Popen | None = None
    try:
        demo_start = time.perf_counter()
        demo = subprocess.run(
            [venv_bin("sportello"), "demo", "--no-serve"],
            cwd=instance, env=bench_env(instance), capture_output=True, text=True,
            timeout=DEMO_TIMEOUT, check=False, stdin=subprocess.DEVNULL,
        )
        if demo.returncode != 0:
            raise SystemExit(f"sportello demo --no-serve failed ({demo.returncode}):\n{demo.stdout}{demo.stderr}")
        modules = next((l.split(":", 1)[1].strip() for l in demo.stdout.splitlines() if "Modules" in l), "?")
        demo_seconds = time.perf_counter() - demo_start

        port = free_port()
        base = f"http://{HOST}:{port}"
        process = start_gunicorn(instance, port, log_path)
        client = Client(base)
        boot_seconds = wait_until_up(process, client, log_path)
        workers = worker_processes(process.pid)
        if len(workers) != 1:
            raise SystemExit(f"expected 1 gunicorn worker, found {len(workers)}")
        worker = workers[0]
        booted = memory_line(worker)

        sign_in(client)
        visit_everything(client)

        time.sleep(0.2)  # let the worker finish the last response before reading memory
        workers = worker_processes(process.pid)
        if [w.pid for w in workers] != [worker.pid]:
            raise SystemExit(f"the worker was replaced during the run (was {worker.pid}, now {[w.pid for w in workers]}): see {log_path}")
        rss_mb = worker.memory_info().rss / MB
        after = memory_line(worker)
        master = memory_line(psutil.Process(process.pid))

        print("Sportello gunicorn worker memory benchmark")
        print(f"  modules  : {modules}")
        print(f"  demo     : prepared in {demo_seconds:.1f} s ({instance / 'sportello.db'})")
        print(f"  gunicorn : 1 sync worker on {base}, first answer after {boot_seconds:.1f} s")
        print()
        print(f"  {'request':<44} {'status':>6} {'bytes':>8} {'ms':>7}  final URL")
        failures = []
        for what, status, size, elapsed, url in client.log:
            final = urllib.parse.urlsplit(url)
            final_path = final.path + (f"?{final.query}" if final.query else "")
            print(f"  {what:<44} {status:>6} {size:>8} {elapsed:7.1f}  {final_path}")
            if status >= 500:
                failures.append((what, status))
        print()
        print(f"  master pid {process.pid:<8}            : {master}")
        print(f"  worker pid {worker.pid:<8} after boot : {booted}")
        print(f"  worker pid {worker.pid:<8} after pages: {after}")
        print()
        verdict = "OK" if rss_mb < TARGET_MB else "OVER TARGET"
        print(f"  worker RSS: {rss_mb:.1f} MB (1 MB = 2^20 bytes)   target: under {TARGET_MB:.0f} MB -> {verdict}")
        if failures:
            print(f"  FAILED: {len(failures)} answer(s) with a 5xx: {failures}; see {log_path}")
            args.keep = True
            return 2
        print(f"  every one of the {len(client.log)} requests answered without a 5xx")
        return 0 if rss_mb < TARGET_MB else 1
    finally:
        if process is not None:
            stop_gunicorn(process)
        if args.keep:
            print(f"  kept: {instance}")
        else:
            shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
