"""Migrations: Alembic with one branch per plugin in a single ``alembic_version`` table.

The core is a base with branch label ``core``. Each plugin ships its own versions folder
whose first revision has ``branch_labels=("<plugin>",)`` and ``depends_on`` the revisions
of the core and of its required plugins. Every *installed* plugin's folder is listed in
``version_locations`` (enabled or not) so that Alembic always knows every revision in
the database; only enabled plugins are upgraded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from flask import Flask
from sqlalchemy import inspect, text

from .errors import SportelloError

CORE_BRANCH = "core"
HERE = Path(__file__).parent
SCRIPT_LOCATION = HERE / "migrations"
CORE_VERSIONS = SCRIPT_LOCATION / "versions"


def table_owner(table: str, branches: list[str] | set[str]) -> str | None:
    """The branch a table belongs to: the longest branch name that prefixes it.

    ``example_extra_tag`` belongs to ``example_extra``, not to ``example``.
    """
    owners = [b for b in branches if table.startswith(f"{b}_")]
    return max(owners, key=len) if owners else None


class MigrationError(SportelloError):
    """A migration could not be found or applied."""


@dataclass(frozen=True)
class BranchState:
    """Where one branch (the core or a plugin) stands in the database."""

    branch: str
    current: str | None
    head: str | None
    enabled: bool

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def version_folders(app: Flask) -> dict[str, Path]:
    """The versions folder of the core and of every installed plugin, by branch name.

    Enabled plugins answer the ``migrations`` hook; disabled ones are found from their
    distribution (``<package>/migrations/versions``) without being imported.
    """
    state = app.extensions["sportello"]
    folders: dict[str, Path] = {CORE_BRANCH: CORE_VERSIONS}
    declared = dict(state.plugins.call_in_order("migrations"))
    for name, installed in state.plugins.installed.items():
        if name in declared:
            folders[name] = Path(declared[name])
            continue
        package = installed.package_folder()
        candidate = package / "migrations" / "versions" if package else None
        if candidate and candidate.is_dir():
            folders[name] = candidate
    for name, folder in declared.items():
        folders.setdefault(name, Path(folder))
    return folders


def alembic_config(
    app: Flask, connection: Any = None, plugin: str | None = None, branches: set[str] | None = None
) -> Config:
    """An Alembic configuration for ``app``, built in memory (no alembic.ini).

    :param branches: limit the versions folders to these branches (default: all installed).
    """
    folders = version_folders(app)
    if branches is not None:
        folders = {name: folder for name, folder in folders.items() if name in branches}
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(str(p) for p in folders.values()))
    cfg.attributes["app"] = app
    cfg.attributes["connection"] = connection
    cfg.attributes["plugin"] = plugin
    cfg.attributes["branches"] = list(folders)
    return cfg


def enabled_branches(app: Flask) -> list[str]:
    """The core and each enabled plugin that has revisions, in dependency order."""
    engine = app.extensions["sportello"].db.engine
    with engine.connect() as connection:
        heads = _branch_heads(ScriptDirectory.from_config(alembic_config(app, connection)))
    plugins = app.extensions["sportello"].plugins
    return [CORE_BRANCH] + [name for name in plugins.order if name in heads]


def _branch_of(script: ScriptDirectory, revision_id: str) -> str | None:
    """The branch label a revision belongs to (Alembic spreads labels down a branch)."""
    labels = sorted(script.get_revision(revision_id).branch_labels)
    return labels[0] if labels else None


def _branch_heads(script: ScriptDirectory) -> dict[str, str]:
    """The head revision of each branch, by label.

    Asked per label: a core revision that plugins depend on is not among Alembic's
    plain "heads", though it is the head of the core branch.
    """
    labels = {label for rev in script.walk_revisions() for label in rev.branch_labels}
    return {label: script.get_revision(f"{label}@head").revision for label in sorted(labels)}


BRANCH_STATE_TABLE = "alembic_branch_state"


def _run(app: Flask, action: str, *args: Any, **kwargs: Any) -> None:
    engine = app.extensions["sportello"].db.engine
    with engine.begin() as connection:
        cfg = alembic_config(app, connection)
        try:
            getattr(command, action)(cfg, *args, **kwargs)
        except CommandError as error:
            raise MigrationError(f"migration failed: {error}") from error
        _record_positions(connection, ScriptDirectory.from_config(cfg))


def _record_positions(connection: Any, script: ScriptDirectory) -> None:
    """Keep each branch's position beside ``alembic_version``.

    Alembic lists only the tips; if a plugin is uninstalled without a downgrade, its tip
    vanishes from the known scripts and with it the positions it implied. This table is
    what lets :func:`forget` put the other branches back where they were.
    """
    connection.execute(
        text(f"CREATE TABLE IF NOT EXISTS {BRANCH_STATE_TABLE} (branch VARCHAR(64) PRIMARY KEY, revision VARCHAR(64) NOT NULL)")
    )
    recorded = tuple(MigrationContext.configure(connection).get_current_heads())
    positions = _applied_by_branch(script, recorded)
    connection.execute(text(f"DELETE FROM {BRANCH_STATE_TABLE}"))
    for branch, revision_id in positions.items():
        connection.execute(
            text(f"INSERT INTO {BRANCH_STATE_TABLE} (branch, revision) VALUES (:b, :r)"), {"b": branch, "r": revision_id}
        )


def upgrade(app: Flask, branches: list[str] | None = None) -> list[str]:
    """Upgrade the core and the enabled plugins (or just ``branches``) to their heads."""
    targets = branches or enabled_branches(app)
    for branch in targets:
        _run(app, "upgrade", f"{branch}@head")
    return targets


def downgrade(app: Flask, target: str) -> None:
    """Downgrade to ``target`` (``"leads@base"`` removes the leads tables)."""
    _run(app, "downgrade", target)


def revision(app: Flask, plugin: str, message: str, autogenerate: bool = False) -> None:
    """Write a new revision in the versions folder of ``plugin`` (or the core)."""
    folders = version_folders(app)
    if plugin not in folders:
        raise MigrationError(
            f"{plugin!r} has no migrations folder; create {plugin}/migrations/versions in the plugin first."
        )
    # Autogenerate wants the database at every head it knows: leave out installed plugins
    # that are neither enabled nor applied, whose heads the database never reached.
    relevant = {plugin} | {s.branch for s in states(app) if s.enabled or s.current is not None}
    engine = app.extensions["sportello"].db.engine
    with engine.begin() as connection:
        cfg = alembic_config(app, connection, plugin=plugin, branches=relevant)
        script = ScriptDirectory.from_config(cfg)
        heads = _branch_heads(script)
        kwargs: dict[str, Any] = {"message": message, "autogenerate": autogenerate, "version_path": str(folders[plugin])}
        if plugin in heads:
            kwargs["head"] = f"{plugin}@head"
        else:
            kwargs.update(head="base", branch_label=plugin, depends_on=heads.get(CORE_BRANCH))
        command.revision(cfg, **kwargs)


def _applied_by_branch(script: ScriptDirectory, recorded: tuple[str, ...]) -> dict[str, str]:
    """The newest applied revision of each branch.

    Alembic records only the tips: once a plugin revision that depends on a core
    revision is applied, the core revision is implied by it and no longer listed, so
    each branch's position is found by walking down from the recorded tips.
    """
    current: dict[str, str] = {}
    for tip in recorded:
        try:
            ancestors = list(script.iterate_revisions(tip, "base"))
        except Exception:  # a revision of a plugin uninstalled without a downgrade
            continue
        for revision in ancestors:  # newest first
            for label in revision.branch_labels:
                current.setdefault(label, revision.revision)
    return current


def states(app: Flask) -> list[BranchState]:
    """Where the core and every installed plugin with migrations stand."""
    engine = app.extensions["sportello"].db.engine
    plugins = app.extensions["sportello"].plugins
    with engine.connect() as connection:
        script = ScriptDirectory.from_config(alembic_config(app, connection))
        heads = _branch_heads(script)
        recorded = MigrationContext.configure(connection).get_current_heads()
    current = _applied_by_branch(script, recorded)
    return [
        BranchState(
            branch=branch,
            current=current.get(branch),
            head=heads.get(branch),
            enabled=branch == CORE_BRANCH or branch in plugins.loaded,
        )
        for branch in version_folders(app)
    ]


def unknown_revisions(app: Flask) -> list[str]:
    """Revisions recorded in the database that no installed code knows about."""
    engine = app.extensions["sportello"].db.engine
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return []
        recorded = [row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))]
        script = ScriptDirectory.from_config(alembic_config(app, connection))
    unknown = []
    for revision_id in recorded:
        try:
            script.get_revision(revision_id)
        except Exception:
            unknown.append(revision_id)
    return unknown


def forget(app: Flask, plugin: str, drop_tables: bool = False) -> tuple[list[str], list[str]]:
    """Remove the traces of a plugin uninstalled without ``downgrade <plugin>@base``.

    Deletes from ``alembic_version`` the revisions no installed code knows, and with
    ``drop_tables`` drops the tables named ``<plugin>_*``. Returns (revisions, tables).
    """
    if plugin in app.extensions["sportello"].plugins.installed:
        raise MigrationError(
            f"{plugin!r} is still installed: run `sportello db downgrade {plugin}@base` to remove its tables."
        )
    revisions = unknown_revisions(app)
    engine = app.extensions["sportello"].db.engine
    dropped: list[str] = []
    with engine.begin() as connection:
        for revision_id in revisions:
            connection.execute(text("DELETE FROM alembic_version WHERE version_num = :v"), {"v": revision_id})
        _restore_implied_positions(connection, ScriptDirectory.from_config(alembic_config(app, connection)), plugin)
        if drop_tables:
            branches = {plugin, *version_folders(app)}
            for table in sorted(inspect(connection).get_table_names(), reverse=True):
                if table_owner(table, branches) == plugin:
                    connection.execute(text(f'DROP TABLE "{table}"'))
                    dropped.append(table)
    return revisions, dropped


def _restore_implied_positions(connection: Any, script: ScriptDirectory, forgotten: str) -> None:
    """Record again the branch positions the forgotten revisions implied."""
    if not inspect(connection).has_table(BRANCH_STATE_TABLE):
        return
    saved = dict(connection.execute(text(f"SELECT branch, revision FROM {BRANCH_STATE_TABLE}")).all())
    recorded = tuple(MigrationContext.configure(connection).get_current_heads())
    implied = _applied_by_branch(script, recorded)
    for branch, revision_id in saved.items():
        if branch == forgotten or branch in implied:
            continue
        try:
            script.get_revision(revision_id)
        except Exception:
            continue
        connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": revision_id})
    connection.execute(text(f"DELETE FROM {BRANCH_STATE_TABLE} WHERE branch = :b"), {"b": forgotten})
