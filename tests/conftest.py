"""Fixtures of the core's own tests; the general ones come from ``sportello.testing``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

TEST_PLUGINS = Path(__file__).parent / "plugins"


@pytest.fixture
def example_plugins(plugin_distribution: Callable[..., None]) -> list[str]:
    """Install the test plugins ``example`` and ``example_extra`` for one test."""
    plugin_distribution("example", TEST_PLUGINS / "sportello_example", version="1.2.0", summary="Notes for tests")
    plugin_distribution("example_extra", TEST_PLUGINS / "sportello_example_extra", summary="Extras for notes")
    return ["example", "example_extra"]


@pytest.fixture
def notes_app(make_app: Callable[..., Any], example_plugins: list[str]) -> Any:
    """An app with both test plugins enabled."""
    return make_app(plugins=example_plugins)
