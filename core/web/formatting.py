"""Jinja filters that format dates, money and numbers for the user's locale."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    format_timedelta,
    get_locale,
)

from ..db import utcnow


def money(value: Decimal | int | None, currency: str = "EUR") -> str:
    """``€ 1.234,56`` in Italian, ``€1,234.56`` in English; empty for ``None``."""
    if value is None:
        return ""
    if isinstance(value, float):
        raise TypeError("money must be Decimal, never float")
    return format_currency(value, currency)


def number(value: Any, digits: int | None = None) -> str:
    if value is None:
        return ""
    if digits is None:
        return format_decimal(value)
    return format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0")


DATE_PATTERNS = {"it": "dd/MM/yyyy"}


def day(value: date | datetime | None) -> str:
    """``23/11/2026`` in Italian, ``Nov 23, 2026`` in English."""
    if value is None:
        return ""
    return format_date(value, DATE_PATTERNS.get(str(get_locale()), "medium"))


def moment(value: datetime | None) -> str:
    if value is None:
        return ""
    return format_datetime(value, "short")


def relative(value: datetime | None) -> str:
    """``3 days ago`` / ``3 giorni fa``; the exact moment goes in a title attribute."""
    if value is None:
        return ""
    return format_timedelta(value - utcnow(), add_direction=True, granularity="minute")


def filesize(size: int | None) -> str:
    """``12,3 KB`` / ``1,2 MB`` in the user's locale (powers of 1024, as file managers show)."""
    if size is None:
        return ""
    for unit, scale in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if size >= scale:
            return f"{format_decimal(Decimal(size) / scale, format='#,##0.#')} {unit}"
    return f"{format_decimal(size)} B"


def register_filters(app: Flask) -> None:
    app.add_template_filter(money, "money")
    app.add_template_filter(number, "number")
    app.add_template_filter(day, "day")
    app.add_template_filter(moment, "moment")
    app.add_template_filter(relative, "relative")
    app.add_template_filter(filesize, "filesize")
