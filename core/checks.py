"""Reachability checks of the services Sportello uses, each answered in one line."""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from .errors import ServiceError


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: ``ok`` is ``True``, ``False``, or ``None`` when skipped."""

    name: str
    ok: bool | None
    detail: str


def redis_client(url: str, timeout: float = 2.0) -> Any:
    """A Redis client for ``url`` with short timeouts (no connection is made yet)."""
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)


def check_redis(url: str) -> CheckResult:
    if not url:
        return CheckResult("Redis", None, "not configured: jobs run in-process after each commit")
    try:
        client = redis_client(url)
        client.ping()
        version = client.info("server").get("redis_version", "?")
    except Exception as error:  # any failure is reported, never raised
        return CheckResult("Redis", False, f"{_safe_url(url)} unreachable: {error}")
    return CheckResult("Redis", True, f"{_safe_url(url)} answers (Redis {version})")


def require_redis(url: str) -> None:
    """Stop start-up in production when Redis does not answer."""
    result = check_redis(url)
    if not result.ok:
        raise ServiceError(
            f"Redis at {_safe_url(url)} is unreachable: start Redis or fix SPORTELLO_REDIS_URL ({result.detail})."
        )


def check_database(db: Any) -> CheckResult:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            version = connection.dialect.server_version_info
    except Exception as error:
        first_line = str(error).strip().splitlines()[0]
        return CheckResult("Database", False, f"{db.engine.url.render_as_string(hide_password=True)} unreachable: {first_line}")
    shown = ".".join(str(part) for part in version or ())
    return CheckResult(
        "Database", True, f"{db.engine.url.render_as_string(hide_password=True)} answers ({db.backend} {shown})"
    )


def check_smtp(config: dict[str, Any]) -> CheckResult:
    host = config.get("SMTP_HOST")
    if not host:
        return CheckResult("SMTP", None, "not configured: set SPORTELLO_SMTP_HOST to send e-mail")
    port = int(config.get("SMTP_PORT") or 25)
    try:
        if config.get("SMTP_SECURITY") == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=5, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=5)
            if config.get("SMTP_SECURITY") == "starttls":
                client.starttls(context=ssl.create_default_context())
        if config.get("SMTP_USERNAME"):
            client.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD", ""))
        client.noop()
        client.quit()
    except (OSError, smtplib.SMTPException, socket.timeout) as error:
        return CheckResult("SMTP", False, f"{host}:{port} unreachable: {error}")
    return CheckResult("SMTP", True, f"{host}:{port} answers")


def _safe_url(url: str) -> str:
    """The URL without its password, fit for a log line."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
