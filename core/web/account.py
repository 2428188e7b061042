"""The signed-in user's own pages: name and language, personal API tokens."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..db import current_session, utcnow
from ..i18n import LANGUAGES
from ..tokens import TOKEN_PREFIX, ApiToken, digest, new_secret
from .blueprint import core
from .guards import requires

HINT_LENGTH = 8


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class AccountForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=[_strip],
        validators=[InputRequired(_l("Write your name.")), Length(max=200, message=_l("At most 200 characters."))],
    )
    language = SelectField(_l("Language"), choices=[SelectChoice(code, label) for code, label in LANGUAGES.items()])


def _in_the_future(_form: Any, field: Any) -> None:
    if field.data is not None and field.data <= date.today():
        raise ValidationError(_l("Choose a date after today."))


class TokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        filters=[_strip],
        validators=[InputRequired(_l("Write a name, such as the program that will use it.")), Length(max=120, message=_l("At most 120 characters."))],
        description=_l("What it is for, such as “Accounting export”."),
    )
    expires = DateField(
        _l("Expires on"),
        validators=[Optional(), _in_the_future],
        description=_l("Optional: from this day on the token stops working."),
    )


@core.route("/account", methods=["GET", "POST"])
def account() -> Any:
    form = AccountForm(obj=current_user)
    if form.validate_on_submit():
        current_user.name = form.name.data or ""
        current_user.language = form.language.data
        current_session().commit()
        flash(_("Your details are saved."), "success")
        return redirect(url_for("core.account"))
    if form.errors:
        flash(_("Some values are not valid: see the marked fields."), "danger")
    return render_template("core/account.html", form=form, account_tab="core.account")


def _tokens() -> list[ApiToken]:
    return list(
        current_session().scalars(
            select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


@core.route("/account/tokens", methods=["GET", "POST"])
@requires("core.api")
def account_tokens() -> Any:
    session = current_session()
    form = TokenForm()
    new_token: str | None = None
    if form.validate_on_submit():
        secret = new_secret(TOKEN_PREFIX)
        expires_at = datetime.combine(form.expires.data, time.min, tzinfo=UTC) if form.expires.data else None
        session.add(
            ApiToken(
                user_id=current_user.id,
                name=form.name.data or "",
                token_hash=digest(secret),
                hint=secret[:HINT_LENGTH],
                expires_at=expires_at,
            )
        )
        session.commit()
        new_token = secret
        form = TokenForm(formdata=None)
    elif form.expires.errors and form.expires.raw_data and form.expires.raw_data[0] and not form.expires.data:
        form.expires.errors[:] = [_("Choose a valid date.")]
    if form.errors:
        flash(_("The token was not created: see the marked fields."), "danger")
    response = make_response(
        render_template(
            "core/account_tokens.html",
            form=form,
            tokens=_tokens(),
            new_token=new_token,
            now=utcnow(),
            account_tab="core.account_tokens",
        )
    )
    response.headers["Cache-Control"] = "no-store"  # the new token must not stay in a cache
    return response


@core.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@requires("core.api")
def account_token_revoke(token_id: int) -> Any:
    session = current_session()
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.commit()
        flash(_("Token “%(name)s” revoked: programs using it can no longer connect.", name=token.name), "success")
    return redirect(url_for("core.account_tokens"))
