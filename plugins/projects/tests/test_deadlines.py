"""Deadlines of projects and activities in the calendar and the personal iCal feed: each
profile gets exactly the deadlines of what it may open."""

import re
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar

from sportello.testing import csrf_token_of, login

from .conftest import PLUGINS

FEED_URL = re.compile(r'id="dl-feed-url" type="text" readonly value="([^"]+)"')


@pytest.fixture
def app(make_app: Any) -> Any:
    return make_app(plugins=PLUGINS + ["deadlines"])


@pytest.fixture
def month(app: Any, world: dict[str, Any]) -> date:
    """Next month: each project and activity of the world gets a deadline in it."""
    from zoneinfo import ZoneInfo

    from sportello import Actor, acting_as, session
    from sportello_projects.models import Activity, Project

    today = datetime.now(ZoneInfo(app.config["DEFAULT_TIMEZONE"])).date()
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    with app.app_context(), acting_as(Actor(user_id=None, channel="test")):
        session.get(Project, world["p_pm"]).planned_end = first + timedelta(days=1)
        session.get(Project, world["p_other"]).docs_due = first + timedelta(days=2)
        session.get(Project, world["p_group"]).contract_expiry = first + timedelta(days=3)
        for n, key in enumerate(("a_pm", "a_direct", "a_group", "a_none")):
            session.get(Activity, world[key]).planned_end = first + timedelta(days=4 + n)
        session.commit()
    return first


TITLES = {
    "p_pm": "P-PM Zeta managed: planned end",
    "p_other": "P-OT Omega other: documentation delivery",
    "p_group": "P-GR Kappa group: contract expiry",
    "a_pm": "Alpha of pm: planned end",
    "a_direct": "Bravo assigned: planned end",
    "a_group": "Charlie group: planned end",
    "a_none": "Delta nobody: planned end",
}
EVERYTHING = set(TITLES)
TABLE = {
    "system_admin": EVERYTHING,
    "crm_admin": EVERYTHING,
    "project_manager": {"p_pm", "a_pm"},
    "assignee": {"a_direct", "a_group"},
    "salesperson": set(),  # lists only: never a deadline of what they cannot open
    "salesperson_lists": set(),
}


def test_calendar_per_profile(app: Any, users: dict[str, Any], month: date) -> None:
    problems = []
    for profile, expected in TABLE.items():
        page = login(app.test_client(), users[profile]).get(f"/deadlines/?view=list&date={month.isoformat()}")
        assert page.status_code == 200, profile
        text = page.get_data(as_text=True)
        shown = {key for key, title in TITLES.items() if title in text}
        if shown != expected:
            problems.append(f"{profile}: shown {sorted(shown)}, expected {sorted(expected)}")
    assert not problems, "\n".join(problems)


def test_ical_feed_per_profile(app: Any, users: dict[str, Any], month: date) -> None:
    problems = []
    for profile, expected in TABLE.items():
        client = login(app.test_client(), users[profile])
        created = client.post("/deadlines/feed", data={"csrf_token": csrf_token_of(client)}).get_data(as_text=True)
        url = FEED_URL.search(created).group(1).removeprefix(app.config["BASE_URL"].rstrip("/"))
        feed = app.test_client().get(url)  # no cookie: the secret in the address is the credential
        assert feed.status_code == 200 and feed.mimetype == "text/calendar", profile
        print(profile, feed.data[:1500])
        summaries = {str(e["SUMMARY"]) for e in Calendar.from_ical(feed.data).walk("VEVENT")}
        shown = {key for key, title in TITLES.items() if title in summaries}
        if shown != expected:
            problems.append(f"{profile}: in the feed {sorted(shown)}, expected {sorted(expected)} {summaries}")
    assert not problems, "\n".join(problems)
