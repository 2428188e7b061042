"""Numbers typed the Italian or the English way read the same."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sportello import parse_decimal


@pytest.mark.parametrize(("value", "expected"), [
    ("1.234,50", "1234.50"), ("1234,5", "1234.5"), ("1234.50", "1234.50"), ("€ 12", "12"),
    ("1\u00a0234,00", "1234.00"), ("-3,5", "-3.5"), (7, "7"), (Decimal("2.25"), "2.25"), (0.1, "0.1"), ("0", "0"),
])
def test_numbers_as_people_type_them(value: object, expected: str) -> None:
    assert parse_decimal(value) == Decimal(expected)


@pytest.mark.parametrize("value", ["", "abc", "1,2,3", "NaN", "Infinity", None, True, float("inf")])
def test_what_is_not_a_number_is_refused(value: object) -> None:
    with pytest.raises(ValueError):
        parse_decimal(value)
