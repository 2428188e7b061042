"""Jobs: in-process without Redis, through a real rq worker with it, retried with back-off,
kept when Redis is down, and never run twice."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sportello.core.jobs import DONE, FAILED, QUEUED, Job, enqueue, retry, run_job, sweep
from sportello.core.settings_store import Setting

JOB = "sportello_example.jobs:remember"
FLAKY = "sportello_example.jobs:fail_until"
TEST_PLUGINS = str(Path(__file__).parent / "plugins")


def stored(app: Any) -> list[Any]:
    with app.app_context():
        from sportello import session

        return list(session.scalars(select(Setting.value).where(Setting.section == "jobs-test").order_by(Setting.name)))


def job_row(app: Any, job_id: int) -> Job:
    with app.app_context():
        from sportello import session

        job = session.get(Job, job_id)
        assert job is not None
        return job


def queue(app: Any, function: str, **kwargs: Any) -> int:
    with app.app_context():
        from sportello import session

        job = enqueue(function, **kwargs)
        session.commit()
        return job.id


def worker(app: Any, redis_url: str, plugins: str = "", base_url: str = "http://127.0.0.1:5000",
           paths: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")}
    env.update(SPORTELLO_DATABASE_URL=app.config["DATABASE_URL"], SPORTELLO_REDIS_URL=redis_url, SPORTELLO_PLUGINS=plugins,
               SPORTELLO_BASE_URL=base_url,
               SPORTELLO_INSTANCE_PATH=app.config["INSTANCE_PATH"], PYTHONPATH=os.pathsep.join(paths or [TEST_PLUGINS]))
    return subprocess.run(
        [sys.executable, "-c", "from sportello.core.cli import main; main()", "worker", "--burst"],
        env=env, capture_output=True, text=True, timeout=120,
    )


def test_job_runs_after_commit_in_process_without_redis(make_app: Any, example_plugins: list[str]) -> None:
    app = make_app()
    with app.app_context():
        from sportello import session

        enqueue(JOB, value="subito")
        assert stored(app) == []  # nothing runs before the commit
        session.commit()
    assert stored(app) == ["subito"]


def test_job_of_a_rolled_back_transaction_never_runs(make_app: Any, example_plugins: list[str]) -> None:
    app = make_app()
    with app.app_context():
        from sportello import session

        enqueue(JOB, value="mai")
        session.rollback()
        session.commit()
        assert session.scalars(select(Job)).all() == []
    assert stored(app) == []


def test_job_runs_on_a_real_rq_worker(make_app: Any, redis_url: str, example_plugins: list[str]) -> None:
    app = make_app(REDIS_URL=redis_url)
    job_id = queue(app, JOB, value="dal worker")
    assert stored(app) == []  # queued for the worker, not run here
    result = worker(app, redis_url)
    assert result.returncode == 0, result.stderr
    assert stored(app) == ["dal worker"]
    assert job_row(app, job_id).state == DONE


def test_jobs_build_links_at_the_public_address(make_app: Any, redis_url: str, example_plugins: list[str],
                                                plugin_distribution: Any) -> None:
    app = make_app(plugins=example_plugins, REDIS_URL=redis_url)
    queue(app, "sportello_example.jobs:remember_link", note_id=7)
    result = worker(app, redis_url, plugins="example,example_extra", base_url="https://crm.rossi.it",
                    paths=plugin_distribution.paths)
    assert result.returncode == 0, result.stderr
    assert stored(app) == ["https://crm.rossi.it/notes/7"]


def test_redis_down_keeps_the_job_until_a_worker_sweeps(make_app: Any, redis_url: str, example_plugins: list[str]) -> None:
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")  # nobody listens there
    job_id = queue(app, JOB, value="dopo")
    assert job_row(app, job_id).state == QUEUED
    app.config["REDIS_URL"] = redis_url  # Redis is back
    result = worker(app, redis_url)  # the worker sweeps at start, then runs it
    assert result.returncode == 0, result.stderr
    assert stored(app) == ["dopo"]


def test_failures_are_retried_with_backoff_then_left_for_an_admin(make_app: Any, example_plugins: list[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app()
    with app.app_context():
        from sportello import session

        job = enqueue(FLAKY, succeed_on=99, max_attempts=3)
        session.commit()  # attempt 1 runs now and fails
        row = session.get(Job, job.id)
        session.refresh(row)
        assert (row.state, row.attempts) == (QUEUED, 1)
        assert "RuntimeError: attempt 1 fails" in row.last_error
        assert timedelta(seconds=9) < row.run_after - row.finished_at <= timedelta(seconds=10)
        assert run_job(job.id) is None  # not due yet
        import sportello.core.jobs as jobs_module

        later = jobs_module.utcnow() + timedelta(hours=3)
        monkeypatch.setattr(jobs_module, "utcnow", lambda: later)
        assert run_job(job.id) == QUEUED  # attempt 2
        later += timedelta(hours=3)
        assert run_job(job.id) == FAILED  # attempt 3 was the last
        assert run_job(job.id) is None  # a failed job never runs again by itself
        assert retry(job.id)  # the admin's button: runs again at once
        session.refresh(row)
        assert row.attempts == 1 and row.state == QUEUED


def test_two_workers_never_run_the_same_attempt(make_app: Any, example_plugins: list[str]) -> None:
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    job_id = queue(app, JOB, value="una volta")
    with app.app_context():
        assert run_job(job_id) == DONE
        assert run_job(job_id) is None
    assert stored(app) == ["una volta"]


def test_sweep_frees_jobs_of_a_dead_worker(make_app: Any, example_plugins: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    job_id = queue(app, JOB, value="ripreso")
    with app.app_context():
        from sportello import session

        row = session.get(Job, job_id)
        row.state, row.started_at, row.attempts = "running", row.created_at - timedelta(hours=1), 1  # the worker died
        session.commit()
        app.config["REDIS_URL"] = ""
        assert sweep() == 1
    assert stored(app) == ["ripreso"]


def test_worker_without_redis_says_so(tmp_path: Any) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")}
    env.update(SPORTELLO_INSTANCE_PATH=str(tmp_path), SPORTELLO_PLUGINS="")
    result = subprocess.run([sys.executable, "-c", "from sportello.core.cli import main; main()", "worker"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Error: no REDIS_URL" in result.stderr
