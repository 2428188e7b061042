"""A job of the example plugin: proves that workers run jobs with the app's database."""

from __future__ import annotations

from sqlalchemy import func, select

from sportello.core.db import current_session
from sportello.core.settings_store import Setting


def remember(value: str) -> None:
    """Store ``value`` as a setting row, so that the test can see the job ran."""
    session = current_session()
    count = session.scalar(select(func.count()).select_from(Setting).where(Setting.section == "jobs-test")) or 0
    session.add(Setting(section="jobs-test", name=f"run-{count}", value=value))
    session.commit()


def fail_until(succeed_on: int) -> None:
    """Fail on every attempt before ``succeed_on`` (counted in the job's own row)."""
    from sportello.core.jobs import RUNNING, Job

    session = current_session()
    attempt = session.scalar(select(Job.attempts).where(Job.state == RUNNING, Job.function.like("%fail_until")))
    if attempt is None or attempt < succeed_on:
        raise RuntimeError(f"attempt {attempt} fails")


def remember_digest() -> None:
    """The example's daily periodic task."""
    remember("digest")


def remember_link(note_id: int) -> None:
    """Store the absolute link of a note, built with url_for as pages do."""
    from flask import url_for

    remember(url_for("example.note", note_id=note_id, _external=True))
