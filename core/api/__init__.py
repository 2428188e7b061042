"""The REST API framework: ``/api/v1`` on flask-smorest, problem-details errors,
keyset pagination and filters shared by every plugin, the OpenAPI document and its page,
and ``/healthz``."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, render_template, request
from flask_login import current_user
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import HTTPException, Unauthorized

from ..checks import check_database, check_redis
from ..db import current_session
from ..pagination import Filter, InvalidQuery, Page, apply_filters, paginate, parse_sort

API_PREFIX = "/api/v1"


class ProblemSchema(Schema):
    """The body of every API error (RFC 9457 problem details)."""

    type = fields.String(metadata={"example": "about:blank"})
    title = fields.String(metadata={"example": "Not Found"})
    status = fields.Integer(metadata={"example": 404})
    detail = fields.String(metadata={"description": "What went wrong, for a person to read."})
    errors = fields.Dict(metadata={"description": "Invalid fields by location, e.g. {\"json\": {\"title\": [\"Missing data\"]}}."})


class SportelloApi(Api):
    """flask-smorest's Api, leaving error pages to the core (HTML outside /api)."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:  # the core registers one handler for all
        return None


class ListArgs(Schema):
    """Query arguments every list endpoint accepts."""

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200), metadata={"description": "Rows per page (1-200)."})
    cursor = fields.String(load_default=None, metadata={"description": "The `next_cursor` of the previous page."})
    sort = fields.String(load_default=None, metadata={"description": "A sortable field, prefixed with `-` for descending."})

    class Meta:
        unknown = "include"  # declared filters are read from the remaining arguments


@cache
def page_schema(item_schema: type[Schema]) -> type[Schema]:
    """The envelope of a list response: ``items``, ``next_cursor`` and ``limit``."""
    name = item_schema.__name__.removesuffix("Schema") + "Page"
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "next_cursor": fields.String(allow_none=True, metadata={"description": "Pass as `cursor` for the next page; null on the last."}),
            "limit": fields.Integer(),
        },
        name=name,
    )


def api_list(
    statement: Any,
    args: Mapping[str, Any],
    *,
    sorts: Mapping[str, Any],
    default_sort: str,
    id_column: Any,
    filters: Mapping[str, Filter] | None = None,
) -> Page:
    """Filter, sort and paginate ``statement`` (already restricted with ``visible``).

    Bad sorts, filters or cursors answer 400 with a message saying which.
    """
    try:
        statement = apply_filters(statement, request.args, filters or {})
        _name, column, descending = parse_sort(args.get("sort"), sorts, default_sort)
        return paginate(
            current_session(),
            statement,
            sort_column=column,
            id_column=id_column,
            descending=descending,
            limit=args.get("limit", 50),
            cursor=args.get("cursor"),
        )
    except InvalidQuery as error:
        from flask_smorest import abort

        abort(400, message=str(error))
        raise  # unreachable: abort raises


def problem(status: int, title: str, detail: str | None = None, errors: Any = None) -> Any:
    """A JSON problem-details response (RFC 9457)."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def problem_from_http(error: HTTPException) -> Any:
    """Turn any HTTP error (including flask-smorest's ``abort``) into problem details."""
    data = getattr(error, "data", None) or {}
    detail = data.get("message") or error.description
    errors = data.get("messages") or data.get("errors")
    response = problem(error.code or 500, error.name, detail, errors)
    if isinstance(error, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="sportello"'
    return response


core_api = ApiBlueprint("core_api", __name__, url_prefix="/", description="The signed-in user and the API itself.")


class MeSchema(Schema):
    id = fields.Integer()
    email = fields.Email()
    name = fields.String()
    language = fields.String(allow_none=True)
    profile = fields.Function(lambda user: user.profile.code)


@core_api.route("me")
@core_api.response(200, MeSchema)
def me() -> Any:
    """The user the request is authenticated as."""
    return current_user


pages = Blueprint("api_pages", __name__)


@pages.route(f"{API_PREFIX}/docs")
def api_docs() -> str:
    """An interactive page of the OpenAPI document, served from the package."""
    return render_template("core/api_docs.html")


@pages.route("/healthz")
def healthz() -> Any:
    """Database and Redis status for load balancers and monitors."""
    state = current_app.extensions["sportello"]
    database = check_database(state.db)
    redis = check_redis(state.config["REDIS_URL"])
    healthy = database.ok is True and redis.ok is not False
    body = {
        "status": "ok" if healthy else "error",
        "database": {"ok": database.ok, "detail": database.detail},
        "redis": {"ok": redis.ok, "detail": redis.detail},
    }
    return jsonify(body), 200 if healthy else 503


def init_api(app: Flask) -> None:
    """Mount the API, its document and its documentation page."""
    app.config.update(
        API_TITLE="Sportello",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": "The REST API of Sportello. Lists use keyset pagination: pass `next_cursor` back as `cursor`."},
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer"},
                    "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session"},
                }
            },
            "security": [{"bearerAuth": []}, {"cookieAuth": []}],
        },
    )
    api = SportelloApi(app)
    api.register_blueprint(core_api, url_prefix=API_PREFIX)
    from .attachments import blueprint as attachments_api

    api.register_blueprint(attachments_api, url_prefix=API_PREFIX + attachments_api.url_prefix)
    app.register_blueprint(pages)
    app.extensions["sportello"].extras["api"] = api


__all__ = ["ApiBlueprint", "Filter", "ListArgs", "api_list", "page_schema", "problem"]
