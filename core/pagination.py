"""Keyset pagination and declared filters, shared by list pages and the REST API.

Keyset ("seek") pagination orders by a sort column plus the primary key and asks for the
rows after the last one seen, so page 1,000 costs what page 1 costs. The cursor handed
to clients is opaque (base64 JSON of the last row's sort value and id).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement


class InvalidQuery(ValueError):
    """A sort, filter or cursor the client sent cannot be used; the message says why."""


@dataclass(frozen=True)
class Filter:
    """A filter a list accepts: ``?<name>=value`` compares ``column`` with ``op``.

    :param column: the column filtered.
    :param op: ``eq``, ``in`` (comma-separated values), ``contains`` (case-insensitive),
        ``gte`` or ``lte``.
    :param convert: turns the query-string text into the column's type.
    """

    column: Any
    op: str = "eq"
    convert: Any = str


@dataclass(frozen=True)
class Page:
    """One page of rows and the cursor of the next one (``None`` on the last page)."""

    items: list[Any]
    next_cursor: str | None
    limit: int


def encode_cursor(value: Any, row_id: Any) -> str:
    kind, raw = _tag(value)
    payload = json.dumps({"k": kind, "v": raw, "id": row_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return _untag(data["k"], data["v"]), data["id"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise InvalidQuery("the cursor is not valid: start again from the first page") from None


def _tag(value: Any) -> tuple[str, Any]:
    if isinstance(value, datetime):
        return "dt", value.isoformat()
    if isinstance(value, date):
        return "d", value.isoformat()
    if isinstance(value, Decimal):
        return "dec", str(value)
    return "raw", value


def _untag(kind: str, raw: Any) -> Any:
    if kind == "dt":
        return datetime.fromisoformat(raw)
    if kind == "d":
        return date.fromisoformat(raw)
    if kind == "dec":
        return Decimal(raw)
    return raw


def apply_filters(statement: Select[Any], args: Mapping[str, str], filters: Mapping[str, Filter]) -> Select[Any]:
    """Add a WHERE clause for each declared filter present in ``args``."""
    for name, spec in filters.items():
        raw = args.get(name)
        if raw in (None, ""):
            continue
        try:
            if spec.op == "in":
                values = [spec.convert(v.strip()) for v in raw.split(",") if v.strip()]
                statement = statement.where(spec.column.in_(values))
                continue
            value = spec.convert(raw)
        except (ValueError, TypeError):
            raise InvalidQuery(f"filter {name!r}: {raw!r} is not a valid value") from None
        if spec.op == "eq":
            statement = statement.where(spec.column == value)
        elif spec.op == "contains":
            statement = statement.where(spec.column.ilike(f"%{_escape_like(value)}%", escape="\\"))
        elif spec.op == "gte":
            statement = statement.where(spec.column >= value)
        elif spec.op == "lte":
            statement = statement.where(spec.column <= value)
        else:
            raise ValueError(f"unknown filter operator {spec.op!r}")
    return statement


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def parse_sort(sort: str | None, allowed: Mapping[str, Any], default: str) -> tuple[str, Any, bool]:
    """``"-updated_at"`` to (name, column, descending); unknown names are refused."""
    text = (sort or default).strip()
    descending = text.startswith("-")
    name = text.lstrip("-+")
    if name not in allowed:
        choices = ", ".join(sorted(allowed))
        raise InvalidQuery(f"cannot sort by {name!r}: choose one of {choices} (prefix - for descending)")
    return name, allowed[name], descending


def paginate(
    session: Session,
    statement: Select[Any],
    *,
    sort_column: Any,
    id_column: Any,
    descending: bool = False,
    limit: int = 50,
    cursor: str | None = None,
    scalars: bool = True,
) -> Page:
    """Fetch one page of ``statement`` ordered by ``sort_column`` then ``id_column``.

    The sort column must not be NULL (sort on a coalesced expression otherwise).
    Fetches ``limit + 1`` rows to know whether another page exists, never a COUNT.
    """
    if limit < 1:
        raise InvalidQuery("limit must be at least 1")
    if cursor:
        last_value, last_id = decode_cursor(cursor)
        statement = statement.where(_after(sort_column, id_column, last_value, last_id, descending))
    if descending:
        statement = statement.order_by(sort_column.desc(), id_column.desc())
    else:
        statement = statement.order_by(sort_column.asc(), id_column.asc())
    result = session.execute(statement.limit(limit + 1))
    rows: Sequence[Any] = result.scalars().all() if scalars else result.all()
    items = list(rows[:limit])
    next_cursor = None
    if len(rows) > limit and items:
        last = items[-1]
        next_cursor = encode_cursor(_value_of(last, sort_column), _value_of(last, id_column))
    return Page(items=items, next_cursor=next_cursor, limit=limit)


def _after(sort_column: Any, id_column: Any, value: Any, row_id: Any, descending: bool) -> ColumnElement[bool]:
    if descending:
        return or_(sort_column < value, and_(sort_column == value, id_column < row_id))
    return or_(sort_column > value, and_(sort_column == value, id_column > row_id))


def _value_of(row: Any, column: Any) -> Any:
    key = getattr(column, "key", None) or getattr(column, "name", None)
    if hasattr(row, "_mapping"):
        return row._mapping[key]
    return getattr(row, key)
