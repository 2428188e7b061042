"""Signing in and out, two-factor codes, password reset by e-mail, and the user's own security page."""

from __future__ import annotations

import logging
import math
from datetime import timedelta
from typing import Any

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select, update
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from .. import throttle
from ..db import current_session
from ..identity import User, find_user_by_email, hash_password
from ..identity import check_password as check_password_hash
from ..mail import MailError, send_mail
from ..tokens import PasswordReset, digest, new_secret
from ..two_factor import matching_step, new_totp_secret, provisioning_uri, qr_svg, use_code
from .blueprint import core, public, safe_next

log = logging.getLogger(__name__)

#: The shortest password a person may choose here.
from ..users import MIN_PASSWORD_LENGTH  # one rule for every form that sets a password
#: How long a correct password waits for its two-factor code.
PENDING_SECONDS = 300
PENDING_KEY = "sportello_pending_2fa"
#: A new reset link for the same user is not sent more often than this.
RESET_RESEND_INTERVAL = timedelta(minutes=1)
EMAIL_FORMAT = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
#: What a system administrator without two-factor sign-in may still open when it is mandatory.
OPEN_WITHOUT_TWO_FACTOR = {
    "static",
    "core.logout",
    "core.set_language",
    "core.account_security",
    "core.account_password",
    "core.account_sign_out_everywhere",
    "core.account_two_factor_setup",
    "core.account_two_factor_confirm",
    "core.account_two_factor_cancel",
}


# ---------------------------------------------------------------------------
# Forms
# ---------------------------------------------------------------------------


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Remember me"))


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app"),
        validators=[DataRequired(_l("Enter the 6-digit code.")), Regexp(r"^\s*(\d\s*){6}$", message=_l("Enter the 6-digit code."))],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(_l("Enter your e-mail address.")), Regexp(EMAIL_FORMAT, message=_l("Enter a valid e-mail address."))],
    )


def _new_password_fields() -> tuple[PasswordField, PasswordField]:
    return (
        PasswordField(
            _l("New password"),
            validators=[
                DataRequired(_l("Enter the new password.")),
                Length(min=MIN_PASSWORD_LENGTH, message=_l("Use at least %(num)d characters.", num=MIN_PASSWORD_LENGTH)),
            ],
        ),
        PasswordField(
            _l("New password again"),
            validators=[
                DataRequired(_l("Enter the new password again.")),
                EqualTo("new_password", message=_l("The two passwords do not match.")),
            ],
        ),
    )


class ResetPasswordForm(FlaskForm):
    new_password, confirm_password = _new_password_fields()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password."))])
    new_password, confirm_password = _new_password_fields()


class DisableTwoFactorForm(FlaskForm):
    disable_password = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password."))])


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def lock_message(wait: timedelta) -> str:
    """The message for a locked account or address, in whole minutes (rounded up)."""
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return ngettext(
        "Too many failed attempts. Try again in %(num)d minute.",
        "Too many failed attempts. Try again in %(num)d minutes.",
        minutes,
    )


_dummy_hash: str | None = None


def _waste_password_check(password: str) -> None:
    """Spend the time of a real check, so unknown e-mails answer as slowly as known ones."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_password(new_secret())
    check_password_hash(_dummy_hash, password)


def _organisation() -> str:
    from . import _organisation_name  # the package imports this module: import late

    return _organisation_name() or "Sportello"


def _after_sign_in(user: User, next_target: str | None) -> Any:
    return redirect(safe_next(next_target) or user.start_page or user.profile.start_page or url_for("core.home"))


def _remembered() -> bool:
    """Whether this browser holds a "keep me signed in" cookie."""
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies


def _check_own_password(field: Any) -> bool:
    """Check the signed-in user's password typed in ``field``; failures count for throttling."""
    user = current_user
    address = request.remote_addr
    wait = throttle.locked_for(user.email, address)
    if wait is not None:
        field.errors.append(lock_message(wait))
        return False
    if not user.check_password(field.data or ""):
        throttle.record_failure(user.email, address)
        field.errors.append(_("The password is not right."))
        return False
    return True


# ---------------------------------------------------------------------------
# Signing in and out
# ---------------------------------------------------------------------------


@core.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email = (form.email.data or "").strip()
        address = request.remote_addr
        wait = throttle.locked_for(email, address)
        if wait is not None:
            flash(lock_message(wait), "danger")
            status = 429
        else:
            user = find_user_by_email(current_session(), email)
            password = form.password.data or ""
            if user is None:
                _waste_password_check(password)
            if user is not None and user.active and user.check_password(password):
                if user.totp_enabled:
                    session[PENDING_KEY] = {
                        "id": user.id,
                        "version": user.session_version,
                        "remember": bool(form.remember.data),
                        "next": safe_next(request.args.get("next")),
                        "at": throttle.now().timestamp(),
                    }
                    return redirect(url_for("core.login_code"))
                throttle.clear(email)
                login_user(user, remember=bool(form.remember.data))
                return _after_sign_in(user, request.args.get("next"))
            throttle.record_failure(email, address)
            flash(_("Wrong e-mail or password."), "danger")
    return render_template("core/login.html", form=form), status


def _pending_sign_in() -> tuple[User, dict[str, Any]] | None:
    """The user whose password was right and whose code is awaited, if still valid."""
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict):
        return None
    user = current_session().get(User, data.get("id"))
    fresh = throttle.now().timestamp() - float(data.get("at") or 0) <= PENDING_SECONDS
    if not fresh or user is None or not user.active or not user.totp_enabled or user.session_version != data.get("version"):
        session.pop(PENDING_KEY, None)
        return None
    return user, data


@core.route("/login/code", methods=["GET", "POST"])
@public
def login_code() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    pending = _pending_sign_in()
    if pending is None:
        flash(_("Sign in again: the sign-in waiting for a code expired."), "info")
        return redirect(url_for("core.login"))
    user, data = pending
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        address = request.remote_addr
        wait = throttle.locked_for(user.email, address)
        if wait is not None:
            session.pop(PENDING_KEY, None)
            flash(lock_message(wait), "danger")
            return redirect(url_for("core.login"))
        if use_code(current_session(), user, form.code.data):
            session.pop(PENDING_KEY, None)
            throttle.clear(user.email)
            login_user(user, remember=bool(data.get("remember")))
            return _after_sign_in(user, data.get("next"))
        throttle.record_failure(user.email, address)
        form.code.errors.append(code_refusal(user, form.code.data))
        status = 200
    return render_template("core/login_code.html", form=form), status


def code_refusal(user: User, code: str | None) -> str:
    """Why a code was refused: wrong, or right but used already (each code works once)."""
    if matching_step(user.totp_secret, code) is not None:
        return _("This code has been used already: wait for the next one in your app.")
    return _("Wrong code. Check the time on your phone and try again.")


@core.route("/logout", methods=["POST"])
def logout() -> Any:
    session.pop(PENDING_KEY, None)
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("core.login"))


# ---------------------------------------------------------------------------
# Password reset by e-mail
# ---------------------------------------------------------------------------


@core.route("/password/forgot", methods=["GET", "POST"])
@public
def password_forgot() -> Any:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = find_user_by_email(current_session(), form.email.data or "")
        if user is not None and user.active:
            send_password_reset(user)
        flash(_("If an account exists for that address, we have sent a link to reset the password."), "info")
        return redirect(url_for("core.login"))
    return render_template("core/password_forgot.html", form=form)


def send_password_reset(user: User) -> bool:
    """Create a reset link for ``user`` and e-mail it in their language; ``False`` when not sent."""
    db = current_session()
    at = throttle.now()
    recent = db.scalar(
        select(PasswordReset.id).where(
            PasswordReset.user_id == user.id,
            PasswordReset.used_at.is_(None),
            PasswordReset.created_at > at - RESET_RESEND_INTERVAL,
        )
    )
    if recent is not None:
        log.info("password reset for user %s not sent: one was sent less than a minute ago", user.id)
        return False
    token = new_secret()
    minutes = int(current_app.config["PASSWORD_RESET_MINUTES"])
    db.add(PasswordReset(user_id=user.id, token_hash=digest(token), created_at=at, expires_at=at + timedelta(minutes=minutes)))
    db.commit()
    link = current_app.config["BASE_URL"].rstrip("/") + url_for("core.password_reset", token=token)
    with force_locale(user.language or current_app.config["DEFAULT_LOCALE"]):
        organisation = _organisation()
        subject = _("Reset your %(organisation)s password", organisation=organisation)
        context = {"user": user, "link": link, "minutes": minutes, "organisation": organisation}
        text = render_template("core/email/password_reset.txt", **context)
        html = render_template("core/email/password_reset.html", **context)
    try:
        send_mail(user.email, subject, text, html)
    except MailError as error:
        log.error("password reset e-mail for user %s not sent: %s", user.id, error)
        return False
    return True


@core.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def password_reset(token: str) -> Any:
    db = current_session()
    at = throttle.now()
    reset = db.scalar(select(PasswordReset).where(PasswordReset.token_hash == digest(token)))
    user = db.get(User, reset.user_id) if reset is not None else None
    if reset is None or user is None or not user.active or reset.used_at is not None or reset.expires_at <= at:
        return render_template("core/password_reset_invalid.html"), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        claimed = db.execute(
            update(PasswordReset).where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None)).values(used_at=at)
        )
        if claimed.rowcount != 1:  # another request used it a moment ago
            db.rollback()
            return render_template("core/password_reset_invalid.html"), 410
        db.execute(
            update(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)).values(used_at=at)
        )
        user.set_password(form.new_password.data or "")
        user.password_changed_at = at
        user.session_version += 1
        db.commit()
        throttle.clear(user.email)
        session.pop(PENDING_KEY, None)
        logout_user()
        flash(_("Your password has been changed: sign in with the new one."), "success")
        return redirect(url_for("core.login"))
    return render_template("core/password_reset.html", form=form, min_password_length=MIN_PASSWORD_LENGTH)


# ---------------------------------------------------------------------------
# The user's own password, sessions and two-factor sign-in
# ---------------------------------------------------------------------------


def _render_security(
    password_form: ChangePasswordForm | None = None,
    code_form: CodeForm | None = None,
    disable_form: DisableTwoFactorForm | None = None,
) -> Any:
    user = current_user
    setup = None
    if user.totp_secret and not user.totp_enabled:
        organisation = _organisation()
        uri = provisioning_uri(user.totp_secret, user.email, organisation)
        setup = {
            "secret": user.totp_secret,
            "grouped": " ".join(user.totp_secret[i : i + 4] for i in range(0, len(user.totp_secret), 4)),
            "qr": qr_svg(uri, label=_("QR code to scan with your authenticator app")),
        }
    return render_template(
        "core/account_security.html",
        account_tab="core.account_security",
        password_form=password_form or ChangePasswordForm(formdata=None),
        code_form=code_form or CodeForm(formdata=None),
        disable_form=disable_form or DisableTwoFactorForm(formdata=None),
        setup=setup,
        min_password_length=MIN_PASSWORD_LENGTH,
    )


def _back_to_security(anchor: str = "") -> Any:
    return redirect(url_for("core.account_security") + anchor)


@core.route("/account/security")
def account_security() -> Any:
    return _render_security()


@core.route("/account/security/password", methods=["POST"])
def account_password() -> Any:
    form = ChangePasswordForm()
    if form.validate_on_submit() and _check_own_password(form.current_password):
        user = current_user._get_current_object()
        user.set_password(form.new_password.data or "")
        user.password_changed_at = throttle.now()
        user.session_version += 1  # other sessions end; this one signs in again below
        current_session().commit()
        login_user(user, remember=_remembered())
        flash(_("Your password has been changed. Other devices have been signed out."), "success")
        return _back_to_security()
    return _render_security(password_form=form)


@core.route("/account/security/sign-out-everywhere", methods=["POST"])
def account_sign_out_everywhere() -> Any:
    user = current_user._get_current_object()
    user.session_version += 1
    current_session().commit()
    logout_user()
    flash(_("You have been signed out on every device, this one included."), "info")
    return redirect(url_for("core.login"))


@core.route("/account/security/two-factor/setup", methods=["POST"])
def account_two_factor_setup() -> Any:
    user = current_user._get_current_object()
    if not user.totp_enabled:
        user.totp_secret = new_totp_secret()
        current_session().commit()
    return _back_to_security("#two-factor")


@core.route("/account/security/two-factor/cancel", methods=["POST"])
def account_two_factor_cancel() -> Any:
    user = current_user._get_current_object()
    if not user.totp_enabled:
        user.totp_secret = None
        current_session().commit()
    return _back_to_security("#two-factor")


@core.route("/account/security/two-factor/confirm", methods=["POST"])
def account_two_factor_confirm() -> Any:
    user = current_user._get_current_object()
    if user.totp_enabled or not user.totp_secret:
        return _back_to_security("#two-factor")
    form = CodeForm()
    if form.validate_on_submit():
        if use_code(current_session(), user, form.code.data):
            user.totp_enabled = True
            current_session().commit()
            flash(_("Two-factor sign-in is on: from now on you will be asked for a code after the password."), "success")
            return _back_to_security("#two-factor")
        form.code.errors.append(code_refusal(user, form.code.data))
    return _render_security(code_form=form)


@core.route("/account/security/two-factor/disable", methods=["POST"])
def account_two_factor_disable() -> Any:
    user = current_user._get_current_object()
    form = DisableTwoFactorForm()
    if not user.totp_enabled:
        return _back_to_security("#two-factor")
    if form.validate_on_submit() and _check_own_password(form.disable_password):
        user.totp_enabled = False
        user.totp_secret = None
        current_session().commit()
        flash(_("Two-factor sign-in is off."), "info")
        return _back_to_security("#two-factor")
    return _render_security(disable_form=form)


@core.before_app_request
def _require_two_factor_for_admins() -> Any:
    """With REQUIRE_2FA_FOR_ADMINS, system administrators set up two-factor sign-in before anything else."""
    if not current_app.config.get("REQUIRE_2FA_FOR_ADMINS"):
        return None
    endpoint = request.endpoint or ""
    if endpoint in OPEN_WITHOUT_TWO_FACTOR or endpoint.endswith(".static") or g.get("bearer_attempted"):
        return None
    user = current_user
    if not user.is_authenticated or user.totp_enabled or user.profile.code != "system_admin":
        return None
    message = _("Administrators must use two-factor sign-in: set it up here to continue.")
    if request.path.startswith("/api/"):
        from ..api import problem

        return problem(403, "Forbidden", message)
    flash(message, "warning")
    return _back_to_security("#two-factor")
