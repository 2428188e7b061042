"""Signing in and out."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired

from ..db import current_session
from ..identity import find_user_by_email
from .blueprint import core, safe_next


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Remember me"))


@core.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = find_user_by_email(current_session(), form.email.data or "")
        if user is not None and user.active and user.check_password(form.password.data or ""):
            login_user(user, remember=bool(form.remember.data))
            return redirect(safe_next(request.args.get("next")) or user.start_page or url_for("core.home"))
        flash(_("Wrong e-mail or password."), "danger")
    return render_template("core/login.html", form=form)


@core.route("/logout", methods=["POST"])
def logout() -> Any:
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("core.login"))


