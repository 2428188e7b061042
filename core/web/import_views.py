"""The importer's pages: upload, map the columns, preview, run with progress, report."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..db import current_session
from ..importer import JOB
from ..importer.models import DONE, DRAFT, ImportFile, ImportReject
from ..importer.reading import MAX_BYTES, FileProblem, Table
from ..importer.service import (
    ON_DUPLICATE,
    PREVIEW_ROWS,
    SKIP,
    assignable_users,
    auto_mapping,
    check_mapping,
    check_options,
    find_existing,
    load_table,
    match_keys,
    merge_preview,
    parse_row,
    remember_mapping,
    remembered_mapping,
    start_run,
    target_or_none,
    targets_for,
)
from ..jobs import enqueue
from ..types import ImportTarget
from .blueprint import core

RECENT = 10


def _target_or_abort(key: str) -> ImportTarget:
    target = target_or_none(key)
    if target is None:
        abort(404)
    if not current_user.can(target.permission):
        abort(403)
    return target


def _import_or_abort(import_id: int) -> tuple[ImportFile, ImportTarget]:
    """An import of the signed-in user (others' answer 404), whose target they still hold."""
    imported = current_session().get(ImportFile, import_id)
    if imported is None or imported.user_id != current_user.id:
        abort(404)
    return imported, _target_or_abort(imported.target)


def _table_or_none(imported: ImportFile) -> Table | None:
    try:
        return load_table(imported)
    except FileProblem as error:
        flash(str(error), "danger")
        return None


@core.route("/import")
def import_index() -> str:
    targets = targets_for(current_user)
    keys = [t.key for t in targets]
    recent = []
    if keys:
        recent = current_session().scalars(
            select(ImportFile).where(ImportFile.user_id == current_user.id, ImportFile.target.in_(keys))
            .order_by(ImportFile.id.desc()).limit(RECENT)
        ).all()
    return render_template("core/import_index.html", targets=targets, recent=recent,
                           labels={t.key: t.label for t in targets})


@core.route("/import/<target_key>", methods=["GET", "POST"])
def import_upload(target_key: str) -> Any:
    target = _target_or_abort(target_key)
    error = None
    if request.method == "POST":
        upload = request.files.get("file")
        content = upload.read(MAX_BYTES + 1) if upload else b""
        name = (upload.filename or "").strip() if upload else ""
        if not upload or not name:
            error = _("Choose a CSV or XLSX file.")
        elif len(content) > MAX_BYTES:
            error = _("The file is larger than %(size)s MB: split it into smaller files.", size=MAX_BYTES // (1024 * 1024))
        else:
            from ..importer.reading import read_table

            try:
                table = read_table(content, name)
            except FileProblem as problem:
                error = str(problem)
            else:
                if not table.rows:
                    error = _("The file has a header but no data rows.")
        if error is None:
            session = current_session()
            imported = ImportFile(target=target.key, user_id=current_user.id, file_name=name[-255:], content=content)
            session.add(imported)
            session.commit()
            return redirect(url_for("core.import_mapping", import_id=imported.id))
    recent = current_session().scalars(
        select(ImportFile).where(ImportFile.user_id == current_user.id, ImportFile.target == target.key)
        .order_by(ImportFile.id.desc()).limit(RECENT)
    ).all()
    return render_template("core/import_upload.html", target=target, error=error, recent=recent,
                           max_mb=MAX_BYTES // (1024 * 1024)), (400 if error else 200)


@core.route("/import/run/<int:import_id>/mapping", methods=["GET", "POST"])
def import_mapping(import_id: int) -> Any:
    imported, target = _import_or_abort(import_id)
    if imported.state != DRAFT:
        return redirect(url_for("core.import_status", import_id=imported.id))
    table = _table_or_none(imported)
    if table is None:
        return redirect(url_for("core.import_upload", target_key=target.key))
    session = current_session()
    problems: list[str] = []
    if request.method == "POST":
        names = {f.name for f in target.fields}
        mapping = {}
        for index in range(len(table.header)):
            chosen = request.form.get(f"column-{index}", "")
            if chosen in names:
                mapping[str(index)] = chosen
        problems = check_mapping(target, table.header, mapping)
        if not problems:
            imported.mapping = mapping
            remember_mapping(session, current_user.id, target.key, table.header, mapping)
            session.commit()
            return redirect(url_for("core.import_preview", import_id=imported.id))
    elif imported.mapping is not None:
        mapping = dict(imported.mapping)
    else:
        mapping = auto_mapping(target, table.header, remembered_mapping(session, current_user.id, target.key))
    samples = [[table.cell(row, index) for row in table.rows[:3]] for index in range(len(table.header))]
    mapped = set(mapping.values())
    return render_template(
        "core/import_mapping.html", imported=imported, target=target, table=table, mapping=mapping,
        samples=samples, problems=problems, mapped=mapped,
    ), (400 if problems else 200)


def _options_from(source: Any, imported: ImportFile, target: ImportTarget) -> dict[str, Any]:
    """The run's choices from a form (or the query string), else the last ones, else defaults."""
    saved = dict(imported.options or {})
    if source.get("options"):
        assignee = source.get("assignee_id", "")
        return {
            "on_duplicate": source.get("on_duplicate", SKIP),
            "match_keys": [name for name in source.getlist("match") if name],
            "assignee_id": int(assignee) if assignee.isdigit() else None,
            "assign_updated": bool(source.get("assign_updated")),
        }
    return {
        "on_duplicate": saved.get("on_duplicate", SKIP),
        "match_keys": saved.get("match_keys", [key.field for key in target.match_keys]),
        "assignee_id": saved.get("assignee_id", current_user.id if target.assign_field else None),
        "assign_updated": saved.get("assign_updated", False),
    }


def _preview(imported: ImportFile, target: ImportTarget, table: Table, options: dict[str, Any], problems: list[str]) -> Any:
    session = current_session()
    mapping = dict(imported.mapping or {})
    results = [parse_row(target, table, mapping, position) for position in range(min(PREVIEW_ROWS, len(table.rows)))]
    keys = match_keys(target, options["match_keys"])
    if keys:
        find_existing(session, target, current_user, keys, results)
    columns = sorted(((int(index), name) for index, name in mapping.items() if name), key=lambda pair: pair[0])
    fields = {f.name: f for f in target.fields}
    merges = {result.position: merge_preview(target, result) for result in results}
    return render_template(
        "core/import_preview.html", imported=imported, target=target, table=table, results=results, columns=columns,
        fields=fields, merges=merges, options=options, problems=problems, on_duplicate_choices=ON_DUPLICATE,
        users=assignable_users(session, target) if target.assign_field else [],
        invalid=sum(1 for result in results if not result.valid),
        duplicates=sum(1 for result in results if result.existing is not None),
    ), (400 if problems else 200)


@core.route("/import/run/<int:import_id>/preview")
def import_preview(import_id: int) -> Any:
    imported, target = _import_or_abort(import_id)
    if imported.state != DRAFT:
        return redirect(url_for("core.import_status", import_id=imported.id))
    if imported.mapping is None:
        return redirect(url_for("core.import_mapping", import_id=imported.id))
    table = _table_or_none(imported)
    if table is None:
        return redirect(url_for("core.import_upload", target_key=target.key))
    return _preview(imported, target, table, _options_from(request.args, imported, target), [])


@core.route("/import/run/<int:import_id>/run", methods=["POST"])
def import_run(import_id: int) -> Any:
    imported, target = _import_or_abort(import_id)
    if imported.state != DRAFT:
        return redirect(url_for("core.import_status", import_id=imported.id))
    table = _table_or_none(imported)
    if table is None:
        return redirect(url_for("core.import_upload", target_key=target.key))
    session = current_session()
    options = _options_from(request.form, imported, target)
    problems = check_mapping(target, table.header, dict(imported.mapping or {})) if imported.mapping is not None else [
        _("Map the columns to the fields first.")]
    problems += check_options(session, target, options)
    if problems:
        return _preview(imported, target, table, options, problems)
    start_run(session, imported, options, len(table.rows))
    enqueue(JOB, session=session, import_id=imported.id)
    session.commit()  # the job runs after this commit (here, or on a worker)
    return redirect(url_for("core.import_status", import_id=imported.id))


def _report_context(imported: ImportFile) -> dict[str, Any]:
    rejects = current_session().execute(
        select(ImportReject.row_number, ImportReject.error).where(ImportReject.import_id == imported.id)
        .order_by(ImportReject.position).limit(50)
    ).all()
    return {"imported": imported, "rejects": rejects, "finished": imported.state == DONE}


@core.route("/import/run/<int:import_id>")
def import_status(import_id: int) -> Any:
    imported, target = _import_or_abort(import_id)
    if imported.state == DRAFT:
        return redirect(url_for("core.import_mapping", import_id=imported.id))
    return render_template("core/import_status.html", target=target, **_report_context(imported))


@core.route("/import/run/<int:import_id>/progress")
def import_progress(import_id: int) -> Any:
    imported, target = _import_or_abort(import_id)
    return render_template("core/import_progress.html", target=target, **_report_context(imported))


@core.route("/import/run/<int:import_id>/rejected.csv")
def import_rejected(import_id: int) -> Any:
    imported, _target = _import_or_abort(import_id)
    from ..importer.service import rejected_csv

    try:
        content = rejected_csv(current_session(), imported)
    except FileProblem:
        abort(404)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", imported.file_name.rsplit(".", 1)[0]).strip("._") or "import"
    return Response(content, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{stem}-rejected.csv"'})
