"""What the calendar and the feed show: the deadlines of every enabled plugin for one
user and one period, with the names of their kinds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from babel import Locale
from flask import current_app
from flask_babel import get_locale, get_timezone

from sportello import Deadline, call_hooks, plugin_title

VIEWS = ("month", "week", "list")


@dataclass(frozen=True)
class Item:
    """A deadline as the calendar shows it."""

    deadline: Deadline
    due: date
    label: str
    overdue: bool

    @property
    def title(self) -> str:
        return self.deadline.title

    @property
    def url(self) -> str:
        return self.deadline.url


def today() -> date:
    """Today in the installation's time zone (not the server's, not UTC)."""
    return datetime.now(get_timezone()).date()


def first_weekday() -> int:
    """The first day of the week for the current locale: 0 is Monday, 6 Sunday."""
    try:
        return Locale.parse(str(get_locale())).first_week_day
    except (ValueError, TypeError):
        return 0


def week_start(day: date) -> date:
    return day - timedelta(days=(day.weekday() - first_weekday()) % 7)


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period(view: str, anchor: date) -> tuple[date, date]:
    """The first and last day a view shows around ``anchor`` (a month grid shows whole weeks)."""
    if view == "week":
        start = week_start(anchor)
        return start, start + timedelta(days=6)
    if view == "month":
        start = week_start(month_start(anchor))
        end = week_start(month_end(anchor)) + timedelta(days=6)
        return start, end
    return month_start(anchor), month_end(anchor)


def neighbours(view: str, anchor: date) -> tuple[date, date]:
    """The anchors of the previous and the next period."""
    if view == "week":
        return anchor - timedelta(days=7), anchor + timedelta(days=7)
    return add_months(anchor, -1), add_months(anchor, 1)


def kind_labels() -> dict[str, Any]:
    """Kind code to label, from the ``deadline_kinds`` the enabled plugins declare."""
    return {kind.code: kind.label for kind in call_hooks("deadline_kinds")}


def kind_label(kind: str, labels: dict[str, Any]) -> str:
    """The kind's name; undeclared kinds read "<plugin title> · <kind code>"."""
    if kind in labels:
        return str(labels[kind])
    plugin = kind.split(".", 1)[0]
    if plugin in current_app.extensions["sportello"].plugins.loaded:
        return f"{plugin_title(plugin)} · {kind}"
    return kind


def collect(start: date, end: date, user: Any) -> list[Item]:
    """Every deadline due from ``start`` to ``end`` (both included) that ``user`` may see,
    sorted by day and title. Each plugin applies its own visibility for ``user``."""
    labels = kind_labels()
    now = today()
    items = []
    for deadline in call_hooks("deadlines", start=start, end=end, user=user):
        due = deadline.due.date() if isinstance(deadline.due, datetime) else deadline.due
        if not start <= due <= end:
            continue
        items.append(Item(deadline=deadline, due=due, label=kind_label(deadline.kind, labels), overdue=due < now))
    items.sort(key=lambda item: (item.due, str(item.title).lower(), item.deadline.kind, item.deadline.record_id))
    return items


def by_day(items: list[Item]) -> dict[date, list[Item]]:
    grouped: dict[date, list[Item]] = defaultdict(list)
    for item in items:
        grouped[item.due].append(item)
    return dict(grouped)


def weeks(start: date, end: date) -> list[list[date]]:
    """The days from ``start`` to ``end`` in rows of seven."""
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return [days[n : n + 7] for n in range(0, len(days), 7)]
