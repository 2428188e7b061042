"""The importer's tables: the uploaded file with its run, the rejected rows, the mappings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Model, utcnow

#: States of an import: uploaded and being prepared, waiting for its job, running, finished.
DRAFT, QUEUED, RUNNING, DONE = "draft", "queued", "running", "done"


class ImportFile(Model):
    """One uploaded file, kept in the database (never on disk), and the run made of it."""

    __tablename__ = "core_import"
    __audit__ = False
    __table_args__ = (Index("ix_core_import_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"))
    file_name: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Column index (as text) to field name, as people chose it.
    mapping: Mapped[Any | None] = mapped_column(JSON)
    #: ``on_duplicate``, ``match_keys``, ``assignee_id``, ``assign_updated``.
    options: Mapped[Any | None] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(8), default=DRAFT, server_default=DRAFT)
    total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    skipped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rejected: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()


class ImportReject(Model):
    """A row of an import that was not saved, and why."""

    __tablename__ = "core_import_reject"
    __audit__ = False
    __table_args__ = (Index("ix_core_import_reject_import_row", "import_id", "row_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("core_import.id", ondelete="CASCADE"))
    #: The row's number in the spreadsheet (the header is row 1 when it is the first).
    row_number: Mapped[int] = mapped_column(Integer)
    #: Position of the row among the data rows (0-based), to find it again in the file.
    position: Mapped[int] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text)


class ImportMapping(Model):
    """The last mapping a user chose for a target: header text to field name."""

    __tablename__ = "core_import_mapping"
    __audit__ = False

    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), primary_key=True)
    target: Mapped[str] = mapped_column(String(120), primary_key=True)
    mapping: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
