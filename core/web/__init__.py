"""The web interface frame: sign-in gate, security headers, menus, error pages, filters."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, g, render_template, request
from flask_babel import get_locale, gettext, lazy_gettext
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, generate_csrf
from jinja2 import pass_context
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.exceptions import HTTPException, InternalServerError

from ..db import current_session
from ..identity import User
from ..types import MenuItem
from . import account, admin_profiles, admin_users, auth_views, formatting, views  # noqa: F401 - they add their routes to the blueprint
from . import access_views  # noqa: F401 - who can see what, audit log, record history
from . import ops_views  # noqa: F401 - system events and background jobs
from . import notify_views  # noqa: F401 - notification rules, the notice log, the user's notices
from . import import_views  # noqa: F401 - the CSV/XLSX importer of the plugins' import targets
from . import attachment_views  # noqa: F401 - files attached to records
from .blueprint import core, public  # noqa: F401 - `public` is re-exported for plugins

log = logging.getLogger(__name__)

PUBLIC_ENDPOINTS = {
    "static",
    "core.login",
    "api_pages.healthz",
    "api_pages.api_docs",
    "api-docs.openapi_json",
}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def init_web(app: Flask) -> None:
    """Install the frame around every page and register the core's pages."""
    login_manager = LoginManager(app)
    login_manager.login_view = "core.login"
    login_manager.login_message = lazy_gettext("Sign in to open this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        """The user of a session cookie, unless the session was signed out everywhere."""
        user_id, _, version = session_id.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        return current_session().scalar(
            select(User).where(User.id == int(user_id), User.session_version == int(version), User.active.is_(True))
        )

    @login_manager.request_loader
    def load_user_from_token(request: Any) -> User | None:
        return _user_from_bearer_token(request)

    app.before_request(_require_sign_in)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.context_processor(_layout_context)
    formatting.register_filters(app)
    app.register_blueprint(core)


BEARER = "Bearer "
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def _user_from_bearer_token(request: Any) -> User | None:
    """The user of a valid ``Authorization: Bearer`` token, with exactly their rights.

    Only API paths accept tokens; an invalid, expired or revoked token authenticates
    nobody (and the API answers 401), it never falls back to the session cookie.
    """
    header = request.headers.get("Authorization", "")
    if not header.startswith(BEARER) or not request.path.startswith("/api/"):
        return None
    from ..db import utcnow
    from ..tokens import ApiToken, digest

    g.bearer_attempted = True
    token = current_session().scalar(select(ApiToken).where(ApiToken.token_hash == digest(header[len(BEARER) :].strip())))
    now = utcnow()
    if token is None or not token.usable(now) or not token.user.active or not token.user.can("core.api"):
        return None
    token.last_used_at = now
    current_session().commit()
    g.api_token_id = token.id
    return token.user


def _require_sign_in() -> Any:
    """Every page and API call needs a signed-in user, except the public ones.

    Also the place where forms are checked for their CSRF token: requests that carry an
    API token have no cookie to forge and are exempt.
    """
    view = current_app.view_functions.get(request.endpoint or "")
    if request.endpoint in PUBLIC_ENDPOINTS or getattr(view, "sportello_public", False):
        _check_csrf()
        return None
    if current_user.is_authenticated:
        if not g.get("api_token_id"):
            _check_csrf()
        return None
    if is_api_request():
        from ..api import problem

        if g.get("bearer_attempted"):
            response = problem(401, "Unauthorized", "The API token is not valid: it is unknown, expired or revoked.")
        else:
            response = problem(401, "Unauthorized", "Sign in or send an API token in the Authorization header.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="sportello"'
        return response
    return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]


def _check_csrf() -> None:
    if request.method not in SAFE_METHODS:
        current_app.extensions["sportello"].extras["csrf"].protect()


def _security_headers(response: Any) -> Any:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config["MODE"] == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _http_error(error: HTTPException) -> Any:
    if is_api_request():
        from ..api import problem_from_http

        return problem_from_http(error)
    if isinstance(error, CSRFError):
        error.description = gettext("The form expired or was sent from another page. Go back, reload it and try again.")
    code = error.code or 500
    return render_template("core/error.html", error=error, code=code), code


def _unexpected_error(error: Exception) -> Any:
    if isinstance(error, HTTPException):
        return _http_error(error)
    log.exception("unexpected error on %s %s", request.method, request.path)
    if current_app.config.get("PROPAGATE_EXCEPTIONS"):
        raise error
    return _http_error(InternalServerError())


def menu_for(user: Any) -> dict[str, list[MenuItem]]:
    """The menu entries ``user`` may open, grouped and sorted."""
    plugins = current_app.extensions["sportello"].plugins
    entries = []
    for item in plugins.collect("menu_items", user=user):
        if item.endpoint not in current_app.view_functions:
            log.warning("menu entry %r points at unknown endpoint %r: left out", str(item.label), item.endpoint)
        elif user.can(item.permission):
            entries.append(item)
    entries.sort(key=lambda item: (item.order, str(item.label)))
    groups: dict[str, list[MenuItem]] = {"main": [], "admin": []}
    for item in entries:
        groups.setdefault(item.group, []).append(item)
    return groups


def active_menu_endpoint(menu: dict[str, list[MenuItem]]) -> str | None:
    """The entry to highlight: the one whose blueprint or endpoint matches the request."""
    endpoint = request.endpoint or ""
    blueprint = request.blueprint or ""
    best = None
    for item in (item for items in menu.values() for item in items):
        if item.endpoint == endpoint:
            return item.endpoint
        if blueprint and blueprint != "core" and item.endpoint.split(".")[0] == blueprint:
            best = best or item.endpoint
    return best


def render_slot(slot: str, context: dict[str, Any]) -> Markup:
    """Join what plugins put in a named template slot."""
    plugins = current_app.extensions["sportello"].plugins
    return Markup("").join(plugins.collect("page_slot", slot=slot, context=context))


@pass_context
def _slot(context: Any, name: str, **extra: Any) -> Markup:
    """``{{ slot("head") }}`` in a template: what plugins give for that slot."""
    return render_slot(name, {**context.get_all(), **extra})


def _layout_context() -> dict[str, Any]:
    if "menu" not in g and current_user.is_authenticated:
        g.menu = menu_for(current_user)
    menu = g.get("menu", {})
    return {
        "menu": menu,
        "active_endpoint": active_menu_endpoint(menu) if menu else None,
        "csrf_token": generate_csrf,
        "get_locale": get_locale,
        "slot": _slot,
        "organisation_name": _organisation_name(),
        "view_functions": current_app.view_functions,
    }


def _organisation_name() -> str:
    if "organisation_name" not in g:
        from ..settings_store import get_setting

        try:
            g.organisation_name = get_setting("general", "organisation_name", "") or ""
        except Exception:  # the settings table may not exist before `db upgrade`
            current_session().rollback()
            g.organisation_name = ""
    return g.organisation_name
