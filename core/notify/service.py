"""Notices created from system events and from the daily deadline scan."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from flask import current_app, has_request_context
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import current_session, utcnow
from ..jobs import enqueue
from ..types import Deadline, Event
from .models import DEADLINE, EVENT, QUEUED, Notice, NotificationRule
from .recipients import recipients_of, resolve

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
    made = []
    for rule in rules:
        for deadline in found:
            if deadline.kind != rule.trigger or not (deadline.due - timedelta(days=rule.days_ahead) <= today <= deadline.due):
                continue
            made.extend(_notices_for(
                session, rule, entity=deadline.entity, record_id=deadline.record_id,
                occasion=f"due:{deadline.due.isoformat()}", recipients=deadline.recipients or {},
                due=deadline.due, title=str(deadline.title)[:300], url=str(deadline.url or "")[:500],
            ))
    session.commit()
    return made


def scan_today() -> int:
    """The daily periodic job: scan the deadlines of today (in the office's time zone)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(current_app.config.get("DEFAULT_TIMEZONE") or "UTC")
    return len(scan_deadlines(utcnow().astimezone(zone).date()))


