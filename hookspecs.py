"""Hook specifications: the contract between Sportello and its plugins.

A plugin implements a hook by defining a function of the same name decorated with
:data:`sportello.hookimpl` in the module its entry point names. It may accept any subset
of the arguments listed here (only those it names are passed, and an argument with a
default value is never passed); arguments are only ever added, never renamed or removed
within a major version.

The core calls each hook plugin by plugin in dependency order (requirements first, ties
broken by name), with keyword arguments, and collects the non-``None`` results; a
failure names the plugin. Where the order of results matters to the page, they carry
an explicit ``order`` and the core sorts by it. Some hooks (events, notification
channels, deadlines, reports, imports, personal data) are called by the modules that
provide those services; their contracts are fixed here so that plugins can rely on them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    from flask import Blueprint
    from flask_smorest import Blueprint as ApiBlueprint
    from sqlalchemy import ColumnElement

    from sportello.core.periodic import PeriodicTask
    from sportello.core.types import (
        DashboardWidget,
        Deadline,
        DeadlineKind,
        DemoContext,
        Event,
        EventType,
        Grant,
        ImportTarget,
        MenuItem,
        NotificationChannel,
        Permission,
        PersonalDataSection,
        RecordTab,
        ReportDefinition,
        Rule,
        SearchResult,
        Section,
        SettingsSection,
    )

hookspec = pluggy.HookspecMarker("sportello")


# ---------------------------------------------------------------------------
# Loading: what a plugin adds to the application when it is enabled
# ---------------------------------------------------------------------------


@hookspec
def plugin_hookspecs() -> list[object]:
    """Publish hook specifications of this plugin for other plugins to implement.

    Called once per plugin, right after it is registered and before any other hook.
    Each returned object (a module or class) holds functions decorated with a
    ``pluggy.HookspecMarker("sportello")`` marker, documented like the specs in this file.

    :return: modules or classes containing hook specifications.

    .. versionadded:: 1.0
    """


@hookspec
def blueprints() -> list[Blueprint]:
    """Flask blueprints with the plugin's pages, templates and static files.

    Called once while the application is built. Templates should live under
    ``templates/<plugin>/`` so that plugins never override each other by accident.
    Views read records only through :func:`sportello.visible` queries.

    :return: blueprints to register; their ``url_prefix`` is kept as given.

    .. versionadded:: 1.0
    """


@hookspec
def api_blueprints() -> list[ApiBlueprint]:
    """REST API blueprints (flask-smorest) mounted under ``/api/v1``.

    Called once while the application is built. Schemas are marshmallow schemas; the
    endpoints appear in ``/api/v1/openapi.json``. Use :func:`sportello.api_list`
    for lists so that pagination and filtering look the same across plugins.

    :return: ``flask_smorest.Blueprint`` objects; their ``url_prefix`` is relative to
        ``/api/v1``.

    .. versionadded:: 1.0
    """


@hookspec
def migrations() -> Path | None:
    """The folder of the plugin's Alembic revisions, its own branch.

    Called by the migration commands. The first revision in the folder carries
    ``branch_labels=("<plugin>",)`` and ``depends_on`` the core revision (and the
    revisions of required plugins) it builds on. Without an implementation, the folder
    ``migrations/versions`` inside the plugin's package is used when it exists. Import
    the plugin's models before returning, so that autogenerate sees its tables.

    :return: the versions folder, or ``None`` if the plugin has no tables.

    .. versionadded:: 1.0
    """


@hookspec
def cli_commands() -> list[click.Command]:
    """Click commands added under the ``sportello`` command.

    Called when the CLI starts with the application loaded. Commands run inside an
    application context.

    :return: click commands or groups; a name already taken is an error naming the plugin.

    .. versionadded:: 1.0
    """


@hookspec
def translation_dirs() -> list[Path]:
    """Folders of Flask-Babel catalogues (``<dir>/<locale>/LC_MESSAGES/messages.mo``).

    Called once while the application is built; the catalogues are merged with the
    core's, so plugins use the ordinary ``gettext``.

    :return: folders holding compiled catalogues.

    .. versionadded:: 1.0
    """


@hookspec
def settings() -> list[SettingsSection]:
    """Settings the plugin stores in the database and shows in the admin.

    Called when the settings pages are built. Each section becomes one page whose form
    is generated from the marshmallow schema; values are read with
    :func:`sportello.get_setting`.

    :return: settings sections.

    .. versionadded:: 1.0
    """


# ---------------------------------------------------------------------------
# Identity and access
# ---------------------------------------------------------------------------


@hookspec
def permissions() -> list[Permission | Section]:
    """Permission codes and data sections the plugin declares.

    Called when profiles are synchronised (``sportello db upgrade``, ``init``, ``demo``)
    and when the profile editor is shown. Permission codes are ``<plugin>.<action>``.

    :return: :class:`sportello.Permission` and :class:`sportello.Section` objects.

    .. versionadded:: 1.0
    """


@hookspec
def default_grants() -> list[Grant]:
    """What each standard profile gets of this plugin's permissions and sections.

    Called when profiles are synchronised; grants are applied only to permission codes
    the installation has not seen before, so an administrator's later changes stay.

    :return: :class:`sportello.Grant` objects, one per profile that gets something.

    .. versionadded:: 1.0
    """


@hookspec
def visibility_rules(entity: str, user: Any, action: str) -> list[Rule | ColumnElement[bool]]:
    """The rules that decide which rows of ``entity`` ``user`` reaches for ``action``.

    Called by :func:`sportello.visible` for every query of a protected entity, and by
    the "who can see what" page, which shows each rule's reason. Grants from all plugins
    are OR-ed, restrictions AND-ed (Odoo's record rules); with no grant no row is
    visible. Return ``[]`` when the plugin has nothing to say about ``entity``.

    :param entity: the entity name, ``"<plugin>.<model>"``.
    :param user: the user the query runs for.
    :param action: ``"list"`` (rows in lists), ``"read"`` (open the record),
        ``"update"`` or ``"delete"``.
    :return: :class:`sportello.Rule` objects (a bare boolean SQL expression counts as
        a grant without a reason).

    .. versionadded:: 1.0
    """


# ---------------------------------------------------------------------------
# The web interface
# ---------------------------------------------------------------------------


@hookspec
def menu_items(user: Any) -> list[MenuItem]:
    """Entries of the main menu.

    Called on every page render for the signed-in user; entries whose ``permission``
    the user lacks are dropped by the core, so a plugin need not check.

    :param user: the signed-in user.
    :return: :class:`sportello.MenuItem` objects.

    .. versionadded:: 1.0
    """


@hookspec
def record_tabs(entity: str, record: Any, user: Any) -> list[RecordTab]:
    """Tabs that this plugin adds to another plugin's record page.

    Called when a record page is rendered (the company page asks for tabs with
    ``entity="companies.company"``). Each tab's content is fetched from its ``url``
    and must show only rows the user may see.

    :param entity: the entity name of the page's record.
    :param record: the record shown.
    :param user: the signed-in user.
    :return: :class:`sportello.RecordTab` objects; ``[]`` for other entities.

    .. versionadded:: 1.0
    """


@hookspec
def dashboard_widgets(user: Any) -> list[DashboardWidget]:
    """Blocks of the home page for ``user``.

    Called when the home page is rendered; each block's content is fetched from its
    ``url`` after the page shows, so a slow widget never delays the others.

    :param user: the signed-in user.
    :return: :class:`sportello.DashboardWidget` objects the user may see.

    .. versionadded:: 1.0
    """


@hookspec
def search(user: Any, text: str, limit: int) -> list[SearchResult]:
    """Results of the global search box.

    Called for every search with at least two characters. Queries must go through
    :func:`sportello.visible` so that nothing the user may not see is found.

    :param user: the signed-in user.
    :param text: what the user typed, stripped.
    :param limit: the most results this plugin should return.
    :return: :class:`sportello.SearchResult` objects.

    .. versionadded:: 1.0
    """


@hookspec
def page_slot(slot: str, context: dict[str, Any]) -> list[str]:
    """HTML for a named slot of a core template (``"head"``, ``"sidebar_footer"``, ...).

    Called while a page is rendered. Slots replace template overrides, so plugins never
    silently win or lose over each other. Return markup built with Jinja (escaped).

    :param slot: the slot's name.
    :param context: the page's template context, plus any keyword arguments the
        template passed to ``slot(...)``.
    :return: pieces of ``markupsafe.Markup``; ``[]`` for slots the plugin ignores.

    .. versionadded:: 1.0
    """


# ---------------------------------------------------------------------------
# Events, notifications and deadlines
# ---------------------------------------------------------------------------


@hookspec
def event_types() -> list[EventType]:
    """System events the plugin emits.

    Called by the event admin page and the notification rule editor.

    :return: :class:`sportello.EventType` objects.

    .. versionadded:: 1.0
    """


@hookspec
def on_event(event: Event) -> None:
    """React to a system event after the change that emitted it was committed.

    Called once per event for every enabled plugin, in a background job (or right after
    the commit in the embedded default). An exception is logged with the plugin's name
    and retried with the job; it never undoes the user's change.

    :param event: the event.

    .. versionadded:: 1.0
    """


@hookspec
def periodic_tasks() -> list[PeriodicTask]:
    """Work to run once per minute, hour or day, whatever the number of workers.

    Called by the ticker of every worker (and of the embedded server); each period of
    each task is claimed in the database by exactly one process, which enqueues the
    task's job.

    :return: :class:`sportello.PeriodicTask` objects.

    .. versionadded:: 1.0
    """


@hookspec
def notification_channels() -> list[NotificationChannel]:
    """Ways to reach a person besides the core's e-mail and SMS.

    Called when notices are sent and when rules are edited.

    :return: :class:`sportello.NotificationChannel` objects.

    .. versionadded:: 1.0
    """


@hookspec
def deadlines(start: date, end: date, user: Any | None) -> list[Deadline]:
    """Dated items due between ``start`` and ``end`` (both included).

    Called by the calendar (with the viewer as ``user``: return only what they may
    see) and by the deadline scan (``user=None``: return everything).

    :param start: first day.
    :param end: last day.
    :param user: the viewer, or ``None`` for the notification scan.
    :return: :class:`sportello.Deadline` objects.

    .. versionadded:: 1.0
    """


@hookspec
def deadline_kinds() -> list[DeadlineKind]:
    """Kinds of deadlines the plugin's ``deadlines`` hook returns.

    Called by the notification rule editor and when the database is prepared: the first
    time a kind is seen, a rule e-mailing its ``default_recipients`` is created (an
    administrator's later changes stay).

    :return: :class:`sportello.DeadlineKind` objects.

    .. versionadded:: 1.0
    """


# ---------------------------------------------------------------------------
# Reports, import, personal data
# ---------------------------------------------------------------------------


@hookspec
def reports() -> list[ReportDefinition]:
    """Report definitions: parameters, query with visibility applied, columns, chart.

    :return: :class:`sportello.ReportDefinition` objects.

    .. versionadded:: 1.0
    """


@hookspec
def import_targets() -> list[ImportTarget]:
    """Entities the generic CSV/XLSX importer can fill, with their field specs.

    Each target gets the import pages (upload, column mapping remembered per user,
    preview with per-row errors and duplicates, a background run with progress, a report
    with the rejected rows as CSV) and ``sportello import TARGET FILE``. The rows are
    audited with channel ``"import"``; existing records are matched through
    ``visible(..., user, "update")``, so an import never updates what its user may not
    change. Called on every import page and run: build the objects cheaply.

    :return: :class:`sportello.ImportTarget` objects, with :class:`sportello.ImportField`
        and :class:`sportello.MatchKey`.

    .. versionadded:: 1.0
    """


@hookspec
def personal_data(subject: Any) -> list[PersonalDataSection]:
    """Everything this plugin holds about a data subject, for a GDPR export.

    :param subject: the person (e-mail, tax code and names to match).
    :return: :class:`sportello.PersonalDataSection` objects.

    .. versionadded:: 1.0
    """


@hookspec
def erase_personal_data(subject: Any) -> list[str]:
    """Erase or anonymise what this plugin holds about a data subject.

    Called inside one transaction; keep what a legal retention duty requires (invoices)
    and anonymise the rest.

    :param subject: the person.
    :return: lines describing what was erased or kept, for the deletion log.

    .. versionadded:: 1.0
    """


# ---------------------------------------------------------------------------
# Demo
# ---------------------------------------------------------------------------


@hookspec
def demo_data(ctx: DemoContext) -> None:
    """Add realistic demo records for ``sportello demo``.

    Called once per fresh demo database, plugin by plugin in dependency order (so the
    companies exist before the leads that point at them), inside one transaction.

    :param ctx: the session, the demo users by profile code and today's date.

    .. versionadded:: 1.0
    """
