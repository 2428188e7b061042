"""Notices created from system events and from the daily deadline scan."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from flask import current_app, has_request_context
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..access import entity_models, visible
from ..db import current_session, utcnow
from ..identity import User
from ..jobs import enqueue
from ..types import Deadline, Event
from .models import DEADLINE, EVENT, QUEUED, Notice, NotificationRule
from .recipients import candidate_ids, recipients_of, resolve

log = logging.getLogger(__name__)

SEND = "sportello.core.notify.send:send_notice"


def notice_key(rule_id: int, entity: str, record_id: int | None, occasion: str, user_id: int, channel: str) -> str:
    """The idempotency key: one notice per rule, record, occasion, recipient and channel."""
    return f"{rule_id}|{entity}|{record_id if record_id is not None else '-'}|{occasion}|{user_id}|{channel}"[:255]


def create_notice(session: Session, **values: Any) -> Notice | None:
    """Add a notice and its sending job, unless one with the same key exists.

    The insert runs in a SAVEPOINT: a duplicate (even one another process just made)
    hits the unique key and is a no-op. Returns the new notice or ``None``.
    """
    if session.scalar(select(Notice.id).where(Notice.key == values["key"])) is not None:
        return None
    notice = Notice(state=QUEUED, **values)
    try:
        with session.begin_nested():
            session.add(notice)
            session.flush()
    except IntegrityError:
        return None
    enqueue(SEND, session=session, notice_id=notice.id)
    return notice


def _notices_for(session: Session, rule: NotificationRule, *, entity: str, record_id: int | None, occasion: str,
                 recipients: Mapping[str, Sequence[int]], **values: Any) -> list[Notice]:
    made = []
    for user in resolve(session, rule, entity, record_id, recipients):
        notice = create_notice(
            session, key=notice_key(rule.id, entity, record_id, occasion, user.id, rule.channel), rule_id=rule.id,
            trigger=rule.trigger, entity=entity, record_id=record_id, user_id=user.id, channel=rule.channel, **values,
        )
        if notice is not None:
            made.append(notice)
    return made


def notify_event(event: Event) -> list[Notice]:
    """Notices for every active rule whose trigger is the event's type (the core's ``on_event``)."""
    session = current_session()
    rules = session.scalars(
        select(NotificationRule).where(NotificationRule.trigger == event.type, NotificationRule.trigger_type == EVENT,
                                       NotificationRule.active.is_(True)).order_by(NotificationRule.id)
    ).unique().all()
    if not rules:
        return []
    payload = event.payload or {}
    title = str(payload.get("title") or payload.get("name") or "")[:300]
    url = str(payload.get("url") or "")[:500]
    made = []
    for rule in rules:
        made.extend(_notices_for(
            session, rule, entity=event.entity, record_id=event.record_id, occasion=f"event:{event.id}",
            recipients=recipients_of(payload), event_id=event.id, title=title, url=url, happened_at=event.occurred_at,
        ))
    session.commit()
    return made


def scan_deadlines(today: date) -> list[Notice]:
    """Create the notices of deadlines coming up on ``today``; run it as often as you like.

    For every active deadline rule, the plugins' ``deadlines`` hook (with ``user=None``)
    is asked for the window today..today + the longest ``days_ahead``; a deadline is
    notified when ``due - days_ahead <= today <= due``. Each notice exists once, so a
    second scan of the same day creates nothing.
    """
    if not has_request_context():  # plugins build their records' URLs with url_for
        with current_app.test_request_context("/", base_url="http://localhost/"):  # paths only: BASE_URL is added when sent
            return scan_deadlines(today)
    session = current_session()
    rules = session.scalars(
        select(NotificationRule).where(NotificationRule.trigger_type == DEADLINE, NotificationRule.active.is_(True))
        .order_by(NotificationRule.id)
    ).unique().all()
    if not rules:
        return []
    horizon = max(rule.days_ahead for rule in rules)
    plugins = current_app.extensions["sportello"].plugins
    found = [item for item in plugins.collect("deadlines", start=today, end=today + timedelta(days=horizon), user=None)
             if isinstance(item, Deadline)]
    wanted = []
    profile_ids: dict[str, list[int]] = {}
    for rule in rules:
        for deadline in found:
            if deadline.kind != rule.trigger or not (deadline.due - timedelta(days=rule.days_ahead) <= today <= deadline.due):
                continue
            for user_id in candidate_ids(session, rule, deadline.recipients or {}, profile_ids):
                wanted.append(dict(
                    key=notice_key(rule.id, deadline.entity, deadline.record_id, f"due:{deadline.due.isoformat()}",
                                   user_id, rule.channel),
                    rule_id=rule.id, trigger=rule.trigger, entity=deadline.entity, record_id=deadline.record_id,
                    user_id=user_id, channel=rule.channel, due=deadline.due, title=str(deadline.title)[:300],
                    url=str(deadline.url or "")[:500],
                ))
    active = readers(session, wanted)
    made = create_notices(session, [row for row in wanted if row["user_id"] in active])
    session.commit()
    return made


CHUNK = 500


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def readers(session: Session, rows: list[dict[str, Any]]) -> set[int]:
    """Ids of the users of ``rows`` who are active (few queries, whatever the rows)."""
    ids = sorted({row["user_id"] for row in rows})
    active: set[int] = set()
    for chunk in _chunks(ids):
        active.update(session.scalars(select(User.id).where(User.id.in_(chunk), User.active.is_(True))))
    return active


def create_notices(session: Session, rows: list[dict[str, Any]]) -> list[Notice]:
    """Create the notices of ``rows`` that do not exist yet, for readers of their records.

    Batched for the daily scan: one query per few hundred keys to skip existing notices,
    one visibility query per recipient and kind of record, one flush for the rest. If a
    concurrent scan inserted some of them meanwhile, each row falls back to its own
    SAVEPOINT, so the unique key still decides.
    """
    existing: set[str] = set()
    for chunk in _chunks([row["key"] for row in rows]):
        existing.update(session.scalars(select(Notice.key).where(Notice.key.in_(chunk))))
    fresh = [row for row in rows if row["key"] not in existing]
    readable = _readable(session, fresh)
    fresh = [row for row in fresh if (row["user_id"], row["entity"], row["record_id"]) in readable]
    if not fresh:
        return []
    notices = [Notice(state=QUEUED, **row) for row in fresh]
    try:
        with session.begin_nested():
            session.add_all(notices)
            session.flush()
    except IntegrityError:
        return [notice for row in fresh if (notice := create_notice(session, **row)) is not None]
    for notice in notices:
        enqueue(SEND, session=session, notice_id=notice.id)
    return notices


def _readable(session: Session, rows: list[dict[str, Any]]) -> set[tuple[int, str, int | None]]:
    """(user, entity, record) triples of ``rows`` whose record the user may open."""
    grouped: dict[tuple[int, str], set[Any]] = {}
    for row in rows:
        grouped.setdefault((row["user_id"], row["entity"]), set()).add(row["record_id"])
    models = entity_models()
    users = {user.id: user for user in session.scalars(select(User).where(User.id.in_({u for u, _e in grouped})))}
    allowed: set[tuple[int, str, int | None]] = set()
    for (user_id, entity), record_ids in grouped.items():
        model = models.get(entity)
        if model is None:  # a kind of record without visibility rules: everybody may open it
            allowed.update((user_id, entity, record_id) for record_id in record_ids)
            continue
        key = inspect(model).primary_key[0]
        ids = [record_id for record_id in record_ids if record_id is not None]
        for chunk in _chunks(sorted(ids)):
            statement = visible(select(model), users[user_id], "read").where(key.in_(chunk)).with_only_columns(key)
            allowed.update((user_id, entity, record_id) for record_id in session.scalars(statement))
    return allowed


def scan_today() -> int:
    """The daily periodic job: scan the deadlines of today (in the office's time zone)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(current_app.config.get("DEFAULT_TIMEZONE") or "UTC")
    return len(scan_deadlines(utcnow().astimezone(zone).date()))


