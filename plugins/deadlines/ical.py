"""Deadlines as an iCalendar document (RFC 5545), built with the icalendar library."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from icalendar import Calendar, Event

from sportello import utcnow

from .agenda import Item

PRODID = "-//Sportello//Deadlines 1.0//EN"


def absolute(url: str, base_url: str) -> str:
    """``/leads/4`` becomes ``https://crm.example.it/leads/4``; absolute URLs stay."""
    if urlsplit(url).scheme:
        return url
    return base_url.rstrip("/") + "/" + url.lstrip("/")


def uid(item: Item, base_url: str) -> str:
    """Stable across fetches for the same kind, record and day, so calendars update in place."""
    deadline = item.deadline
    host = urlsplit(base_url).hostname or "sportello"
    return f"{deadline.kind}-{deadline.entity}-{deadline.record_id}-{item.due.isoformat()}@{host}"


def build_calendar(items: Iterable[Item], base_url: str, name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    stamp = utcnow()
    for item in items:
        event = Event()
        event.add("uid", uid(item, base_url))
        event.add("dtstamp", stamp)
        event.add("dtstart", item.due)  # a date: an all-day event
        event.add("dtend", item.due + timedelta(days=1))
        event.add("summary", item.title)
        kind = item.deadline.kind
        event.add("description", item.label if kind in item.label else f"{item.label} ({kind})")
        event.add("url", absolute(item.url, base_url))
        event.add("categories", [item.deadline.kind])
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
