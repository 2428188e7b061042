from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_smorest import abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from sportello import ApiBlueprint, emit, Filter, ListArgs, api_list, page_schema, session, visible

from .models import Note

blueprint = ApiBlueprint("example_api", __name__, url_prefix="/notes", description="Notes of the example plugin.")


class NoteSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(load_default="")
    owner_id = fields.Integer(dump_only=True)
    assignee_id = fields.Integer(load_only=True, load_default=None)
    updated_at = fields.DateTime(dump_only=True)


@blueprint.route("/")
@blueprint.arguments(ListArgs, location="query")
@blueprint.response(200, page_schema(NoteSchema))
def list_notes(args: dict[str, Any]) -> Any:
    """Notes the user may see."""
    return api_list(
        visible(select(Note), current_user, "list"),
        args,
        sorts={"id": Note.id, "title": Note.title, "updated_at": Note.updated_at},
        default_sort="id",
        id_column=Note.id,
        filters={"title": Filter(Note.title, "contains"), "owner_id": Filter(Note.owner_id, "eq", int)},
    )


@blueprint.route("/", methods=["POST"])
@blueprint.arguments(NoteSchema)
@blueprint.response(201, NoteSchema)
def create_note(data: dict[str, Any]) -> Any:
    """Write a note owned by the signed-in user."""
    if not current_user.can("example.create"):
        abort(403, message="Your profile cannot write notes.")
    assignee_id = data.pop("assignee_id", None)  # only told in the event, for the notification tests
    note = Note(owner_id=current_user.id, **data)
    session.add(note)
    session.flush()
    from flask import url_for

    emit("example.note_created", "example.note", note.id, {
        "title": note.title,
        "url": url_for("example.note", note_id=note.id),
        "recipients": {"owner": [note.owner_id], "assignee": [assignee_id] if assignee_id else []},
    })
    session.commit()
    return note


@blueprint.route("/<int:note_id>")
@blueprint.response(200, NoteSchema)
def get_note(note_id: int) -> Any:
    """One note."""
    note = session.scalar(visible(select(Note), current_user, "read").where(Note.id == note_id))
    if note is None:
        abort(404, message="No such note.")
    return note
