"""The rules of projects, activities, time entries, attachments and events, shared by the
pages and the API: checks with messages per field, who may change which field, events
emitted and invitations sent."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select

from sportello import AttachmentRefused, Scope, User, emit, enqueue, hourly_cost_on, parse_decimal, session, utcnow, visible
from sportello import check_file as core_check_file
from sportello import gettext as _

from .models import ACTIVITY_KINDS, ACTIVITY_STATES, Activity, Attachment, Event, Project, TimeEntry, project_member

#: Fields of an activity an assignee may change (time and attachments have their own forms).
WORK_FIELDS = frozenset({"state", "closing_note"})
ACTIVITY_FIELDS = ("title", "description", "kind", "project_id", "company_id", "assignee_id", "assigned_to_group",
                   "planned_start", "planned_end", "state", "closing_note", "actual_cost")


class Invalid(ValueError):
    """Input refused: ``errors`` maps a field (or ``"_"`` for the whole record) to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


# --- helpers -------------------------------------------------------------------------

def _user_ids_exist(ids: list[int]) -> bool:
    if not ids:
        return True
    return session.scalar(select(func.count(User.id)).where(User.id.in_(ids), User.active.is_(True))) == len(set(ids))


def _money(value: Any, field: str, errors: dict[str, str]) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = parse_decimal(value).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        errors[field] = _("Enter an amount such as 1234,50.")
        return None
    if amount < 0:
        errors[field] = _("The amount cannot be negative.")
    return amount


def readable_company(company_id: int | None, user: Any) -> bool:
    from sportello_companies.models import Company

    if not company_id:
        return False
    return session.scalar(visible(select(Company.id), user, "read").where(Company.id == company_id)) is not None


def may_manage(activity: Activity, user: Any) -> bool:
    """Whether ``user`` may change every field of ``activity`` (not only work it)."""
    if not user.can("projects.activity_edit"):
        return False
    if user.scope("activities") == Scope.ALL:
        return True
    return activity.project is not None and activity.project.manager_id == user.id


def group_of(project_id: int | None) -> list[int]:
    if not project_id:
        return []
    return list(session.scalars(select(project_member.c.user_id).where(project_member.c.project_id == project_id)))


def activity_recipients(activity: Activity) -> dict[str, list[int]]:
    if activity.assigned_to_group:
        assignees = group_of(activity.project_id)
    else:
        assignees = [activity.assignee_id] if activity.assignee_id else []
    manager = activity.project.manager_id if activity.project is not None else None
    return {
        "owner": [activity.owner_id] if activity.owner_id else [],
        "assignee": assignees,
        "project_manager": [manager] if manager else [],
    }


def _activity_payload(activity: Activity) -> dict[str, Any]:
    from flask import url_for

    return {"title": activity.title, "url": url_for("projects.activity", activity_id=activity.id),
            "state": activity.state, "recipients": activity_recipients(activity)}


# --- projects --------------------------------------------------------------------------

def save_project(project: Project | None, data: dict[str, Any], user: Any) -> Project:
    """Create (``project`` None) or change a project; commits; raises :class:`Invalid`."""
    errors: dict[str, str] = {}
    creating = project is None
    values = dict(data)
    if creating or "code" in values:
        code = (values.get("code") or "").strip()
        if not code:
            errors["code"] = _("Give the project a code.")
        elif session.scalar(select(Project.id).where(Project.code == code, Project.id != (project.id if project else -1))):
            errors["code"] = _("Another project already has the code %(code)s.", code=code)
        values["code"] = code
    if creating or "title" in values:
        values["title"] = (values.get("title") or "").strip()
        if not values["title"]:
            errors["title"] = _("Give the project a title.")
    if creating or "company_id" in values:
        if not readable_company(values.get("company_id"), user):
            errors["company_id"] = _("Choose a company you can open.")
    if "manager_id" in values and values["manager_id"] and not _user_ids_exist([values["manager_id"]]):
        errors["manager_id"] = _("Choose an active user.")
    if "member_ids" in values and not _user_ids_exist(list(values["member_ids"] or [])):
        errors["member_ids"] = _("Choose active users.")
    if "budget" in values:
        values["budget"] = _money(values["budget"], "budget", errors)
    start = values.get("start_date", project.start_date if project else None)
    for field in ("planned_end", "docs_due", "contract_expiry"):
        end = values.get(field, getattr(project, field) if project else None)
        if start and end and end < start:
            errors[field] = _("This date is before the start (%(start)s).", start=start.strftime("%d/%m/%Y"))
    if project is not None and user.scope("projects") != Scope.ALL:
        # A project manager runs their project but does not reassign it.
        if "manager_id" in values and values["manager_id"] != project.manager_id:
            errors["manager_id"] = _("Only a CRM administrator assigns the project manager.")
        if "company_id" in values and values["company_id"] != project.company_id:
            errors["company_id"] = _("Only a CRM administrator moves a project to another company.")
    if errors:
        raise Invalid(errors)
    if project is None:
        project = Project(state="open", description="")
        session.add(project)
    members = values.pop("member_ids", None)
    for key, value in values.items():
        if key in ("code", "title", "description", "company_id", "manager_id", "start_date", "planned_end",
                   "docs_due", "contract_expiry", "budget"):
            setattr(project, key, value if value is not None or key not in ("description",) else "")
    if members is not None:
        project.members = list(session.scalars(select(User).where(User.id.in_(members)))) if members else []
    session.commit()
    return project


def open_activities(project: Project) -> list[Activity]:
    return list(session.scalars(select(Activity).where(Activity.project_id == project.id, Activity.state == "open")
                                .order_by(Activity.planned_end, Activity.id)))


def close_project(project: Project, user: Any) -> Project:
    if project.state == "closed":
        raise Invalid({"_": _("The project is already closed.")})
    still_open = open_activities(project)
    if still_open:
        titles = ", ".join(a.title for a in still_open)
        raise Invalid({"_": _("The project cannot be closed: these activities are still open: %(titles)s.", titles=titles)})
    from flask import url_for

    project.state = "closed"
    project.closed_at = utcnow()
    emit("projects.project_closed", "projects.project", project.id, {
        "title": f"{project.code} {project.title}", "url": url_for("projects.project", project_id=project.id),
        "recipients": {"project_manager": [project.manager_id] if project.manager_id else []},
    })
    session.commit()
    return project


def reopen_project(project: Project) -> Project:
    project.state = "open"
    project.closed_at = None
    session.commit()
    return project


# --- activities ------------------------------------------------------------------------

def save_activity(activity: Activity | None, data: dict[str, Any], user: Any, notify: bool = False) -> Activity:
    """Create or change an activity; commits; raises :class:`Invalid` changing nothing.

    An assignee (who may work the activity but not manage it) may change only its state
    and closing note; any other changed field refuses the whole change.
    """
    errors: dict[str, str] = {}
    values = {k: v for k, v in data.items() if k in ACTIVITY_FIELDS}
    creating = activity is None
    if creating:
        if not user.can("projects.activity_create"):
            raise Invalid({"_": _("Your profile cannot create activities.")})
        full = True
    else:
        full = may_manage(activity, user)
        if not full:
            changed = sorted(k for k, v in values.items() if k not in WORK_FIELDS and _differs(getattr(activity, k), v))
            if changed:
                raise Invalid({k: _("You may change only the time worked, the state and the attachments of this activity.")
                               for k in changed})
            if not user.can("projects.activity_work"):
                raise Invalid({"_": _("Your profile cannot work activities.")})
    project = None
    project_id = values.get("project_id", activity.project_id if activity else None)
    if full and ("project_id" in values or creating):
        if project_id:
            project = session.scalar(visible(select(Project), user, "update").where(Project.id == project_id))
            if project is None:
                errors["project_id"] = _("Choose a project you manage.")
            elif project.state == "closed":
                errors["project_id"] = _("The project is closed: no new activities on it.")
            else:
                values["company_id"] = project.company_id
        elif not readable_company(values.get("company_id"), user) or user.scope("activities") != Scope.ALL:
            errors["company_id"] = _("Choose a project, or a company you can open.")
    elif activity is not None:
        project = activity.project
    if full:
        if creating or "title" in values:
            values["title"] = (values.get("title") or "").strip()
            if not values["title"]:
                errors["title"] = _("Give the activity a title.")
        if "kind" in values and values["kind"] not in ACTIVITY_KINDS:
            errors["kind"] = _("Choose a type from the list.")
        group = values.get("assigned_to_group", activity.assigned_to_group if activity else False)
        if group and not project_id:
            errors["assignee_id"] = _("Only an activity of a project can be assigned to its work group.")
        if group:
            values["assignee_id"] = None
        elif values.get("assignee_id") and not _user_ids_exist([values["assignee_id"]]):
            errors["assignee_id"] = _("Choose an active user.")
        start = values.get("planned_start", activity.planned_start if activity else None)
        end = values.get("planned_end", activity.planned_end if activity else None)
        if start and end and end < start:
            errors["planned_end"] = _("The planned end is before the planned start.")
        if "actual_cost" in values:
            previous = activity.actual_cost if activity else None
            values["actual_cost"] = _money(values["actual_cost"], "actual_cost", errors)
            if _differs(previous, values["actual_cost"]) and not user.can("projects.activity_cost"):
                errors["actual_cost"] = _("Your profile cannot enter the actual cost.")
    state = values.get("state", activity.state if activity else "open")
    if state not in ACTIVITY_STATES:
        errors["state"] = _("Choose a state from the list.")
    note = values.get("closing_note", activity.closing_note if activity else "") or ""
    if state == "abandoned" and not note.strip():
        errors["closing_note"] = _("Say why the activity is abandoned.")
    if errors:
        raise Invalid(errors)

    was_open = activity is None or activity.state == "open"
    if activity is None:
        activity = Activity(owner_id=user.id, state="open", description="", closing_note="", kind="task")
        session.add(activity)
    for key, value in values.items():
        if key in ("description", "closing_note") and value is None:
            value = ""
        setattr(activity, key, value)
    if project is not None:
        activity.project = project
    if state != "open" and was_open:
        activity.closed_at = utcnow()
    elif state == "open":
        activity.closed_at = None
    session.flush()
    if creating:
        emit("projects.activity_created", "projects.activity", activity.id, _activity_payload(activity))
    if state != "open" and was_open:
        emit("projects.activity_closed", "projects.activity", activity.id, _activity_payload(activity))
    if notify:
        emit("projects.activity_notified", "projects.activity", activity.id, _activity_payload(activity))
    session.commit()
    return activity


def notify_activity(activity: Activity) -> None:
    emit("projects.activity_notified", "projects.activity", activity.id, _activity_payload(activity))
    session.commit()


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        try:
            return (Decimal(str(old)) if old is not None else None) != (Decimal(str(new)) if new not in (None, "") else None)
        except InvalidOperation:
            return True
    if old in (None, "") and new in (None, ""):
        return False
    return old != new


def activity_cost(activity: Activity) -> Decimal:
    """The actual cost: the one entered by the project manager, else the time entries' cost."""
    if activity.actual_cost is not None:
        return activity.actual_cost
    return session.scalar(select(func.coalesce(func.sum(TimeEntry.cost), 0)).where(TimeEntry.activity_id == activity.id)) or Decimal(0)


# --- time --------------------------------------------------------------------------------

def _hours(value: Any, errors: dict[str, str]) -> Decimal | None:
    """Hours as typed ("1,5" too), more than zero and at most a day."""
    try:
        amount = parse_decimal(value).quantize(Decimal("0.01")) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None:
        errors["hours"] = _("Enter the hours worked, such as 1,5.")
    elif amount <= 0:
        errors["hours"] = _("The hours must be more than zero.")
    elif amount > 24:
        errors["hours"] = _("A day has no more than 24 hours.")
    else:
        return amount
    return None


def _check_day_total(user_id: int, day: date, amount: Decimal, errors: dict[str, str], except_id: int | None = None) -> None:
    """Refuse more than 24 hours on one day for one user, counting their other entries."""
    others = select(func.coalesce(func.sum(TimeEntry.hours), 0)).where(TimeEntry.user_id == user_id, TimeEntry.day == day)
    if except_id is not None:
        others = others.where(TimeEntry.id != except_id)
    already = session.scalar(others) or 0
    if Decimal(str(already)) + amount > 24:
        errors["hours"] = _("With these hours you would have worked more than 24 hours on %(day)s "
                            "(%(already)s already recorded).", day=day.strftime("%d/%m/%Y"), already=already)


def _cost(user_id: int, day: date, hours: Decimal) -> Decimal | None:
    rate = hourly_cost_on(session, user_id, day)
    return (hours * rate).quantize(Decimal("0.01")) if rate is not None else None


def add_time(activity: Activity, user: Any, day: date | None, hours: Any, note: str = "") -> TimeEntry:
    """Record ``hours`` worked by ``user`` on ``day``, costed at their hourly cost that day."""
    errors: dict[str, str] = {}
    if activity.state != "open":
        errors["_"] = _("The activity is closed: reopen it to record time.")
    if day is None:
        errors["day"] = _("Enter the day worked.")
    amount = _hours(hours, errors)
    if amount is not None and day is not None:
        _check_day_total(user.id, day, amount, errors)
    if errors:
        raise Invalid(errors)
    entry = TimeEntry(activity_id=activity.id, user_id=user.id, day=day, hours=amount,
                      cost=_cost(user.id, day, amount), note=(note or "")[:200])
    session.add(entry)
    activity.updated_at = utcnow()
    session.commit()
    return entry


def may_correct(entry: TimeEntry, activity: Activity, user: Any) -> bool:
    """Whether ``user`` may change or delete ``entry``: who entered it, or who manages the
    activity (its project manager, CRM and system administrators)."""
    return entry.user_id == user.id or may_manage(activity, user)


def change_time(entry: TimeEntry, activity: Activity, user: Any, data: dict[str, Any]) -> TimeEntry:
    """Correct the day, hours or note of a time entry; its cost is taken again at the hourly
    cost of its user on the (new) day. Same checks as :func:`add_time`; commits."""
    errors: dict[str, str] = {}
    if not may_correct(entry, activity, user):
        raise Invalid({"_": _("Only who entered this time, or who manages the activity, may change it.")})
    if activity.state != "open":
        errors["_"] = _("The activity is closed: reopen it to correct its time.")
    day = data.get("day", entry.day)
    if day is None:
        errors["day"] = _("Enter the day worked.")
    amount = _hours(data["hours"], errors) if "hours" in data else entry.hours
    if amount is not None and day is not None and "hours" not in errors:
        _check_day_total(entry.user_id, day, amount, errors, except_id=entry.id)
    if errors:
        raise Invalid(errors)
    cost = _cost(entry.user_id, day, amount)  # read before changing anything: one audited change
    entry.day = day
    entry.hours = amount
    entry.cost = cost
    if "note" in data:
        entry.note = (data["note"] or "")[:200]
    activity.updated_at = utcnow()
    session.commit()
    return entry


def delete_time(entry: TimeEntry, activity: Activity, user: Any) -> None:
    """Remove a time entry (who entered it, or who manages the activity); commits."""
    if not may_correct(entry, activity, user):
        raise Invalid({"_": _("Only who entered this time, or who manages the activity, may delete it.")})
    if activity.state != "open":
        raise Invalid({"_": _("The activity is closed: reopen it to correct its time.")})
    session.delete(entry)
    activity.updated_at = utcnow()
    session.commit()


# --- attachments ---------------------------------------------------------------------------

def check_file(name: str, data: bytes) -> tuple[str, str]:
    """The safe file name and its content type (the core's rules), or :class:`Invalid`."""
    try:
        return core_check_file(name, data)
    except AttachmentRefused as refused:
        raise Invalid({"file": str(refused)}) from None


def add_attachment(user: Any, name: str, data: bytes, activity: Activity | None = None,
                   project: Project | None = None) -> Attachment:
    clean, content_type = check_file(name, data)
    attachment = Attachment(activity_id=activity.id if activity else None, project_id=project.id if project else None,
                            name=clean, content_type=content_type, size=len(data), data=data, uploaded_by_id=user.id)
    session.add(attachment)
    session.commit()
    return attachment


# --- events -------------------------------------------------------------------------------

def save_event(event: Event | None, data: dict[str, Any], user: Any) -> Event:
    """Create or change an event; on save the owner and every invitee get the invitation."""
    errors: dict[str, str] = {}
    values = dict(data)
    creating = event is None
    if creating or "title" in values:
        values["title"] = (values.get("title") or "").strip()
        if not values["title"]:
            errors["title"] = _("Give the event a title.")
    starts: datetime | None = values.get("starts_at", event.starts_at if event else None)
    ends: datetime | None = values.get("ends_at", event.ends_at if event else None)
    if starts is None:
        errors["starts_at"] = _("Enter when the event starts.")
    if ends is None:
        errors["ends_at"] = _("Enter when the event ends.")
    if starts and ends and ends <= starts:
        errors["ends_at"] = _("The end is before the start.")
    project_id = values.get("project_id", event.project_id if event else None)
    if creating or "project_id" in values or "company_id" in values:
        if project_id:
            project = session.scalar(visible(select(Project), user, "update").where(Project.id == project_id))
            if project is None:
                errors["project_id"] = _("Choose a project you manage.")
            else:
                values["company_id"] = project.company_id
        elif not readable_company(values.get("company_id"), user):
            errors["company_id"] = _("Choose a project, or a company you can open.")
    invitees = values.pop("invitee_ids", None)
    if invitees is not None and not _user_ids_exist(list(invitees)):
        errors["invitee_ids"] = _("Choose active users.")
    if errors:
        raise Invalid(errors)
    if event is None:
        event = Event(owner_id=user.id, description="", place="")
        session.add(event)
    for key in ("title", "place", "description", "starts_at", "ends_at", "company_id", "project_id"):
        if key in values:
            value = values[key]
            setattr(event, key, "" if value is None and key in ("place", "description") else value)
    if invitees is not None:
        event.invitees = list(session.scalars(select(User).where(User.id.in_(invitees)))) if invitees else []
    session.flush()
    if creating:
        from flask import url_for

        emit("projects.event_created", "projects.event", event.id, {
            "title": event.title, "url": url_for("projects.event", event_id=event.id),
            "recipients": {"owner": [event.owner_id] if event.owner_id else [],
                           "invitees": [u.id for u in event.invitees]},
        })
    enqueue("sportello_projects.invitations:send_invitations", event_id=event.id, sequence=0 if creating else 1)
    session.commit()
    return event
