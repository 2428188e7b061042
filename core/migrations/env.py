"""Alembic environment: runs on the connection :mod:`sportello.core.migrate` hands over."""

from __future__ import annotations

from typing import Any

from alembic import context

from sportello.core.db import Model
from sportello.core.migrate import table_owner

config = context.config
plugin = config.attributes.get("plugin")
branches = set(config.attributes.get("branches") or ())


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Autogenerate for one plugin looks only at that plugin's tables."""
    if type_ != "table" or plugin is None or name is None:
        return True
    return table_owner(name, branches | {plugin}) == plugin


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=Model.metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Sportello runs migrations online only: use `sportello db upgrade`.")
run_migrations_online()
