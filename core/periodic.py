"""Periodic work that runs once per period, however many workers and machines run.

Each task has a period (minute, hour or day). A ticker in every worker (and in the
embedded server) asks every half minute whether a task's current period has started;
the first process to insert ``(task, period)`` into ``core_periodic_run`` wins and
enqueues the job, every other insert hits the unique key and does nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from sqlalchemy import String, UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from .db import Model, utcnow
from .jobs import enqueue

log = logging.getLogger(__name__)

TICK_SECONDS = 30


@dataclass(frozen=True)
class PeriodicTask:
    """A job to enqueue once per period.

    :param name: unique, used in the period key.
    :param function: the job's ``"package.module:function"``.
    :param every: ``"minute"``, ``"hour"`` or ``"day"``.
    """

    name: str
    function: str
    every: str = "day"


PERIOD_FORMATS: dict[str, Callable[[datetime], str]] = {
    "minute": lambda now: now.strftime("%Y-%m-%dT%H:%M"),
    "hour": lambda now: now.strftime("%Y-%m-%dT%H"),
    "day": lambda now: now.strftime("%Y-%m-%d"),
}

#: The core's own periodic work; plugins add theirs through ``periodic_tasks``.
CORE_TASKS = (
    PeriodicTask("core.sweep_jobs", "sportello.core.jobs:sweep", every="minute"),
    PeriodicTask("core.dispatch_events", "sportello.core.events:dispatch_pending", every="minute"),
)


class PeriodicRun(Model):
    """That a task's period was claimed, by whichever process came first."""

    __tablename__ = "core_periodic_run"
    __audit__ = False
    __table_args__ = (UniqueConstraint("task", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(120))
    period: Mapped[str] = mapped_column(String(32))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)


def tasks(app: Flask) -> list[PeriodicTask]:
    plugins = app.extensions["sportello"].plugins
    return [*CORE_TASKS, *plugins.collect("periodic_tasks")]


def tick(app: Flask, now: datetime | None = None) -> list[str]:
    """Claim and enqueue every task whose period has started; returns the claimed keys."""
    now = now or utcnow()
    claimed = []
    db = app.extensions["sportello"].db
    for task in tasks(app):
        period = PERIOD_FORMATS[task.every](now)
        with app.app_context(), db.sessions() as session:
            session.add(PeriodicRun(task=task.name, period=period))
            try:
                session.flush()
            except IntegrityError:
                session.rollback()  # another process has it
                continue
            enqueue(task.function, session=session)
            session.commit()
            claimed.append(f"{task.name}@{period}")
    return claimed


def start_ticker(app: Flask) -> threading.Thread:
    """A daemon thread calling :func:`tick` every :data:`TICK_SECONDS`."""

    def loop() -> None:
        while True:
            try:
                tick(app)
            except Exception:  # a bad tick must not end the ticker
                log.exception("periodic tick failed")
            time.sleep(TICK_SECONDS)

    thread = threading.Thread(target=loop, name="sportello-ticker", daemon=True)
    thread.start()
    return thread
