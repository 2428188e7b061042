from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sportello import Model, TimestampMixin


class Note(TimestampMixin, Model):
    __tablename__ = "example_note"
    __entity__ = "example.note"
    __attachments__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
