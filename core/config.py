"""Configuration: built-in defaults < instance file < ``SPORTELLO_*`` environment.

The instance file is TOML (``sportello.toml`` in the instance folder). Keys are written
in lower case in the file and upper case in Python, e.g. ``database_url`` in the file,
``SPORTELLO_DATABASE_URL`` in the environment and ``config["DATABASE_URL"]`` in code.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w

from .errors import ConfigError

ENV_PREFIX = "SPORTELLO_"
INSTANCE_FILE = "sportello.toml"

#: Settings known to the core, with their defaults. Types of the defaults drive the
#: conversion of environment strings (``"true"`` becomes ``True`` for a bool, ...).
DEFAULTS: dict[str, Any] = {
    "MODE": "development",  # "production" makes Redis and a real secret key mandatory
    "SECRET_KEY": "",
    "DATABASE_URL": "",  # empty: SQLite file sportello.db in the instance folder
    "REDIS_URL": "",  # empty: jobs run in-process after commit (eager mode)
    "PLUGINS": None,  # None: every installed plugin; []: the core alone
    "BASE_URL": "http://127.0.0.1:5000",
    "DEFAULT_LOCALE": "it",
    "DEFAULT_TIMEZONE": "Europe/Rome",
    "SMTP_HOST": "",
    "SMTP_PORT": 25,
    "SMTP_SECURITY": "none",  # none | starttls | ssl
    "SMTP_USERNAME": "",
    "SMTP_PASSWORD": "",
    "MAIL_SENDER": "sportello@localhost",
    "MAIL_OUTBOX": "",  # without SMTP_HOST: a folder where e-mails are kept as .eml files instead
    "PAGE_SIZE": 50,
    "REQUIRE_2FA_FOR_ADMINS": False,  # system admins must set up two-factor sign-in
    "LOGIN_MAX_FAILURES_ACCOUNT": 5,  # failed sign-ins of one account before a lock
    "LOGIN_MAX_FAILURES_ADDRESS": 20,  # failed sign-ins from one address before a lock
    "LOGIN_LOCK_MINUTES": 15,  # how long a lock lasts (and the window failures count in)
    "PASSWORD_RESET_MINUTES": 60,  # how long a password reset link works
    "SQL_ECHO": False,
    "ATTACHMENT_MAX_MB": 10,  # largest file that can be attached to a record
    "ATTACHMENT_EXTENSIONS": [],  # accepted file name extensions; empty: the built-in list
}

#: Keys whose environment value is a comma-separated list.
LIST_KEYS = {"PLUGINS", "ATTACHMENT_EXTENSIONS"}

DEV_SECRET_KEY = "sportello-development-key-not-for-production"


def instance_path() -> Path:
    """The instance folder: ``SPORTELLO_INSTANCE_PATH`` or ``./instance``."""
    return Path(os.environ.get(ENV_PREFIX + "INSTANCE_PATH") or Path.cwd() / "instance").resolve()


def read_instance_file(folder: Path) -> dict[str, Any]:
    """Read ``sportello.toml`` from ``folder``; a missing file is an empty configuration."""
    path = folder / INSTANCE_FILE
    if not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            f"the instance file {path} is not valid TOML: {error}. Fix that line or delete the file."
        ) from None
    except OSError as error:
        raise ConfigError(f"the instance file {path} cannot be read: {error.strerror}.") from None
    return {key.upper(): value for key, value in data.items()}


def write_instance_file(folder: Path, values: Mapping[str, Any]) -> Path:
    """Write ``values`` (upper-case keys) to the instance file, keeping the other keys."""
    folder.mkdir(parents=True, exist_ok=True)
    current = read_instance_file(folder)
    current.update(values)
    path = folder / INSTANCE_FILE
    clean = {key.lower(): value for key, value in current.items() if value is not None}
    path.write_text(tomli_w.dumps(clean), encoding="utf-8")
    return path


def _convert(key: str, raw: str) -> Any:
    default = DEFAULTS.get(key)
    if key in LIST_KEYS:
        return [item.strip() for item in raw.split(",") if item.strip()]
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigError(f"{ENV_PREFIX}{key}={raw!r} is not a yes/no value: use true or false.")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{ENV_PREFIX}{key}={raw!r} is not a whole number.") from None
    return raw


def read_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """The ``SPORTELLO_*`` variables, converted to the type of their defaults."""
    values: dict[str, Any] = {}
    for name, raw in environ.items():
        if name.startswith(ENV_PREFIX) and name != ENV_PREFIX + "INSTANCE_PATH":
            key = name[len(ENV_PREFIX) :]
            values[key] = _convert(key, raw)
    return values


def load_config(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    folder: Path | None = None,
) -> dict[str, Any]:
    """Merge defaults, the instance file, the environment and explicit ``overrides``."""
    folder = folder or instance_path()
    config: dict[str, Any] = dict(DEFAULTS)
    config.update(read_instance_file(folder))
    config.update(read_environment(os.environ if environ is None else environ))
    if overrides:
        config.update({key.upper(): value for key, value in overrides.items()})
    config["INSTANCE_PATH"] = str(folder)
    return finish(config)


def finish(config: dict[str, Any]) -> dict[str, Any]:
    """Fill derived values and reject combinations that cannot work."""
    folder = Path(config["INSTANCE_PATH"])
    if config["MODE"] not in {"development", "production", "testing"}:
        raise ConfigError(
            f"MODE={config['MODE']!r} is unknown: use development, production or testing."
        )
    if isinstance(config["PLUGINS"], str):
        config["PLUGINS"] = [p.strip() for p in config["PLUGINS"].split(",") if p.strip()]
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{folder / 'sportello.db'}"
    if not config["SECRET_KEY"]:
        if config["MODE"] == "production":
            raise ConfigError(
                "SECRET_KEY is not set: production needs SPORTELLO_SECRET_KEY "
                "(a long random string, e.g. from `python -c 'import secrets; print(secrets.token_hex(32))'`)."
            )
        config["SECRET_KEY"] = DEV_SECRET_KEY
    if config["MODE"] == "production" and not config["REDIS_URL"]:
        raise ConfigError(
            "REDIS_URL is not set: production runs jobs on Redis, set SPORTELLO_REDIS_URL "
            "(e.g. redis://127.0.0.1:6379/0)."
        )
    if config["SMTP_SECURITY"] not in {"none", "starttls", "ssl"}:
        raise ConfigError(
            f"SMTP_SECURITY={config['SMTP_SECURITY']!r} is unknown: use none, starttls or ssl."
        )
    return config
