"""Calling hooks from plugin code, through the current application's plugin manager."""

from __future__ import annotations

from typing import Any

from flask import current_app


def call_hooks(name: str, **kwargs: Any) -> list[Any]:
    """Call hook ``name`` on every enabled plugin in dependency order; flatten the lists.

    For plugins that host other plugins' contributions (a record page asking for
    ``record_tabs``) or call a hook they publish. Keyword arguments only; a failure
    names the plugin.
    """
    return current_app.extensions["sportello"].plugins.collect(name, **kwargs)


def plugin_title(name: str) -> str:
    """The title an enabled plugin gives itself, or its name when it is not enabled."""
    loaded = current_app.extensions["sportello"].plugins.loaded.get(name)
    return str(loaded.info.title) if loaded else name
