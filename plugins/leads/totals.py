"""Running totals of the pipeline board: per (status, owner) the number of leads and the
sum of their estimated values, in ``leads_total``.

A board over every lead would otherwise group the whole table on each view. The totals
change in the transaction of the change itself, as deltas applied with an upsert:

- ORM writes of a lead (insert, delete, change of status, owner or estimated value):
  mapper events collect the deltas, ``after_flush`` applies them, one upsert per flush;
- ORM-enabled bulk statements (``session.execute(update(Lead)...)`` or ``delete(Lead)``):
  the rows they reach leave the totals before the statement and come back after it.

The old values come from the database, read with ``FOR UPDATE`` just before the row is
written, never from what the process loaded earlier: two users moving the same lead at
once then count it once, in the status the last one chose. The upserts touch their rows
in key order, so concurrent writers wait for each other instead of deadlocking.
Writes that bypass the ORM (raw SQL) are not seen: ``sportello leads recount`` rebuilds
the table from the leads.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import click
from sportello import Filter, apply_filters, visible
from sportello import session as current_session
from sqlalchemy import BigInteger, Connection, Select, cast, delete, event, func, insert, select, text, true
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session, object_session
from sqlalchemy.sql import operators

from .models import Lead, LeadTotal

#: The columns of a lead the totals depend on.
TRACKED = ("status_id", "owner_id", "estimated_value")
PENDING = "leads_total_deltas"
ZERO, CENT = Decimal("0"), Decimal("0.01")
#: Leads per statement when a bulk statement's rows are counted out and back in.
CHUNK = 1000

#: The board's filters the totals answer; any other one groups the leads live.
FILTERS = {"owner": Filter(LeadTotal.owner_id, "eq", int), "status": Filter(LeadTotal.status_id, "eq", int)}

Key = tuple[int, int]
Deltas = dict[Key, tuple[int, Decimal]]


def _money(value: Any) -> Decimal:
    """As the database stores it: two decimals, halves away from zero."""
    if value is None:
        return ZERO
    return (value if isinstance(value, Decimal) else Decimal(str(value))).quantize(CENT, ROUND_HALF_UP)


def _add(deltas: Deltas, status_id: int, owner_id: int, count: int, value: Any) -> None:
    key = (status_id, owner_id)
    old_count, old_value = deltas.get(key, (0, ZERO))
    deltas[key] = (old_count + count, old_value + count * _money(value))


def _pending(lead: Lead) -> Deltas:
    session = object_session(lead)
    assert session is not None, "a flushed lead belongs to a session"
    return session.info.setdefault(PENDING, {})


def _current(connection: Connection, lead_id: int) -> Any:
    """The row as the database holds it now, locked until the end of the transaction."""
    table = Lead.__table__
    return connection.execute(
        select(table.c.status_id, table.c.owner_id, table.c.estimated_value).where(table.c.id == lead_id).with_for_update()
    ).one_or_none()


# --------------------------------------------------------------------------- ORM writes


@event.listens_for(Lead, "after_insert")
def _inserted(_mapper: Any, _connection: Connection, lead: Lead) -> None:
    _add(_pending(lead), lead.status_id, lead.owner_id, 1, lead.estimated_value)


@event.listens_for(Lead, "before_update")
def _updating(_mapper: Any, connection: Connection, lead: Lead) -> None:
    state = sa_inspect(lead)
    written = {key: state.attrs[key].history.added for key in TRACKED}
    written = {key: added[0] for key, added in written.items() if added}
    if not written:
        return
    row = _current(connection, lead.id)
    if row is None:
        return  # gone meanwhile: the update itself fails
    deltas = _pending(lead)
    _add(deltas, row.status_id, row.owner_id, -1, row.estimated_value)
    new = {**row._asdict(), **written}
    _add(deltas, new["status_id"], new["owner_id"], 1, new["estimated_value"])


@event.listens_for(Lead, "before_delete")
def _deleting(_mapper: Any, connection: Connection, lead: Lead) -> None:
    row = _current(connection, lead.id)
    if row is not None:
        _add(_pending(lead), row.status_id, row.owner_id, -1, row.estimated_value)


def _flush_starts(session: Session, _context: Any, _instances: Any) -> None:
    session.info.pop(PENDING, None)  # left by a flush that failed half-way


def _flushed(session: Session, _context: Any) -> None:
    deltas = session.info.pop(PENDING, None)
    if deltas:
        apply(session.connection(), deltas)


# --------------------------------------------------------------------------- bulk statements


def _bulk(state: ORMExecuteState) -> Any:
    """Keep the totals across ``update(Lead)`` / ``delete(Lead)`` run through the ORM."""
    if not (state.is_update or state.is_delete) or state.bind_mapper is not sa_inspect(Lead):
        return None
    statement = state.statement
    if state.is_update and not _writes_tracked(statement, state.parameters):
        return None
    ids = _reached(state)
    connection = state.session.connection()
    _count(connection, ids, -1)
    result = state.invoke_statement()
    if state.is_update:
        _count(connection, ids, 1)
    return result


def _writes_tracked(statement: Any, parameters: Any) -> bool:
    keys = {getattr(key, "key", key) for key in (statement._values or {})}
    for row in parameters if isinstance(parameters, list) else [parameters or {}]:
        keys |= set(row)
    return bool(keys & set(TRACKED))


def _reached(state: ORMExecuteState) -> list[int]:
    """The ids of the leads the statement will write, locked now."""
    parameters = state.parameters
    connection = state.session.connection()
    if isinstance(parameters, list) and parameters and "id" in parameters[0]:
        ids = [row["id"] for row in parameters]  # bulk update by primary key
        for start in range(0, len(ids), CHUNK):
            connection.execute(select(Lead.id).where(Lead.id.in_(ids[start:start + CHUNK])).with_for_update()).all()
        return ids
    where = state.statement.whereclause
    query = select(Lead.id).where(where if where is not None else true()).with_for_update()
    return list(connection.execute(query, parameters if isinstance(parameters, dict) else {}).scalars())


def _count(connection: Connection, ids: list[int], sign: int) -> None:
    """Add (``sign`` 1) or take away (-1) the given leads, as they are now, to the totals."""
    table = Lead.__table__
    for start in range(0, len(ids), CHUNK):
        grouped = connection.execute(
            select(table.c.status_id, table.c.owner_id, func.count(), func.sum(table.c.estimated_value))
            .where(table.c.id.in_(ids[start:start + CHUNK])).group_by(table.c.status_id, table.c.owner_id)
        )
        deltas: Deltas = {(row[0], row[1]): (sign * row[2], sign * _money(row[3])) for row in grouped}
        apply(connection, deltas)


# --------------------------------------------------------------------------- the table


def _upsert(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO UPDATE adding the deltas to the existing row."""
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(LeadTotal)
    return statement.on_conflict_do_update(
        index_elements=[LeadTotal.status_id, LeadTotal.owner_id],
        set_={"lead_count": LeadTotal.lead_count + statement.excluded.lead_count,
              "value_total": LeadTotal.value_total + statement.excluded.value_total},
    )


def apply(connection: Connection, deltas: Mapping[Key, tuple[int, Decimal]]) -> None:
    """Add ``deltas`` (count, value) to the totals, rows in key order (no deadlocks)."""
    rows = [{"status_id": s, "owner_id": o, "lead_count": count, "value_total": value}
            for (s, o), (count, value) in sorted(deltas.items()) if count or value]
    if rows:
        connection.execute(_upsert(connection.dialect.name), rows)


def grouped_leads() -> Select[Any]:
    """The totals computed from the leads themselves (what ``leads_total`` must hold)."""
    return (select(Lead.status_id, Lead.owner_id, func.count(Lead.id), func.coalesce(func.sum(Lead.estimated_value), 0))
            .group_by(Lead.status_id, Lead.owner_id))


def recount(session: Session) -> int:
    """Rebuild the totals from the leads; returns the number of leads counted.

    On PostgreSQL the table is locked against writers first (readers go on), so a change
    committed meanwhile is either in the count or added after it, never lost or doubled.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"LOCK TABLE {LeadTotal.__tablename__} IN EXCLUSIVE MODE"))
    session.execute(delete(LeadTotal))
    session.execute(insert(LeadTotal).from_select(["status_id", "owner_id", "lead_count", "value_total"], grouped_leads()))
    return int(session.scalar(select(func.coalesce(func.sum(LeadTotal.lead_count), 0))) or 0)


# --------------------------------------------------------------------------- the board


def unrestricted(user: Any) -> bool:
    """Whether the user's "list" visibility of leads lets every lead through.

    True when the visibility rules add no criterion, or only grants one of which is the
    always-true ``id IS NOT NULL`` of a full scope, with no restriction beside it. Any
    other rule (the owner, a restriction of another module) is a real filter.
    """
    clause = visible(select(Lead.id), user, "list").whereclause
    if clause is None:
        return True
    everything = Lead.id.is_not(None)
    parts = clause.clauses if getattr(clause, "operator", None) is operators.or_ else [clause]
    return any(part.compare(everything) for part in parts)


def board(args: Mapping[str, str], user: Any) -> dict[int, Any] | None:
    """Per status id, its ``count`` and ``total`` from the running totals (over every
    owner, or the one of the ``owner`` filter); ``None`` when the leads must be grouped
    live: a filter the totals do not hold (search, tag, source, ...) or a user whose
    visibility restricts the leads.

    :param args: the board's filters present in the query string.
    :raise InvalidQuery: a filter's value is not valid.
    """
    if not set(args) <= set(FILTERS) or not unrestricted(user):
        return None
    statement = apply_filters(
        select(LeadTotal.status_id, cast(func.sum(LeadTotal.lead_count), BigInteger).label("count"),
               func.coalesce(func.sum(LeadTotal.value_total), 0).label("total")).group_by(LeadTotal.status_id),
        args, FILTERS)
    return {row.status_id: row for row in current_session.execute(statement) if row.count}


# --------------------------------------------------------------------------- command


def command() -> click.Group:
    """``sportello leads ...``; a new group each call, as the CLI wraps the one it gets."""

    @click.group("leads")
    def leads() -> None:
        """Maintenance of the leads."""

    @leads.command("recount")
    def recount_command() -> None:
        """Rebuild the pipeline board's running totals from the leads."""
        from sportello.core.db import database

        with database().session_scope() as session:
            counted = recount(session)
        click.echo(f"Board totals rebuilt from {counted} leads.")

    return leads


def install() -> None:
    """Listen to every session's flushes and bulk statements (once per process)."""
    for name, listener in (("before_flush", _flush_starts), ("after_flush", _flushed), ("do_orm_execute", _bulk)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


install()

