"""Fixtures of the leads plugin's tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sportello.testing import ApiClient, login


@pytest.fixture
def sportello_plugins() -> list[str]:
    """Every test of this repository runs with the leads plugin (and companies) enabled."""
    return ["companies", "leads"]


@pytest.fixture
def app(make_app: Callable[..., Any]) -> Any:
    return make_app(plugins=["companies", "leads"])


@pytest.fixture
def status_id(app: Any) -> Callable[[str], int]:
    def find(code: str) -> int:
        from sportello import session
        from sportello_leads.models import Status
        from sqlalchemy import select

        with app.app_context():
            return session.scalar(select(Status.id).where(Status.code == code))

    return find


@pytest.fixture
def add_lead(app: Any, status_id: Callable[[str], int]) -> Callable[..., int]:
    """``add_lead(name, owner, status="new", **fields)``: a lead saved directly; its id."""

    def add(name: str, owner: Any, status: str = "new", **fields: Any) -> int:
        from sportello import Actor, acting_as, session
        from sportello_leads.models import Lead
        from sportello_leads.validation import name_key

        sid = status_id(status)
        with app.app_context(), acting_as(Actor(user_id=None, channel="test")):
            lead = Lead(name=name, name_key=name_key(name), owner_id=owner.id, status_id=sid, **fields)
            session.add(lead)
            session.commit()
            return lead.id

    return add


@pytest.fixture
def api_as(app: Any) -> Callable[[Any], ApiClient]:
    return lambda user: ApiClient(login(app.test_client(), user))


VALID_PIVA = "00743110157"
