"""The core distribution as pip builds it, and gunicorn serving the app factory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from sportello.testing import free_port

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return next(out.glob("sportello-*.whl"))


def test_wheel_holds_the_package_and_nothing_else(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top_levels = {name.split("/")[0] for name in names}
    assert top_levels == {"sportello", wheel.name.split("-py3")[0] + ".dist-info"}
    assert not [n for n in names if n.startswith(("sportello/tests/", "sportello/plugins/", "sportello/bench/"))]
    for required in [
        "sportello/hookspecs.py",
        "sportello/testing.py",
        "sportello/core/templates/core/layout.html",
        "sportello/core/static/vendor/bootstrap/bootstrap.min.css",
        "sportello/core/static/vendor/htmx/htmx.min.js",
        "sportello/core/translations/it/LC_MESSAGES/messages.mo",
        "sportello/core/migrations/env.py",
        "sportello/core/migrations/script.py.mako",
        "sportello/core/migrations/versions/0001_core_initial.py",
    ]:
        assert required in names, required


def test_every_module_of_the_wheel_imports(wheel: Path, tmp_path: Path) -> None:
    zipfile.ZipFile(wheel).extractall(tmp_path)
    modules = sorted(
        str(path.relative_to(tmp_path).with_suffix("")).replace("/", ".").removesuffix(".__init__")
        for path in (tmp_path / "sportello").rglob("*.py")
        if "migrations" not in path.parts
    )
    script = (
        "import importlib, sys\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        f"for name in {modules!r}:\n"
        "    module = importlib.import_module(name)\n"
        f"    assert module.__file__.startswith({str(tmp_path)!r}), module.__file__\n"
        "print(len(sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_gunicorn_serves_the_app_factory(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")}
    env.update(SPORTELLO_INSTANCE_PATH=str(tmp_path), SPORTELLO_PLUGINS="")
    subprocess.run([sys.executable, "-c", "from sportello.core.cli import main; main()", "init"], env=env, check=True, capture_output=True, timeout=120)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "sportello.core.app:create_app()"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError("gunicorn did not serve /healthz in 30 s") from None
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
            assert "Sportello" in response.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=10)
