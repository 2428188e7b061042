"""Pages of the projects plugin: projects, activities ("my activities" too), events,
their forms, time entries, attachments and the tabs of the company page."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from sportello import (
    InvalidQuery,
    SearchResult,
    User,
    csv_response,
    each_row,
    paginate,
    requires,
    session,
    upload_limits,
    utcnow,
    visible,
    xlsx_response,
)
from sportello import gettext as _
from sportello import lazy_gettext as _l

from .forms import ActivityForm, AttachmentForm, EventForm, ProjectForm, TimeForm, WorkForm
from .models import ACTIVITY_KINDS, Activity, Attachment, Event, Project, TimeEntry, event_invitee, project_member
from .services import (
    Invalid,
    activity_cost,
    add_attachment,
    add_time,
    change_time,
    close_project,
    delete_time,
    may_correct,
    may_manage,
    notify_activity,
    open_activities,
    reopen_project,
    save_activity,
    save_event,
    save_project,
)

blueprint = Blueprint("projects", __name__, url_prefix="/projects", template_folder="templates",
                      static_folder="static", static_url_path="/static")

PAGE_SIZE = 50
KIND_LABELS = {"task": _l("Task"), "call": _l("Phone call"), "meeting": _l("Meeting"), "visit": _l("Visit"),
               "document": _l("Document"), "other": _l("Other")}
STATE_LABELS = {"open": _l("Open"), "closed": _l("Closed"), "completed": _l("Completed"), "abandoned": _l("Abandoned")}


@blueprint.app_context_processor
def _labels() -> dict[str, Any]:
    return {"projects_states": STATE_LABELS, "projects_kinds": KIND_LABELS}


# --- helpers ------------------------------------------------------------------------------

def _one(model: Any, record_id: int, action: str = "read") -> Any:
    record = session.scalar(visible(select(model), current_user, action).where(model.id == record_id))
    if record is None:
        abort(404)
    return record


def _can(model: Any, record_id: int, action: str) -> bool:
    return session.scalar(visible(select(model.id), current_user, action).where(model.id == record_id)) is not None


def _openable(model: Any, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(session.scalars(visible(select(model.id), current_user, "read").where(model.id.in_(ids))))


def _users() -> list[tuple[int, str]]:
    return [(u.id, u.name) for u in session.execute(
        select(User.id, User.name).where(User.active.is_(True)).order_by(User.name, User.id))]


def _companies() -> list[tuple[int, str]]:
    from sportello_companies.models import Company

    rows = session.execute(visible(select(Company.id, Company.name), current_user, "read")
                           .order_by(Company.name_key, Company.id).limit(1000))
    return [(r.id, r.name) for r in rows]


def _managed_projects() -> list[tuple[int, str]]:
    rows = session.execute(visible(select(Project.id, Project.code, Project.title), current_user, "update")
                           .where(Project.state == "open").order_by(Project.code).limit(1000))
    return [(r.id, f"{r.code} · {r.title}") for r in rows]


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("DEFAULT_TIMEZONE") or "Europe/Rome")


def _to_utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=_zone()).astimezone(UTC) if value is not None else None


def _local(value: datetime | None) -> datetime | None:
    return value.astimezone(_zone()).replace(tzinfo=None) if value is not None else None


def _errors_to_form(form: Any, error: Invalid, aliases: dict[str, str] | None = None) -> None:
    for field, message in error.errors.items():
        name = (aliases or {}).get(field, field)
        if name in form._fields:
            form[name].errors = list(form[name].errors) + [message]
        else:
            flash(message, "danger")


def _more(endpoint: str, page: Any, **args: Any) -> str | None:
    return url_for(endpoint, **args, cursor=page.next_cursor) if page.next_cursor else None


def _args(*keys: str) -> dict[str, str]:
    return {k: request.args[k] for k in keys if request.args.get(k)}


# --- projects ---------------------------------------------------------------------------

def _project_rows(statement: Any) -> Any:
    from sportello_companies.models import Company

    manager = User.__table__.alias("manager")
    # the sort and id columns by name too: paginate reads the next page's cursor from them
    return (statement.add_columns(Project.updated_at, Project.id, Company.name.label("company_name"),
                                  manager.c.name.label("manager_name"))
            .join(Company, Company.id == Project.company_id).outerjoin(manager, manager.c.id == Project.manager_id))


def _filtered_projects(statement: Any) -> Any:
    """The projects of ``statement`` the user may list, filtered by the query string."""
    statement = visible(statement, current_user, "list")
    text = (request.args.get("q") or "").strip()
    if text:
        statement = statement.where(or_(Project.code.ilike(f"%{text}%"), Project.title.ilike(f"%{text}%")))
    if request.args.get("state") in ("open", "closed"):
        statement = statement.where(Project.state == request.args["state"])
    if (manager := request.args.get("manager", "")).isdigit():
        statement = statement.where(Project.manager_id == int(manager))
    return statement


@blueprint.route("/")
@requires("projects.view")
def index() -> Any:
    try:
        page = paginate(session, _project_rows(_filtered_projects(select(Project))), sort_column=Project.updated_at,
                        id_column=Project.id, descending=True, limit=PAGE_SIZE, cursor=request.args.get("cursor"),
                        scalars=False)
    except (InvalidQuery, ValueError):
        abort(400)
    args = _args("q", "state", "manager")
    return render_template("projects/index.html", page=page, args=args, filtered=bool(args),
                           openable=_openable(Project, [r.Project.id for r in page.items]),
                           more_url=_more("projects.index", page, **args), managers=_users())


def _project_form(form: ProjectForm) -> ProjectForm:
    users = _users()
    form.company_id.choices = [("", _("Choose…"))] + _companies()
    form.manager_id.choices = [("", _("Nobody yet"))] + users
    form.member_ids.choices = users
    return form


def _project_data(form: ProjectForm) -> dict[str, Any]:
    return {name: form[name].data for name in ("code", "title", "description", "company_id", "manager_id",
                                               "member_ids", "start_date", "planned_end", "docs_due",
                                               "contract_expiry", "budget")}


@blueprint.route("/new", methods=["GET", "POST"])
@requires("projects.create")
def new_project() -> Any:
    form = _project_form(ProjectForm())
    if request.method == "GET" and request.args.get("company_id", "").isdigit():
        form.company_id.data = int(request.args["company_id"])
    if form.validate_on_submit():
        try:
            project = save_project(None, _project_data(form), current_user)
        except Invalid as error:
            session.rollback()
            _errors_to_form(form, error)
        else:
            flash(_("Project %(code)s opened.", code=project.code), "success")
            return redirect(url_for("projects.project", project_id=project.id))
    return render_template("projects/project_form.html", form=form, project=None), 422 if form.errors else 200


@blueprint.route("/<int:project_id>/edit", methods=["GET", "POST"])
@requires("projects.edit")
def edit_project(project_id: int) -> Any:
    project = _one(Project, project_id, "update")
    form = _project_form(ProjectForm(obj=project))
    if request.method == "GET":
        form.member_ids.data = [u.id for u in project.members]
    if form.validate_on_submit():
        try:
            save_project(project, _project_data(form), current_user)
        except Invalid as error:
            session.rollback()
            _errors_to_form(form, error)
        else:
            flash(_("Project saved."), "success")
            return redirect(url_for("projects.project", project_id=project.id))
    return render_template("projects/project_form.html", form=form, project=project), 422 if form.errors else 200


@blueprint.route("/<int:project_id>")
@requires("projects.view")
def project(project_id: int) -> Any:
    project = _one(Project, project_id)
    activities = list(session.scalars(visible(select(Activity), current_user, "list")
                                      .where(Activity.project_id == project.id)
                                      .order_by(Activity.state != "open", Activity.planned_end, Activity.id)))
    costs = {a.id: activity_cost(a) for a in activities}
    hours = dict(session.execute(select(TimeEntry.activity_id, func.sum(TimeEntry.hours))
                                 .where(TimeEntry.activity_id.in_([a.id for a in activities]))
                                 .group_by(TimeEntry.activity_id)).all())
    events = list(session.scalars(visible(select(Event), current_user, "list").where(Event.project_id == project.id)
                                  .order_by(Event.starts_at.desc(), Event.id).limit(50)))
    attachments = list(session.scalars(
        visible(select(Attachment), current_user, "read")
        .where(or_(Attachment.project_id == project.id,
                   Attachment.activity_id.in_([a.id for a in activities] or [-1])))
        .order_by(Attachment.created_at.desc(), Attachment.id)))
    total_cost = sum(costs.values(), Decimal(0))
    total_hours = sum((Decimal(str(h)) for h in hours.values()), Decimal(0))
    may_update = current_user.can("projects.edit") and _can(Project, project.id, "update")
    may_close = current_user.can("projects.close") and _can(Project, project.id, "update")
    return render_template(
        "projects/project.html", project=project, activities=activities, costs=costs, hours=hours, events=events,
        attachments=attachments, total_cost=total_cost, total_hours=total_hours, may_update=may_update,
        may_close=may_close, still_open=open_activities(project) if may_close else [],
        openable=_openable(Activity, [a.id for a in activities]), attachment_form=AttachmentForm(),
        limits=_limits(),
    )


@blueprint.route("/<int:project_id>/close", methods=["POST"])
@requires("projects.close")
def close(project_id: int) -> Any:
    project = _one(Project, project_id, "update")
    from flask_wtf.csrf import validate_csrf

    validate_csrf(request.form.get("csrf_token"))
    if request.form.get("reopen"):
        reopen_project(project)
        flash(_("Project reopened."), "success")
    else:
        try:
            close_project(project, current_user)
        except Invalid as error:
            session.rollback()
            flash(error.errors["_"], "danger")
        else:
            flash(_("Project closed."), "success")
    return redirect(url_for("projects.project", project_id=project.id))


@blueprint.route("/<int:project_id>/attachments", methods=["POST"])
@requires("projects.edit")
def project_attachment(project_id: int) -> Any:
    project = _one(Project, project_id, "update")
    return _upload(url_for("projects.project", project_id=project.id), project=project)


def _limits() -> dict[str, Any]:
    return upload_limits()


def _upload(back: str, **target: Any) -> Any:
    form = AttachmentForm()
    if not form.validate_on_submit():
        abort(400)
    upload = request.files.get("file")
    try:
        add_attachment(current_user, upload.filename if upload else "", upload.read() if upload else b"", **target)
    except Invalid as error:
        session.rollback()
        flash(error.errors["file"], "danger")
    else:
        flash(_("File attached."), "success")
    return redirect(back + "#attachments")


@blueprint.route("/attachments/<int:attachment_id>")
def attachment(attachment_id: int) -> Any:
    item = _one(Attachment, attachment_id)
    return Response(item.data, mimetype=item.content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{_quote(item.name)}",
        "X-Content-Type-Options": "nosniff",
    })


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


# --- activities -----------------------------------------------------------------------

def _activity_rows(statement: Any) -> Any:
    from sportello_companies.models import Company

    assignee = User.__table__.alias("assignee")
    return (statement.add_columns(Activity.updated_at, Activity.id, Company.name.label("company_name"),
                                  assignee.c.name.label("assignee_name"), Project.code.label("project_code"))
            .join(Company, Company.id == Activity.company_id)
            .outerjoin(Project, Project.id == Activity.project_id)
            .outerjoin(assignee, assignee.c.id == Activity.assignee_id))


def _list_state(mine: bool) -> str:
    """The state filter: "my activities" shows the open ones unless told otherwise."""
    return request.args.get("state", "open" if mine else "")


def _filtered_activities(statement: Any, mine: bool) -> Any:
    """The activities of ``statement`` the user may list ("mine": assigned to them,
    directly or through a work group), filtered by the query string."""
    statement = visible(statement, current_user, "list")
    if mine:
        groups = select(project_member.c.project_id).where(project_member.c.user_id == current_user.id)
        statement = statement.where(or_(Activity.assignee_id == current_user.id,
                                        Activity.assigned_to_group.is_(True) & Activity.project_id.in_(groups)))
    text = (request.args.get("q") or "").strip()
    if text:
        statement = statement.where(Activity.title.ilike(f"%{text}%"))
    state = _list_state(mine)
    if state in ("open", "completed", "abandoned"):
        statement = statement.where(Activity.state == state)
    if (project_id := request.args.get("project", "")).isdigit():
        statement = statement.where(Activity.project_id == int(project_id))
    if (assignee := request.args.get("assignee", "")).isdigit():
        statement = statement.where(Activity.assignee_id == int(assignee))
    if request.args.get("kind") in ACTIVITY_KINDS:
        statement = statement.where(Activity.kind == request.args["kind"])
    return statement


def _activity_list(mine: bool) -> Any:
    try:
        page = paginate(session, _activity_rows(_filtered_activities(select(Activity), mine)),
                        sort_column=Activity.updated_at, id_column=Activity.id, descending=True, limit=PAGE_SIZE,
                        cursor=request.args.get("cursor"), scalars=False)
    except (InvalidQuery, ValueError):
        abort(400)
    endpoint = "projects.my_activities" if mine else "projects.activities"
    args = _args("q", "state", "project", "assignee", "kind")
    return render_template("projects/activities.html", page=page, args=args, mine=mine, filtered=bool(args),
                           state=_list_state(mine), openable=_openable(Activity, [r.Activity.id for r in page.items]),
                           more_url=_more(endpoint, page, **args), endpoint=endpoint,
                           people=[] if mine else _users())  # "mine" has no assignee filter


@blueprint.route("/activities/")
@requires("projects.activity_view")
def activities() -> Any:
    return _activity_list(mine=False)


@blueprint.route("/activities/mine")
@requires("projects.activity_view")
def my_activities() -> Any:
    return _activity_list(mine=True)


def _activity_form(form: ActivityForm) -> ActivityForm:
    form.kind.choices = [(k, str(v)) for k, v in KIND_LABELS.items()]
    form.project_id.choices = [("", _("No project"))] + _managed_projects()
    form.company_id.choices = [("", _("Choose…"))] + (_companies() if current_user.scope("activities") == "all" else [])
    form.assignee.choices = [("", _("Nobody yet")), ("group", _("The project's work group"))] + \
        [(str(i), n) for i, n in _users()]
    form.state.choices = [(k, str(STATE_LABELS[k])) for k in ("open", "completed", "abandoned")]
    return form


def _activity_data(form: ActivityForm, manage: bool) -> dict[str, Any]:
    if not manage:
        return {"state": form.state.data, "closing_note": form.closing_note.data}
    assignee = form.assignee.data or ""
    data = {name: form[name].data for name in ("title", "description", "kind", "project_id", "company_id",
                                               "planned_start", "planned_end", "state", "closing_note")}
    data["assigned_to_group"] = assignee == "group"
    data["assignee_id"] = int(assignee) if assignee.isdigit() else None
    if current_user.can("projects.activity_cost"):
        data["actual_cost"] = form.actual_cost.data
    return data


@blueprint.route("/activities/new", methods=["GET", "POST"])
@requires("projects.activity_create")
def new_activity() -> Any:
    form = _activity_form(ActivityForm())
    if request.method == "GET":
        form.state.data = "open"
        if request.args.get("project_id", "").isdigit():
            form.project_id.data = int(request.args["project_id"])
        if request.args.get("company_id", "").isdigit():
            form.company_id.data = int(request.args["company_id"])
    if form.validate_on_submit():
        try:
            activity = save_activity(None, _activity_data(form, True), current_user, notify=form.notify.data)
        except Invalid as error:
            session.rollback()
            _errors_to_form(form, error, {"assignee_id": "assignee", "assigned_to_group": "assignee"})
        else:
            flash(_("Activity created.") + (" " + _("The notification is on its way.") if form.notify.data else ""), "success")
            return redirect(url_for("projects.activity", activity_id=activity.id))
    return render_template("projects/activity_form.html", form=form, activity=None, manage=True), 422 if form.errors else 200


@blueprint.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@requires("projects.activity_view")
def edit_activity(activity_id: int) -> Any:
    activity = _one(Activity, activity_id, "update")
    manage = may_manage(activity, current_user)
    if not manage and not current_user.can("projects.activity_work"):
        abort(403)
    form = _activity_form(ActivityForm(obj=activity)) if manage else WorkForm(obj=activity)
    if not manage:
        form.state.choices = [(k, str(STATE_LABELS[k])) for k in ("open", "completed", "abandoned")]
    elif request.method == "GET":
        form.assignee.data = "group" if activity.assigned_to_group else (str(activity.assignee_id) if activity.assignee_id else "")
    if form.validate_on_submit():
        try:
            save_activity(activity, _activity_data(form, manage), current_user, notify=form.notify.data)
        except Invalid as error:
            session.rollback()
            _errors_to_form(form, error, {"assignee_id": "assignee", "assigned_to_group": "assignee"})
        else:
            flash(_("Activity saved.") + (" " + _("The notification is on its way.") if form.notify.data else ""), "success")
            return redirect(url_for("projects.activity", activity_id=activity.id))
    return render_template("projects/activity_form.html", form=form, activity=activity, manage=manage), 422 if form.errors else 200


def _activity_page(activity: Activity, time_form: TimeForm, status: int = 200) -> Any:
    entries = list(session.scalars(select(TimeEntry).options(joinedload(TimeEntry.user))
                                   .where(TimeEntry.activity_id == activity.id)
                                   .order_by(TimeEntry.day.desc(), TimeEntry.id.desc())))
    attachments = list(session.scalars(select(Attachment).where(Attachment.activity_id == activity.id)
                                       .order_by(Attachment.created_at.desc(), Attachment.id)))
    may_update = _can(Activity, activity.id, "update")
    manage = may_manage(activity, current_user)
    may_work = may_update and (current_user.can("projects.activity_work") or manage)
    correctable = {e.id for e in entries if may_correct(e, activity, current_user)} \
        if may_update and activity.state == "open" else set()
    return render_template(
        "projects/activity.html", activity=activity, entries=entries, attachments=attachments, may_work=may_work,
        manage=manage, cost=activity_cost(activity), hours=sum((e.hours for e in entries), Decimal(0)),
        time_form=time_form, attachment_form=AttachmentForm(), limits=_limits(), correctable=correctable,
        project_openable=bool(activity.project_id and _can(Project, activity.project_id, "read")),
    ), status


@blueprint.route("/activities/<int:activity_id>")
@requires("projects.activity_view")
def activity(activity_id: int) -> Any:
    activity = _one(Activity, activity_id)
    time_form = TimeForm()
    if time_form.day.data is None:
        time_form.day.data = datetime.now(_zone()).date()
    return _activity_page(activity, time_form)


@blueprint.route("/activities/<int:activity_id>/time", methods=["POST"])
@requires("projects.activity_view")
def add_time_entry(activity_id: int) -> Any:
    activity = _one(Activity, activity_id, "update")
    if not (current_user.can("projects.activity_work") or may_manage(activity, current_user)):
        abort(403)
    form = TimeForm()
    if form.validate_on_submit():
        try:
            add_time(activity, current_user, form.day.data, form.hours.data, form.note.data or "")
        except Invalid as error:
            session.rollback()
            _errors_to_form(form, error)
        else:
            flash(_("Time recorded."), "success")
            return redirect(url_for("projects.activity", activity_id=activity.id) + "#time")
    return _activity_page(activity, form, 422)


def _time_entry(activity_id: int, entry_id: int) -> tuple[Activity, TimeEntry]:
    """The activity (which the user may work) and its entry (which the user may correct):
    404 when either is out of reach, 403 when the entry is someone else's."""
    activity = _one(Activity, activity_id, "update")
    entry = session.scalar(visible(select(TimeEntry), current_user, "update")
                           .where(TimeEntry.id == entry_id, TimeEntry.activity_id == activity.id))
    if entry is None:
        abort(404)
    if not may_correct(entry, activity, current_user):
        abort(403)
    return activity, entry


@blueprint.route("/activities/<int:activity_id>/time/<int:entry_id>/edit", methods=["GET", "POST"])
@requires("projects.activity_view")
def edit_time_entry(activity_id: int, entry_id: int) -> Any:
    activity, entry = _time_entry(activity_id, entry_id)
    form = TimeForm(obj=entry)
    if request.method == "GET":
        form.hours.data = _typed(entry.hours)
    if form.validate_on_submit():
        try:
            change_time(entry, activity, current_user, {"day": form.day.data, "hours": form.hours.data,
                                                         "note": form.note.data or ""})
        except Invalid as error:
            session.rollback()
            _errors_to_form(form, error)
        else:
            flash(_("Time corrected."), "success")
            return redirect(url_for("projects.activity", activity_id=activity.id) + "#time")
    return render_template("projects/time_entry_form.html", form=form, activity=activity, entry=entry), \
        422 if form.errors else 200


@blueprint.route("/activities/<int:activity_id>/time/<int:entry_id>/delete", methods=["POST"])
@requires("projects.activity_view")
def delete_time_entry(activity_id: int, entry_id: int) -> Any:
    from flask_wtf.csrf import validate_csrf

    activity, entry = _time_entry(activity_id, entry_id)
    validate_csrf(request.form.get("csrf_token"))
    try:
        delete_time(entry, activity, current_user)
    except Invalid as error:
        session.rollback()
        flash(error.errors["_"], "danger")
    else:
        flash(_("Time entry deleted."), "success")
    return redirect(url_for("projects.activity", activity_id=activity.id) + "#time")


def _typed(value: Decimal) -> str:
    """Hours as the user types them back: 1,5 in Italian, 1.5 in English (never 1.50)."""
    from flask_babel import get_locale

    text = f"{value.normalize():f}"
    return text.replace(".", ",") if str(get_locale() or "").startswith("it") else text


@blueprint.route("/activities/<int:activity_id>/attachments", methods=["POST"])
@requires("projects.activity_view")
def activity_attachment(activity_id: int) -> Any:
    activity = _one(Activity, activity_id, "update")
    if not (current_user.can("projects.activity_work") or may_manage(activity, current_user)):
        abort(403)
    return _upload(url_for("projects.activity", activity_id=activity.id), activity=activity)


@blueprint.route("/activities/<int:activity_id>/notify", methods=["POST"])
@requires("projects.activity_view")
def notify(activity_id: int) -> Any:
    from flask_wtf.csrf import validate_csrf

    activity = _one(Activity, activity_id, "update")
    validate_csrf(request.form.get("csrf_token"))
    notify_activity(activity)
    flash(_("The notification is on its way to the owner, the assignee and the project manager."), "success")
    return redirect(url_for("projects.activity", activity_id=activity.id))


# --- events --------------------------------------------------------------------------------

def _filtered_events(statement: Any) -> tuple[Any, bool]:
    """The events of ``statement`` the user may list, upcoming (soonest first) or past
    (latest first), searched by the query string; and whether the order is descending."""
    statement = visible(statement, current_user, "list")
    text = (request.args.get("q") or "").strip()
    if text:
        statement = statement.where(or_(Event.title.ilike(f"%{text}%"), Event.place.ilike(f"%{text}%")))
    if request.args.get("when") == "past":
        return statement.where(Event.starts_at < datetime.now(UTC)), True
    return statement.where(Event.ends_at >= datetime.now(UTC)), False


def _event_rows(statement: Any) -> Any:
    from sportello_companies.models import Company

    return (statement.add_columns(Event.starts_at, Event.id, Company.name.label("company_name"))
            .join(Company, Company.id == Event.company_id))


@blueprint.route("/events/")
@requires("projects.event_view")
def events() -> Any:
    statement, descending = _filtered_events(select(Event))
    try:
        page = paginate(session, _event_rows(statement), sort_column=Event.starts_at, id_column=Event.id,
                        descending=descending, limit=PAGE_SIZE, cursor=request.args.get("cursor"), scalars=False)
    except (InvalidQuery, ValueError):
        abort(400)
    args = _args("q", "when")
    return render_template("projects/events.html", page=page, args=args, filtered=bool(args),
                           openable=_openable(Event, [r.Event.id for r in page.items]),
                           more_url=_more("projects.events", page, **args))


def _event_form(form: EventForm) -> EventForm:
    form.project_id.choices = [("", _("No project"))] + _managed_projects()
    form.company_id.choices = [("", _("Choose…"))] + _companies()
    form.invitee_ids.choices = _users()
    return form


def _event_data(form: EventForm) -> dict[str, Any]:
    return {"title": form.title.data, "place": form.place.data or "", "description": form.description.data or "",
            "starts_at": _to_utc(form.starts_at.data), "ends_at": _to_utc(form.ends_at.data),
            "project_id": form.project_id.data, "company_id": form.company_id.data,
            "invitee_ids": form.invitee_ids.data or []}


@blueprint.route("/events/new", methods=["GET", "POST"])
@requires("projects.event_create")
def new_event() -> Any:
    form = _event_form(EventForm())
    if request.method == "GET":
        for key in ("project_id", "company_id"):
            if request.args.get(key, "").isdigit():
                form[key].data = int(request.args[key])
    if form.validate_on_submit():
        try:
            event = save_event(None, _event_data(form), current_user)
        except Invalid as error:
            session.rollback()
            _errors_to_form(form, error)
        else:
            flash(_("Event saved: the invitation is on its way to you and the invited people."), "success")
            return redirect(url_for("projects.event", event_id=event.id))
    return render_template("projects/event_form.html", form=form, event=None), 422 if form.errors else 200


@blueprint.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@requires("projects.event_create")
def edit_event(event_id: int) -> Any:
    event = _one(Event, event_id, "update")
    form = _event_form(EventForm(obj=event))
    if request.method == "GET":
        form.starts_at.data = _local(event.starts_at)
        form.ends_at.data = _local(event.ends_at)
        form.invitee_ids.data = [u.id for u in event.invitees]
    if form.validate_on_submit():
        try:
            save_event(event, _event_data(form), current_user)
        except Invalid as error:
            session.rollback()
            _errors_to_form(form, error)
        else:
            flash(_("Event saved: the updated invitation is on its way."), "success")
            return redirect(url_for("projects.event", event_id=event.id))
    return render_template("projects/event_form.html", form=form, event=event), 422 if form.errors else 200


@blueprint.route("/events/<int:event_id>")
@requires("projects.event_view")
def event(event_id: int) -> Any:
    event = _one(Event, event_id)
    return render_template("projects/event.html", event=event,
                           may_update=current_user.can("projects.event_create") and _can(Event, event.id, "update"),
                           project_openable=bool(event.project_id and _can(Project, event.project_id, "read")))


# --- exports of the lists ---------------------------------------------------------------
# The same filters and the same visibility as the pages: the statements are the lists'.

PROJECT_EXPORT = [
    ("code", _l("Code")), ("title", _l("Project")), ("company_name", _l("Company")),
    ("manager_name", _l("Project manager")), ("state", _l("State")), ("start_date", _l("Start")),
    ("planned_end", _l("Planned end")), ("docs_due", _l("Documentation delivery")),
    ("contract_expiry", _l("Contract expiry")), ("budget", _l("Budget (€)")), ("updated_at", _l("Last change")),
]
ACTIVITY_EXPORT = [
    ("title", _l("Activity")), ("kind", _l("Type")), ("company_name", _l("Company")), ("project_code", _l("Project")),
    ("assignee_name", _l("Assigned to")), ("planned_start", _l("Planned start")), ("planned_end", _l("Planned end")),
    ("state", _l("State")), ("closing_note", _l("Closing note")), ("hours", _l("Hours worked")),
    ("updated_at", _l("Last change")),
]
EVENT_EXPORT = [
    ("title", _l("Event")), ("starts_at", _l("Start")), ("ends_at", _l("End")), ("place", _l("Place")),
    ("company_name", _l("Company")), ("project_code", _l("Project")), ("owner_name", _l("Organised by")),
]


def _fields(fields: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    """The column labels in the user's language (resolved per request)."""
    return [(name, str(label)) for name, label in fields]


def _cell(row: Any, field: str) -> Any:
    value = getattr(row, field)
    if field == "state":
        return str(STATE_LABELS.get(value, value))
    if field == "kind":
        return str(KIND_LABELS.get(value, value))
    if field == "assignee_name" and row.assigned_to_group:
        return _("Work group")
    if isinstance(value, datetime):
        return _local(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return float(value)
    return "" if value is None else value


def _csv_cell(row: Any, field: str) -> Any:
    """Numbers with a decimal comma, as Italian spreadsheets read CSV."""
    value = _cell(row, field)
    return str(value).replace(".", ",") if isinstance(value, float) else value


def _export(kind: str, rows: Any, fields: list[tuple[str, Any]], name: str, sheet: str) -> Response:
    file_name = f"{name}-{utcnow().strftime('%Y%m%d-%H%M')}.{kind}"
    if kind == "csv":
        return csv_response(rows, _fields(fields), _csv_cell, file_name)
    return xlsx_response(rows, _fields(fields), _cell, file_name, sheet)


def _project_export_rows() -> Any:
    from sportello_companies.models import Company

    manager = User.__table__.alias("manager")
    columns = [getattr(Project, f) for f, _label in PROJECT_EXPORT if hasattr(Project, f)] + [
        Project.id, Company.name.label("company_name"), manager.c.name.label("manager_name")]
    statement = (_filtered_projects(select(*columns)).join(Company, Company.id == Project.company_id)
                 .outerjoin(manager, manager.c.id == Project.manager_id))
    return each_row(session, statement, sort_column=Project.updated_at, id_column=Project.id, descending=True)


def _activity_export_rows(mine: bool) -> Any:
    from sportello_companies.models import Company

    assignee = User.__table__.alias("assignee")
    hours = (select(func.sum(TimeEntry.hours)).where(TimeEntry.activity_id == Activity.id)
             .correlate(Activity).scalar_subquery().label("hours"))
    columns = [getattr(Activity, f) for f, _label in ACTIVITY_EXPORT if hasattr(Activity, f)] + [
        Activity.id, Activity.assigned_to_group, Company.name.label("company_name"),
        assignee.c.name.label("assignee_name"), Project.code.label("project_code"), hours]
    statement = (_filtered_activities(select(*columns), mine).join(Company, Company.id == Activity.company_id)
                 .outerjoin(Project, Project.id == Activity.project_id)
                 .outerjoin(assignee, assignee.c.id == Activity.assignee_id))
    return each_row(session, statement, sort_column=Activity.updated_at, id_column=Activity.id, descending=True)


def _event_export_rows() -> Any:
    from sportello_companies.models import Company

    owner = User.__table__.alias("owner")
    columns = [getattr(Event, f) for f, _label in EVENT_EXPORT if hasattr(Event, f)] + [
        Event.id, Company.name.label("company_name"), Project.code.label("project_code"),
        owner.c.name.label("owner_name")]
    statement, descending = _filtered_events(select(*columns))
    statement = (statement.join(Company, Company.id == Event.company_id)
                 .outerjoin(Project, Project.id == Event.project_id).outerjoin(owner, owner.c.id == Event.owner_id))
    return each_row(session, statement, sort_column=Event.starts_at, id_column=Event.id, descending=descending)


@blueprint.route("/export.<any(csv, xlsx):kind>")
@requires("projects.view")
@requires("projects.export")
def export_projects(kind: str) -> Response:
    return _export(kind, _project_export_rows(), PROJECT_EXPORT, _("projects"), _("Projects"))


@blueprint.route("/activities/export.<any(csv, xlsx):kind>")
@requires("projects.activity_view")
@requires("projects.export")
def export_activities(kind: str) -> Response:
    return _export(kind, _activity_export_rows(False), ACTIVITY_EXPORT, _("activities"), _("Activities"))


@blueprint.route("/activities/mine/export.<any(csv, xlsx):kind>")
@requires("projects.activity_view")
@requires("projects.export")
def export_my_activities(kind: str) -> Response:
    return _export(kind, _activity_export_rows(True), ACTIVITY_EXPORT, _("my-activities"), _("My activities"))


@blueprint.route("/events/export.<any(csv, xlsx):kind>")
@requires("projects.event_view")
@requires("projects.export")
def export_events(kind: str) -> Response:
    return _export(kind, _event_export_rows(), EVENT_EXPORT, _("events"), _("Events"))


# --- tabs of the company page -------------------------------------------------------------

def _company_or_404(company_id: int) -> Any:
    from sportello_companies.models import Company

    company = session.scalar(visible(select(Company), current_user, "read").where(Company.id == company_id))
    if company is None:
        abort(404)
    return company


@blueprint.route("/company/<int:company_id>/projects")
@requires("projects.view")
def company_projects(company_id: int) -> Any:
    company = _company_or_404(company_id)
    rows = list(session.execute(_project_rows(visible(select(Project), current_user, "list"))
                                .where(Project.company_id == company.id).order_by(Project.updated_at.desc()).limit(100)))
    return render_template("projects/_company_projects.html", rows=rows, company=company,
                           openable=_openable(Project, [r.Project.id for r in rows]))


@blueprint.route("/company/<int:company_id>/activities")
@requires("projects.activity_view")
def company_activities(company_id: int) -> Any:
    company = _company_or_404(company_id)
    rows = list(session.execute(_activity_rows(visible(select(Activity), current_user, "list"))
                                .where(Activity.company_id == company.id).order_by(Activity.updated_at.desc()).limit(100)))
    return render_template("projects/_company_activities.html", rows=rows, company=company,
                           openable=_openable(Activity, [r.Activity.id for r in rows]))


@blueprint.route("/company/<int:company_id>/events")
@requires("projects.event_view")
def company_events(company_id: int) -> Any:
    company = _company_or_404(company_id)
    items = list(session.scalars(visible(select(Event), current_user, "list").where(Event.company_id == company.id)
                                 .order_by(Event.starts_at.desc()).limit(100)))
    return render_template("projects/_company_events.html", items=items, company=company,
                           openable=_openable(Event, [e.id for e in items]))


# --- search ---------------------------------------------------------------------------------

def search_results(user: Any, text: str, limit: int) -> list[SearchResult]:
    needle = f"%{text.strip()}%"
    found: list[SearchResult] = []
    if user.can("projects.view"):
        readable = set()
        rows = list(session.scalars(visible(select(Project), user, "list")
                                    .where(or_(Project.code.ilike(needle), Project.title.ilike(needle)))
                                    .order_by(Project.code).limit(limit)))
        if rows:
            readable = set(session.scalars(visible(select(Project.id), user, "read").where(Project.id.in_([p.id for p in rows]))))
        for p in rows:
            url = url_for("projects.project", project_id=p.id) if p.id in readable else url_for("projects.index", q=p.code)
            found.append(SearchResult(p.title, url, _l("Project"), p.code, score=1.5))
    if user.can("projects.activity_view"):
        rows = list(session.scalars(visible(select(Activity), user, "list").where(Activity.title.ilike(needle))
                                    .order_by(Activity.updated_at.desc()).limit(limit)))
        readable = set(session.scalars(visible(select(Activity.id), user, "read").where(Activity.id.in_([a.id for a in rows])))) if rows else set()
        for a in rows:
            url = url_for("projects.activity", activity_id=a.id) if a.id in readable else url_for("projects.activities", q=a.title)
            found.append(SearchResult(a.title, url, _l("Activity"), str(STATE_LABELS[a.state]), score=1.0))
    if user.can("projects.event_view"):
        rows = list(session.scalars(visible(select(Event), user, "list").where(Event.title.ilike(needle))
                                    .order_by(Event.starts_at.desc()).limit(limit)))
        readable = set(session.scalars(visible(select(Event.id), user, "read").where(Event.id.in_([e.id for e in rows])))) if rows else set()
        for e in rows:
            url = url_for("projects.event", event_id=e.id) if e.id in readable else url_for("projects.events", q=e.title)
            found.append(SearchResult(e.title, url, _l("Event"), e.place, score=0.8))
    return found


__all__ = ["blueprint", "search_results", "event_invitee"]
