"""The e-mail of an event, with its .ics invitation, to the owner and every invitee,
sent through the core's e-mail channel with the ``text/calendar`` file attached."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from sportello import session, utcnow

log = logging.getLogger(__name__)


def ics_of(event: Any, sequence: int, organiser: str, attendees: list[str]) -> bytes:
    """The VCALENDAR (METHOD:REQUEST) of ``event``."""
    from icalendar import Calendar, vCalAddress, vText
    from icalendar import Event as VEvent

    calendar = Calendar()
    calendar.add("prodid", "-//Sportello//projects//IT")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    item = VEvent()
    item.add("uid", f"projects-event-{event.id}@sportello")
    item.add("dtstamp", utcnow())
    item.add("dtstart", event.starts_at)
    item.add("dtend", event.ends_at)
    item.add("summary", event.title)
    item.add("sequence", sequence)
    if event.place:
        item.add("location", event.place)
    if event.description:
        item.add("description", event.description)
    organizer = vCalAddress(f"mailto:{organiser}")
    organizer.params["cn"] = vText(organiser)
    item["organizer"] = organizer
    for email in attendees:
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["rsvp"] = vText("TRUE")
        item.add("attendee", attendee, encode=0)
    calendar.add_component(item)
    return calendar.to_ical()


def send_invitations(event_id: int, sequence: int = 0) -> str:
    """Job: e-mail the event with its .ics to the owner and each invitee (one message each)."""
    from zoneinfo import ZoneInfo

    from flask_babel import force_locale

    from sportello import gettext as _
    from sportello import send_email_message

    from .models import Event

    config = current_app.config
    if not config.get("SMTP_HOST"):
        log.warning("event %s: SMTP is not configured, invitations not sent", event_id)
        return "smtp not configured"
    event = session.scalar(select(Event).where(Event.id == event_id))
    if event is None:
        return "no such event"
    people = ([event.owner] if event.owner is not None else []) + [u for u in event.invitees if u.id != event.owner_id]
    people = [p for p in people if p.active and p.email]
    organiser = event.owner.email if event.owner is not None else config.get("MAIL_SENDER")
    ics = ics_of(event, sequence, organiser, [p.email for p in people])
    zone = ZoneInfo(config.get("DEFAULT_TIMEZONE") or "Europe/Rome")
    sent = 0
    for person in people:
        with force_locale(person.language or "it"):
            starts = event.starts_at.astimezone(zone)
            ends = event.ends_at.astimezone(zone)
            when = f"{starts:%d/%m/%Y %H:%M} – {ends:%H:%M}" if ends - starts < timedelta(days=1) else \
                f"{starts:%d/%m/%Y %H:%M} – {ends:%d/%m/%Y %H:%M}"
            subject = _("Invitation: %(title)s, %(when)s", title=event.title, when=when)
            lines = [
                _("You are invited to the event \"%(title)s\".", title=event.title),
                _("When: %(when)s", when=when),
            ]
            if event.place:
                lines.append(_("Where: %(place)s", place=event.place))
            if event.owner is not None:
                lines.append(_("Organised by: %(name)s", name=event.owner.name))
            names = ", ".join(u.name for u in event.invitees)
            if names:
                lines.append(_("Invited: %(names)s", names=names))
            if event.description:
                lines += ["", event.description]
        send_email_message(person.email, subject, "\n".join(lines), attachments=[("invito.ics", "text/calendar", ics)])
        sent += 1
    return f"{sent} invitations sent"
