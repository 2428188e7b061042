"""The audit log: every create, update and delete, by whom, through which channel."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from flask import has_request_context
from sqlalchemy import JSON, BigInteger, Index, Integer, String, event, insert
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.base import NO_VALUE

from .db import Model, utcnow


class AuditEntry(Model):
    """One change to one record. Append-only: nothing updates or deletes these rows."""

    __tablename__ = "core_audit"
    __audit__ = False
    __table_args__ = (
        Index("ix_core_audit_entity_record", "entity", "record_id", "id"),
        Index("ix_core_audit_actor", "actor_id", "id"),
        Index("ix_core_audit_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column()
    token_id: Mapped[int | None] = mapped_column()
    channel: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(8))
    entity: Mapped[str] = mapped_column(String(120))
    record_id: Mapped[str] = mapped_column(String(64))
    changes: Mapped[Any] = mapped_column(JSON)
    address: Mapped[str | None] = mapped_column(String(64))


# ---------------------------------------------------------------------------
# Who is acting: set by the web request, the CLI, imports and jobs
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who makes the changes of the current unit of work, and through which channel."""

    user_id: int | None
    channel: str
    token_id: int | None = None
    address: str | None = None


_actor: ContextVar[Actor | None] = ContextVar("sportello_actor", default=None)


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    """Attribute the changes made inside the block to ``actor``.

    The CLI uses channel ``"cli"``, importers ``"import"``, jobs ``"job"``.
    """
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


def current_actor() -> Actor:
    """The explicit actor, else the web request's user, else the system."""
    explicit = _actor.get()
    if explicit is not None:
        return explicit
    if has_request_context():
        from flask import g, request
        from flask_login import current_user

        user_id = current_user.id if getattr(current_user, "is_authenticated", False) else None
        channel = "api" if request.path.startswith("/api/") else "ui"
        return Actor(user_id=user_id, channel=channel, token_id=g.get("api_token_id"), address=request.remote_addr)
    return Actor(user_id=None, channel="system")


# ---------------------------------------------------------------------------
# Recording: one row per created, changed or deleted record, in the same flush
# ---------------------------------------------------------------------------

MASK = "***"


def _audited(instance: Any) -> bool:
    return getattr(type(instance), "__audit__", True) and isinstance(instance, Model)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (Decimal, Enum)):
        return str(value.value if isinstance(value, Enum) else value)
    return str(value)


def _columns(instance: Any) -> list[Any]:
    return list(sa_inspect(type(instance)).column_attrs)


def _snapshot(instance: Any) -> dict[str, Any]:
    excluded = getattr(type(instance), "__audit_exclude__", frozenset())
    state = sa_inspect(instance)
    values = {}
    for attr in _columns(instance):
        key = attr.key
        value = state.attrs[key].loaded_value
        if value is NO_VALUE:
            continue
        values[key] = MASK if key in excluded and value is not None else _jsonable(value)
    return values


def _differences(instance: Any) -> dict[str, list[Any]]:
    """Changed columns as ``{name: [old, new]}``; bookkeeping columns alone do not count."""
    excluded = getattr(type(instance), "__audit_exclude__", frozenset())
    ignored = getattr(type(instance), "__audit_ignore__", frozenset())
    state = sa_inspect(instance)
    changes: dict[str, list[Any]] = {}
    for attr in _columns(instance):
        if attr.key in ignored:
            continue
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        if attr.key in excluded:
            changes[attr.key] = [MASK if old is not None else None, MASK if new is not None else None]
        else:
            changes[attr.key] = [_jsonable(old), _jsonable(new)]
    return changes


def _record_id(instance: Any) -> str:
    key = sa_inspect(type(instance)).primary_key_from_instance(instance)
    return ",".join(str(part) for part in key)


def _pending(session: Session) -> list[tuple[str, Any, dict[str, Any]]]:
    """Changes about to be flushed (their new ids are not known yet)."""
    found: list[tuple[str, Any, dict[str, Any]]] = []
    for instance in session.new:
        if _audited(instance):
            found.append(("create", instance, {}))
    for instance in session.dirty:
        if _audited(instance) and session.is_modified(instance, include_collections=False):
            changes = _differences(instance)
            if changes:
                found.append(("update", instance, changes))
    for instance in session.deleted:
        if _audited(instance):
            found.append(("delete", instance, _snapshot(instance)))
    return found


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    session.info.setdefault("audit_pending", []).extend(_pending(session))


def _after_flush(session: Session, _context: Any) -> None:
    pending = session.info.pop("audit_pending", [])
    if not pending:
        return
    actor = current_actor()
    now = utcnow()
    rows = []
    for action, instance, changes in pending:
        if action == "create":
            changes = {key: [None, value] for key, value in _snapshot(instance).items() if value is not None}
        elif action == "delete":
            changes = {key: [value, None] for key, value in changes.items()}
        rows.append(
            {
                "at": now,
                "actor_id": actor.user_id,
                "token_id": actor.token_id,
                "channel": actor.channel,
                "action": action,
                "entity": entity_name_of(type(instance)),
                "record_id": _record_id(instance),
                "changes": changes,
                "address": actor.address,
            }
        )
    session.execute(insert(AuditEntry), rows)


def entity_name_of(model: type) -> str:
    return getattr(model, "__entity__", None) or model.__tablename__  # type: ignore[attr-defined]


def install_audit() -> None:
    """Listen to every session's flushes (once per process)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
