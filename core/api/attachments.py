"""``/api/v1/attachments``: the files of records that accept them, with the same rules as
the "Attachments" tab (read the record to list and download, update it to add and remove)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_login import current_user
from flask_smorest import abort
from flask_smorest.fields import Upload
from marshmallow import Schema, fields
from ..attachments import (
    Attachment,
    AttachmentRefused,
    attach,
    attachments_of,
    file_for,
    file_response,
    may_update,
    record_for,
)
from ..db import current_session
from . import ApiBlueprint

blueprint = ApiBlueprint("attachments_api", __name__, url_prefix="/attachments",
                         description="Files attached to records (companies, leads, ...).")


class AttachmentSchema(Schema):
    id = fields.Integer()
    entity = fields.String(metadata={"example": "companies.company"})
    record_id = fields.Integer()
    name = fields.String(metadata={"example": "contratto.pdf"})
    content_type = fields.String()
    size = fields.Integer(metadata={"description": "Bytes."})
    uploaded_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    download_url = fields.Function(lambda item: url_for("attachments_api.file", attachment_id=item.id))


class UploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "The file (multipart/form-data)."})


def _record(entity: str, record_id: int) -> Any:
    record = record_for(entity, record_id, current_user, "read")
    if record is None:
        abort(404, message="No such record, or you may not open it.")
    return record


@blueprint.route("/<entity>/<int:record_id>")
@blueprint.response(200, AttachmentSchema(many=True))
def record_files(entity: str, record_id: int) -> Any:
    """The files of a record (entity names as in ``companies.company``), newest first."""
    return attachments_of(_record(entity, record_id))


@blueprint.route("/<entity>/<int:record_id>", methods=["POST"])
@blueprint.arguments(UploadSchema, location="files")
@blueprint.response(201, AttachmentSchema)
def upload(files: dict[str, Any], entity: str, record_id: int) -> Any:
    """Attach a file to a record you may update; its type and size are checked."""
    record = _record(entity, record_id)
    if not may_update(entity, record_id, current_user):
        abort(403, message="You may not change this record.")
    session = current_session()
    upload_file = files["file"]
    try:
        item = attach(record, upload_file.filename or "", upload_file.read(), current_user)
        session.commit()
    except AttachmentRefused as refused:
        session.rollback()
        abort(422, message=str(refused), errors={"files": {"file": [str(refused)]}})
    return item


def _visible_file(attachment_id: int, action: str) -> Attachment:
    item = file_for(attachment_id, current_user, action)
    if item is None:
        abort(404, message="No such file, or you may not reach it.")
    return item


@blueprint.route("/files/<int:attachment_id>")
@blueprint.response(200, {"format": "binary", "type": "string"}, content_type="application/octet-stream")
def file(attachment_id: int) -> Any:
    """The content of a file."""
    return file_response(_visible_file(attachment_id, "read"))


@blueprint.route("/files/<int:attachment_id>", methods=["DELETE"])
@blueprint.response(204)
def remove(attachment_id: int) -> Any:
    """Remove a file of a record you may update."""
    session = current_session()
    session.delete(_visible_file(attachment_id, "delete"))
    session.commit()
    return None
