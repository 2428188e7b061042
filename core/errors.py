"""Errors that reach a person at start-up or on the command line.

Each one carries a single sentence saying what is wrong and how to fix it, so the
CLI can print it as one line instead of a traceback.
"""

from __future__ import annotations


class SportelloError(Exception):
    """Base of the errors whose message is meant for the person running Sportello."""


class ConfigError(SportelloError):
    """The configuration (instance file, environment, URLs) is wrong."""


class PluginError(SportelloError):
    """A plugin cannot be loaded: missing, broken, incompatible or in a dependency cycle."""

    def __init__(self, plugin: str, message: str) -> None:
        self.plugin = plugin
        super().__init__(f"plugin {plugin!r}: {message}")


class ServiceError(SportelloError):
    """A service Sportello needs (database, Redis, SMTP) cannot be reached."""
