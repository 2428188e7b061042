"""The "Attachments" tab of records that accept files: list, upload, download, remove."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from ..attachments import (
    AttachmentRefused,
    attach,
    attachments_of,
    file_for,
    file_response,
    may_update,
    record_for,
    upload_limits,
)
from ..db import current_session
from .blueprint import core, safe_next


def _record_or_404(entity: str, record_id: int, action: str) -> Any:
    record = record_for(entity, record_id, current_user, action)
    if record is None:
        abort(404)
    return record


def _panel(entity: str, record: Any, error: str | None = None, status: int = 200) -> tuple[str, int]:
    html = render_template(
        "core/_attachments.html", entity=entity, record=record, items=attachments_of(record),
        may_update=may_update(entity, record.id, current_user), error=error, **upload_limits(),
        page=safe_next(request.form.get("next")) or safe_next(_current_path()))
    return html, status


def _current_path() -> str | None:
    """The page the tab sits on (htmx tells it), to come back to without scripts."""
    from urllib.parse import urlsplit

    current = request.headers.get("HX-Current-URL")
    if not current:
        return None
    parts = urlsplit(current)
    return parts.path + ("?" + parts.query if parts.query else "")


def _answer(entity: str, record: Any, message: str, error: str | None = None) -> Any:
    """Scripts get the panel again; a plain form post goes back to the record page."""
    if request.headers.get("HX-Request"):
        return _panel(entity, record, error=error, status=422 if error else 200)
    flash(error or message, "danger" if error else "success")
    return redirect((safe_next(request.form.get("next")) or url_for("core.home")) + "#attachments")


@core.route("/attachments/<entity>/<int:record_id>")
def record_attachments(entity: str, record_id: int) -> Any:
    """The tab: files of a record the user may open."""
    return _panel(entity, _record_or_404(entity, record_id, "read"))


@core.route("/attachments/<entity>/<int:record_id>", methods=["POST"])
def upload_attachment(entity: str, record_id: int) -> Any:
    """Add a file to a record the user may update."""
    record = _record_or_404(entity, record_id, "read")
    if not may_update(entity, record_id, current_user):
        abort(403)
    upload = request.files.get("file")
    session = current_session()
    try:
        attach(record, upload.filename if upload else "", upload.read() if upload else b"", current_user)
        session.commit()
    except AttachmentRefused as refused:
        session.rollback()
        return _answer(entity, record, "", error=str(refused))
    return _answer(entity, record, _("File attached."))


@core.route("/attachments/file/<int:attachment_id>")
def download_attachment(attachment_id: int) -> Response:
    """A file, only for who may open the record it belongs to."""
    item = file_for(attachment_id, current_user, "read")
    if item is None:
        abort(404)
    return file_response(item)


@core.route("/attachments/file/<int:attachment_id>/delete", methods=["POST"])
def delete_attachment(attachment_id: int) -> Any:
    """Remove a file of a record the user may update."""
    session = current_session()
    item = file_for(attachment_id, current_user, "delete")
    if item is None:
        abort(404)
    entity, record_id = item.entity, item.record_id
    session.delete(item)
    session.commit()
    return _answer(entity, _record_or_404(entity, record_id, "read"), _("File removed."))
