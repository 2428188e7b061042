"""The ``sportello`` command line.

Errors meant for people (:class:`~sportello.core.errors.SportelloError`) are printed as
one line, never as a traceback.
"""

from __future__ import annotations

import copy
import os
import secrets
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click
from flask import Flask

from .audit import Actor, acting_as
from .config import instance_path, load_config, read_instance_file, write_instance_file
from .errors import ConfigError, SportelloError

CLI_ACTOR = Actor(user_id=None, channel="cli")
BUILTIN_PROFILE_HELP = "system_admin, crm_admin, project_manager, salesperson, salesperson_lists, assignee"


class AppHolder:
    """Builds the application once, on first need, so `plugins` commands work without it."""

    def __init__(self) -> None:
        self._app: Flask | None = None

    def get(self) -> Flask:
        if self._app is None:
            from .app import create_app

            self._app = create_app()
        return self._app


def with_app(command: Callable[..., Any]) -> Callable[..., Any]:
    """Run the command inside an application context; the app is its first argument."""

    @wraps(command)
    @click.pass_obj
    def wrapper(holder: AppHolder, *args: Any, **kwargs: Any) -> Any:
        app = holder.get()
        with app.app_context(), acting_as(CLI_ACTOR):
            return command(app, *args, **kwargs)

    return wrapper


class SportelloGroup(click.Group):
    """The root group: built-in commands plus those plugins add with ``cli_commands``."""

    def _plugin_commands(self, ctx: click.Context) -> dict[str, click.Command]:
        holder: AppHolder = ctx.ensure_object(AppHolder)
        try:
            app = holder.get()
        except SportelloError:
            return {}
        found: dict[str, click.Command] = {}
        for plugin, commands in app.extensions["sportello"].plugins.call_in_order("cli_commands"):
            for command in commands:
                if command.name in self.commands or command.name in found:
                    raise SportelloError(f"plugin {plugin!r}: command name {command.name!r} is already taken.")
                found[command.name or ""] = _in_app_context(command, holder)
        return found

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self._plugin_commands(ctx)})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.commands:
            return self.commands[name]
        return self._plugin_commands(ctx).get(name)


def _in_app_context(command: click.Command, holder: AppHolder) -> click.Command:
    """A copy of a plugin's command that runs inside the application context of ``holder``.

    The plugin's own object is left untouched: a plugin may return the same module-level
    command every time, and a second CLI run in one process must use its own app."""
    original = command.invoke
    wrapped = copy.copy(command)

    def invoke(ctx: click.Context) -> Any:
        with holder.get().app_context(), acting_as(CLI_ACTOR):
            return original(ctx)

    wrapped.invoke = invoke  # type: ignore[method-assign]
    return wrapped


@click.group(cls=SportelloGroup)
@click.version_option(package_name="sportello", prog_name="sportello")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Sportello, the modular CRM."""
    ctx.ensure_object(AppHolder)


def main() -> None:
    """Entry point of the ``sportello`` console script."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except SportelloError as error:
        click.secho(f"Error: {error}", fg="red", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


# ---------------------------------------------------------------------------
# init, demo, serve, worker, check
# ---------------------------------------------------------------------------


def ensure_instance() -> None:
    """Create the instance folder and a secret key the first time."""
    folder = instance_path()
    current = read_instance_file(folder)
    if not current.get("SECRET_KEY") and not os.environ.get("SPORTELLO_SECRET_KEY"):
        write_instance_file(folder, {"SECRET_KEY": secrets.token_hex(32)})


@cli.command()
@click.pass_obj
def init(holder: AppHolder) -> None:
    """Create the instance folder, the database tables and the standard profiles."""
    ensure_instance()
    app = holder.get()
    with app.app_context(), acting_as(CLI_ACTOR):
        from .setup import prepare_database

        applied = prepare_database(app)
    click.echo(f"Instance: {app.config['INSTANCE_PATH']}")
    click.echo(f"Database ready: {', '.join(applied)} migrated.")
    click.echo("Next: `sportello user create --email you@example.com --name 'Your Name' --profile system_admin`, then `sportello serve`.")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--no-serve", is_flag=True, help="Prepare the demo and exit without starting the server.")
@click.pass_obj
def demo(holder: AppHolder, host: str, port: int, no_serve: bool) -> None:
    """Create a demo database with demo users and data, then start the server."""
    ensure_instance()
    app = holder.get()
    if not app.config["SMTP_HOST"] and not app.config["MAIL_OUTBOX"]:
        app.config["MAIL_OUTBOX"] = str(Path(app.instance_path) / "outbox")
    with app.app_context(), acting_as(CLI_ACTOR):
        from .demo import load_demo

        report = load_demo(app)
    url = f"http://{host}:{port}/"
    click.echo("")
    click.secho("Sportello demo is ready.", fg="green", bold=True)
    click.echo(f"  Database : {app.extensions['sportello'].db.engine.url.render_as_string(hide_password=True)}")
    click.echo(f"  Modules  : {', '.join(app.extensions['sportello'].plugins.order) or 'core only'}")
    click.echo(f"  Sign in as one of these users, password {report.password}:")
    for profile, email in report.logins:
        click.echo(f"    {email:<30} profile {profile}")
    if not report.created:
        click.echo("  (demo data was already loaded; nothing was added)")
    if not app.config["SMTP_HOST"]:
        click.echo(f"  E-mails  : kept as .eml files in {app.config['MAIL_OUTBOX']} (no SMTP server is set)")
    if no_serve:
        return
    click.echo(f"  Open     : {url}")
    click.echo("")
    _serve(app, host, port)


def _serve(app: Flask, host: str, port: int) -> None:
    from werkzeug.serving import run_simple

    from .config import DEFAULTS
    from .periodic import start_ticker

    if app.config["BASE_URL"] == DEFAULTS["BASE_URL"]:  # links in e-mails and feeds point here
        app.config["BASE_URL"] = f"http://{host}:{port}"
    start_ticker(app)  # periodic work (job sweeps, event dispatch, deadline scans) in-process
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.pass_obj
def serve(holder: AppHolder, host: str, port: int) -> None:
    """Serve the web interface with the built-in server (use gunicorn in production)."""
    app = holder.get()
    click.echo(f"Sportello on http://{host}:{port}/ (press Ctrl+C to stop)")
    _serve(app, host, port)


@cli.command()
@click.option("--burst", is_flag=True, help="Run the jobs waiting now, then exit.")
@with_app
def worker(app: Flask, burst: bool) -> None:
    """Run background jobs from Redis (needs SPORTELLO_REDIS_URL)."""
    from .jobs import run_worker

    run_worker(app, burst=burst)


@cli.command()
@click.pass_obj
def check(holder: AppHolder) -> None:
    """Check the configuration and reach the database, Redis and SMTP."""
    from .checks import CheckResult, check_database, check_redis, check_smtp

    marks = {True: click.style("ok  ", fg="green"), False: click.style("FAIL", fg="red"), None: click.style("skip", fg="yellow")}
    try:
        app = holder.get()
    except SportelloError as error:
        click.echo(f"{marks[False]} Configuration: {error}")
        sys.exit(1)
    state = app.extensions["sportello"]
    results = [
        CheckResult("Configuration", True, f"instance {app.config['INSTANCE_PATH']}, mode {app.config['MODE']}, modules: {', '.join(state.plugins.order) or 'core only'}"),
        check_database(state.db),
        check_redis(app.config["REDIS_URL"]),
        check_smtp(app.config),
    ]
    if results[1].ok:
        with app.app_context():
            from .migrate import states

            behind = [s.branch for s in states(app) if s.enabled and not s.up_to_date]
        results.append(
            CheckResult("Migrations", not behind, "up to date" if not behind else f"{', '.join(behind)} not at head: run `sportello db upgrade`")
        )
    for result in results:
        click.echo(f"{marks[result.ok]} {result.name}: {result.detail}")
    if any(result.ok is False for result in results):
        sys.exit(1)


# ---------------------------------------------------------------------------
# db
# ---------------------------------------------------------------------------


@cli.group()
def db() -> None:
    """Database migrations of the core and the plugins."""


@db.command("upgrade")
@click.argument("branches", nargs=-1)
@click.pass_obj
def db_upgrade(holder: AppHolder, branches: tuple[str, ...]) -> None:
    """Migrate the core and every enabled plugin (or only BRANCHES) to their latest revision."""
    app = holder.get()
    with app.app_context(), acting_as(CLI_ACTOR):
        from .setup import prepare_database

        applied = prepare_database(app, list(branches) or None)
    click.echo(f"Up to date: {', '.join(applied)}.")


@db.command("current")
@with_app
def db_current(app: Flask) -> None:
    """Show where the core and each installed plugin stand."""
    from .migrate import states, unknown_revisions

    for state in states(app):
        status = "up to date" if state.up_to_date else ("not installed in the database" if state.current is None else "behind")
        flag = "" if state.enabled else " (plugin disabled)"
        click.echo(f"{state.branch:<16} {state.current or '-':<16} head {state.head or '-':<16} {status}{flag}")
    for revision in unknown_revisions(app):
        click.echo(f"{'?':<16} {revision:<16} belongs to no installed plugin: see `sportello db forget --help`")


@db.command("downgrade")
@click.argument("target")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_app
def db_downgrade(app: Flask, target: str, yes: bool) -> None:
    """Downgrade to TARGET; `PLUGIN@base` removes a plugin's tables and data for good."""
    from .migrate import downgrade

    if not yes:
        click.confirm(f"Downgrade to {target}? Tables dropped this way lose their data.", abort=True)
    downgrade(app, target)
    click.echo(f"Downgraded to {target}.")


@db.command("revision")
@click.option("--plugin", "plugin", default="core", show_default=True, help="Whose versions folder receives it.")
@click.option("-m", "--message", required=True, help="What the revision does.")
@click.option("--autogenerate", is_flag=True, help="Compare the models with the database (the plugin's tables only).")
@with_app
def db_revision(app: Flask, plugin: str, message: str, autogenerate: bool) -> None:
    """Write a new revision for the core or a plugin."""
    from .migrate import revision

    revision(app, plugin, message, autogenerate)


@db.command("forget")
@click.argument("plugin")
@click.option("--drop-tables", is_flag=True, help="Also drop the tables named PLUGIN_*.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_app
def db_forget(app: Flask, plugin: str, drop_tables: bool, yes: bool) -> None:
    """Clean up after PLUGIN was uninstalled without `db downgrade PLUGIN@base`."""
    from .migrate import forget

    if drop_tables and not yes:
        click.confirm(f"Drop every table named {plugin}_* and its data?", abort=True)
    revisions, tables = forget(app, plugin, drop_tables)
    click.echo(f"Forgotten revisions: {', '.join(revisions) or 'none'}; dropped tables: {', '.join(tables) or 'none'}.")


# ---------------------------------------------------------------------------
# plugins
# ---------------------------------------------------------------------------


@cli.group()
def plugins() -> None:
    """List, enable and disable plugins (edits the instance file)."""


def _configured_plugins() -> tuple[list[str] | None, list[str]]:
    from .plugins import installed_plugins

    config = load_config()
    return config["PLUGINS"], list(installed_plugins())


@plugins.command("list")
def plugins_list() -> None:
    """Show installed plugins and whether each is enabled."""
    from .plugins import installed_plugins

    requested, _installed = _configured_plugins()
    found = installed_plugins()
    if not found:
        click.echo("No plugin is installed. Install one with `pip install ./plugins/NAME`.")
        return
    for name, plugin in found.items():
        enabled = requested is None or name in requested
        mark = click.style("enabled ", fg="green") if enabled else click.style("disabled", fg="yellow")
        click.echo(f"{mark} {name:<14} {plugin.version or '?':<10} {plugin.summary}")
    if requested is None:
        click.echo("(no `plugins` setting: every installed plugin is enabled)")


def _save_plugins(names: list[str], message: str) -> None:
    from .plugins import load_plugins

    load_plugins(names)  # refuses a broken, incompatible or incomplete set before saving
    path = write_instance_file(instance_path(), {"PLUGINS": names})
    click.echo(message)
    click.echo(f"Saved in {path}. Restart Sportello, then run `sportello db upgrade`.")
    if "SPORTELLO_PLUGINS" in os.environ:
        click.secho("Note: SPORTELLO_PLUGINS is set in the environment and overrides the instance file.", fg="yellow")


@plugins.command("enable")
@click.argument("names", nargs=-1, required=True)
def plugins_enable(names: tuple[str, ...]) -> None:
    """Enable plugins NAMES; their tables are created by `sportello db upgrade`."""
    requested, installed = _configured_plugins()
    current = list(installed if requested is None else requested)
    for name in names:
        if name not in installed:
            raise ConfigError(f"plugin {name!r} is not installed (installed: {', '.join(installed) or 'none'}).")
    updated = sorted({*current, *names})
    _save_plugins(updated, f"Enabled: {', '.join(names)}. Any data they had before is back as it was.")


@plugins.command("disable")
@click.argument("names", nargs=-1, required=True)
def plugins_disable(names: tuple[str, ...]) -> None:
    """Disable plugins NAMES; their tables and data are kept."""
    requested, installed = _configured_plugins()
    current = list(installed if requested is None else requested)
    unknown = [name for name in names if name not in current]
    if unknown:
        raise ConfigError(f"plugin {unknown[0]!r} is not enabled (enabled: {', '.join(current) or 'none'}).")
    updated = [name for name in current if name not in names]
    _save_plugins(
        updated,
        f"Disabled: {', '.join(names)}. Their tables and data stay in the database; enable them again to get everything back.",
    )


# ---------------------------------------------------------------------------
# users
# ---------------------------------------------------------------------------


@cli.group()
def user() -> None:
    """Manage users from the command line."""


@user.command("create")
@click.option("--email", required=True, help="Sign-in e-mail address.")
@click.option("--name", required=True, help="Full name.")
@click.option("--profile", default="system_admin", show_default=True, help=f"Profile code ({BUILTIN_PROFILE_HELP}, or a custom one).")
@click.option("--language", type=click.Choice(["it", "en"]), default="it", show_default=True)
@click.password_option(help="Password (asked when not given).")
@with_app
def user_create(app: Flask, email: str, name: str, profile: str, language: str, password: str) -> None:
    """Create a user who can sign in."""
    from .users import create_user

    created = create_user(email=email, name=name, profile_code=profile, password=password, language=language)
    click.echo(f"Created {created.email} ({created.profile.name}).")


# ---------------------------------------------------------------------------
# import
# ---------------------------------------------------------------------------


@cli.command("import")
@click.argument("target")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--mapping", "pairs", multiple=True, metavar="COLUMN=FIELD", help="Column of the file to field (repeatable); unmapped columns are matched automatically.")
@click.option("--on-duplicate", type=click.Choice(["skip", "update", "create"]), default="skip", show_default=True, help="What to do with rows matching an existing record.")
@click.option("--match", "match", multiple=True, metavar="FIELD", help="Match keys used to find duplicates (repeatable; default: all the target's).")
@click.option("--user", "email", required=True, help="E-mail of the user importing: their permissions and visibility apply, the audit log names them.")
@click.option("--assign", "assign_email", default=None, help="E-mail of the user receiving the created records (default: --user).")
@with_app
def import_file(app: Flask, target: str, file: str, pairs: tuple[str, ...], on_duplicate: str, match: tuple[str, ...], email: str, assign_email: str | None) -> None:
    """Import FILE (CSV or XLSX) into TARGET, the same way as the import pages, and print the report."""
    from pathlib import Path

    from sqlalchemy import func, select

    from .db import current_session
    from .identity import User
    from .importer import ImportFile, check_mapping, execute
    from .importer.reading import FileProblem, read_table
    from .importer.service import (
        ImportProblem,
        auto_mapping,
        check_options,
        mapping_from_pairs,
        remembered_mapping,
        start_run,
        target_or_none,
    )

    session = current_session()
    chosen = target_or_none(target)
    if chosen is None:
        raise SportelloError(f"no import target {target!r}; the enabled modules offer: {', '.join(sorted(_import_keys())) or 'none'}.")
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower(), User.active.is_(True)))
    if user is None:
        raise SportelloError(f"no active user with e-mail {email}.")
    if not user.can(chosen.permission):
        raise SportelloError(f"{user.email} does not hold the permission {chosen.permission} needed to import {target}.")
    path = Path(file)
    content = path.read_bytes()
    try:
        table = read_table(content, path.name)
        mapping = auto_mapping(chosen, table.header, remembered_mapping(session, user.id, chosen.key))
        explicit = mapping_from_pairs(chosen, table.header, pairs)
    except (FileProblem, ImportProblem) as error:
        raise SportelloError(str(error)) from None
    taken = {name for name in explicit.values() if name}
    mapping = {index: name for index, name in mapping.items() if name not in taken and index not in explicit}
    mapping.update({index: name for index, name in explicit.items() if name})
    problems = check_mapping(chosen, table.header, mapping)
    assignee_id = None
    if chosen.assign_field:
        assignee = user
        if assign_email:
            assignee = session.scalar(select(User).where(func.lower(User.email) == assign_email.strip().lower(), User.active.is_(True)))
            if assignee is None:
                raise SportelloError(f"no active user with e-mail {assign_email}.")
        assignee_id = assignee.id
    options = {"on_duplicate": on_duplicate, "match_keys": list(match) if match else [k.field for k in chosen.match_keys],
               "assignee_id": assignee_id, "assign_updated": False}
    problems += check_options(session, chosen, options)
    if problems:
        raise SportelloError(" ".join(problems))
    for index, column in enumerate(table.header):
        click.echo(f"  {column} -> {mapping.get(str(index)) or '(not imported)'}")
    imported = ImportFile(target=chosen.key, user_id=user.id, file_name=path.name[-255:], content=content, mapping=mapping)
    session.add(imported)
    session.flush()
    start_run(session, imported, options, len(table.rows))
    session.commit()

    def progress(current: ImportFile) -> None:
        click.echo(f"  {current.done:,}/{current.total:,} rows", err=True)

    result = execute(session, imported.id, on_batch=progress)
    click.echo(f"Import #{result.id} of {path.name} into {chosen.key}: {result.total:,} rows")
    click.echo(f"  created  {result.created:,}")
    click.echo(f"  updated  {result.updated:,}")
    click.echo(f"  skipped  {result.skipped:,}")
    click.echo(f"  rejected {result.rejected:,}")
    if result.rejected:
        from .importer.models import ImportReject

        for row_number, error in session.execute(
            select(ImportReject.row_number, ImportReject.error).where(ImportReject.import_id == result.id).order_by(ImportReject.position).limit(20)
        ):
            click.echo(f"    row {row_number}: {error}")
        click.echo("  The rejected rows can be downloaded as CSV from the import's page.")


def _import_keys() -> list[str]:
    from .importer import all_targets

    return list(all_targets())
