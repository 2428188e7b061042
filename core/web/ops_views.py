"""System events and background jobs, as administrators look after them."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..db import current_session
from ..events import EventRecord
from ..jobs import FAILED, QUEUED, RUNNING, Job, retry
from ..pagination import InvalidQuery, paginate
from .blueprint import core
from .guards import requires

PAGE_SIZE = 50


@core.route("/admin/operations")
@requires("core.operations")
def operations() -> str:
    session = current_session()
    plugins = current_app.extensions["sportello"].plugins
    declared = [(plugin, item) for plugin, items in plugins.call_in_order("event_types") for item in items]
    counts = dict(session.execute(select(Job.state, func.count()).group_by(Job.state)).all())
    failed = session.scalars(select(Job).where(Job.state == FAILED).order_by(Job.id.desc()).limit(PAGE_SIZE)).all()
    waiting = session.scalars(
        select(Job).where(Job.state.in_([QUEUED, RUNNING])).order_by(Job.run_after, Job.id).limit(PAGE_SIZE)
    ).all()
    try:
        events = paginate(
            session, select(EventRecord), sort_column=EventRecord.id, id_column=EventRecord.id, descending=True,
            limit=PAGE_SIZE, cursor=request.args.get("cursor"),
        )
    except InvalidQuery:
        abort(400)
    return render_template(
        "core/operations.html", declared=declared, counts=counts, failed=failed, waiting=waiting, events=events,
        redis=bool(current_app.config["REDIS_URL"]),
    )


@core.route("/admin/operations/jobs/<int:job_id>/retry", methods=["POST"])
@requires("core.operations")
def retry_job(job_id: int) -> Any:
    if retry(job_id):
        flash(_("Job %(id)s will run again now.", id=job_id), "success")
    else:
        flash(_("Job %(id)s is not waiting or failed: nothing to retry.", id=job_id), "warning")
    return redirect(url_for("core.operations") + "#failed")
