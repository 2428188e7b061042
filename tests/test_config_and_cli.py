"""Configuration layers and the command line, including the one-line errors for bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sportello.core.cli import cli
from sportello.core.config import load_config
from sportello.core.migrate import states
from sportello.core.plugins import installed_plugins

SPORTELLO = [sys.executable, "-c", "from sportello.core.cli import main; main()"]


def run(args: list[str], env: dict[str, str], timeout: int = 60) -> subprocess.CompletedProcess[str]:
    """Run the real ``sportello`` command in a subprocess, as a person would."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")}
    return subprocess.run([*SPORTELLO, *args], env={**clean, **env}, capture_output=True, text=True, timeout=timeout)


def test_layers_defaults_then_file_then_environment(tmp_path: Path) -> None:
    (tmp_path / "sportello.toml").write_text('page_size = 20\nbase_url = "https://crm.example.it"\nplugins = ["a"]\n')
    config = load_config(folder=tmp_path, environ={"SPORTELLO_PAGE_SIZE": "30", "SPORTELLO_PLUGINS": "x, y"})
    assert config["PAGE_SIZE"] == 30
    assert config["BASE_URL"] == "https://crm.example.it"
    assert config["PLUGINS"] == ["x", "y"]
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'sportello.db'}"
    assert load_config(folder=tmp_path, environ={"SPORTELLO_PLUGINS": ""})["PLUGINS"] == []
    assert load_config(folder=tmp_path / "none", environ={})["PLUGINS"] is None


@pytest.mark.parametrize(
    ("env", "file_text", "expected"),
    [
        ({"SPORTELLO_PLUGINS": "nonexistent"}, None, "Error: plugin 'nonexistent': is not installed"),
        ({"SPORTELLO_DATABASE_URL": "not a url"}, None, "Error: DATABASE_URL 'not a url' is not a database URL."),
        ({"SPORTELLO_DATABASE_URL": "mysql://x@h/db"}, None, "Sportello supports SQLite and PostgreSQL"),
        ({}, "plugins = [\n", "is not valid TOML"),
        ({"SPORTELLO_PAGE_SIZE": "many"}, None, "SPORTELLO_PAGE_SIZE='many' is not a whole number."),
        (
            {"SPORTELLO_MODE": "production", "SPORTELLO_SECRET_KEY": "k" * 40, "SPORTELLO_REDIS_URL": "redis://127.0.0.1:1/0"},
            None,
            "Error: Redis at redis://127.0.0.1:1/0 is unreachable: start Redis or fix SPORTELLO_REDIS_URL",
        ),
        ({"SPORTELLO_MODE": "production", "SPORTELLO_REDIS_URL": "redis://127.0.0.1:6379/0"}, None, "SECRET_KEY is not set"),
    ],
)
def test_bad_input_gives_one_clear_line(tmp_path: Path, env: dict[str, str], file_text: str | None, expected: str) -> None:
    if file_text is not None:
        (tmp_path / "sportello.toml").write_text(file_text)
    result = run(["db", "upgrade"], {"SPORTELLO_INSTANCE_PATH": str(tmp_path), "SPORTELLO_PLUGINS": "", **env})
    assert result.returncode == 1
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_init_user_create_and_check(tmp_path: Path) -> None:
    env = {"SPORTELLO_INSTANCE_PATH": str(tmp_path), "SPORTELLO_PLUGINS": ""}
    assert run(["init"], env).returncode == 0
    assert "secret_key" in (tmp_path / "sportello.toml").read_text()
    created = run(["user", "create", "--email", "capo@rossi.it", "--name", "Capo", "--password", "password-123"], env)
    assert created.returncode == 0, created.stderr
    assert "Created capo@rossi.it (System administrator)" in created.stdout
    duplicate = run(["user", "create", "--email", "capo@rossi.it", "--name", "Capo", "--password", "password-123"], env)
    assert duplicate.returncode == 1
    assert "already exists" in duplicate.stderr and "Traceback" not in duplicate.stderr
    bad_profile = run(["user", "create", "--email", "x@rossi.it", "--name", "X", "--password", "password-123", "--profile", "boss"], env)
    assert "profile 'boss' does not exist (profiles: system_admin, crm_admin" in bad_profile.stderr
    checked = run(["check"], {**env, "SPORTELLO_SMTP_HOST": "127.0.0.1", "SPORTELLO_SMTP_PORT": "1"})
    lines = checked.stdout.splitlines()
    assert checked.returncode == 1  # SMTP is refused
    assert any(line.startswith("ok") and "Database:" in line for line in lines)
    assert any(line.startswith("FAIL") and "SMTP: 127.0.0.1:1 unreachable" in line for line in lines)
    assert any(line.startswith("ok") and "Migrations: up to date" in line for line in lines)


def test_check_reaches_redis(tmp_path: Path, redis_url: str) -> None:
    env = {"SPORTELLO_INSTANCE_PATH": str(tmp_path), "SPORTELLO_PLUGINS": "", "SPORTELLO_REDIS_URL": redis_url}
    run(["init"], env)
    checked = run(["check"], env)
    assert any(line.startswith("ok") and "Redis:" in line and "answers" in line for line in checked.stdout.splitlines())


def test_plugins_enable_disable_edit_the_instance_file(tmp_path: Path, example_plugins: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("SPORTELLO_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SPORTELLO_INSTANCE_PATH", str(tmp_path))
    runner = CliRunner()
    listing = runner.invoke(cli, ["plugins", "list"])
    assert "enabled  example" in listing.output
    refused = runner.invoke(cli, ["plugins", "disable", "example"])  # example_extra requires it
    assert refused.exit_code != 0
    assert "plugin 'example_extra': requires plugin 'example'" in str(refused.exception)
    done = runner.invoke(cli, ["plugins", "disable", "example_extra"])
    assert done.exit_code == 0, done.output
    assert "tables and data stay" in done.output
    everything = sorted(installed_plugins())
    assert load_config(folder=tmp_path, environ={})["PLUGINS"] == [p for p in everything if p != "example_extra"]
    assert "disabled example_extra" in runner.invoke(cli, ["plugins", "list"]).output
    enabled = runner.invoke(cli, ["plugins", "enable", "example_extra"])
    assert enabled.exit_code == 0
    assert "sportello db upgrade" in enabled.output
    assert load_config(folder=tmp_path, environ={})["PLUGINS"] == everything
    unknown = runner.invoke(cli, ["plugins", "enable", "ghost"])
    assert "plugin 'ghost' is not installed" in str(unknown.exception)


def test_db_current_lists_every_branch(make_app: Any, example_plugins: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(plugins=["example"])
    monkeypatch.setenv("SPORTELLO_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("SPORTELLO_PLUGINS", "example")
    output = CliRunner().invoke(cli, ["db", "current"]).output
    with app.app_context():
        core_head = next(state.head for state in states(app) if state.branch == "core")
    assert f"core             {core_head}" in output
    assert "example          ex0002" in output and "up to date" in output


def test_demo_prints_logins_and_prepares_data(tmp_path: Path) -> None:
    result = run(["demo", "--no-serve"], {"SPORTELLO_INSTANCE_PATH": str(tmp_path), "SPORTELLO_PLUGINS": ""}, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Sportello demo is ready." in result.stdout
    assert "admin@demo.sportello.local" in result.stdout
    assert "sportello-demo" in result.stdout
    assert f"kept as .eml files in {tmp_path / 'outbox'}" in result.stdout  # no SMTP server: nothing fails
    again = run(["demo", "--no-serve"], {"SPORTELLO_INSTANCE_PATH": str(tmp_path), "SPORTELLO_PLUGINS": ""}, timeout=120)
    assert "already loaded" in again.stdout


def test_without_smtp_an_outbox_folder_keeps_the_mails(tmp_path: Path) -> None:
    from email import message_from_bytes

    from flask import Flask

    from sportello.core.mail import MailError, send_mail

    app = Flask(__name__)
    with app.app_context():
        with pytest.raises(MailError, match="SMTP is not configured"):
            send_mail("anna@example.it", "Promemoria", "Testo", config={"SMTP_HOST": ""})
        send_mail("anna@example.it", "Promemoria", "Testo", config={"SMTP_HOST": "", "MAIL_OUTBOX": str(tmp_path)},
                  attachments=[("preventivo.pdf", "application/pdf", b"%PDF")])
    (kept,) = tmp_path.glob("*.eml")
    message = message_from_bytes(kept.read_bytes())
    assert message["To"] == "anna@example.it" and message["Subject"] == "Promemoria"
    assert [part.get_filename() for part in message.walk() if part.get_filename()] == ["preventivo.pdf"]
