"""Notification rules and the notice log for administrators, and each user's own notices."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from ..db import current_session
from ..identity import User
from ..notify.models import DEADLINE, EVENT, STATES, Notice, NotificationRule
from ..notify.rules import MAX_DAYS_AHEAD, RECIPIENT_KINDS, Trigger, channels, triggers
from ..notify.send import retry_notice
from ..pagination import InvalidQuery, paginate
from .blueprint import core
from .guards import requires

PAGE_SIZE = 50

STATE_LABELS = {
    "queued": _l("Waiting"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
}
STATE_STYLES = {"queued": "secondary", "sending": "primary", "sent": "success", "failed": "danger"}


def _optional_int(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


class RuleForm(FlaskForm):
    trigger = SelectField(_l("When"), validators=[InputRequired(_l("Choose what sets the notice off."))],
                          description=_l("A system event, or a deadline coming up."))
    recipients = SelectMultipleField(_l("Who"), choices=[SelectChoice(k, v) for k, v in RECIPIENT_KINDS.items()],
                                     validate_choice=True,
                                     description=_l("Relative to the record; only people who may open it are told."))
    fixed_user_id = SelectField(_l("Also this person"), coerce=_optional_int, validators=[Optional()])
    channel = SelectField(_l("How"), validators=[InputRequired(_l("Choose a channel."))])
    days_ahead = IntegerField(
        _l("Days ahead"), default=0,
        validators=[Optional(), NumberRange(min=0, max=MAX_DAYS_AHEAD, message=_l("Between 0 and %(max)s days.", max=MAX_DAYS_AHEAD))],
        description=_l("Deadlines only: how many days before the due date to warn (0: on the day)."),
    )
    active = BooleanField(_l("Active"), default=True)


def _fill_choices(form: RuleForm, rule: NotificationRule | None = None) -> dict[str, Any]:
    known = dict(triggers())
    if rule is not None and rule.trigger and rule.trigger not in known:  # its module is disabled: keep it editable
        known[rule.trigger] = Trigger(rule.trigger, rule.trigger, rule.trigger_type, "")
    events = [(code, f"{t.label} ({code})") for code, t in known.items() if t.type == EVENT and t.plugin]
    deadlines = [(code, f"{t.label} ({code})") for code, t in known.items() if t.type == DEADLINE and t.plugin]
    grouped: dict[str, list[tuple[str, str]]] = {}
    if events:
        grouped[str(_("Events"))] = events
    if deadlines:
        grouped[str(_("Deadlines"))] = deadlines
    missing = [SelectChoice(code, f"{code} ({_('no enabled module provides it')})") for code, t in known.items() if not t.plugin]
    form.trigger.choices = [SelectChoice("", _("Choose…")), *missing] + [
        SelectChoice(code, label, optgroup=group) for group, items in grouped.items() for code, label in items
    ]
    users = current_session().scalars(select(User).where(User.active.is_(True)).order_by(User.name, User.id))
    form.fixed_user_id.choices = [SelectChoice(None, _("Nobody"))] + [SelectChoice(u.id, f"{u.name} <{u.email}>") for u in users]
    form.channel.choices = [SelectChoice(code, str(label)) for code, label in channels().items()]
    return known


def _rule_or_404(rule_id: int) -> NotificationRule:
    rule = current_session().get(NotificationRule, rule_id)
    if rule is None:
        abort(404)
    return rule


@core.route("/admin/notifications")
@requires("core.notifications")
def notification_rules() -> str:
    rules = current_session().scalars(select(NotificationRule).order_by(NotificationRule.trigger, NotificationRule.id)).unique().all()
    return render_template("core/notify_rules.html", rules=rules, triggers=triggers(), channels=channels(),
                           kinds=RECIPIENT_KINDS, notify_tab="core.notification_rules")


def _save(form: RuleForm, rule: NotificationRule, known: dict[str, Any]) -> bool:
    if not form.validate_on_submit():
        return False
    trigger = known.get(form.trigger.data or "")
    if trigger is None:
        form.trigger.errors.append(_("Choose one of the events or deadlines listed."))
        return False
    if not form.recipients.data and form.fixed_user_id.data is None:
        form.recipients.errors.append(_("Choose at least one kind of recipient, or a person."))
        return False
    rule.trigger, rule.trigger_type = trigger.code, trigger.type
    rule.recipients = [kind for kind in RECIPIENT_KINDS if kind in (form.recipients.data or [])]
    rule.fixed_user_id = form.fixed_user_id.data
    rule.channel = form.channel.data or "email"
    rule.days_ahead = (form.days_ahead.data or 0) if trigger.type == DEADLINE else 0
    rule.active = bool(form.active.data)
    return True


def _form_page(form: RuleForm, rule: NotificationRule | None, known: dict[str, Any]) -> str:
    deadline_codes = [code for code, t in known.items() if t.type == DEADLINE]
    return render_template("core/notify_rule_form.html", form=form, rule=rule, deadline_codes=deadline_codes,
                           notify_tab="core.notification_rules")


@core.route("/admin/notifications/new", methods=["GET", "POST"])
@requires("core.notifications")
def notification_rule_new() -> Any:
    form = RuleForm()
    known = _fill_choices(form)
    if request.method == "GET" and request.args.get("trigger") in known:
        form.trigger.data = request.args["trigger"]
    rule = NotificationRule()
    if request.method == "POST":
        if _save(form, rule, known):
            session = current_session()
            session.add(rule)
            session.commit()
            flash(_("Rule created."), "success")
            return redirect(url_for("core.notification_rules"))
        flash(_("Some values are not valid: see the marked fields."), "danger")
    return _form_page(form, None, known)


@core.route("/admin/notifications/<int:rule_id>", methods=["GET", "POST"])
@requires("core.notifications")
def notification_rule_edit(rule_id: int) -> Any:
    rule = _rule_or_404(rule_id)
    form = RuleForm(obj=rule if request.method == "GET" else None)
    known = _fill_choices(form, rule)
    if request.method == "POST":
        if _save(form, rule, known):
            current_session().commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("core.notification_rules"))
        current_session().rollback()
        flash(_("Some values are not valid: see the marked fields."), "danger")
    return _form_page(form, rule, known)


@core.route("/admin/notifications/<int:rule_id>/delete", methods=["POST"])
@requires("core.notifications")
def notification_rule_delete(rule_id: int) -> Any:
    session = current_session()
    session.delete(_rule_or_404(rule_id))
    session.commit()
    flash(_("Rule deleted. The notices it already sent stay in the log."), "success")
    return redirect(url_for("core.notification_rules"))


def _notice_page(statement: Any, endpoint: str) -> Any:
    try:
        return paginate(current_session(), statement, sort_column=Notice.created_at, id_column=Notice.id, descending=True,
                        limit=PAGE_SIZE, cursor=request.args.get("cursor"))
    except InvalidQuery:
        abort(400)


@core.route("/admin/notices")
@requires("core.notifications")
def notices() -> str:
    session = current_session()
    statement = select(Notice)
    state = request.args.get("state", "")
    channel = request.args.get("channel", "")
    user_id = _optional_int(request.args.get("user")) if (request.args.get("user") or "").isdigit() else None
    if state in STATES:
        statement = statement.where(Notice.state == state)
    else:
        state = ""
    if channel:
        statement = statement.where(Notice.channel == channel)
    if user_id is not None:
        statement = statement.where(Notice.user_id == user_id)
    page = _notice_page(statement, "core.notices")
    people = session.scalars(select(User).order_by(User.name, User.id)).unique().all()
    return render_template(
        "core/notify_notices.html", page=page, state=state, channel=channel, user_filter=user_id, people=people,
        channels=channels(), triggers=triggers(), state_labels=STATE_LABELS, state_styles=STATE_STYLES,
        filtered=bool(state or channel or user_id), notify_tab="core.notices",
    )


@core.route("/admin/notices/<int:notice_id>/retry", methods=["POST"])
@requires("core.notifications")
def notice_retry(notice_id: int) -> Any:
    if retry_notice(notice_id):
        flash(_("Notice %(id)s will be sent again now.", id=notice_id), "success")
    else:
        flash(_("Notice %(id)s has not failed: nothing to retry.", id=notice_id), "warning")
    return redirect(url_for("core.notices", state=request.args.get("state") or None))


@core.route("/account/notices")
def account_notices() -> str:
    page = _notice_page(select(Notice).where(Notice.user_id == current_user.id), "core.account_notices")
    return render_template("core/account_notices.html", page=page, triggers=triggers(), channels=channels(),
                           state_labels=STATE_LABELS, state_styles=STATE_STYLES, account_tab="core.account_notices")
