"""The application factory: ``gunicorn 'sportello.core.app:create_app()'`` serves it."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf import CSRFProtect

from . import audit, builtin, events, periodic, tokens  # noqa: F401 - they register their tables
from .audit import install_audit
from .config import load_config
from .db import Database, close_session
from .errors import PluginError
from .i18n import init_babel
from .jobs import install_jobs
from .plugins import PluginManager, load_plugins

log = logging.getLogger(__name__)
HERE = Path(__file__).parent


@dataclass
class Sportello:
    """What the core keeps on the application (``app.extensions["sportello"]``)."""

    config: dict[str, Any]
    plugins: PluginManager
    db: Database
    extras: dict[str, Any] = field(default_factory=dict)


def create_app(
    config: Mapping[str, Any] | None = None,
    plugins: Sequence[str] | None | object = ...,
) -> Flask:
    """Build a Sportello application.

    :param config: values overriding defaults, the instance file and the environment.
    :param plugins: the enabled plugins; when not given, the ``PLUGINS`` setting decides
        (``None`` there means every installed plugin).
    """
    overrides = dict(config or {})
    if plugins is not ...:
        overrides["PLUGINS"] = None if plugins is None else list(plugins)  # type: ignore[arg-type]
    settings = load_config(overrides)
    if settings["MODE"] == "production":
        from .checks import require_redis

        require_redis(settings["REDIS_URL"])

    app = Flask(
        "sportello",
        instance_path=settings["INSTANCE_PATH"],
        template_folder=str(HERE / "templates"),
        static_folder=str(HERE / "static"),
        static_url_path="/static",
    )
    app.config.update(settings)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings["MODE"] == "production",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings["MODE"] == "production",
        TESTING=settings["MODE"] == "testing",
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_CHECK_DEFAULT=False,  # checked by the sign-in gate, which knows API tokens
        MAX_CONTENT_LENGTH=50 * 1024 * 1024,
    )

    manager = load_plugins(settings["PLUGINS"], builtin=[("core", builtin, builtin.PLUGIN)])
    state = Sportello(config=settings, plugins=manager, db=Database(settings["DATABASE_URL"], settings["SQL_ECHO"]))
    app.extensions["sportello"] = state
    app.teardown_appcontext(close_session)

    state.extras["csrf"] = CSRFProtect(app)
    install_audit()
    install_jobs()
    init_babel(app, [Path(p) for p in manager.collect("translation_dirs")])

    from .web import init_web

    init_web(app)

    from .api import init_api

    init_api(app)
    _register_plugin_blueprints(app, manager)
    return app


def _register_plugin_blueprints(app: Flask, manager: PluginManager) -> None:
    """Mount each enabled plugin's pages and API under their own names."""
    api = app.extensions["sportello"].extras["api"]
    for plugin, blueprints in manager.call_in_order("blueprints"):
        if plugin == "core":
            continue
        for blueprint in blueprints:
            try:
                app.register_blueprint(blueprint)
            except ValueError as error:
                raise PluginError(plugin, f"blueprint {blueprint.name!r} cannot be registered: {error}") from None
    for plugin, blueprints in manager.call_in_order("api_blueprints"):
        for blueprint in blueprints:
            try:
                api.register_blueprint(blueprint, url_prefix="/api/v1" + (blueprint.url_prefix or ""))
            except ValueError as error:
                raise PluginError(plugin, f"API blueprint {blueprint.name!r} cannot be registered: {error}") from None
