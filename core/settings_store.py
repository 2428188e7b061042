"""Settings that plugins declare with the ``settings`` hook, stored in the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import JSON, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Model, current_session, utcnow
from .types import SettingsSection


class Setting(Model):
    """One stored value of a settings section."""

    __tablename__ = "core_setting"

    section: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def settings_sections() -> dict[str, SettingsSection]:
    """The sections the enabled plugins declare, in display order."""
    plugins = current_app.extensions["sportello"].plugins
    sections = sorted(plugins.collect("settings"), key=lambda s: (s.order, s.key))
    return {section.key: section for section in sections}


def schema_defaults(section: SettingsSection) -> dict[str, Any]:
    """Each field's ``load_default`` (or ``None``), the values before anyone saves."""
    fields = section.schema().fields
    return {
        name: (field.load_default if field.load_default is not None and not callable(field.load_default) else None)
        for name, field in fields.items()
    }


def load_section(session: Session, section: SettingsSection) -> dict[str, Any]:
    """The current values of a section: defaults overlaid with what is stored."""
    values = schema_defaults(section)
    for row in session.scalars(select(Setting).where(Setting.section == section.key)):
        if row.name in values:
            values[row.name] = row.value
    return values


def save_section(session: Session, section: SettingsSection, values: dict[str, Any]) -> None:
    """Store already validated ``values`` (JSON-serialisable) of a section."""
    stored = {row.name: row for row in session.scalars(select(Setting).where(Setting.section == section.key))}
    for name, value in values.items():
        if name in stored:
            stored[name].value = value
        else:
            session.add(Setting(section=section.key, name=name, value=value))


def get_setting(section: str, name: str, default: Any = None) -> Any:
    """The value of one setting for the current application, or ``default``."""
    declared = settings_sections().get(section)
    if declared is None:
        return default
    value = load_section(current_session(), declared).get(name)
    return default if value is None else value
