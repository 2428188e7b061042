"""The calendar pages, the feed's settings page and the public feed itself."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from babel.dates import get_day_names
from flask import Blueprint, Response, abort, current_app, flash, make_response, render_template, request, url_for
from flask_babel import force_locale, format_date, get_locale
from flask_login import current_user
from sqlalchemy import select

from sportello import gettext as _
from sportello import User, public, requires, session

from . import agenda
from .models import Feed

blueprint = Blueprint(
    "deadlines",
    __name__,
    url_prefix="/deadlines",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

FEED_PAST_DAYS = 30
FEED_FUTURE_DAYS = 365


def _anchor() -> date:
    raw = request.args.get("date", "")
    try:
        return date.fromisoformat(raw) if raw else agenda.today()
    except ValueError:
        return agenda.today()


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _month_name(anchor: date) -> str:
    """"Novembre 2026" / "November 2026" in the current locale."""
    return _capitalised(format_date(anchor, "LLLL yyyy"))


@blueprint.route("/")
@requires("deadlines.view")
def calendar() -> str:
    view = request.args.get("view", "month")
    if view not in agenda.VIEWS:
        view = "month"
    anchor = _anchor()
    start, end = agenda.period(view, anchor)
    items = agenda.collect(start, end, current_user)
    previous, following = agenda.neighbours(view, anchor)
    first = agenda.first_weekday()
    names = get_day_names("abbreviated", locale=get_locale())
    full_names = get_day_names("wide", locale=get_locale())
    weekday_names = [(_capitalised(names[(first + n) % 7]), _capitalised(full_names[(first + n) % 7])) for n in range(7)]
    return render_template(
        "deadlines/calendar.html",
        view=view,
        anchor=anchor,
        start=start,
        end=end,
        today=agenda.today(),
        items=items,
        days=agenda.by_day(items),
        # a phone shows the month grid as a list: only the days of the month itself
        phone_days=agenda.by_day([i for i in items if view != "month" or i.due.month == anchor.month]),
        weeks=agenda.weeks(start, end) if view != "list" else [],
        weekday_names=weekday_names,
        month_name=_month_name(anchor),
        previous=previous,
        following=following,
        weekday=lambda value: _capitalised(format_date(value, "EEEE")),
    )


# ---------------------------------------------------------------------------
# The personal iCal feed
# ---------------------------------------------------------------------------


def _feed_url(token: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for("deadlines.feed", token=token)


def _feed_page(new_url: str | None = None) -> Any:
    feed = session.scalar(select(Feed).where(Feed.user_id == current_user.id))
    response = make_response(render_template("deadlines/feed_settings.html", feed=feed, new_url=new_url,
                                              past_days=FEED_PAST_DAYS, future_days=FEED_FUTURE_DAYS))
    response.headers["Cache-Control"] = "no-store"  # the address is a secret
    return response


@blueprint.route("/feed", methods=["GET"])
@requires("deadlines.view")
def feed_settings() -> Any:
    return _feed_page()


@blueprint.route("/feed", methods=["POST"])
@requires("deadlines.view")
def feed_regenerate() -> Any:
    """Create the user's feed address, or replace it: the old address stops working."""
    from sportello.core.tokens import digest, new_secret

    token = new_secret()
    feed = session.scalar(select(Feed).where(Feed.user_id == current_user.id))
    if feed is None:
        session.add(Feed(user_id=current_user.id, token_hash=digest(token)))
        flash(_("Your calendar feed address is ready. Copy it now: it is shown only once."), "success")
    else:
        from sportello import utcnow

        feed.token_hash = digest(token)
        feed.created_at = utcnow()
        flash(_("New address created: the previous one no longer works. Copy it now: it is shown only once."), "success")
    session.commit()
    return _feed_page(new_url=_feed_url(token))


@blueprint.route("/feed/<token>.ics")
@public
def feed(token: str) -> Any:
    """The user's deadlines as iCalendar; the secret in the URL is the only credential."""
    from sportello.core.tokens import digest

    user = session.scalar(select(User).join(Feed, Feed.user_id == User.id).where(Feed.token_hash == digest(token)))
    if user is None or not user.active or not user.can("deadlines.view"):
        abort(404)
    with force_locale(user.language or current_app.config["DEFAULT_LOCALE"]):
        now = agenda.today()
        items = agenda.collect(now - timedelta(days=FEED_PAST_DAYS), now + timedelta(days=FEED_FUTURE_DAYS), user)
        from .ical import build_calendar

        body = build_calendar(items, current_app.config["BASE_URL"], _("Deadlines") + " · " + (_organisation() or "Sportello"))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _organisation() -> str:
    from sportello import get_setting

    try:
        return str(get_setting("general", "organisation_name", "") or "")
    except Exception:  # noqa: BLE001 - the name is decoration; never fail the feed for it
        session.rollback()
        return ""
