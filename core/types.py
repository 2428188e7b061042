"""Small typed objects that hooks return, so that plugins and the core agree on shapes.

They are re-exported from :mod:`sportello`; plugin authors build them, the core reads them.
New fields are only ever added with a default, so existing plugins keep working.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from marshmallow import Schema
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class PluginInfo:
    """What a plugin says about itself, declared once as ``PLUGIN`` in its package.

    :param name: the entry-point name, also the prefix of its tables and URLs.
    :param title: the name shown to people (translatable with ``lazy_gettext``).
    :param version: the plugin's own version.
    :param requires: plugins that must be enabled for this one to work.
    :param optional: plugins this one uses when they are enabled (ordered before it).
    :param core: the range of Sportello versions it works with, e.g. ``">=1.0,<2"``.
    :param description: one sentence for the plugin list.
    """

    name: str
    title: Any
    version: str = "0.0.0"
    requires: Sequence[str] = ()
    optional: Sequence[str] = ()
    core: str = ">=1.0,<2"
    description: Any = ""


class Scope(str, Enum):
    """How much of a section a profile reaches; plugins turn it into visibility rules.

    - ``NONE``: nothing of the section.
    - ``OWN``: the records the user is responsible for, in lists and opened.
    - ``LIST``: every record in lists, but a record opens (and changes) only when
      another rule grants it, typically because it is the user's own: the
      "salesperson who sees every company in lists but works only their own".
    - ``ALL``: every record.
    """

    NONE = "none"
    OWN = "own"
    LIST = "list"
    ALL = "all"


@dataclass(frozen=True)
class Permission:
    """A permission code a profile can be granted, e.g. ``leads.create``.

    :param code: ``<plugin>.<action>``, unique across the installation.
    :param label: shown in the profile editor.
    :param section: the section (menu area) it belongs to, used to group ticks.
    """

    code: str
    label: Any
    section: str = "core"


@dataclass(frozen=True)
class Section:
    """A section of data whose rows are filtered by scope (companies, leads, ...)."""

    code: str
    label: Any


@dataclass(frozen=True)
class Grant:
    """What a standard profile receives from a plugin by default.

    :param profile: one of the standard profile codes (see :data:`STANDARD_PROFILES`).
    :param permissions: permission codes; ``"*"`` means every code the plugin declares.
    :param scopes: section code to :class:`Scope`.
    """

    profile: str
    permissions: Sequence[str] = ()
    scopes: Mapping[str, Scope] = field(default_factory=dict)


#: Standard profiles every installation has, in the order they are listed.
STANDARD_PROFILES: tuple[str, ...] = (
    "system_admin",
    "crm_admin",
    "project_manager",
    "salesperson",
    "salesperson_lists",
    "assignee",
)


@dataclass(frozen=True)
class Rule:
    """A row-visibility clause with the reason it exists, in words.

    Returned by ``visibility_rules``. Grants (the default) are OR-ed: each opens rows to
    the user. Restrictions (``restriction=True``) are AND-ed: each closes rows that a
    grant opened. The reason is what "who can see what" shows to administrators.

    :param clause: a boolean SQL expression on the entity's table.
    :param reason: why, e.g. "Scope 'own' on companies: the user is the salesperson".
    :param restriction: AND this clause instead of OR-ing it.
    """

    clause: Any
    reason: Any
    restriction: bool = False


@dataclass(frozen=True)
class MenuItem:
    """An entry of the main menu.

    :param label: the text shown.
    :param endpoint: the Flask endpoint it opens.
    :param icon: a Bootstrap Icons name without the ``bi-`` prefix.
    :param permission: shown only to users holding it (``None``: every signed-in user).
    :param order: position, lower first; the core uses 10 for Home and 800-910 for administration.
    :param group: ``"main"`` for the work sections, ``"admin"`` for administration.
    """

    label: Any
    endpoint: str
    icon: str = "circle"
    permission: str | None = None
    order: int = 100
    group: str = "main"
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordTab:
    """A tab on another plugin's record page, loaded on demand from ``url``.

    :param key: unique on the page, used in the URL fragment.
    :param label: the tab title.
    :param url: a URL returning the tab's HTML fragment (fetched by htmx).
    :param count: a number shown beside the label, or ``None``.
    :param order: position, lower first.
    """

    key: str
    label: Any
    url: str
    count: int | None = None
    order: int = 100


@dataclass(frozen=True)
class DashboardWidget:
    """A block of the home page, loaded on demand from ``url``.

    :param key: unique on the page.
    :param title: the block's heading.
    :param url: a URL returning the block's HTML fragment (fetched by htmx).
    :param width: Bootstrap columns out of 12 on a wide screen.
    :param order: position, lower first.
    """

    key: str
    title: Any
    url: str
    width: int = 6
    order: int = 100


@dataclass(frozen=True)
class SearchResult:
    """One hit of the global search; the caller has already applied visibility.

    :param title: the record's name.
    :param url: its page.
    :param kind: what it is (``"Company"``, ``"Lead"``), shown as a badge.
    :param detail: a short second line (city, status, ...).
    :param score: relevance, higher first; ties keep plugin order.
    """

    title: str
    url: str
    kind: Any
    detail: str = ""
    score: float = 0.0


@dataclass(frozen=True)
class SettingsSection:
    """A group of settings edited on one admin page and stored in the database.

    :param key: unique, usually the plugin name; values are read with ``get_setting(key, name)``.
    :param title: the page title.
    :param schema: a marshmallow schema class; each field becomes a form field, and its
        ``metadata`` may carry ``label``, ``description`` and ``secret`` (masked input).
    :param permission: who may edit them.
    :param order: position in the settings menu.
    """

    key: str
    title: Any
    schema: type[Schema]
    permission: str = "core.settings"
    order: int = 100


@dataclass(frozen=True)
class EventType:
    """A system event a plugin emits, e.g. ``leads.status_changed``.

    :param code: ``<plugin>.<what happened>``.
    :param label: shown in the admin and in notification rules.
    :param default_recipients: recipient kinds notified by default (``"owner"``, ...).
    """

    code: str
    label: Any
    default_recipients: Sequence[str] = ()


@dataclass(frozen=True)
class Event:
    """A system event as subscribers receive it, after the change was committed."""

    type: str
    entity: str
    record_id: int | None
    payload: Mapping[str, Any]
    actor_id: int | None
    occurred_at: datetime
    id: int | None = None


@dataclass(frozen=True)
class Deadline:
    """A dated item for the calendar and the notices.

    :param kind: ``<plugin>.<kind>``, matched by notification rules.
    :param entity: the record's entity name, e.g. ``"projects.project"``.
    :param record_id: the record's id.
    :param due: the date.
    :param title: shown in the calendar.
    :param url: the record's page.
    :param recipients: recipient kind to user ids, e.g. ``{"owner": [4]}``.
    """

    kind: str
    entity: str
    record_id: int
    due: date
    title: str
    url: str
    recipients: Mapping[str, Sequence[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class DeadlineKind:
    """A kind of :class:`Deadline` a plugin produces, so notification rules can name it.

    :param code: ``<plugin>.<kind>``, the ``kind`` of the plugin's deadlines.
    :param label: shown in the rule editor and in the notices.
    :param default_recipients: recipient kinds notified by default (``"owner"``, ...);
        the first time the kind is seen a rule sending them an e-mail is created.
    :param days_ahead: how many days before the due date the default rule warns.
    """

    code: str
    label: Any
    default_recipients: Sequence[str] = ()
    days_ahead: int = 0


@dataclass(frozen=True)
class NotificationChannel:
    """A way to reach a person: ``send`` delivers one message or raises.

    ``send`` is called with keyword arguments ``recipient`` (the user), ``subject``,
    ``text`` (plain text, in the recipient's language) and ``url`` (absolute link to
    the record); any exception marks the notice failed with its message and retries it.
    """

    code: str
    label: Any
    send: Callable[..., Any]


@dataclass(frozen=True)
class ReportDefinition:
    """A report: its parameters, its visibility-filtered query, its columns and chart."""

    key: str
    title: Any
    build: Callable[..., Any]
    permission: str = "reports.view"
    chart: str | None = None


@dataclass(frozen=True)
class ImportField:
    """A field the importer fills from a column of the file.

    :param name: the attribute (or key of the values handed to ``create``/``update``).
    :param label: shown in the column mapping; also matched against the file's headers.
    :param required: a row without a value here is rejected, and a mapping without a
        column for it is refused before anything runs.
    :param parse: turns the cell's text (stripped, never empty) into the value, or raises
        ``ValueError`` with a message for the person who will fix the row. ``None`` keeps
        the text. An empty cell is ``None`` and never reaches ``parse``.
    :param aliases: other header texts that mean this field (``"P.IVA"``, ``"VAT"``),
        compared without case, accents, spaces and punctuation.
    :param help: a short hint shown in the mapping.
    """

    name: str
    label: Any
    required: bool = False
    parse: Callable[[str], Any] | None = None
    aliases: Sequence[str] = ()
    help: Any = ""


@dataclass(frozen=True)
class MatchKey:
    """A way to tell that a row is a record that already exists (duplicate detection).

    :param field: the :class:`ImportField` whose value is compared.
    :param column: an SQL expression of the target's model whose value equals
        ``normalise(value)`` for the same record: a stored normalised column, or e.g.
        ``func.lower(Company.email)``.
    :param label: shown where people choose the match keys (default: the field's label).
    :param normalise: the parsed value to the compared value; default: text without
        surrounding spaces, inner spaces collapsed, case folded.
    """

    field: str
    column: Any
    label: Any = None
    normalise: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class ImportTarget:
    """An entity the generic CSV/XLSX importer can fill (``import_targets`` hook).

    Existing records are looked up as ``visible(select(model), user, "update")`` on the
    chosen :class:`MatchKey` columns: a record the importing user may not change is
    never matched, so it is never updated by an import.

    :param key: unique, e.g. ``"companies.company"``; used in URLs and on the CLI.
    :param label: what is imported, e.g. "Companies".
    :param model: the mapped class of the records.
    :param fields: :class:`ImportField` objects, in the order they are offered.
    :param permission: the permission needed to import (and to open the import pages).
    :param match_keys: :class:`MatchKey` objects; all are proposed, people choose.
    :param create: ``create(values, user=, assignee=)`` adds a new record to the session
        and returns it; ``values`` maps field names to parsed values. Raise ``ValueError``
        to reject the row with a message. Default: ``model(**values)`` with the
        assignee's id in ``assign_field``.
    :param update: ``update(record, values, user=, assignee=)`` changes an existing record;
        ``values`` holds only the non-empty cells; ``assignee`` is ``None`` unless people
        chose to reassign updated records. Default: ``setattr`` of each value.
    :param assign_field: the attribute receiving the chosen user's id (the salesperson
        of imported companies); ``None``: no choice of user is offered.
    :param assign_label: how the assigned user is called ("Salesperson").
    :param assign_permission: only users holding it are offered for assignment.
    :param list_endpoint: the list page of the records, linked from the import pages.
    """

    key: str
    label: Any
    model: Any
    fields: Sequence[ImportField]
    permission: str
    match_keys: Sequence[MatchKey] = ()
    create: Callable[..., Any] | None = None
    update: Callable[..., Any] | None = None
    assign_field: str | None = None
    assign_label: Any = None
    assign_permission: str | None = None
    list_endpoint: str | None = None


@dataclass(frozen=True)
class PersonalDataSection:
    """What one plugin holds about a data subject, for a GDPR export."""

    plugin: str
    title: Any
    records: Sequence[Mapping[str, Any]]


@dataclass
class DemoContext:
    """Handed to ``demo_data``: the session to add rows to and the demo users by profile."""

    session: Session
    users: Mapping[str, Any]
    today: date
