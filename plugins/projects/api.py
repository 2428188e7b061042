"""REST API of projects, activities, time entries and events (/api/v1/projects)."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_smorest import abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from sportello import ApiBlueprint, Filter, ListArgs, api_list, page_schema, session, visible

from .models import ACTIVITY_KINDS, ACTIVITY_STATES, Activity, Event, Project, TimeEntry
from .services import (
    Invalid,
    add_time,
    change_time,
    close_project,
    delete_time,
    may_correct,
    may_manage,
    save_activity,
    save_event,
    save_project,
)

blueprint = ApiBlueprint("projects_api", __name__, url_prefix="/projects",
                         description="Projects (commesse), their activities with time entries, and events.")


def _refused(error: Invalid) -> Any:
    abort(422, message="The request was refused.", errors={"json": error.errors})


class ProjectSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="")
    company_id = fields.Integer(required=True)
    manager_id = fields.Integer(allow_none=True)
    member_ids = fields.Method("dump_members", deserialize="load_members", metadata={"description": "The work group (user ids)."})
    start_date = fields.Date(allow_none=True)
    planned_end = fields.Date(allow_none=True)
    docs_due = fields.Date(allow_none=True)
    contract_expiry = fields.Date(allow_none=True)
    budget = fields.Decimal(allow_none=True, as_string=True, places=2)
    state = fields.String(dump_only=True)
    closed_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    def dump_members(self, project: Project) -> list[int]:
        return [u.id for u in project.members]

    def load_members(self, value: Any) -> list[int]:
        return [int(v) for v in value]


class ProjectChangeSchema(ProjectSchema):
    class Meta:
        partial = True


class ActivitySchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="")
    kind = fields.String(load_default="task", validate=validate.OneOf(ACTIVITY_KINDS))
    project_id = fields.Integer(allow_none=True)
    company_id = fields.Integer(allow_none=True)
    owner_id = fields.Integer(dump_only=True)
    assignee_id = fields.Integer(allow_none=True)
    assigned_to_group = fields.Boolean(load_default=False)
    planned_start = fields.Date(allow_none=True)
    planned_end = fields.Date(allow_none=True)
    state = fields.String(validate=validate.OneOf(ACTIVITY_STATES))
    closing_note = fields.String()
    actual_cost = fields.Decimal(allow_none=True, as_string=True, places=2,
                                 metadata={"description": "Entered by the project manager; null: the time entries' cost."})
    updated_at = fields.DateTime(dump_only=True)


class ActivityChangeSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=200))
    description = fields.String()
    kind = fields.String(validate=validate.OneOf(ACTIVITY_KINDS))
    project_id = fields.Integer(allow_none=True)
    assignee_id = fields.Integer(allow_none=True)
    assigned_to_group = fields.Boolean()
    planned_start = fields.Date(allow_none=True)
    planned_end = fields.Date(allow_none=True)
    state = fields.String(validate=validate.OneOf(ACTIVITY_STATES))
    closing_note = fields.String()
    actual_cost = fields.Decimal(allow_none=True, as_string=True, places=2)
    notify = fields.Boolean(load_default=False, metadata={"description": "Notify owner, assignee and project manager now."})


class TimeEntrySchema(Schema):
    id = fields.Integer(dump_only=True)
    activity_id = fields.Integer(dump_only=True)
    user_id = fields.Integer(dump_only=True)
    day = fields.Date(required=True)
    hours = fields.Decimal(required=True, as_string=True, places=2)
    cost = fields.Decimal(dump_only=True, as_string=True, places=2)
    note = fields.String(load_default="")


class TimeEntryChangeSchema(Schema):
    day = fields.Date()
    hours = fields.Decimal(as_string=True, places=2)
    note = fields.String()


class EventSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    place = fields.String(load_default="")
    description = fields.String(load_default="")
    starts_at = fields.AwareDateTime(required=True, default_timezone=None)
    ends_at = fields.AwareDateTime(required=True)
    company_id = fields.Integer(allow_none=True)
    project_id = fields.Integer(allow_none=True)
    owner_id = fields.Integer(dump_only=True)
    invitee_ids = fields.Method("dump_invitees", deserialize="load_invitees")

    def dump_invitees(self, event: Event) -> list[int]:
        return [u.id for u in event.invitees]

    def load_invitees(self, value: Any) -> list[int]:
        return [int(v) for v in value]


class ProjectListArgs(ListArgs):
    state = fields.String()
    company_id = fields.Integer()
    manager_id = fields.Integer()


class ActivityListArgs(ListArgs):
    state = fields.String()
    project_id = fields.Integer()
    company_id = fields.Integer()
    assignee_id = fields.Integer()


class EventListArgs(ListArgs):
    project_id = fields.Integer()
    company_id = fields.Integer()


def _one(model: Any, record_id: int, action: str = "read") -> Any:
    record = session.scalar(visible(select(model), current_user, action).where(model.id == record_id))
    if record is None:
        abort(404, message="Not found.")
    return record


# --- projects -----------------------------------------------------------------------

@blueprint.route("/")
@blueprint.arguments(ProjectListArgs, location="query")
@blueprint.response(200, page_schema(ProjectSchema))
def list_projects(args: dict[str, Any]) -> Any:
    """Projects the user may see in lists."""
    if not current_user.can("projects.view"):
        abort(403, message="Your profile cannot see projects.")
    return api_list(visible(select(Project), current_user, "list"), args,
                    sorts={"id": Project.id, "code": Project.code, "updated_at": Project.updated_at},
                    default_sort="id", id_column=Project.id,
                    filters={"state": Filter(Project.state), "company_id": Filter(Project.company_id, "eq", int),
                             "manager_id": Filter(Project.manager_id, "eq", int)})


@blueprint.route("/", methods=["POST"])
@blueprint.arguments(ProjectSchema)
@blueprint.response(201, ProjectSchema)
def create_project(data: dict[str, Any]) -> Any:
    """Open a project (CRM administrators)."""
    if not current_user.can("projects.create"):
        abort(403, message="Your profile cannot open projects.")
    try:
        return save_project(None, data, current_user)
    except Invalid as error:
        session.rollback()
        _refused(error)


@blueprint.route("/<int:project_id>")
@blueprint.response(200, ProjectSchema)
def get_project(project_id: int) -> Any:
    """One project."""
    return _one(Project, project_id)


@blueprint.route("/<int:project_id>", methods=["PATCH"])
@blueprint.arguments(ProjectChangeSchema)
@blueprint.response(200, ProjectSchema)
def change_project(data: dict[str, Any], project_id: int) -> Any:
    """Change a project."""
    project = _one(Project, project_id, "update")
    if not current_user.can("projects.edit"):
        abort(403, message="Your profile cannot edit projects.")
    try:
        return save_project(project, data, current_user)
    except Invalid as error:
        session.rollback()
        _refused(error)


@blueprint.route("/<int:project_id>/close", methods=["POST"])
@blueprint.response(200, ProjectSchema)
def close(project_id: int) -> Any:
    """Close a project; refused while activities are open."""
    project = _one(Project, project_id, "update")
    if not current_user.can("projects.close"):
        abort(403, message="Your profile cannot close projects.")
    try:
        return close_project(project, current_user)
    except Invalid as error:
        session.rollback()
        abort(409, message=error.errors["_"])


# --- activities ---------------------------------------------------------------------

@blueprint.route("/activities/")
@blueprint.arguments(ActivityListArgs, location="query")
@blueprint.response(200, page_schema(ActivitySchema))
def list_activities(args: dict[str, Any]) -> Any:
    """Activities the user may see in lists."""
    if not current_user.can("projects.activity_view"):
        abort(403, message="Your profile cannot see activities.")
    return api_list(visible(select(Activity), current_user, "list"), args,
                    sorts={"id": Activity.id, "updated_at": Activity.updated_at}, default_sort="id", id_column=Activity.id,
                    filters={"state": Filter(Activity.state), "project_id": Filter(Activity.project_id, "eq", int),
                             "company_id": Filter(Activity.company_id, "eq", int),
                             "assignee_id": Filter(Activity.assignee_id, "eq", int)})


@blueprint.route("/activities/", methods=["POST"])
@blueprint.arguments(ActivitySchema)
@blueprint.response(201, ActivitySchema)
def create_activity(data: dict[str, Any]) -> Any:
    """Create an activity on a project you manage (or on a company, administrators)."""
    try:
        return save_activity(None, data, current_user)
    except Invalid as error:
        session.rollback()
        _refused(error)


@blueprint.route("/activities/<int:activity_id>")
@blueprint.response(200, ActivitySchema)
def get_activity(activity_id: int) -> Any:
    """One activity."""
    return _one(Activity, activity_id)


@blueprint.route("/activities/<int:activity_id>", methods=["PATCH"])
@blueprint.arguments(ActivityChangeSchema)
@blueprint.response(200, ActivitySchema)
def change_activity(data: dict[str, Any], activity_id: int) -> Any:
    """Change an activity; an assignee may change only ``state`` and ``closing_note``."""
    activity = _one(Activity, activity_id, "update")
    notify = data.pop("notify", False)
    try:
        return save_activity(activity, data, current_user, notify=notify)
    except Invalid as error:
        session.rollback()
        _refused(error)


@blueprint.route("/activities/<int:activity_id>/time")
@blueprint.arguments(ListArgs, location="query")
@blueprint.response(200, page_schema(TimeEntrySchema))
def list_time(args: dict[str, Any], activity_id: int) -> Any:
    """Time entries of an activity."""
    _one(Activity, activity_id)
    return api_list(visible(select(TimeEntry), current_user, "list").where(TimeEntry.activity_id == activity_id), args,
                    sorts={"id": TimeEntry.id, "day": TimeEntry.day}, default_sort="id", id_column=TimeEntry.id)


@blueprint.route("/activities/<int:activity_id>/time", methods=["POST"])
@blueprint.arguments(TimeEntrySchema)
@blueprint.response(201, TimeEntrySchema)
def create_time(data: dict[str, Any], activity_id: int) -> Any:
    """Record time worked by the signed-in user (at most 24 hours a day)."""
    activity = _one(Activity, activity_id, "update")
    if not (current_user.can("projects.activity_work") or may_manage(activity, current_user)):
        abort(403, message="Your profile cannot record time.")
    try:
        return add_time(activity, current_user, data["day"], data["hours"], data.get("note", ""))
    except Invalid as error:
        session.rollback()
        _refused(error)


def _time_entry(activity_id: int, entry_id: int) -> tuple[Activity, TimeEntry]:
    """The activity and the entry the user may correct: 404 out of reach, 403 someone else's."""
    activity = _one(Activity, activity_id, "update")
    entry = session.scalar(visible(select(TimeEntry), current_user, "update")
                           .where(TimeEntry.id == entry_id, TimeEntry.activity_id == activity.id))
    if entry is None:
        abort(404, message="Not found.")
    if not may_correct(entry, activity, current_user):
        abort(403, message="Only who entered this time, or who manages the activity, may change it.")
    return activity, entry


@blueprint.route("/activities/<int:activity_id>/time/<int:entry_id>")
@blueprint.response(200, TimeEntrySchema)
def get_time(activity_id: int, entry_id: int) -> Any:
    """One time entry."""
    _one(Activity, activity_id)
    entry = session.scalar(visible(select(TimeEntry), current_user, "read")
                           .where(TimeEntry.id == entry_id, TimeEntry.activity_id == activity_id))
    if entry is None:
        abort(404, message="Not found.")
    return entry


@blueprint.route("/activities/<int:activity_id>/time/<int:entry_id>", methods=["PATCH"])
@blueprint.arguments(TimeEntryChangeSchema)
@blueprint.response(200, TimeEntrySchema)
def change_time_entry(data: dict[str, Any], activity_id: int, entry_id: int) -> Any:
    """Correct the day, hours or note of a time entry (who entered it, the project manager,
    administrators); the cost is taken again at the hourly cost of the day."""
    activity, entry = _time_entry(activity_id, entry_id)
    try:
        return change_time(entry, activity, current_user, data)
    except Invalid as error:
        session.rollback()
        _refused(error)


@blueprint.route("/activities/<int:activity_id>/time/<int:entry_id>", methods=["DELETE"])
@blueprint.response(204)
def delete_time_entry(activity_id: int, entry_id: int) -> Any:
    """Delete a time entry (who entered it, the project manager, administrators)."""
    activity, entry = _time_entry(activity_id, entry_id)
    try:
        delete_time(entry, activity, current_user)
    except Invalid as error:
        session.rollback()
        _refused(error)
    return None


# --- events -----------------------------------------------------------------------------

@blueprint.route("/events/")
@blueprint.arguments(EventListArgs, location="query")
@blueprint.response(200, page_schema(EventSchema))
def list_events(args: dict[str, Any]) -> Any:
    """Events the user may see in lists."""
    if not current_user.can("projects.event_view"):
        abort(403, message="Your profile cannot see events.")
    return api_list(visible(select(Event), current_user, "list"), args,
                    sorts={"id": Event.id, "starts_at": Event.starts_at}, default_sort="id", id_column=Event.id,
                    filters={"project_id": Filter(Event.project_id, "eq", int), "company_id": Filter(Event.company_id, "eq", int)})


@blueprint.route("/events/", methods=["POST"])
@blueprint.arguments(EventSchema)
@blueprint.response(201, EventSchema)
def create_event(data: dict[str, Any]) -> Any:
    """Create an event; the owner and every invitee get the invitation by e-mail."""
    if not current_user.can("projects.event_create"):
        abort(403, message="Your profile cannot create events.")
    try:
        return save_event(None, data, current_user)
    except Invalid as error:
        session.rollback()
        _refused(error)


@blueprint.route("/events/<int:event_id>")
@blueprint.response(200, EventSchema)
def get_event(event_id: int) -> Any:
    """One event."""
    return _one(Event, event_id)
