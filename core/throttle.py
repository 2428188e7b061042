"""Throttling of failed sign-ins, per account and per client address.

Failures count in a sliding window of LOGIN_LOCK_MINUTES: an account (its lower-cased
e-mail) with LOGIN_MAX_FAILURES_ACCOUNT failures in the window, or an address with
LOGIN_MAX_FAILURES_ADDRESS, is locked until enough of them leave the window. Failures
live in Redis when REDIS_URL is set (one sorted set per key, scored by time), else in
the table ``core_login_failure``. A maximum of 0 turns that check off.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select

from .db import current_session, utcnow
from .tokens import LoginFailure

REDIS_PREFIX = "sportello:login:"


def now() -> datetime:
    """The current time (tests move it by replacing this function)."""
    return utcnow()


def account_key(account: str) -> str:
    return "account:" + (account or "").strip().lower()


def address_key(address: str | None) -> str:
    return "address:" + (address or "unknown")


def _window() -> timedelta:
    return timedelta(minutes=float(current_app.config["LOGIN_LOCK_MINUTES"]))


def _limits(account: str, address: str | None) -> list[tuple[str, int]]:
    config = current_app.config
    return [
        (account_key(account), int(config["LOGIN_MAX_FAILURES_ACCOUNT"])),
        (address_key(address), int(config["LOGIN_MAX_FAILURES_ADDRESS"])),
    ]


def record_failure(account: str, address: str | None) -> None:
    """Count one failed sign-in against ``account`` and ``address``."""
    storage = _storage()
    at = now()
    for key, _limit in _limits(account, address):
        storage.add(key, at)


def locked_for(account: str, address: str | None) -> timedelta | None:
    """How long until ``account`` or ``address`` may try again, or ``None`` when not locked."""
    storage = _storage()
    at = now()
    window = _window()
    longest: timedelta | None = None
    for key, limit in _limits(account, address):
        if limit <= 0:
            continue
        recent = storage.newest(key, at - window, limit)
        if len(recent) >= limit:
            # The lock ends when the limit-th newest failure leaves the window.
            remaining = recent[limit - 1] + window - at
            if remaining > timedelta(0) and (longest is None or remaining > longest):
                longest = remaining
    return longest


def clear(account: str) -> None:
    """Forget the failures of ``account`` (after a successful sign-in)."""
    _storage().clear(account_key(account))


# ---------------------------------------------------------------------------
# Storages
# ---------------------------------------------------------------------------


class DatabaseStorage:
    """Failures as rows of ``core_login_failure``; each change is committed at once."""

    def add(self, key: str, at: datetime) -> None:
        session = current_session()
        session.execute(delete(LoginFailure).where(LoginFailure.key == key, LoginFailure.at < at - _window()))
        session.add(LoginFailure(key=key, at=at))
        session.commit()

    def newest(self, key: str, since: datetime, limit: int) -> list[datetime]:
        rows = current_session().scalars(
            select(LoginFailure.at)
            .where(LoginFailure.key == key, LoginFailure.at > since)
            .order_by(LoginFailure.at.desc())
            .limit(limit)
        )
        return list(rows)

    def clear(self, key: str) -> None:
        session = current_session()
        session.execute(delete(LoginFailure).where(LoginFailure.key == key))
        session.commit()


class RedisStorage:
    """Failures as members of a sorted set per key, scored by their POSIX time."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def add(self, key: str, at: datetime) -> None:
        name = REDIS_PREFIX + key
        window = _window()
        score = at.timestamp()
        pipe = self.client.pipeline()
        pipe.zadd(name, {f"{score}:{uuid.uuid4().hex}": score})
        pipe.zremrangebyscore(name, "-inf", (at - window).timestamp())
        pipe.expire(name, int(window.total_seconds()) + 60)
        pipe.execute()

    def newest(self, key: str, since: datetime, limit: int) -> list[datetime]:
        entries = self.client.zrevrangebyscore(
            REDIS_PREFIX + key, "+inf", f"({since.timestamp()}", start=0, num=limit, withscores=True
        )
        return [datetime.fromtimestamp(score, tz=since.tzinfo) for _member, score in entries]

    def clear(self, key: str) -> None:
        self.client.delete(REDIS_PREFIX + key)


def _storage() -> DatabaseStorage | RedisStorage:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return DatabaseStorage()
    clients = current_app.extensions.setdefault("sportello_throttle_redis", {})
    if url not in clients:
        from .checks import redis_client

        clients[url] = redis_client(url)
    return RedisStorage(clients[url])
