"""Background jobs that are never lost.

A job is a row of ``core_job``, written in the same transaction as the change that
needs it, so it exists exactly when the change was committed. After the commit it is
run in-process (the embedded default) or handed to rq workers on Redis. Redis only
wakes workers up: if it is down, the job waits in the table and the sweeper hands it
over when Redis is back. A failed job is retried with back-off; after its last attempt
it stays in the admin's list of failed jobs, where it can be retried.

A job names a function by its dotted path (``"package.module:function"``) and passes
JSON-able keyword arguments, so any worker on any machine can run it.
"""

from __future__ import annotations

import importlib
import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import JSON, Index, String, Text, event, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .audit import Actor, acting_as
from .db import Model, current_session, utcnow
from .errors import ConfigError

log = logging.getLogger(__name__)

QUEUE_NAME = "sportello"
#: Seconds to wait before attempt 2, 3, ... of a failing job.
BACKOFF = (10, 60, 300, 1800, 7200)
DEFAULT_ATTEMPTS = len(BACKOFF) + 1
#: A job "running" for longer than this is taken as abandoned by a dead worker.
LEASE = timedelta(minutes=15)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"

JOB_ACTOR = Actor(user_id=None, channel="job")


class Job(Model):
    """One unit of background work and its fate."""

    __tablename__ = "core_job"
    __audit__ = False
    __table_args__ = (Index("ix_core_job_state_run_after", "state", "run_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    function: Mapped[str] = mapped_column(String(200))
    kwargs: Mapped[Any] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(8), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=DEFAULT_ATTEMPTS)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()


def resolve(path: str) -> Any:
    """The function at ``"package.module:function"``."""
    module_name, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def enqueue(path: str, *, session: Session | None = None, max_attempts: int = DEFAULT_ATTEMPTS, **kwargs: Any) -> Job:
    """Add a job to the current transaction; it runs once the transaction commits.

    :param path: ``"package.module:function"``; the function takes ``kwargs``.
    :param max_attempts: attempts before the job is left as failed for an admin.
    """
    session = session or current_session()
    job = Job(function=path, kwargs=kwargs, max_attempts=max_attempts)
    session.add(job)
    session.info.setdefault("sportello_new_jobs", []).append(job)
    return job


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT was released: the jobs wait for the real commit
    jobs = session.info.pop("sportello_new_jobs", [])
    if jobs and current_app:
        wake([job.id for job in jobs if job.id is not None])


def _after_rollback(session: Session, previous: Any = None) -> None:
    if previous is not None and previous.nested:
        return  # only a SAVEPOINT was rolled back: the transaction and its jobs go on
    session.info.pop("sportello_new_jobs", None)


def install_jobs() -> None:
    """Run or hand over jobs after every commit (once per process)."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)


def wake(job_ids: list[int]) -> None:
    """Hand jobs to the rq workers, or run them here when there is no Redis.

    A Redis failure is logged, never raised: the jobs wait in the table for the sweeper.
    """
    if not job_ids:
        return
    url = current_app.config["REDIS_URL"]
    if not url:
        for job_id in job_ids:
            run_job(job_id)
        return
    try:
        from rq import Queue

        from .checks import redis_client

        queue = Queue(QUEUE_NAME, connection=redis_client(url))
        for job_id in job_ids:
            queue.enqueue(run_queued_job, job_id, description=f"sportello job {job_id}")
    except Exception as error:  # Redis down: the sweeper will hand the jobs over later
        log.warning("could not hand %d job(s) to Redis, they wait in the database: %s", len(job_ids), error)


def backoff(attempt: int) -> timedelta:
    """How long to wait after failed attempt number ``attempt`` (1-based)."""
    return timedelta(seconds=BACKOFF[min(attempt, len(BACKOFF)) - 1])


def run_job(job_id: int) -> str | None:
    """Claim and run one job; returns its new state, or ``None`` if it was not due.

    The claim is one conditional UPDATE, so two workers never run the same attempt.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    db = app.extensions["sportello"].db
    now = utcnow()
    with db.sessions() as session:
        claimed = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == QUEUED, Job.run_after <= now)
            .values(state=RUNNING, started_at=now, attempts=Job.attempts + 1)
        ).rowcount
        session.commit()
        if not claimed:
            return None
        job = session.get(Job, job_id)
        assert job is not None
        function, kwargs = job.function, dict(job.kwargs or {})
    error_text = None
    try:
        with job_context(app), acting_as(JOB_ACTOR):
            resolve(function)(**kwargs)
    except Exception:  # every failure is recorded on the job, whatever it was
        error_text = traceback.format_exc(limit=8)
        log.warning("job %s (%s) failed", job_id, function, exc_info=True)
    with db.sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None
        finished = utcnow()
        job.finished_at = finished
        if error_text is None:
            job.state, job.last_error = DONE, None
        elif job.attempts < job.max_attempts:
            job.state, job.last_error = QUEUED, error_text
            job.run_after = finished + backoff(job.attempts)
        else:
            job.state, job.last_error = FAILED, error_text
        session.commit()
        return job.state


@contextmanager
def job_context(app: Flask) -> Iterator[None]:
    """The context a job runs in: its own application context (so its own session,
    whoever started it) plus a request at ``BASE_URL``.

    Jobs run outside any web request, yet the code they call builds links to records
    with ``url_for`` exactly as pages do; a request context at the installation's
    public address makes those links right (and absolute links point where users go).
    """
    with app.app_context(), app.test_request_context("/", base_url=app.config.get("BASE_URL") or None):
        yield


def run_queued_job(job_id: int) -> str | None:
    """What rq workers call: run the job inside the worker's application."""
    app = _worker_app or current_app._get_current_object()  # type: ignore[attr-defined]
    with app.app_context():
        return run_job(job_id)


def sweep() -> int:
    """Hand over due jobs that nobody took, and free jobs of workers that died.

    Run periodically; returns how many jobs were handed over.
    """
    session = current_session()
    now = utcnow()
    session.execute(
        update(Job).where(Job.state == RUNNING, Job.started_at < now - LEASE).values(state=QUEUED, run_after=now)
    )
    session.commit()
    due = list(session.scalars(select(Job.id).where(Job.state == QUEUED, Job.run_after <= now).order_by(Job.id).limit(500)))
    wake(due)
    return len(due)


def retry(job_id: int) -> bool:
    """Give a failed job a fresh set of attempts (the admin's "retry" button)."""
    session = current_session()
    changed = session.execute(
        update(Job)
        .where(Job.id == job_id, or_(Job.state == FAILED, Job.state == QUEUED))
        .values(state=QUEUED, attempts=0, run_after=utcnow(), last_error=None)
    ).rowcount
    session.commit()
    if changed:
        wake([job_id])
    return bool(changed)


_worker_app: Flask | None = None


def run_worker(app: Flask, burst: bool = False) -> None:
    """Process jobs from Redis until stopped (or until the queue is empty with ``burst``).

    The worker also runs the periodic ticker, so periodic work needs no extra process.
    """
    global _worker_app
    url = app.config["REDIS_URL"]
    if not url:
        raise ConfigError(
            "no REDIS_URL: jobs run in-process in this configuration. Set SPORTELLO_REDIS_URL to use workers."
        )
    from rq import Queue, Worker

    from .checks import redis_client, require_redis
    from .periodic import start_ticker

    require_redis(url)
    _worker_app = app
    with app.app_context():
        sweep()  # jobs left behind while no worker (or no Redis) was there
    if not burst:
        start_ticker(app)
    connection = redis_client(url, timeout=30)
    worker = Worker([Queue(QUEUE_NAME, connection=connection)], connection=connection)
    log.info("worker listening on %s", QUEUE_NAME)
    worker.work(burst=burst)
