from __future__ import annotations

import click
from sqlalchemy import func, select

from sportello import session

from .models import Note


@click.command("notes-count")
def notes_count() -> None:
    """Print how many notes exist."""
    click.echo(f"{session.scalar(select(func.count(Note.id)))} notes")
