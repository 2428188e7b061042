"""System events: written to an outbox in the change's transaction, dispatched after it.

``emit()`` adds a row to ``core_event`` in the caller's session, so an event exists
exactly when its change was committed. After the commit a job dispatches the pending
events to every plugin's ``on_event``; a subscriber that fails is logged with its
plugin's name and never undoes the user's change. If the job cannot run now (Redis
down), the periodic dispatcher picks the events up later: none is lost.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import JSON, Index, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .audit import current_actor
from .db import Model, current_session, utcnow
from .jobs import enqueue
from .types import Event

log = logging.getLogger(__name__)

DISPATCH = "sportello.core.events:dispatch_pending"
BATCH = 200


class EventRecord(Model):
    """One system event in the outbox, and when it was dispatched."""

    __tablename__ = "core_event"
    __audit__ = False
    __table_args__ = (Index("ix_core_event_pending", "dispatched_at", "id"), Index("ix_core_event_type", "type", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(120))
    entity: Mapped[str] = mapped_column(String(120))
    record_id: Mapped[int | None] = mapped_column()
    payload: Mapped[Any] = mapped_column(JSON)
    actor_id: Mapped[int | None] = mapped_column()
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column()

    def as_event(self) -> Event:
        return Event(
            type=self.type, entity=self.entity, record_id=self.record_id, payload=dict(self.payload or {}),
            actor_id=self.actor_id, occurred_at=self.occurred_at, id=self.id,
        )


def emit(type: str, entity: str, record_id: int | None, payload: dict[str, Any] | None = None,
         session: Session | None = None) -> EventRecord:
    """Record a system event in the current transaction (``type`` like ``"leads.created"``).

    Subscribers run after the commit; if the transaction rolls back, nothing happened.
    """
    session = session or current_session()
    record = EventRecord(type=type, entity=entity, record_id=record_id, payload=payload or {},
                         actor_id=current_actor().user_id)
    session.add(record)
    if not any(job.function == DISPATCH for job in session.info.get("sportello_new_jobs", [])):
        enqueue(DISPATCH, session=session)  # one dispatch per transaction is enough
    return record


def dispatch_pending() -> int:
    """Deliver pending events to every plugin's ``on_event``, oldest first.

    Each event is claimed with a conditional UPDATE, so concurrent dispatchers never
    deliver one event twice. Returns the number delivered.
    """
    session = current_session()
    plugins = current_app.extensions["sportello"].plugins
    delivered = 0
    while True:
        pending = list(session.scalars(
            select(EventRecord).where(EventRecord.dispatched_at.is_(None)).order_by(EventRecord.id).limit(BATCH)
        ))
        if not pending:
            return delivered
        for record in pending:
            claimed = session.execute(
                update(EventRecord).where(EventRecord.id == record.id, EventRecord.dispatched_at.is_(None))
                .values(dispatched_at=utcnow())
            ).rowcount
            session.commit()
            if not claimed:
                continue
            event = record.as_event()
            for impl in plugins.implementations("on_event"):
                try:
                    impl.function(*[{"event": event}[arg] for arg in impl.argnames])
                except Exception:  # one subscriber's failure must not stop the others
                    log.exception("plugin %r failed handling event %s #%s", impl.plugin_name, event.type, event.id)
            delivered += 1
