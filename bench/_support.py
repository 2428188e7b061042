"""What the data benchmarks share: their common options, a throwaway PostgreSQL database,
a temporary instance folder, the application under test and the timing helpers.

Kept in one place so that every benchmark sets up and measures the same way, and a
figure of one can be set beside a figure of another. The benchmarks are run as
``python bench/<name>.py``, which puts this folder first on ``sys.path``: they import it
as ``from _support import ...``. The leading underscore keeps it apart from the scripts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

#: The server the scratch databases are created on (its ``postgres`` database is only
#: used to create and drop them).
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
#: The password the benchmarks give the users they sign in as.
PASSWORD = "password-123"


def add_common_arguments(parser: argparse.ArgumentParser, *, rows: int, runs: int | None = None) -> None:
    """Add ``--rows``, ``--runs`` (only when ``runs`` is given: not every benchmark repeats
    its timings), ``--postgres`` and ``--keep``, so that they read the same everywhere."""
    parser.add_argument("--rows", type=int, default=rows)
    if runs is not None:
        parser.add_argument("--runs", type=int, default=runs)
    parser.add_argument("--postgres", default=os.environ.get("SPORTELLO_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    parser.add_argument("--keep", action="store_true", help="keep the database")


@contextmanager
def scratch_database(postgres_url: str, keep: bool = False, *, announce_kept: bool = False) -> Iterator[str]:
    """Create an empty database with a unique name on the server of ``postgres_url`` and
    yield its URL; drop it on the way out, errors included, unless ``keep``.

    A fresh database per run means no figure depends on what an earlier run left behind.
    ``announce_kept`` prints the name of a kept database, to find it afterwards.
    """
    import psycopg
    from sqlalchemy.engine import make_url

    admin_url = make_url(postgres_url)
    name = f"sportello_bench_{uuid.uuid4().hex[:8]}"
    connect: dict[str, Any] = dict(
        host=admin_url.host or "127.0.0.1", port=admin_url.port or 5432, user=admin_url.username or "postgres",
        dbname=admin_url.database or "postgres", autocommit=True)
    with psycopg.connect(**connect) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with psycopg.connect(**connect) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        elif announce_kept:
            print(f"kept database {name}")


def scratch_instance(subfolder: str | None = None) -> Path:
    """Make a temporary folder and point ``SPORTELLO_INSTANCE_PATH`` at it (or at
    ``subfolder`` inside it), so that a run never reads or writes a real instance.

    Returns the temporary folder, where a benchmark may put files of its own.
    """
    folder = Path(tempfile.mkdtemp(prefix="sportello-bench-"))
    os.environ["SPORTELLO_INSTANCE_PATH"] = str(folder / subfolder if subfolder else folder)
    return folder


def create_bench_app(database_url: str, plugins: list[str], **config: Any) -> Any:
    """The application in testing mode on ``database_url`` with only ``plugins`` enabled,
    so that a figure does not depend on which other plugins happen to be installed.

    Imported here, not at the top, so that ``SPORTELLO_INSTANCE_PATH`` is set first.
    """
    from sportello.core.app import create_app

    return create_app({"DATABASE_URL": database_url, "MODE": "testing", "SECRET_KEY": "bench", **config},
                      plugins=plugins)


class Timing(NamedTuple):
    """Milliseconds of repeated calls, and what the last call returned."""

    median_ms: float
    p95_ms: float
    result: Any = None


def measure(function: Callable[[], Any], runs: int, *, warmup: bool = True) -> Timing:
    """Call ``function`` ``runs`` times and return the median and the 95th percentile.

    One discarded call first (``warmup``) keeps caches filling and connections opening
    out of the figures; without it the first call counts, as for work that only the
    first call does.
    """
    if warmup:
        function()
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return Timing(statistics.median(times), times[min(len(times) - 1, len(times) * 95 // 100)], result)


def logged_in_client(app: Any, user: Any, url: str, *, language: str | None = None) -> tuple[Any, Any]:
    """A test client signed in as ``user`` and its answer for ``url``, checked to be 200.

    The page is asked once before any timing, so that a broken page stops the run rather
    than timing an error page. ``language`` sets ``Accept-Language`` on every request.
    """
    from sportello.testing import login

    client = login(app.test_client(), user, password=PASSWORD)
    if language:
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return client, page


def ratio(value: float, base: float, digits: int = 1) -> str:
    """``value`` as a multiple of ``base`` ("x1.4"): how far the application is from the
    raw SQL doing the same work."""
    return f"x{value / base:.{digits}f}"
