"""The core's channels: e-mail through SMTP and SMS through an HTTP gateway."""

from __future__ import annotations

import base64
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale, format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from ..errors import SportelloError
from ..identity import User
from ..mail import send_mail
from .models import Notice

#: Seconds to wait for the SMS gateway.
SMS_TIMEOUT = 10


class ChannelError(SportelloError):
    """A notice could not be delivered through its channel; the message says why."""


class SmsSettings(Schema):
    """The HTTP gateway that sends text messages."""

    url = fields.String(
        load_default="",
        validate=[validate.Length(max=500), validate.Regexp(r"^(https?://\S+)?$", error=_l("Write an address beginning with http:// or https://."))],
        metadata={"label": _l("Gateway address"), "description": _l("The URL the gateway receives messages on; empty: no SMS is sent.")},
    )
    method = fields.String(
        load_default="POST",
        validate=validate.OneOf(["POST", "GET"], labels=[_l("POST (form fields)"), _l("GET (query string)")]),
        metadata={"label": _l("Method")},
    )
    number_param = fields.String(
        load_default="to",
        validate=validate.Length(min=1, max=60),
        metadata={"label": _l("Parameter of the phone number")},
    )
    text_param = fields.String(
        load_default="text",
        validate=validate.Length(min=1, max=60),
        metadata={"label": _l("Parameter of the text")},
    )
    extra_params = fields.String(
        load_default="",
        validate=validate.Length(max=2000),
        metadata={
            "label": _l("Other fixed parameters"),
            "description": _l("One per line as name=value, such as sender=Sportello."),
            "multiline": True,
        },
    )
    username = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"label": _l("User name"), "description": _l("For basic authentication; empty: none.")},
    )
    password = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"label": _l("Password"), "secret": True, "description": _l("Leave empty to keep the saved one.")},
    )
    token = fields.String(
        load_default="",
        validate=validate.Length(max=500),
        metadata={"label": _l("Bearer token"), "secret": True, "description": _l("Sent as Authorization: Bearer; used instead of the user name and password.")},
    )


def parse_extra(text: str | None) -> list[tuple[str, str]]:
    """``name=value`` lines as pairs; blank lines and lines without ``=`` are skipped."""
    pairs = []
    for line in (text or "").splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name.strip():
            pairs.append((name.strip(), value.strip()))
    return pairs


def send_sms(number: str, text: str, config: dict[str, Any]) -> None:
    """Send ``text`` to ``number`` through the gateway described by ``config`` (the "sms" settings)."""
    url = (config.get("url") or "").strip()
    if not url:
        raise ChannelError("SMS is not configured: set the gateway address in Settings → SMS.")
    params = [*parse_extra(config.get("extra_params")), (config.get("number_param") or "to", number),
              (config.get("text_param") or "text", text)]
    encoded = urllib.parse.urlencode(params)
    method = (config.get("method") or "POST").upper()
    headers = {"User-Agent": "Sportello"}
    if config.get("token"):
        headers["Authorization"] = f"Bearer {config['token']}"
    elif config.get("username"):
        pair = f"{config['username']}:{config.get('password') or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    if method == "GET":
        request = urllib.request.Request(url + ("&" if "?" in url else "?") + encoded, headers=headers, method="GET")
    else:
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        request = urllib.request.Request(url, data=encoded.encode(), headers=headers, method="POST")
    host = urllib.parse.urlsplit(url).netloc
    try:
        with urllib.request.urlopen(request, timeout=SMS_TIMEOUT) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        raise ChannelError(f"the SMS gateway {host} answered {error.code} {error.reason}.") from error
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", None) or error
        raise ChannelError(f"the SMS gateway {host} could not be reached ({reason}).") from error
    if not 200 <= status < 300:
        raise ChannelError(f"the SMS gateway {host} answered {status}.")


@dataclass(frozen=True)
class Message:
    """A notice rendered for its recipient, in their language."""

    subject: str
    text: str
    html: str
    short: str
    link: str


def absolute_link(url: str) -> str:
    """``BASE_URL`` + the record's path (an absolute URL is kept)."""
    base = (current_app.config.get("BASE_URL") or "").rstrip("/")
    if not url:
        return base + "/"
    if url.startswith(("http://", "https://")):
        return url
    return base + (url if url.startswith("/") else "/" + url)


def render(notice: Notice, user: User, trigger_label: Any) -> Message:
    """Subject, text, HTML and a short SMS text of ``notice`` in ``user``'s language."""
    from ..settings_store import get_setting

    language = user.language or current_app.config.get("BABEL_DEFAULT_LOCALE") or "en"
    link = absolute_link(notice.url)
    try:
        organisation = get_setting("general", "organisation_name", "") or "Sportello"
    except Exception:  # noqa: BLE001 - the name is only decoration
        organisation = "Sportello"
    with force_locale(language):
        what = str(trigger_label) if trigger_label else notice.trigger
        title = notice.title or f"{notice.entity} #{notice.record_id}"
        if notice.due is not None:
            when = format_date(notice.due, "long")
            subject = _("%(what)s on %(date)s: %(title)s", what=what, date=when, title=title)
            summary = _("%(what)s: “%(title)s” is due on %(date)s.", what=what, title=title, date=when)
        else:
            when = format_datetime(notice.happened_at or notice.created_at, "medium") if (notice.happened_at or notice.created_at) else ""
            subject = _("%(what)s: %(title)s", what=what, title=title)
            summary = _("%(what)s: “%(title)s”, on %(date)s.", what=what, title=title, date=when)
        context = {"user": user, "subject": subject, "summary": summary, "link": link, "organisation": organisation,
                   "what": what, "title": title, "when": when, "notice": notice}
        env = current_app.jinja_env  # no request here: the page context processors stay out
        text = env.get_template("core/email/notice.txt").render(context)
        html = env.get_template("core/email/notice.html").render(context)
    return Message(subject=subject, text=text, html=html, short=f"{subject} {link}", link=link)


def send_email(user: User, message: Message) -> None:
    send_mail(user.email, message.subject, message.text, message.html)


def send_text(user: User, message: Message) -> None:
    if not (user.phone or "").strip():
        raise ChannelError(f"{user.name} has no mobile phone number: add one to their user to send SMS.")
    send_sms(user.phone.strip(), message.short, sms_settings())


def sms_settings() -> dict[str, Any]:
    """The "sms" settings as stored, defaults filled in."""
    from ..settings_store import get_setting

    return {name: get_setting("sms", name) for name in SmsSettings().fields}
