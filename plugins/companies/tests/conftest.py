"""Fixtures of the companies plugin's tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sportello.testing import ApiClient, login


@pytest.fixture
def sportello_plugins() -> list[str]:
    """Every test of this repository runs with the companies plugin enabled."""
    return ["companies"]


@pytest.fixture
def app(make_app: Callable[..., Any]) -> Any:
    return make_app(plugins=["companies"])


@pytest.fixture
def add_company(app: Any) -> Callable[..., int]:
    """``add_company(name, salesperson, **fields)``: a company saved directly; its id."""

    def add(name: str, salesperson: Any = None, **fields: Any) -> int:
        from sportello import Actor, acting_as, session
        from sportello_companies.models import Company
        from sportello_companies.validation import name_key

        with app.app_context(), acting_as(Actor(user_id=None, channel="test")):
            company = Company(name=name, name_key=name_key(name), salesperson_id=salesperson.id if salesperson else None, **fields)
            session.add(company)
            session.commit()
            return company.id

    return add


@pytest.fixture
def api_as(app: Any) -> Callable[[Any], ApiClient]:
    """``api_as(user)``: an API client signed in as ``user``."""
    return lambda user: ApiClient(login(app.test_client(), user))


#: A valid partita IVA (check digit computed by stdnum) and its company CF.
VALID_PIVA = "00743110157"
