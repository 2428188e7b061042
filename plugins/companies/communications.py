"""Contact persons and the communications log of a record that owns them: a company, or
another plugin's record with the same shape (a lead). The functions take the owning
record and its model classes, so every owner records, sends and checks the same way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sportello import (
    ChannelError,
    send_email_message,
    send_sms_message,
    session,
    utcnow,
)
from sqlalchemy import select


def default_recipient(owner: Any, contact: Any | None, kind: str) -> str:
    """The contact's address or number for ``kind``, else the owner's (its email/phone)."""
    if kind == "email":
        return (contact.email if contact else "") or owner.email
    if kind == "sms":
        return (contact.mobile if contact else "") or owner.phone
    if kind == "call":
        return (contact.phone or contact.mobile if contact else "") or owner.phone
    return ""


def record_communication(owner: Any, values: dict[str, Any], user: Any,
                         attachments: Sequence[tuple[str, str, bytes]] = (), *,
                         contact_model: type, communication_model: type, owner_key: str,
                         touch: bool = False) -> Any:
    """Record a communication of ``owner``; e-mail and SMS are sent now and the result kept on it.

    The entry is committed before sending, so a failure never loses it: it stays with
    status ``failed`` and the reason.

    :param contact_model: the owner's contact persons (a contact is taken only when it is
        the owner's).
    :param communication_model: the owner's log.
    :param owner_key: the name of the column of both that points at the owner
        (``company_id``, ``lead_id``).
    :param touch: mark the owner as updated now.
    :param attachments: files for an e-mail (name, MIME type, content), e.g. a quote's PDF.
    """
    contact = None
    if values.get("contact_id"):
        contact = session.scalar(select(contact_model).where(contact_model.id == values["contact_id"],
                                                             getattr(contact_model, owner_key) == owner.id))
    kind = values["kind"]
    recipient = (values.get("recipient") or "").strip() or default_recipient(owner, contact, kind)
    entry = communication_model(
        **{owner_key: owner.id},
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
    if touch:
        owner.updated_at = utcnow()
    session.commit()
    if kind in ("email", "sms"):
        send(entry, attachments)
    return entry


def send(entry: Any, attachments: Sequence[tuple[str, str, bytes]] = ()) -> None:
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
