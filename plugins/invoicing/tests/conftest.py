"""Fixtures of the invoicing plugin's tests: companies and invoicing enabled."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sportello.testing import ApiClient, login

PLUGINS = ["companies", "invoicing"]
#: Valid partite IVA (check digit right).
VAT_A = "00743110157"
VAT_B = "01234567897"


@pytest.fixture
def sportello_plugins() -> list[str]:
    """Every test of this repository runs with companies and invoicing enabled."""
    return PLUGINS


@pytest.fixture
def app(make_app: Callable[..., Any]) -> Any:
    return make_app(plugins=PLUGINS)


@pytest.fixture
def add_company(app: Any) -> Callable[..., int]:
    """``add_company(name, salesperson, **fields)``: a company saved directly; its id."""

    def add(name: str, salesperson: Any = None, **fields: Any) -> int:
        from sportello import Actor, acting_as, session
        from sportello_companies.models import Company
        from sportello_companies.validation import name_key

        fields.setdefault("vat_number", VAT_A)
        fields.setdefault("legal_street", "Via Roma 1")
        fields.setdefault("legal_postcode", "20121")
        fields.setdefault("legal_city", "Milano")
        fields.setdefault("legal_province", "MI")
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


def line(description: str = "Consulenza", quantity: str = "1", unit_price: str = "100", vat_rate: str = "22", **extra: Any) -> dict[str, Any]:
    return {"description": description, "quantity": quantity, "unit_price": unit_price, "vat_rate": vat_rate, **extra}
