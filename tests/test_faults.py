"""Faults against real services: Redis going away during a save loses nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from sqlalchemy import select

from sportello.core.events import EventRecord
from sportello.core.jobs import QUEUED, Job
from sportello.core.settings_store import Setting
from sportello.testing import ApiClient, login

def burst_worker(app: Any, redis_url: str, plugin_paths: list[str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")}
    env.update(SPORTELLO_DATABASE_URL=app.config["DATABASE_URL"], SPORTELLO_REDIS_URL=redis_url,
               SPORTELLO_PLUGINS="example,example_extra", SPORTELLO_INSTANCE_PATH=app.config["INSTANCE_PATH"],
               PYTHONPATH=os.pathsep.join(plugin_paths))
    return subprocess.run([sys.executable, "-c", "from sportello.core.cli import main; main()", "worker", "--burst"],
                          env=env, capture_output=True, text=True, timeout=120)


def test_redis_stopped_during_a_save(make_app: Any, example_plugins: list[str], private_redis: Any,
                                     plugin_distribution: Any) -> None:
    app = make_app(plugins=example_plugins, REDIS_URL=private_redis.url)
    from sportello.core.users import create_user

    with app.app_context():
        user = create_user(email="vendite@rossi.it", name="Vendite", profile_code="salesperson", password="password-123")
    api = ApiClient(login(app.test_client(), user, password="password-123"))
    private_redis.stop()

    response = api.post("/notes/", json={"title": "Salvata senza Redis"})
    assert response.status_code == 201  # the save succeeds
    with app.app_context():
        from sportello import session

        assert session.scalars(select(EventRecord.dispatched_at)).all() == [None]
        assert [job.state for job in session.scalars(select(Job))] == [QUEUED]

    private_redis.start()
    result = burst_worker(app, private_redis.url, plugin_distribution.paths)
    assert result.returncode == 0, result.stderr
    with app.app_context():
        from sportello import session

        assert session.scalars(select(EventRecord.dispatched_at)).one() is not None
        heard = session.scalars(select(Setting.value).where(Setting.section == "events-seen")).all()
        assert [value[0] for value in heard] == ["example.note_created"]
