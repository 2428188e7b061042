"""A test plugin that implements every hook the core calls: short notes owned by users."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from marshmallow import Schema, fields, validate

from sportello import (
    DashboardWidget,
    EventType,
    Grant,
    MenuItem,
    Permission,
    PluginInfo,
    Rule,
    Scope,
    SearchResult,
    Section,
    SettingsSection,
    hookimpl,
    lazy_gettext,
)

from . import hooks_published

HERE = Path(__file__).parent

PLUGIN = PluginInfo(
    name="example",
    title="Notes",
    version="1.2.0",
    core=">=1.0,<2",
    description="Short notes, to test every hook of the core.",
)


class NoteSettings(Schema):
    default_colour = fields.String(
        load_default="yellow",
        validate=validate.OneOf(["yellow", "green", "blue"]),
        metadata={"label": "Default colour"},
    )
    max_length = fields.Integer(load_default=500, validate=validate.Range(min=10, max=5000), metadata={"label": "Longest note"})
    shared = fields.Boolean(load_default=False, metadata={"label": "Notes are shared"})


@hookimpl
def plugin_hookspecs() -> list[object]:
    return [hooks_published]


@hookimpl
def blueprints() -> list[Any]:
    from .views import blueprint

    return [blueprint]


@hookimpl
def api_blueprints() -> list[Any]:
    from .api import blueprint

    return [blueprint]


@hookimpl
def migrations() -> Path:
    return HERE / "migrations" / "versions"


@hookimpl
def permissions() -> list[Any]:
    return [
        Section("example", "Notes"),
        Permission("example.view", "See notes", section="example"),
        Permission("example.create", "Write notes", section="example"),
        Permission("example.settings", "Configure notes", section="admin"),
    ]


@hookimpl
def default_grants() -> list[Grant]:
    return [
        Grant("system_admin", ["*"], {"example": Scope.ALL}),
        Grant("crm_admin", ["example.view", "example.create"], {"example": Scope.ALL}),
        Grant("salesperson", ["example.view", "example.create"], {"example": Scope.OWN}),
    ]


@hookimpl
def visibility_rules(entity: str, user: Any, action: str) -> list[Any]:
    if entity != "example.note":
        return []
    from .models import Note

    scope = user.scope("example")
    rules = []
    if scope == Scope.ALL:
        rules.append(Rule(Note.id.is_not(None), "Scope 'all' on notes: every note"))
    elif scope == Scope.OWN:
        rules.append(Rule(Note.owner_id == user.id, "Scope 'own' on notes: notes the user wrote"))
    if action == "delete":
        rules.append(Rule(Note.title != "Protected", "Notes titled 'Protected' are never deleted", restriction=True))
    return rules


@hookimpl
def menu_items() -> list[MenuItem]:
    return [
        MenuItem(lazy_gettext("Notes"), "example.notes", icon="sticky", permission="example.view", order=50),
        MenuItem("Note settings", "core.settings_page", icon="sliders", permission="example.settings", order=950, group="admin", values={"key": "example"}),
    ]


@hookimpl
def record_tabs(entity: str, record: Any) -> list[Any]:
    if entity != "example.note":
        return []
    from flask import url_for

    from sportello import RecordTab

    return [RecordTab("text", "Text", url_for("example.note_text", note_id=record.id), order=10)]


@hookimpl
def dashboard_widgets(user: Any) -> list[DashboardWidget]:
    from flask import url_for

    if not user.can("example.view"):
        return []
    return [DashboardWidget("example-latest", "Latest notes", url_for("example.widget"), width=6, order=20)]


@hookimpl
def settings() -> list[SettingsSection]:
    return [SettingsSection("example", "Notes", NoteSettings, permission="example.settings", order=50)]


@hookimpl
def search(user: Any, text: str, limit: int) -> list[SearchResult]:
    from flask import url_for
    from sqlalchemy import select

    from sportello import session, visible

    from .models import Note

    rows = session.scalars(visible(select(Note), user, "list").where(Note.title.ilike(f"%{text}%")).limit(limit))
    return [SearchResult(note.title, url_for("example.note", note_id=note.id), "Note", note.body[:60], score=1.0) for note in rows]


@hookimpl
def cli_commands() -> list[click.Command]:
    from .commands import notes_count

    return [notes_count]


@hookimpl
def translation_dirs() -> list[Path]:
    return [HERE / "translations"]


@hookimpl
def page_slot(slot: str) -> list[Any]:
    from markupsafe import Markup

    if slot == "sidebar_footer":
        return [Markup('<span class="example-slot">notes on</span> ')]
    return []


@hookimpl
def event_types() -> list[EventType]:
    return [EventType("example.note_created", "Note written", default_recipients=["owner"])]


@hookimpl
def deadline_kinds() -> list[Any]:
    from sportello import DeadlineKind

    return [DeadlineKind("example.note_due", "Note due", default_recipients=["owner"], days_ahead=2)]


@hookimpl
def on_event(event: Any) -> None:
    """Keep what it heard, so tests can see the dispatch; a title "boom" makes it fail."""
    from sportello import session
    from sportello.core.settings_store import Setting

    if event.payload.get("title") == "boom":
        raise RuntimeError("subscriber failure")
    session.add(Setting(section="events-seen", name=str(event.id), value=[event.type, event.record_id, event.actor_id]))
    session.commit()


@hookimpl
def notification_channels() -> list[Any]:
    from sportello import NotificationChannel

    from .channels import slow_send

    return [NotificationChannel("slow", "Slow test channel", send=slow_send)]


@hookimpl
def periodic_tasks() -> list[Any]:
    from sportello.core.periodic import PeriodicTask

    return [PeriodicTask("example.daily_digest", "sportello_example.jobs:remember_digest", every="day")]


@hookimpl
def demo_data(ctx: Any) -> None:
    from .models import Note

    for profile, user in ctx.users.items():
        ctx.session.add(Note(title=f"Demo note of {profile}", body="Written by the demo.", owner_id=user.id))


@hookimpl
def deadlines(start: Any, end: Any, user: Any) -> list[Any]:
    """One deadline per note the user may see (every note for the scan): a week after it was written."""
    from datetime import UTC, datetime, time, timedelta

    from flask import url_for
    from sqlalchemy import select

    from sportello import Deadline, session, visible

    from .models import Note

    delay = timedelta(days=7)
    statement = select(Note) if user is None else visible(select(Note), user, "list")
    statement = statement.where(
        Note.created_at >= datetime.combine(start - delay, time.min, tzinfo=UTC),
        Note.created_at < datetime.combine(end - delay + timedelta(days=1), time.min, tzinfo=UTC),
    ).order_by(Note.id)
    found = []
    for note in session.scalars(statement):
        due = note.created_at.date() + delay
        if start <= due <= end:
            found.append(
                Deadline(
                    kind="example.note_due",
                    entity="example.note",
                    record_id=note.id,
                    due=due,
                    title=note.title,
                    url=url_for("example.note", note_id=note.id),
                    recipients={"owner": [note.owner_id]},
                )
            )
    return found


def _note_title(text: str) -> str:
    if len(text) > 200:
        raise ValueError(f"At most 200 characters ({len(text)} here).")
    if text.lower() == "invalid":
        raise ValueError("A note cannot be titled 'invalid'.")
    return text


@hookimpl
def import_targets() -> list[Any]:
    """Notes imported from files, matched on their title (case and spaces ignored)."""
    from sqlalchemy import func

    from sportello import ImportField, ImportTarget, MatchKey

    from .models import Note

    return [
        ImportTarget(
            key="example.note",
            label=lazy_gettext("Notes"),
            model=Note,
            fields=[
                ImportField("title", "Title", required=True, parse=_note_title, aliases=["Titolo", "Subject"]),
                ImportField("body", "Text", aliases=["Body", "Testo"]),
            ],
            permission="example.create",
            match_keys=[MatchKey("title", func.lower(Note.title), label="Title")],
            assign_field="owner_id",
            assign_label="Owner",
            assign_permission="example.view",
            list_endpoint="example.notes",
        )
    ]
