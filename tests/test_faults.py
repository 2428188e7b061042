"""Faults against real services: Redis going away during a save loses nothing, a worker
killed while sending never sends twice."""

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

def burst_worker(app: Any, redis_url: str, plugin_paths: list[str], smtp: Any) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")}
    env.update(SPORTELLO_SMTP_HOST=smtp.host, SPORTELLO_SMTP_PORT=str(smtp.port))
    env.update(SPORTELLO_DATABASE_URL=app.config["DATABASE_URL"], SPORTELLO_REDIS_URL=redis_url,
               SPORTELLO_PLUGINS="example,example_extra", SPORTELLO_INSTANCE_PATH=app.config["INSTANCE_PATH"],
               PYTHONPATH=os.pathsep.join(plugin_paths))
    return subprocess.run([sys.executable, "-c", "from sportello.core.cli import main; main()", "worker", "--burst"],
                          env=env, capture_output=True, text=True, timeout=120)


def test_redis_stopped_during_a_save(make_app: Any, example_plugins: list[str], private_redis: Any,
                                     plugin_distribution: Any, smtp_server: Any) -> None:
    app = make_app(plugins=example_plugins, REDIS_URL=private_redis.url, **smtp_server.config())
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
    assert smtp_server.messages == []
    result = burst_worker(app, private_redis.url, plugin_distribution.paths, smtp_server)
    assert result.returncode == 0, result.stderr
    with app.app_context():
        from sportello import session

        assert session.scalars(select(EventRecord.dispatched_at)).one() is not None
        heard = session.scalars(select(Setting.value).where(Setting.section == "events-seen")).all()
        assert [value[0] for value in heard] == ["example.note_created"]
    # and the notice of the default rule (the note's owner, by e-mail) went out, once
    assert [message["To"] for message in smtp_server.messages] == ["vendite@rossi.it"]
    assert "Salvata senza Redis" in smtp_server.messages[0]["Subject"]


def test_worker_killed_while_sending_never_sends_twice(make_app: Any, example_plugins: list[str], private_redis: Any,
                                                       plugin_distribution: Any, tmp_path: Any,
                                                       monkeypatch: Any) -> None:
    import signal
    import time
    from datetime import timedelta

    import sportello.core.jobs as jobs_module
    import sportello.core.notify.send as send_module
    from sportello.core.jobs import RUNNING, run_job, sweep
    from sportello.core.notify.models import FAILED, SENDING, Notice, NotificationRule
    from sportello.core.users import create_user

    app = make_app(plugins=example_plugins, REDIS_URL=private_redis.url)
    with app.app_context():
        from sportello import session

        for rule in session.scalars(select(NotificationRule)).unique():
            rule.active = False
        session.add(NotificationRule(trigger="example.note_created", trigger_type="event", recipients=["owner"], channel="slow"))
        session.commit()
        user = create_user(email="lento@rossi.it", name="Lento", profile_code="salesperson", password="password-123")
    marks = tmp_path / "marks"
    marks.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")}
    env.update(SPORTELLO_DATABASE_URL=app.config["DATABASE_URL"], SPORTELLO_REDIS_URL=private_redis.url,
               SPORTELLO_PLUGINS="example,example_extra", SPORTELLO_INSTANCE_PATH=app.config["INSTANCE_PATH"],
               PYTHONPATH=os.pathsep.join(plugin_distribution.paths), SPORTELLO_TEST_SLOW_CHANNEL_DIR=str(marks))
    worker = subprocess.Popen([sys.executable, "-c", "from sportello.core.cli import main; main()", "worker"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert ApiClient(login(app.test_client(), user, password="password-123")).post(
            "/notes/", json={"title": "Lenta"}).status_code == 201
        deadline = time.monotonic() + 60
        while not list(marks.glob("started-*")):
            assert time.monotonic() < deadline, "the worker never started sending"
            assert worker.poll() is None, "the worker stopped by itself"
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGKILL)  # killed in the middle of sending
        worker.wait(timeout=10)

    with app.app_context():
        from sportello import session

        notice = session.scalars(select(Notice)).one()
        assert notice.state == SENDING
        assert any(job.state == RUNNING for job in session.scalars(select(jobs_module.Job)))
        later = jobs_module.utcnow() + timedelta(hours=1)  # past the lease of the dead worker
        monkeypatch.setattr(jobs_module, "utcnow", lambda: later)
        monkeypatch.setattr(send_module, "utcnow", lambda: later)
        app.config["REDIS_URL"] = ""  # run what the sweep hands over right here
        sweep()
        for job in session.scalars(select(jobs_module.Job).where(jobs_module.Job.state == "queued")).all():
            run_job(job.id)
        session.refresh(notice)
        assert notice.state == FAILED
        assert "may or may not have been delivered" in notice.error
    assert len(list(marks.glob("started-*"))) == 1  # sent once at most, never again
    assert list(marks.glob("delivered-*")) == []
