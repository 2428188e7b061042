from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template
from flask_login import current_user
from sqlalchemy import select

from sportello import call_hooks, requires, session, visible

from .models import Note

blueprint = Blueprint("example", __name__, url_prefix="/notes", template_folder="templates")


@blueprint.route("/")
@requires("example.view")
def notes() -> str:
    rows = session.scalars(visible(select(Note), current_user, "list").order_by(Note.id)).all()
    return render_template("example/notes.html", notes=rows)


def _note_or_404(note_id: int) -> Note:
    note = session.scalar(visible(select(Note), current_user, "read").where(Note.id == note_id))
    if note is None:
        abort(404)
    return note


@blueprint.route("/<int:note_id>")
@requires("example.view")
def note(note_id: int) -> str:
    record = _note_or_404(note_id)
    tabs = sorted(call_hooks("record_tabs", entity="example.note", record=record, user=current_user), key=lambda t: t.order)
    badges = call_hooks("example_note_badges", note=record)
    return render_template("example/note.html", note=record, tabs=tabs, badges=badges)


@blueprint.route("/<int:note_id>/text")
@requires("example.view")
def note_text(note_id: int) -> str:
    return render_template("example/_text.html", note=_note_or_404(note_id))


@blueprint.route("/widget")
@requires("example.view")
def widget() -> Any:
    rows = session.scalars(visible(select(Note), current_user, "list").order_by(Note.id.desc()).limit(5)).all()
    return render_template("example/_widget.html", notes=rows)
