"""System events through the outbox, periodic work claimed once per period, and the
administrators' page of events and jobs."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import select

from sportello.core.events import EventRecord, dispatch_pending
from sportello.core.jobs import FAILED, Job
from sportello.core.periodic import PeriodicRun, tick
from sportello.core.settings_store import Setting
from sportello.testing import ApiClient, csrf_token_of, login


@pytest.fixture
def app(make_app: Any, example_plugins: list[str]) -> Any:
    return make_app(plugins=example_plugins)


def seen(app: Any) -> list[Any]:
    with app.app_context():
        from sportello import session

        return list(session.scalars(select(Setting.value).where(Setting.section == "events-seen")))


def test_event_is_dispatched_after_commit_with_its_actor(app: Any, users: dict[str, Any]) -> None:
    seller = users["salesperson"]
    note = ApiClient(login(app.test_client(), seller)).post("/notes/", json={"title": "Nuova"}).json
    assert seen(app) == [["example.note_created", note["id"], seller.id]]
    with app.app_context():
        from sportello import session

        record = session.scalars(select(EventRecord)).one()
        assert record.dispatched_at is not None


def test_rolled_back_change_emits_nothing(app: Any) -> None:
    with app.app_context():
        from sportello import emit, session

        emit("example.note_created", "example.note", 1, {"title": "x"})
        session.rollback()
        session.commit()
        assert session.scalars(select(EventRecord)).all() == []
    assert seen(app) == []


def test_failing_subscriber_is_logged_and_the_save_stands(app: Any, users: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    response = ApiClient(login(app.test_client(), users["salesperson"])).post("/notes/", json={"title": "boom"})
    assert response.status_code == 201
    assert "plugin 'example' failed handling event example.note_created" in caplog.text
    with app.app_context():
        from sportello import session

        assert session.scalars(select(Job).where(Job.state == FAILED)).all() == []


def test_each_event_is_delivered_once_even_when_dispatched_again(app: Any, users: dict[str, Any]) -> None:
    ApiClient(login(app.test_client(), users["salesperson"])).post("/notes/", json={"title": "Una"})
    with app.app_context():
        assert dispatch_pending() == 0
    assert len(seen(app)) == 1


def test_periodic_tasks_are_claimed_once_per_period(app: Any) -> None:
    moment = datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)
    first = tick(app, now=moment)
    assert "example.daily_digest@2026-11-23" in first
    assert "core.sweep_jobs@2026-11-23T09:30" in first
    assert tick(app, now=moment) == []  # a second process (or a second tick) gets nothing
    later = tick(app, now=moment.replace(minute=31))
    assert "core.sweep_jobs@2026-11-23T09:31" in later and not any(key.startswith("example.") for key in later)
    with app.app_context():
        from sportello import session

        digests = session.scalars(select(Setting.value).where(Setting.section == "jobs-test")).all()
        assert digests == ["digest"]
        assert session.scalars(select(PeriodicRun.period).where(PeriodicRun.task == "example.daily_digest")).all() == ["2026-11-23"]


def test_operations_page_lists_types_events_and_retries_failed_jobs(app: Any, users: dict[str, Any]) -> None:
    ApiClient(login(app.test_client(), users["salesperson"])).post("/notes/", json={"title": "Evento"})
    with app.app_context():
        from sportello import enqueue, session

        job = enqueue("sportello_example.jobs:fail_until", succeed_on=99, max_attempts=1)
        session.commit()
        job_id = job.id
    admin = login(app.test_client(), users["system_admin"])
    html = admin.get("/admin/operations").get_data(as_text=True)
    assert "Note written" in html and "example.note_created" in html
    assert "RuntimeError: attempt 1 fails" in html
    response = admin.post(f"/admin/operations/jobs/{job_id}/retry", data={"csrf_token": csrf_token_of(admin)})
    assert response.status_code == 302
    with app.app_context():
        from sportello import session

        assert session.get(Job, job_id).attempts == 1  # it ran again at once (and failed again)
    assert login(app.test_client(), users["salesperson"]).get("/admin/operations").status_code == 403
