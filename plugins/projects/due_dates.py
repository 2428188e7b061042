"""Deadlines of projects (planned end, documentation delivery, contract expiry: the
project manager) and of activities (planned end: project manager and assignee)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import url_for
from sqlalchemy import or_, select

from sportello import Deadline, session, visible
from sportello import gettext as _

from .models import Activity, Project
from .services import activity_recipients

PROJECT_DATES = (
    ("planned_end", "projects.planned_end"),
    ("docs_due", "projects.docs_due"),
    ("contract_expiry", "projects.contract_expiry"),
)


def deadlines_between(start: date, end: date, user: Any) -> list[Deadline]:
    """Open projects and activities due between ``start`` and ``end``; with a ``user``,
    only what they may open."""
    found: list[Deadline] = []
    projects = select(Project).where(Project.state == "open", or_(*[
        getattr(Project, field).between(start, end) for field, _kind in PROJECT_DATES]))
    if user is not None:
        projects = visible(projects, user, "read")
    labels = {"planned_end": _("planned end"), "docs_due": _("documentation delivery"),
              "contract_expiry": _("contract expiry")}
    for project in session.scalars(projects.order_by(Project.id)):
        for field, kind in PROJECT_DATES:
            due = getattr(project, field)
            if due is not None and start <= due <= end:
                found.append(Deadline(
                    kind, "projects.project", project.id, due, f"{project.code} {project.title}: {labels[field]}",
                    url_for("projects.project", project_id=project.id),
                    {"project_manager": [project.manager_id] if project.manager_id else []},
                ))
    activities = select(Activity).where(Activity.state == "open", Activity.planned_end.between(start, end))
    if user is not None:
        activities = visible(activities, user, "read")
    for activity in session.scalars(activities.order_by(Activity.id)):
        recipients = activity_recipients(activity)
        found.append(Deadline(
            "projects.activity_end", "projects.activity", activity.id, activity.planned_end,
            _("%(title)s: planned end", title=activity.title), url_for("projects.activity", activity_id=activity.id),
            {"project_manager": recipients["project_manager"], "assignee": recipients["assignee"]},
        ))
    return found
