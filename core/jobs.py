"""Background jobs: rq workers on Redis in production, in-process in the embedded default.

A job names a function by its dotted path and passes JSON-able keyword arguments, so
that any worker on any machine can run it with its own application.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from flask import Flask, current_app

from .errors import ConfigError

log = logging.getLogger(__name__)

QUEUE_NAME = "sportello"
RETRY_INTERVALS = [10, 60, 300, 900, 3600]

_worker_app: Flask | None = None


def resolve(path: str) -> Any:
    """The function at ``"package.module:function"``."""
    module_name, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def execute(path: str, kwargs: dict[str, Any]) -> Any:
    """Run one job inside an application context (this is what rq calls)."""
    app = _worker_app or current_app._get_current_object()  # type: ignore[attr-defined]
    with app.app_context():
        return resolve(path)(**kwargs)


def enqueue(path: str, **kwargs: Any) -> Any:
    """Queue ``path(**kwargs)``: on Redis when configured, else run it now in-process."""
    url = current_app.config["REDIS_URL"]
    if not url:
        return resolve(path)(**kwargs)
    from rq import Queue, Retry

    from .checks import redis_client

    queue = Queue(QUEUE_NAME, connection=redis_client(url))
    return queue.enqueue(execute, path, kwargs, retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS))


def run_worker(app: Flask, burst: bool = False) -> None:
    """Process jobs from Redis until stopped (or until the queue is empty with ``burst``)."""
    global _worker_app
    url = app.config["REDIS_URL"]
    if not url:
        raise ConfigError(
            "no REDIS_URL: jobs run in-process in this configuration. Set SPORTELLO_REDIS_URL to use workers."
        )
    from rq import Queue, Worker

    from .checks import redis_client, require_redis

    require_redis(url)
    _worker_app = app
    connection = redis_client(url, timeout=30)
    worker = Worker([Queue(QUEUE_NAME, connection=connection)], connection=connection)
    log.info("worker listening on %s", QUEUE_NAME)
    worker.work(burst=burst, with_scheduler=True)
