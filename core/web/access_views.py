"""Administrators' answers to "who can see what" and "who changed what"."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from zoneinfo import ZoneInfo

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy import inspect as sa_inspect

from ..access import entity_models, visible
from ..audit import AuditEntry
from ..db import current_session
from ..explain import explain
from ..identity import User
from ..pagination import InvalidQuery, paginate
from ..tokens import ApiToken
from .blueprint import core
from .guards import requires

AUDIT_PAGE_SIZE = 50


@core.route("/admin/access-check")
@requires("core.profiles")
def access_check() -> str:
    session = current_session()
    users = session.scalars(select(User).order_by(User.name)).all()
    models = entity_models()
    chosen_user = session.get(User, request.args.get("user", type=int) or 0)
    entity = request.args.get("entity") or ""
    record_id = request.args.get("record", "").strip()
    verdicts, record, error = None, None, None
    if chosen_user and entity and record_id:
        model = models.get(entity)
        if model is None:
            error = _("Unknown kind of record.")
        else:
            key = sa_inspect(model).primary_key[0]
            try:
                typed_id = key.type.python_type(record_id)
            except (ValueError, NotImplementedError):
                typed_id = record_id
            record = session.get(model, typed_id)
            if record is None:
                error = _("There is no record %(entity)s #%(id)s.", entity=entity, id=record_id)
            else:
                verdicts = explain(session, chosen_user, model, typed_id)
    return render_template(
        "core/access_check.html",
        users=users,
        entities=list(models),
        chosen_user=chosen_user,
        entity=entity,
        record_id=record_id,
        record=record,
        verdicts=verdicts,
        error=error,
    )


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@core.route("/admin/audit")
@requires("core.audit")
def audit_log() -> str:
    session = current_session()
    statement = select(AuditEntry)
    filters = {
        "user": request.args.get("user", type=int),
        "entity": (request.args.get("entity") or "").strip(),
        "record": (request.args.get("record") or "").strip(),
        "start": _day(request.args.get("start")),
        "end": _day(request.args.get("end")),
    }
    if filters["user"]:
        statement = statement.where(AuditEntry.actor_id == filters["user"])
    if filters["entity"]:
        statement = statement.where(AuditEntry.entity == filters["entity"])
    if filters["record"]:
        statement = statement.where(AuditEntry.record_id == filters["record"])
    zone = ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])  # days as the office counts them
    if filters["start"]:
        statement = statement.where(AuditEntry.at >= datetime.combine(filters["start"], time.min, tzinfo=zone))
    if filters["end"]:
        statement = statement.where(AuditEntry.at < datetime.combine(filters["end"] + timedelta(days=1), time.min, tzinfo=zone))
    try:
        page = paginate(
            session, statement, sort_column=AuditEntry.id, id_column=AuditEntry.id, descending=True,
            limit=AUDIT_PAGE_SIZE, cursor=request.args.get("cursor"),
        )
    except InvalidQuery:
        abort(400)
    next_url = url_for("core.audit_log", **{**request.args.to_dict(), "cursor": page.next_cursor}) if page.next_cursor else None
    return render_template(
        "core/audit_log.html",
        page=page,
        next_url=next_url,
        filters=filters,
        users=session.scalars(select(User).order_by(User.name)).all(),
        entities=session.scalars(select(AuditEntry.entity).distinct().order_by(AuditEntry.entity)).all(),
        **_people(session, page.items),
    )


def _people(session: Any, entries: list[AuditEntry]) -> dict[str, Any]:
    """Names of the users and tokens the entries mention, in two queries."""
    user_ids = {e.actor_id for e in entries if e.actor_id}
    token_ids = {e.token_id for e in entries if e.token_id}
    actors = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    tokens = {t.id: t for t in session.scalars(select(ApiToken).where(ApiToken.id.in_(token_ids)))} if token_ids else {}
    return {"actors": actors, "tokens": tokens}


@core.route("/history/<entity>/<record_id>")
def record_history(entity: str, record_id: str) -> str:
    """The history tab of a record: shown only to users who may open the record."""
    model = entity_models().get(entity)
    if model is None:
        abort(404)
    session = current_session()
    key = sa_inspect(model).primary_key[0]
    try:
        typed_id = key.type.python_type(record_id)
    except (ValueError, NotImplementedError):
        abort(404)
    if session.scalar(visible(select(model), current_user, "read").where(key == typed_id)) is None:
        abort(404)
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == entity, AuditEntry.record_id == str(typed_id))
        .order_by(AuditEntry.id.desc())
        .limit(200)
    ).all()
    return render_template("core/_history.html", entries=entries, **_people(session, entries))
