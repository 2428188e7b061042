"""Fixtures of the deadlines plugin's tests: the core's test plugins give it deadlines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

#: The core's test plugins (``example`` implements the ``deadlines`` hook).
TEST_PLUGINS = Path(__file__).resolve().parents[3] / "tests" / "plugins"
PLUGINS = ["deadlines", "example", "example_extra"]


@pytest.fixture
def example_plugins(plugin_distribution: Callable[..., None]) -> list[str]:
    """Install the test plugins ``example`` and ``example_extra`` for one test."""
    plugin_distribution("example", TEST_PLUGINS / "sportello_example", version="1.2.0", summary="Notes for tests")
    plugin_distribution("example_extra", TEST_PLUGINS / "sportello_example_extra", summary="Extras for notes")
    return ["example", "example_extra"]


@pytest.fixture
def app(make_app: Callable[..., Any], example_plugins: list[str]) -> Any:
    """Every test here: the deadlines plugin and the notes that produce deadlines."""
    return make_app(plugins=PLUGINS)


@pytest.fixture
def add_note(app: Any) -> Callable[[Any, str, date], int]:
    """``add_note(owner, title, due)``: a note whose deadline (a week after it was
    written) falls on ``due``; returns its id."""

    def add(owner: Any, title: str, due: date) -> int:
        from sportello_example.models import Note

        from sportello import Actor, acting_as, session

        with app.app_context(), acting_as(Actor(user_id=None, channel="test")):
            note = Note(
                title=title,
                body="",
                owner_id=owner.id,
                created_at=datetime.combine(due - timedelta(days=7), time(12), tzinfo=UTC),
            )
            session.add(note)
            session.commit()
            return note.id

    return add


@pytest.fixture
def today(app: Any) -> date:
    """Today as the calendar sees it (the installation's time zone)."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(app.config["DEFAULT_TIMEZONE"])).date()
