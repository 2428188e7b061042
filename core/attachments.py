"""Files attached to the records of any plugin (a company, a lead, ...), kept in the database.

A mapped class opts in with ``__attachments__ = True``. Its record page then gets an
"Attachments" tab; who may open the record may download its files, who may update the
record may add and remove them. Visibility follows the owning record through
:func:`sportello.visible` (entity ``core.attachment``), so no file is ever reachable by
someone who cannot open what it belongs to. Moving files between records (a lead that
becomes a company) is one call, audited like every write.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, and_, delete, event, false, func, or_, select
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from .db import Model, current_session, utcnow
from .types import Rule

#: File name extensions accepted by default, with the content type stored for each.
DEFAULT_TYPES: dict[str, str] = {
    "pdf": "application/pdf", "txt": "text/plain", "csv": "text/csv", "png": "image/png", "jpg": "image/jpeg",
    "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp", "zip": "application/zip",
    "eml": "message/rfc822", "msg": "application/vnd.ms-outlook", "xml": "application/xml",
    "p7m": "application/pkcs7-mime", "doc": "application/msword", "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text", "ods": "application/vnd.oasis.opendocument.spreadsheet",
}


class AttachmentRefused(ValueError):
    """A file that cannot be attached; the message is for the user."""


class Attachment(Model):
    """One file of one record, addressed by the record's entity name and id."""

    __tablename__ = "core_attachment"
    __entity__ = "core.attachment"
    __audit_exclude__ = frozenset({"data"})
    __table_args__ = (Index("ix_core_attachment_record", "entity", "record_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(80))
    record_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])


@event.listens_for(Model, "after_delete", propagate=True)
def _delete_files_with_their_record(_mapper: Any, connection: Any, target: Any) -> None:
    """A deleted record takes its files with it, in the same transaction."""
    if getattr(type(target), "__attachments__", False):
        connection.execute(delete(Attachment.__table__).where(
            Attachment.__table__.c.entity == entity_of(target), Attachment.__table__.c.record_id == target.id))


def allowed_types() -> dict[str, str]:
    """Extensions accepted here: ``ATTACHMENT_EXTENSIONS`` when configured, else the defaults."""
    configured = current_app.config.get("ATTACHMENT_EXTENSIONS")
    if not configured:
        return DEFAULT_TYPES
    names = [e.strip().lower().lstrip(".") for e in configured if e.strip()]
    return {e: DEFAULT_TYPES.get(e) or mimetypes.guess_type("f." + e)[0] or "application/octet-stream" for e in names}


def max_bytes() -> int:
    return int(current_app.config.get("ATTACHMENT_MAX_MB", 10)) * 1024 * 1024


def upload_limits() -> dict[str, Any]:
    """What the upload forms tell people: ``types`` (comma-separated) and ``mb``."""
    return {"types": ", ".join(sorted(allowed_types())), "mb": max_bytes() // (1024 * 1024)}


def clean_name(name: str) -> str:
    """A file name safe to store and to send back: no folders, no control characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    return base.strip().strip(".")[:255]


def check_file(name: str, data: bytes) -> tuple[str, str]:
    """The stored name and content type of an upload, or :class:`AttachmentRefused`."""
    clean = clean_name(name)
    if not clean or not data:
        raise AttachmentRefused(_("Choose a file to attach."))
    types = allowed_types()
    extension = clean.rsplit(".", 1)[-1].lower() if "." in clean else ""
    if extension not in types:
        raise AttachmentRefused(_("Files of this type cannot be attached. Allowed: %(types)s.",
                                  types=", ".join(sorted(types))))
    if len(data) > max_bytes():
        raise AttachmentRefused(_("The file is too big: at most %(mb)s MB.", mb=max_bytes() // (1024 * 1024)))
    return clean, types[extension]


def entity_of(record: Any) -> str:
    from .access import entity_name

    return entity_name(type(record))


def attachable_models() -> dict[str, Any]:
    """Mapped classes of the enabled plugins that accept attachments, by entity name."""
    from .access import entity_models

    return {name: model for name, model in entity_models().items() if getattr(model, "__attachments__", False)}


def record_for(entity: str, record_id: int, user: Any, action: str = "read") -> Any | None:
    """The record of an entity that accepts files, if ``user`` may do ``action`` on it."""
    from .access import visible

    model = attachable_models().get(entity)
    if model is None:
        return None
    return current_session().scalar(visible(select(model), user, action).where(model.id == record_id))


def file_for(attachment_id: int, user: Any, action: str = "read") -> Attachment | None:
    """A file, if ``user`` may do ``action`` on it (that is, on the record it belongs to)."""
    from .access import visible

    return current_session().scalar(visible(select(Attachment), user, action).where(Attachment.id == attachment_id))


def may_update(entity: str, record_id: int, user: Any) -> bool:
    """Whether ``user`` may add and remove the files of that record."""
    from .access import visible

    model = attachable_models().get(entity)
    return model is not None and current_session().scalar(
        visible(select(model.id), user, "update").where(model.id == record_id)) is not None


def attach(record: Any, name: str, data: bytes, user: Any) -> Attachment:
    """Attach a file to ``record`` (flushed, not committed: the caller's transaction decides)."""
    if not getattr(type(record), "__attachments__", False):
        raise TypeError(f"{type(record).__name__} does not accept attachments (set __attachments__ = True)")
    stored_name, content_type = check_file(name, data)
    attachment = Attachment(entity=entity_of(record), record_id=record.id, name=stored_name,
                            content_type=content_type, size=len(data), data=data,
                            uploaded_by_id=getattr(user, "id", None))
    session = current_session()
    session.add(attachment)
    session.flush()
    return attachment


def attachments_of(record: Any) -> list[Attachment]:
    """The files of a record the caller already checked the user may open, newest first."""
    return list(current_session().scalars(
        select(Attachment).where(Attachment.entity == entity_of(record), Attachment.record_id == record.id)
        .order_by(Attachment.created_at.desc(), Attachment.id.desc())))


def count_attachments(record: Any) -> int:
    """How many files a record has (one COUNT, for tab badges and previews)."""
    return current_session().scalar(select(func.count(Attachment.id)).where(
        Attachment.entity == entity_of(record), Attachment.record_id == record.id)) or 0


def move_attachments(source: Any, target: Any) -> int:
    """Give every file of ``source`` to ``target`` (e.g. a lead converted into a company),
    row by row so each move is audited; flushed, not committed. Returns how many moved."""
    moved = 0
    new_entity = entity_of(target)
    for attachment in attachments_of(source):
        attachment.entity = new_entity
        attachment.record_id = target.id
        moved += 1
    current_session().flush()
    return moved


def file_response(item: Attachment) -> Any:
    """The download of a file: always saved, never shown inline, never sniffed."""
    from urllib.parse import quote

    from flask import Response

    return Response(item.data, mimetype=item.content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(item.name)}",
        "X-Content-Type-Options": "nosniff",
    })


def owner_action(action: str) -> str:
    """What the user must be allowed on the owning record to do ``action`` on its files."""
    return action if action in ("list", "read") else "update"


def attachment_rules(user: Any, action: str) -> list[Rule]:
    """Visibility of ``core.attachment``: the files of the records the user may reach."""
    from .access import visible

    needed = owner_action(action)
    clauses = [
        and_(Attachment.entity == name, Attachment.record_id.in_(visible(select(model.id), user, needed)))
        for name, model in attachable_models().items()
    ]
    return [Rule(or_(*clauses) if clauses else false(), _l("Files of the records the user may reach"))]
