"""What pages and the API share: saving a company (tags, events), the salesperson a user
may assign, and recording or sending a communication."""

from __future__ import annotations

from collections.abc import Sequence

from typing import Any

from flask import url_for
from sportello import Scope, SearchResult, emit, session, utcnow, visible
from sqlalchemy import select

from . import communications
from .models import Communication, Company, Contact, Tag
from .validation import tag_names


def may_assign_anyone(user: Any) -> bool:
    """Only users seeing every company choose the salesperson; others get themselves."""
    return user.scope("companies") == Scope.ALL


def set_tags(company: Company, names: list[str]) -> None:
    wanted = tag_names(names)
    existing = {t.name: t for t in session.scalars(select(Tag).where(Tag.name.in_(wanted)))} if wanted else {}
    tags = []
    for name in wanted:
        tag = existing.get(name)
        if tag is None:
            tag = Tag(name=name)
            session.add(tag)
        tags.append(tag)
    company.tags = tags


def _payload(company: Company) -> dict[str, Any]:
    return {
        "title": company.name,
        "url": url_for("companies.detail", company_id=company.id),
        "recipients": {"owner": [company.salesperson_id] if company.salesperson_id else []},
    }


def save_company(company: Company | None, values: dict[str, Any], tags: list[str] | None, user: Any) -> Company:
    """Create (``company`` None) or update a company from cleaned values; emits the event
    and commits."""
    values = dict(values)
    if not may_assign_anyone(user):
        if company is None:
            values["salesperson_id"] = user.id
        else:
            values.pop("salesperson_id", None)
    created = company is None
    if company is None:
        company = Company(**{k: v for k, v in values.items()})
        session.add(company)
    else:
        for key, value in values.items():
            setattr(company, key, value)
        company.updated_at = utcnow()
    if tags is not None:
        set_tags(company, tags)
    session.flush()
    emit("companies.created" if created else "companies.updated", "companies.company", company.id, _payload(company))
    session.commit()
    return company


def default_recipient(company: Company, contact: Contact | None, kind: str) -> str:
    return communications.default_recipient(company, contact, kind)


def record_communication(company: Company, values: dict[str, Any], user: Any,
                         attachments: Sequence[tuple[str, str, bytes]] = ()) -> Communication:
    """Record a communication; e-mail and SMS are sent now and the result kept on it.

    The entry is committed before sending, so a failure never loses it: it stays with
    status ``failed`` and the reason.
    """
    return communications.record_communication(company, values, user, attachments, contact_model=Contact,
                                               communication_model=Communication, owner_key="company_id")


send = communications.send


def registry_search(model: Any, user: Any, text: str, limit: int, kind: Any, link: Any) -> list[SearchResult]:
    """Global-search results among records with Italian registry data (companies, leads):
    those ``user`` sees in lists whose search text holds ``text``, names starting with it
    first; each shows its P.IVA and city. ``link(record_id)`` is the record's page."""
    needle = text.strip().lower()
    rows = session.execute(
        visible(select(model.id, model.name, model.vat_number, model.legal_city), user, "list")
        .where(model.search_text.contains(needle, autoescape=True))
        .order_by(model.name_key, model.id)
        .limit(limit)
    ).all()
    found = []
    for row in rows:
        detail = " · ".join(part for part in (row.vat_number and f"P.IVA {row.vat_number}", row.legal_city) if part)
        score = 2.0 if row.name.lower().startswith(needle) else 1.0
        found.append(SearchResult(row.name, link(row.id), kind, detail, score=score))
    return found
