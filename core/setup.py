"""Bringing a database up to date: migrations, then the profiles the plugins define."""

from __future__ import annotations

from flask import Flask

from .access import sync_profiles
from .migrate import upgrade
from .notify.rules import sync_default_rules


def prepare_database(app: Flask, branches: list[str] | None = None) -> list[str]:
    """Migrate the core and the enabled plugins, then synchronise the standard profiles
    and create the default notification rule of every event type and deadline kind
    never seen before.

    Returns the branches migrated.
    """
    applied = upgrade(app, branches)
    state = app.extensions["sportello"]
    with state.db.session_scope() as session:
        sync_profiles(session, state.plugins)
        sync_default_rules(session, state.plugins)
    return applied
