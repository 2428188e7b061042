"""Flask-WTF forms of the pages. The checks live in :mod:`.services` (shared with the
API); the forms carry the values and show the messages next to each field."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, DateTimeLocalField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Optional

from sportello import lazy_gettext as _l


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _optional_int(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


class ProjectForm(FlaskForm):
    code = StringField(_l("Code"), filters=[_strip])
    title = StringField(_l("Title"), filters=[_strip])
    company_id = SelectField(_l("Company"), coerce=_optional_int, validate_choice=False)
    manager_id = SelectField(_l("Project manager"), coerce=_optional_int, validate_choice=False)
    member_ids = SelectMultipleField(_l("Work group"), coerce=int, validate_choice=False,
                                     description=_l("The users an activity can be assigned to as a group."))
    start_date = DateField(_l("Start"), validators=[Optional()])
    planned_end = DateField(_l("Planned end"), validators=[Optional()])
    docs_due = DateField(_l("Documentation delivery"), validators=[Optional()])
    contract_expiry = DateField(_l("Contract expiry"), validators=[Optional()])
    budget = StringField(_l("Budget (€)"), filters=[_strip])
    description = TextAreaField(_l("Description"), filters=[_strip])


class ActivityForm(FlaskForm):
    title = StringField(_l("Title"), filters=[_strip])
    kind = SelectField(_l("Type"), validate_choice=False)
    project_id = SelectField(_l("Project"), coerce=_optional_int, validate_choice=False)
    company_id = SelectField(_l("Company (for an activity outside projects)"), coerce=_optional_int, validate_choice=False)
    assignee = SelectField(_l("Assigned to"), validate_choice=False)
    planned_start = DateField(_l("Planned start"), validators=[Optional()])
    planned_end = DateField(_l("Planned end"), validators=[Optional()])
    description = TextAreaField(_l("Description"), filters=[_strip])
    state = SelectField(_l("State"), validate_choice=False)
    closing_note = TextAreaField(_l("Closing note"), filters=[_strip])
    actual_cost = StringField(_l("Actual cost (€)"), filters=[_strip],
                              description=_l("Leave empty to use the cost of the time entries."))
    notify = BooleanField(_l("Notify owner, assignee and project manager now"))


class WorkForm(FlaskForm):
    """What an assignee changes on an activity."""

    state = SelectField(_l("State"), validate_choice=False)
    closing_note = TextAreaField(_l("Closing note"), filters=[_strip])
    notify = BooleanField(_l("Notify owner, assignee and project manager now"))


class TimeForm(FlaskForm):
    day = DateField(_l("Day"), validators=[Optional()])
    hours = StringField(_l("Hours"), filters=[_strip])
    note = StringField(_l("Note"), filters=[_strip])


class AttachmentForm(FlaskForm):
    file = FileField(_l("File"))


class EventForm(FlaskForm):
    title = StringField(_l("Title"), filters=[_strip])
    place = StringField(_l("Place"), filters=[_strip])
    starts_at = DateTimeLocalField(_l("Start"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    ends_at = DateTimeLocalField(_l("End"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    project_id = SelectField(_l("Project"), coerce=_optional_int, validate_choice=False)
    company_id = SelectField(_l("Company (for an event outside projects)"), coerce=_optional_int, validate_choice=False)
    invitee_ids = SelectMultipleField(_l("Invited"), coerce=int, validate_choice=False)
    description = TextAreaField(_l("Description"), filters=[_strip])
