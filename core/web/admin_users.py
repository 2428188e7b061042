"""Users administration: list, create, edit, deactivate; organisational units; hourly costs."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from wtforms import BooleanField, DateField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from ..db import current_session
from ..i18n import LANGUAGES
from ..identity import Profile, Unit, User
from ..profiles import (
    LastAdminError,
    ProfileError,
    ensure_admin_remains,
    valid_start_page,
)
from ..users import (
    ADMIN_PASSWORD_MIN_LENGTH,
    EMAIL_PATTERN,
    PHONE_PATTERN,
    UserError,
    add_hourly_cost,
    add_unit,
    create_user,
    email_in_use,
    hourly_cost_on,
    hourly_costs_of,
    parse_amount,
    set_user_active,
)
from .blueprint import core
from .guards import requires

PAGE_SIZE = 50


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _optional_int(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


def _check_start_page(_form: Any, field: Any) -> None:
    if not valid_start_page(field.data):
        raise ValidationError(_l("Write a path of this site beginning with /, for example /crm."))


class UserForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=[_strip],
        validators=[InputRequired(_l("Write the name.")), Length(max=200, message=_l("At most 200 characters."))],
    )
    email = StringField(
        _l("E-mail"),
        filters=[_strip],
        validators=[
            InputRequired(_l("Write the e-mail address.")),
            Length(max=254, message=_l("At most 254 characters.")),
            Regexp(EMAIL_PATTERN, message=_l("Write a valid e-mail address, such as name@example.com.")),
        ],
    )
    phone = StringField(
        _l("Mobile phone"),
        filters=[_strip],
        validators=[Optional(), Regexp(PHONE_PATTERN, message=_l("Use only digits, spaces and an initial +."))],
        description=_l("Used for SMS notices. Digits, spaces and an initial +."),
    )
    language = SelectField(_l("Language"), choices=[SelectChoice(code, label) for code, label in LANGUAGES.items()], default="it")
    profile_id = SelectField(_l("Profile"), coerce=int)
    unit_id = SelectField(_l("Organisational unit"), coerce=_optional_int)
    start_page = StringField(
        _l("Start page"),
        filters=[_strip],
        validators=[Optional(), _check_start_page],
        description=_l("Optional: the page opened after sign-in, such as /crm. Empty: the profile's."),
    )
    active = BooleanField(_l("Active (can sign in)"), default=True)
    password = PasswordField(
        _l("Initial password"),
        validators=[
            Optional(),
            Length(
                min=ADMIN_PASSWORD_MIN_LENGTH,
                message=_l("At least %(count)s characters.", count=ADMIN_PASSWORD_MIN_LENGTH),
            ),
        ],
        description=_l(
            "At least %(count)s characters; tell it to the user privately. Leave it empty to create the user without a password.",
            count=ADMIN_PASSWORD_MIN_LENGTH,
        ),
    )


class CostForm(FlaskForm):
    amount = StringField(_l("Hourly cost (€)"), filters=[_strip], validators=[InputRequired(_l("Write the amount."))])
    valid_from = DateField(_l("Valid from"), validators=[InputRequired(_l("Choose a date."))], default=date.today)


class UnitForm(FlaskForm):
    name = StringField(_l("Unit name"), filters=[_strip], validators=[InputRequired(_l("Write the name."))])


def _fill_choices(form: UserForm) -> None:
    session = current_session()
    profiles = list(session.scalars(select(Profile).order_by(Profile.standard.desc(), Profile.id)))
    form.profile_id.choices = [SelectChoice(p.id, p.label) for p in profiles]
    units = list(session.scalars(select(Unit).order_by(Unit.name)))
    form.unit_id.choices = [SelectChoice(None, _("— none —"))] + [SelectChoice(u.id, u.name) for u in units]


def _can_open_user_pages() -> bool:
    return current_user.can("core.users") or current_user.can("core.hourly_costs")


@core.route("/admin/users")
@requires("core.users")
def users() -> str:
    session = current_session()
    text = (request.args.get("q") or "").strip()
    profile_filter = request.args.get("profile", type=int)
    active_filter = request.args.get("active", "")
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    query = select(User)
    if text:
        needle = text.lower()
        query = query.where(
            or_(
                func.lower(User.name).contains(needle, autoescape=True),
                func.lower(User.email).contains(needle, autoescape=True),
            )
        )
    if profile_filter:
        query = query.where(User.profile_id == profile_filter)
    if active_filter in ("1", "0"):
        query = query.where(User.active.is_(active_filter == "1"))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(
        session.scalars(query.order_by(func.lower(User.name), User.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    )
    profiles = list(session.scalars(select(Profile).order_by(Profile.standard.desc(), Profile.id)))
    filtered = bool(text or profile_filter or active_filter in ("1", "0"))
    return render_template(
        "core/admin_users.html",
        rows=rows,
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        text=text,
        profile_filter=profile_filter,
        active_filter=active_filter,
        profiles=profiles,
        filtered=filtered,
        any_user=filtered or total > 0,
    )


@core.route("/admin/users/new", methods=["GET", "POST"])
@requires("core.users")
def user_new() -> Any:
    session = current_session()
    form = UserForm()
    _fill_choices(form)
    if request.method == "GET":
        standard = session.scalar(select(Profile.id).where(Profile.code == "assignee"))
        form.profile_id.data = standard
    if form.validate_on_submit():
        if email_in_use(session, form.email.data or ""):
            form.email.errors.append(_("Another user already has this e-mail address."))
        else:
            profile = session.get(Profile, form.profile_id.data)
            assert profile is not None  # the select only offers existing profiles
            user = create_user(
                email=form.email.data or "",
                name=form.name.data or "",
                profile_code=profile.code,
                password=form.password.data or None,
                language=form.language.data or "it",
                phone=form.phone.data or None,
                commit=False,
            )
            user.unit_id = form.unit_id.data
            user.start_page = form.start_page.data or None
            user.active = bool(form.active.data)
            session.commit()
            flash(_("User %(name)s created.", name=user.name), "success")
            return redirect(url_for("core.user_edit", user_id=user.id))
    if request.method == "POST":
        flash(_("Some values are not valid: see the marked fields."), "danger")
    return render_template("core/admin_user_form.html", form=form, user=None)


def _user_or_404(user_id: int) -> User:
    user = current_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


@core.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int) -> Any:
    if not _can_open_user_pages():
        abort(403)
    user = _user_or_404(user_id)
    form: UserForm | None = None
    if current_user.can("core.users"):
        form = UserForm(obj=user if request.method == "GET" else None)
        del form.password
        _fill_choices(form)
        if request.method == "POST":
            problem = _save_user(form, user)
            if problem is None:
                flash(_("Changes saved."), "success")
                return redirect(url_for("core.user_edit", user_id=user_id))
            flash(problem, "danger")
            user = _user_or_404(user_id)
    elif request.method == "POST":
        abort(403)
    return _user_page(user, form)


def _save_user(form: UserForm, user: User) -> str | None:
    """Apply a valid form to ``user`` and commit; otherwise mark the fields and return
    the message to show on top."""
    session = current_session()
    invalid = _("Some values are not valid: see the marked fields.")
    if not form.validate_on_submit():
        return invalid
    if email_in_use(session, form.email.data or "", except_id=user.id):
        form.email.errors.append(_("Another user already has this e-mail address."))
        return invalid
    if user.id == current_user.id and not form.active.data:
        form.active.errors.append(_("You cannot deactivate yourself."))
        return invalid
    user.name = form.name.data or ""
    user.email = form.email.data or ""
    user.phone = form.phone.data or None
    user.language = form.language.data
    user.profile_id = form.profile_id.data
    user.unit_id = form.unit_id.data
    user.start_page = form.start_page.data or None
    deactivating = user.active and not form.active.data
    user.active = bool(form.active.data)
    try:
        ensure_admin_remains(session)
    except LastAdminError as error:
        (form.active if deactivating else form.profile_id).errors.append(
            _("A change that would leave no system administrator is refused.")
        )
        return str(error)
    session.commit()
    session.expire_all()  # the profile relationship and permission caches reload
    current_user.__dict__.pop("_codes", None)
    return None


def _user_page(user: User, form: UserForm | None, cost_form: CostForm | None = None) -> str:
    session = current_session()
    show_costs = current_user.can("core.hourly_costs")
    return render_template(
        "core/admin_user_form.html",
        form=form,
        user=user,
        show_costs=show_costs,
        costs=hourly_costs_of(session, user.id) if show_costs else [],
        current_cost=hourly_cost_on(session, user.id, date.today()) if show_costs else None,
        cost_form=cost_form or (CostForm(formdata=None) if show_costs else None),
    )


@core.route("/admin/users/<int:user_id>/active", methods=["POST"])
@requires("core.users")
def user_set_active(user_id: int) -> Any:
    session = current_session()
    user = _user_or_404(user_id)
    wanted = request.form.get("active") == "1"
    try:
        set_user_active(session, user, wanted, actor=current_user)
    except (UserError, ProfileError) as error:
        flash(str(error), "danger")
    else:
        flash(_("User reactivated.") if wanted else _("User deactivated: they can no longer sign in."), "success")
    return redirect(url_for("core.user_edit", user_id=user_id))


@core.route("/admin/users/<int:user_id>/costs", methods=["POST"])
@requires("core.hourly_costs")
def user_add_cost(user_id: int) -> Any:
    session = current_session()
    user = _user_or_404(user_id)
    cost_form = CostForm()
    if cost_form.validate_on_submit():
        try:
            amount = parse_amount(cost_form.amount.data or "")
        except UserError as error:
            cost_form.amount.errors.append(str(error))
        else:
            try:
                add_hourly_cost(session, user.id, cost_form.valid_from.data, amount)  # type: ignore[arg-type]
            except UserError as error:
                session.rollback()
                cost_form.valid_from.errors.append(str(error))
            else:
                flash(_("Hourly cost saved."), "success")
                return redirect(url_for("core.user_edit", user_id=user_id) + "#costs")
    elif cost_form.valid_from.errors and cost_form.valid_from.raw_data and cost_form.valid_from.raw_data[0]:
        cost_form.valid_from.errors[:] = [_("Choose a valid date.")]
    flash(_("The hourly cost was not saved: see the marked fields."), "danger")
    form = None
    if current_user.can("core.users"):
        form = UserForm(obj=user, formdata=None)
        del form.password
        _fill_choices(form)
    return _user_page(user, form, cost_form)


@core.route("/admin/hourly-costs")
@requires("core.hourly_costs")
def hourly_costs() -> str:
    session = current_session()
    text = (request.args.get("q") or "").strip()
    query = select(User).where(User.active.is_(True))
    if text:
        needle = text.lower()
        query = query.where(
            or_(func.lower(User.name).contains(needle, autoescape=True), func.lower(User.email).contains(needle, autoescape=True))
        )
    rows = list(session.scalars(query.order_by(func.lower(User.name), User.id).limit(500)))
    today = date.today()
    costs = {user.id: hourly_cost_on(session, user.id, today) for user in rows}
    return render_template("core/admin_hourly_costs.html", rows=rows, costs=costs, text=text)


@core.route("/admin/units", methods=["GET", "POST"])
@requires("core.users")
def units() -> Any:
    session = current_session()
    form = UnitForm()
    if form.validate_on_submit():
        try:
            unit = add_unit(session, form.name.data or "")
        except UserError as error:
            session.rollback()
            form.name.errors.append(str(error))
        else:
            flash(_("Unit %(name)s added.", name=unit.name), "success")
            return redirect(url_for("core.units"))
    counts = dict(session.execute(select(User.unit_id, func.count(User.id)).group_by(User.unit_id)).all())
    rows = list(session.scalars(select(Unit).order_by(func.lower(Unit.name))))
    return render_template("core/admin_units.html", form=form, rows=rows, counts=counts)
