"""``sportello demo``: a database with a user of each profile and every plugin's demo data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Flask
from sqlalchemy import select

from .db import current_session
from .identity import User
from .settings_store import Setting
from .setup import prepare_database
from .types import STANDARD_PROFILES, DemoContext
from .users import create_user

DEMO_PASSWORD = "sportello-demo"
DEMO_MARKER = ("core", "demo_loaded")

DEMO_USERS = {
    "system_admin": ("admin@demo.sportello.local", "Giulia Ferri"),
    "crm_admin": ("crm@demo.sportello.local", "Marco Bellini"),
    "project_manager": ("pm@demo.sportello.local", "Elena Rinaldi"),
    "salesperson": ("sales@demo.sportello.local", "Luca Moretti"),
    "salesperson_lists": ("sales2@demo.sportello.local", "Sara Galli"),
    "assignee": ("tech@demo.sportello.local", "Paolo Conti"),
}


@dataclass(frozen=True)
class DemoReport:
    created: bool
    password: str
    logins: list[tuple[str, str]]


def load_demo(app: Flask) -> DemoReport:
    """Migrate, create the demo users and load each enabled plugin's demo data, once."""
    prepare_database(app)
    session = current_session()
    logins = [(code, DEMO_USERS[code][0]) for code in STANDARD_PROFILES]
    if session.get(Setting, DEMO_MARKER) is not None:
        return DemoReport(created=False, password=DEMO_PASSWORD, logins=logins)
    users: dict[str, User] = {}
    for code in STANDARD_PROFILES:
        email, name = DEMO_USERS[code]
        existing = session.scalar(select(User).where(User.email == email))
        users[code] = existing or create_user(
            email=email, name=name, profile_code=code, password=DEMO_PASSWORD, commit=False
        )
    context = DemoContext(session=session, users=users, today=date.today())
    app.extensions["sportello"].plugins.call_in_order("demo_data", ctx=context)
    session.add(Setting(section=DEMO_MARKER[0], name=DEMO_MARKER[1], value=True))
    session.commit()
    return DemoReport(created=True, password=DEMO_PASSWORD, logins=logins)
