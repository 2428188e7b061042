"""The importer's logic, shared by the pages, the background job and the CLI."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from ..access import visible
from ..audit import Actor, acting_as
from ..db import utcnow
from ..identity import User
from ..types import ImportField, ImportTarget, MatchKey
from .models import DONE, QUEUED, RUNNING, ImportFile, ImportMapping, ImportReject
from .reading import Table, read_table

log = logging.getLogger(__name__)

SKIP, UPDATE, CREATE = "skip", "update", "create"
ON_DUPLICATE = (SKIP, UPDATE, CREATE)
BATCH_SIZE = 500
PREVIEW_ROWS = 20


class ImportProblem(ValueError):
    """A choice of the import cannot be used; the message is for people."""


# ---------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------


def all_targets() -> dict[str, ImportTarget]:
    """Every target of the enabled plugins, by key."""
    plugins = current_app.extensions["sportello"].plugins
    return {item.key: item for item in plugins.collect("import_targets") if isinstance(item, ImportTarget)}


def targets_for(user: Any) -> list[ImportTarget]:
    """The targets ``user`` may import into, by label."""
    return sorted((t for t in all_targets().values() if user.can(t.permission)), key=lambda t: str(t.label))


def target_or_none(key: str) -> ImportTarget | None:
    return all_targets().get(key)


# ---------------------------------------------------------------------------
# Mapping columns to fields
# ---------------------------------------------------------------------------


def simplify(text: Any) -> str:
    """Header text for comparison: no accents, case, spaces or punctuation."""
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().casefold()
    return re.sub(r"[^a-z0-9]", "", folded)


def normalise_text(value: Any) -> Any:
    """The default match-key normaliser: trimmed, inner spaces collapsed, case folded."""
    if value is None:
        return None
    if not isinstance(value, str):
        return value
    return " ".join(value.split()).casefold() or None


def auto_mapping(target: ImportTarget, header: Sequence[str], remembered: Mapping[str, str] | None = None) -> dict[str, str]:
    """Column index (text) to field name, guessed from labels and aliases.

    What the user chose last time for the same header text wins over the guess.
    """
    names = {f.name for f in target.fields}
    known: dict[str, str] = {}
    for item in target.fields:
        for text in (item.name, item.label, *item.aliases):
            known.setdefault(simplify(text), item.name)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for index, column in enumerate(header):
        key = simplify(column)
        choice = (remembered or {}).get(key)
        if choice is None or (choice and choice not in names):
            choice = known.get(key)
        if choice and choice not in used:
            mapping[str(index)] = choice
            used.add(choice)
    return mapping


def remembered_mapping(session: Session, user_id: int, target_key: str) -> dict[str, str]:
    row = session.get(ImportMapping, (user_id, target_key))
    return dict(row.mapping) if row else {}


def remember_mapping(session: Session, user_id: int, target_key: str, header: Sequence[str], mapping: Mapping[str, str]) -> None:
    """Keep header text to field (``""`` for an ignored column) for the user's next import."""
    remembered = remembered_mapping(session, user_id, target_key)
    for index, column in enumerate(header):
        remembered[simplify(column)] = mapping.get(str(index), "")
    row = session.get(ImportMapping, (user_id, target_key))
    if row is None:
        session.add(ImportMapping(user_id=user_id, target=target_key, mapping=remembered))
    else:
        row.mapping = remembered


def check_mapping(target: ImportTarget, header: Sequence[str], mapping: Mapping[str, str]) -> list[str]:
    """What is wrong with a mapping, in words; empty when it can run."""
    fields_by_name = {f.name: f for f in target.fields}
    problems = []
    seen: dict[str, int] = {}
    for index_text, name in mapping.items():
        if not name:
            continue
        if name not in fields_by_name:
            problems.append(_("Unknown field %(field)s.", field=name))
            continue
        index = int(index_text)
        if index >= len(header):
            problems.append(_("The file has no column %(number)s.", number=index + 1))
        elif name in seen:
            problems.append(_("The columns \u201c%(first)s\u201d and \u201c%(second)s\u201d both go to %(field)s: choose one.",
                              first=header[seen[name]], second=header[index], field=fields_by_name[name].label))
        else:
            seen[name] = index
    for item in target.fields:
        if item.required and item.name not in seen:
            problems.append(_("The required field %(field)s has no column: choose the column that holds it.", field=item.label))
    return problems


def mapping_from_pairs(target: ImportTarget, header: Sequence[str], pairs: Iterable[str]) -> dict[str, str]:
    """``column=field`` texts (the CLI's ``--mapping``) to a mapping; columns by header or number."""
    fields_by_key = {simplify(f.name): f.name for f in target.fields}
    fields_by_key.update({simplify(f.label): f.name for f in target.fields})
    columns = {simplify(name): index for index, name in enumerate(header)}
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, name = pair.rpartition("=")
        if not sep or not column.strip():
            raise ImportProblem(_("Write each mapping as column=field, not %(text)s.", text=pair))
        index = columns.get(simplify(column))
        if index is None and column.strip().isdigit() and 0 < int(column) <= len(header):
            index = int(column) - 1
        if index is None:
            raise ImportProblem(_("The file has no column %(column)s; its columns are: %(columns)s.", column=column, columns=", ".join(header)))
        field_name = fields_by_key.get(simplify(name)) if name.strip() else ""
        if field_name is None:
            raise ImportProblem(_("Unknown field %(field)s; the fields are: %(fields)s.", field=name, fields=", ".join(f.name for f in target.fields)))
        mapping[str(index)] = field_name
    return mapping


# ---------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------


@dataclass
class RowResult:
    """One data row after validation: values by field, errors by field (``""`` = whole row)."""

    position: int
    row_number: int
    cells: list[str]
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    existing: Any = None
    matched_on: str | None = None

    @property
    def valid(self) -> bool:
        return not self.errors

    def error_text(self) -> str:
        return "; ".join(f"{label}: {message}" if label else message for label, message in self.errors.items())


def parse_row(target: ImportTarget, table: Table, mapping: Mapping[str, str], position: int) -> RowResult:
    row = table.rows[position]
    result = RowResult(position=position, row_number=table.row_numbers[position], cells=row)
    fields_by_name = {f.name: f for f in target.fields}
    mapped = {name: int(index) for index, name in mapping.items() if name}
    for name, index in mapped.items():
        item = fields_by_name[name]
        text = table.cell(row, index).strip()
        if not text:
            if item.required:
                result.errors[name] = _("Required: the cell is empty.")
            result.values[name] = None
            continue
        try:
            result.values[name] = item.parse(text) if item.parse else text
        except ValueError as error:
            result.errors[name] = str(error) or _("Not a valid value.")
    return result


def normaliser(key: MatchKey) -> Callable[[Any], Any]:
    return key.normalise or normalise_text


def match_keys(target: ImportTarget, chosen: Sequence[str] | None) -> list[MatchKey]:
    """The match keys in use: the chosen field names, in the target's order."""
    if chosen is None:
        return list(target.match_keys)
    return [key for key in target.match_keys if key.field in chosen]


def find_existing(session: Session, target: ImportTarget, user: Any, keys: Sequence[MatchKey], results: Sequence[RowResult],
                  created: dict[tuple[str, Any], Any] | None = None) -> None:
    """Set ``existing`` on each valid row matching a record ``user`` may change.

    One query per match key and batch; visibility applies (action ``"update"``), so a
    record the user may not change counts as not found. The first key that matches wins.
    """
    for key in keys:
        normalise = normaliser(key)
        wanted: dict[Any, list[RowResult]] = {}
        for result in results:
            if result.valid and result.existing is None and result.values.get(key.field) is not None:
                value = normalise(result.values[key.field])
                if value is not None:
                    wanted.setdefault(value, []).append(result)
        if not wanted:
            continue
        found: dict[Any, Any] = {}
        values = list(wanted)
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            statement = visible(select(target.model, key.column), user, "update").where(key.column.in_(chunk))
            for record, value in session.execute(statement):
                found.setdefault(value, record)
        for value, rows in wanted.items():
            record = found.get(value)
            if record is None and created is not None:
                record = created.get((key.field, value))
            if record is not None:
                for result in rows:
                    result.existing, result.matched_on = record, key.field


def current_values(target: ImportTarget, record: Any, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(record, name, None) for name in names}


def merge_preview(target: ImportTarget, result: RowResult) -> list[tuple[ImportField, Any, Any]]:
    """(field, existing value, new value) for each field an update would change."""
    if result.existing is None:
        return []
    changes = []
    existing = current_values(target, result.existing, result.values)
    for item in target.fields:
        if item.name in result.values and result.values[item.name] is not None:
            old, new = existing.get(item.name), result.values[item.name]
            if old != new:
                changes.append((item, old, new))
    return changes


# ---------------------------------------------------------------------------
# Files and runs
# ---------------------------------------------------------------------------


def load_table(imported: ImportFile) -> Table:
    return read_table(imported.content, imported.file_name)


def assignable_users(session: Session, target: ImportTarget) -> list[User]:
    users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.name, User.id)).all()
    return [user for user in users if target.assign_permission is None or user.can(target.assign_permission)]


def check_options(session: Session, target: ImportTarget, options: Mapping[str, Any]) -> list[str]:
    problems = []
    if options.get("on_duplicate") not in ON_DUPLICATE:
        problems.append(_("Choose what to do with duplicates: skip, update or create."))
    known = {key.field for key in target.match_keys}
    if any(name not in known for name in options.get("match_keys") or []):
        problems.append(_("Unknown match key."))
    if target.assign_field and options.get("assignee_id") is not None:
        if options["assignee_id"] not in {user.id for user in assignable_users(session, target)}:
            problems.append(_("The chosen user cannot receive these records."))
    return problems


def start_run(session: Session, imported: ImportFile, options: Mapping[str, Any], total: int) -> None:
    """Record the choices and the row count; the caller enqueues the job or runs it."""
    imported.options = dict(options)
    imported.state = QUEUED
    imported.total = total
    imported.done = imported.created = imported.updated = imported.skipped = imported.rejected = 0
    imported.error = None
    session.execute(delete(ImportReject).where(ImportReject.import_id == imported.id))


def execute(session: Session, import_id: int, batch_size: int = BATCH_SIZE, on_batch: Callable[[ImportFile], None] | None = None) -> ImportFile:
    """Run (or resume) an import: rows in batches, each valid row in a SAVEPOINT.

    After each batch the rows, the rejected rows and the progress are committed together,
    so a failure loses nothing already saved and a retry resumes where it stopped. The
    changes are audited with channel ``"import"`` and the importing user.
    """
    imported = session.get(ImportFile, import_id)
    if imported is None or imported.state == DONE:
        return imported  # type: ignore[return-value]
    target = target_or_none(imported.target)
    user = session.get(User, imported.user_id)
    if target is None or user is None or not user.active or not user.can(target.permission):
        imported.state, imported.error = DONE, _("The import cannot run: its target is no longer available to its user.")
        imported.finished_at = utcnow()
        session.commit()
        return imported
    table = load_table(imported)
    options = dict(imported.options or {})
    mapping = dict(imported.mapping or {})
    on_duplicate = options.get("on_duplicate", SKIP)
    keys = match_keys(target, options.get("match_keys"))
    assignee = session.get(User, options["assignee_id"]) if options.get("assignee_id") else None
    if target.assign_field and assignee is None:
        assignee = user
    update_assignee = assignee if options.get("assign_updated") else None
    imported.state, imported.total = RUNNING, len(table.rows)
    imported.started_at = imported.started_at or utcnow()
    session.commit()
    created_keys: dict[tuple[str, Any], Any] = {}
    with acting_as(Actor(user_id=user.id, channel="import")):
        while imported.done < imported.total:
            start, end = imported.done, min(imported.done + batch_size, imported.total)
            results = [parse_row(target, table, mapping, position) for position in range(start, end)]
            if keys and on_duplicate != CREATE:
                find_existing(session, target, user, keys, results, created_keys)
            counts = {"created": 0, "updated": 0, "skipped": 0}
            for result in results:
                if not result.valid:
                    _reject(session, imported, result)
                    continue
                if result.existing is None and on_duplicate != CREATE:
                    _match_created(result, keys, created_keys)
                if result.existing is not None and on_duplicate == SKIP:
                    counts["skipped"] += 1
                    continue
                try:
                    with session.begin_nested():
                        if result.existing is not None:
                            _update(target, result.existing, result.values, user, update_assignee)
                            session.flush()
                            counts["updated"] += 1
                        else:
                            record = _create(session, target, result.values, user, assignee)
                            session.flush()
                            counts["created"] += 1
                            for key in keys:
                                value = result.values.get(key.field)
                                if value is not None:
                                    created_keys.setdefault((key.field, normaliser(key)(value)), record)
                except (ValueError, IntegrityError, DataError) as error:
                    result.errors[""] = _row_error(error)
                    _reject(session, imported, result)
            imported.created += counts["created"]
            imported.updated += counts["updated"]
            imported.skipped += counts["skipped"]
            imported.done = end
            session.commit()
            if on_batch:
                on_batch(imported)
    imported.state, imported.finished_at, imported.error = DONE, utcnow(), None
    session.commit()
    return imported


def _match_created(result: RowResult, keys: Sequence[MatchKey], created_keys: dict[tuple[str, Any], Any]) -> None:
    """A row repeating one created earlier in the same run is its duplicate too."""
    for key in keys:
        value = result.values.get(key.field)
        record = created_keys.get((key.field, normaliser(key)(value))) if value is not None else None
        if record is not None:
            result.existing, result.matched_on = record, key.field
            return


def _row_error(error: Exception) -> str:
    if isinstance(error, ValueError):
        return str(error)
    original = getattr(error, "orig", None)
    detail = str(original or error).strip().splitlines()[0]
    if isinstance(error, IntegrityError):
        return _("The database refused the row (a duplicate or a missing link): %(detail)s", detail=detail)
    return _("The database refused a value of the row: %(detail)s", detail=detail)


def _reject(session: Session, imported: ImportFile, result: RowResult) -> None:
    imported.rejected += 1
    session.add(ImportReject(import_id=imported.id, row_number=result.row_number, position=result.position, error=result.error_text()))


def _create(session: Session, target: ImportTarget, values: dict[str, Any], user: Any, assignee: Any) -> Any:
    if target.create is not None:
        record = target.create(dict(values), user=user, assignee=assignee)
        if record is not None and record not in session:
            session.add(record)
        return record
    extra = {target.assign_field: assignee.id} if target.assign_field and assignee is not None else {}
    record = target.model(**{name: value for name, value in values.items() if value is not None}, **extra)
    session.add(record)
    return record


def _update(target: ImportTarget, record: Any, values: dict[str, Any], user: Any, assignee: Any) -> None:
    present = {name: value for name, value in values.items() if value is not None}
    if target.update is not None:
        target.update(record, present, user=user, assignee=assignee)
        return
    for name, value in present.items():
        setattr(record, name, value)
    if target.assign_field and assignee is not None:
        setattr(record, target.assign_field, assignee.id)


def rejected_csv(session: Session, imported: ImportFile) -> bytes:
    """The rejected rows as they were in the file, plus an ``error`` column, to fix and upload again."""
    from .reading import rows_to_csv

    table = load_table(imported)
    rejects = session.execute(
        select(ImportReject.position, ImportReject.error).where(ImportReject.import_id == imported.id).order_by(ImportReject.position)
    ).all()
    width = len(table.header)
    rows = [(table.rows[position] + [""] * width)[:width] + [error] for position, error in rejects]
    return rows_to_csv([*table.header, "error"], rows, delimiter=table.delimiter or ",")


def run_import_job(import_id: int) -> None:
    """The background job: run or resume one import."""
    from ..db import current_session

    session = current_session()
    imported = session.get(ImportFile, import_id)
    owner = session.get(User, imported.user_id) if imported is not None else None
    try:
        with force_locale((owner.language if owner else None) or current_app.config["DEFAULT_LOCALE"]):
            execute(session, import_id)  # row errors in the language of who imports
    except Exception as error:
        session.rollback()
        imported = session.get(ImportFile, import_id)
        if imported is not None:
            imported.error = f"{type(error).__name__}: {error}"[:2000]
            session.commit()
        raise
