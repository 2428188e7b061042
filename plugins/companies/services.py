"""What pages and the API share: saving a company (tags, events), the salesperson a user
may assign, and recording or sending a communication."""

from __future__ import annotations

from collections.abc import Sequence

from typing import Any

from flask import url_for
from sportello import (
    ChannelError,
    Scope,
    emit,
    send_email_message,
    send_sms_message,
    session,
    utcnow,
)
from sqlalchemy import select

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
    if kind == "email":
        return (contact.email if contact else "") or company.email
    if kind == "sms":
        return (contact.mobile if contact else "") or company.phone
    if kind == "call":
        return (contact.phone or contact.mobile if contact else "") or company.phone
    return ""


def record_communication(company: Company, values: dict[str, Any], user: Any,
                         attachments: Sequence[tuple[str, str, bytes]] = ()) -> Communication:
    """Record a communication; e-mail and SMS are sent now and the result kept on it.

    The entry is committed before sending, so a failure never loses it: it stays with
    status ``failed`` and the reason.
    """
    contact = None
    if values.get("contact_id"):
        contact = session.scalar(select(Contact).where(Contact.id == values["contact_id"], Contact.company_id == company.id))
    kind = values["kind"]
    recipient = (values.get("recipient") or "").strip() or default_recipient(company, contact, kind)
    entry = Communication(
        company_id=company.id,
        contact_id=contact.id if contact else None,
        kind=kind,
        direction=values.get("direction") or "out",
        recipient=recipient,
        subject=(values.get("subject") or "").strip(),
        body=(values.get("body") or "").strip(),
        status="sending" if kind in ("email", "sms") else "recorded",
        user_id=user.id,
        occurred_at=values.get("occurred_at") or utcnow(),
    )
    session.add(entry)
    session.commit()
    if kind in ("email", "sms"):
        send(entry, attachments)
    return entry


def send(entry: Communication, attachments: Sequence[tuple[str, str, bytes]] = ()) -> None:
    """Send (or send again) an e-mail or SMS entry; stores sent or failed with the reason.

    :param attachments: files for an e-mail (name, MIME type, content), e.g. a quote's PDF.
    """
    try:
        if not entry.recipient:
            raise ChannelError("there is no recipient to send to.")
        if entry.kind == "email":
            send_email_message(entry.recipient, entry.subject or "—", entry.body, attachments=attachments)
        else:
            send_sms_message(entry.recipient, entry.body)
    except ChannelError as error:
        entry.status, entry.failure_reason = "failed", str(error)
    except Exception as error:  # noqa: BLE001 - any failure is kept on the entry, never lost
        entry.status, entry.failure_reason = "failed", f"{type(error).__name__}: {error}"
    else:
        entry.status, entry.failure_reason = "sent", ""
        entry.occurred_at = utcnow()
    session.commit()
