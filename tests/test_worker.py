"""Jobs go through a real rq worker on the real Redis, and run in-process without Redis."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sportello.core.jobs import enqueue
from sportello.core.settings_store import Setting

JOB = "sportello_example.jobs:remember"
TEST_PLUGINS = str(Path(__file__).parent / "plugins")


def stored(app: Any) -> list[Any]:
    with app.app_context():
        from sportello import session

        return list(session.scalars(select(Setting.value).where(Setting.section == "jobs-test")))


def test_job_runs_in_process_without_redis(make_app: Any, example_plugins: list[str]) -> None:
    app = make_app()
    with app.app_context():
        enqueue(JOB, value="subito")
    assert stored(app) == ["subito"]


def test_job_runs_on_a_real_rq_worker(make_app: Any, redis_url: str, example_plugins: list[str]) -> None:
    app = make_app(REDIS_URL=redis_url)
    with app.app_context():
        job = enqueue(JOB, value="dal worker")
    assert stored(app) == []  # queued, not run
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")}
    env.update(SPORTELLO_DATABASE_URL=app.config["DATABASE_URL"], SPORTELLO_REDIS_URL=redis_url, SPORTELLO_PLUGINS="",
               SPORTELLO_INSTANCE_PATH=app.config["INSTANCE_PATH"], PYTHONPATH=TEST_PLUGINS)
    result = subprocess.run(
        [sys.executable, "-c", "from sportello.core.cli import main; main()", "worker", "--burst"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert stored(app) == ["dal worker"]
    job.refresh()
    assert job.get_status() == "finished"


def test_worker_without_redis_says_so(tmp_path: Any) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")}
    env.update(SPORTELLO_INSTANCE_PATH=str(tmp_path), SPORTELLO_PLUGINS="")
    result = subprocess.run([sys.executable, "-c", "from sportello.core.cli import main; main()", "worker"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Error: no REDIS_URL" in result.stderr
