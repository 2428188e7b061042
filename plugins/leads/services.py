"""What pages and the API share: the status rules, saving a lead (tags, owner, events,
the acquired notice once), communications, deadlines and the conversion."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from collections.abc import Sequence
from typing import Any

from flask import url_for
from sportello import (
    Deadline,
    Scope,
    User,
    call_hooks,
    emit,
    move_attachments,
    ngettext,
    parse_decimal,
    session,
    utcnow,
    visible,
)
from sportello import lazy_gettext as _l
from sportello_companies import communications
from sqlalchemy import select

from .models import REGISTRY_FIELDS, Communication, Contact, Lead, Source, Status, Tag
from .validation import tag_names


class ConversionError(Exception):
    """A conversion that is refused; the message says why. Nothing was changed."""


def may_assign_anyone(user: Any) -> bool:
    """Only users seeing every lead choose the owner; others get themselves."""
    return user.scope("leads") == Scope.ALL


def statuses() -> list[Status]:
    return list(session.scalars(select(Status).where(Status.active.is_(True)).order_by(Status.position, Status.id)))


def sources() -> list[Source]:
    return list(session.scalars(select(Source).where(Source.active.is_(True)).order_by(Source.position, Source.id)))


def status_by_code(code: str) -> Status | None:
    return session.scalar(select(Status).where(Status.code == code))


def owners() -> list[Any]:
    """Active users who may own a lead: their profile holds leads.create."""
    from sportello.core.identity import Profile  # (internal) the choices of the owner

    people = session.scalars(select(User).join(Profile, User.profile_id == Profile.id)
                             .where(User.active.is_(True)).order_by(User.name, User.id)).all()
    return [p for p in people if p.can("leads.create")]


def check_owner(owner_id: Any) -> str | None:
    """An error message when ``owner_id`` is not an active user holding leads.create."""
    if owner_id is None:
        return str(_l("Choose the owner (salesperson) of the lead."))
    person = session.get(User, owner_id)
    if person is None or not person.active:
        return str(_l("No such active user."))
    if not person.can("leads.create"):
        return str(_l("%(name)s cannot own leads: their profile lacks the permission to create leads.", name=person.name))
    return None


def parse_value(value: Any) -> tuple[Decimal | None, str | None]:
    if value in (None, ""):
        return None, None
    try:
        amount = parse_decimal(value)
    except ValueError:
        return None, str(_l("Write an amount, such as 12500 or 12.500,00."))
    if amount < 0 or amount >= Decimal("1e12"):
        return None, str(_l("Write an amount between 0 and 999 billion."))
    return amount.quantize(Decimal("0.01")), None


def check_status(status: Status | None, values: dict[str, Any], lead: Lead | None) -> dict[str, str]:
    """The rules of the statuses: a future contact needs a date, not in the past; a lost
    lead needs a reason."""
    errors: dict[str, str] = {}
    if status is None or not status.active:
        errors["status_id"] = str(_l("Choose a status of the list."))
        return errors
    if status.needs_date:
        when = values.get("contact_date", lead.contact_date if lead else None)
        unchanged = lead is not None and lead.status_id == status.id and lead.contact_date == when
        if not when:
            errors["contact_date"] = str(_l("Write the date of the future contact."))
        elif when < date.today() and not unchanged:
            errors["contact_date"] = str(_l("The date of the future contact cannot be in the past."))
    if status.needs_reason:
        reason = values.get("lost_reason", lead.lost_reason if lead else "")
        if not (reason or "").strip():
            errors["lost_reason"] = str(_l("Write why the lead was lost."))
    return errors


def set_tags(lead: Lead, names: list[str]) -> None:
    wanted = tag_names(names)
    existing = {t.name: t for t in session.scalars(select(Tag).where(Tag.name.in_(wanted)))} if wanted else {}
    tags = []
    for name in wanted:
        tag = existing.get(name)
        if tag is None:
            tag = Tag(name=name)
            session.add(tag)
        tags.append(tag)
    lead.tags = tags


def payload(lead: Lead, **extra: Any) -> dict[str, Any]:
    return {
        "title": lead.name,
        "url": url_for("leads.detail", lead_id=lead.id),
        # The admins' kinds are every active CRM / system administrator (resolved by the core).
        "recipients": {"owner": [lead.owner_id] if lead.owner_id else [], "crm_admins": True, "system_admins": True},
        **extra,
    }


def validate_lead(lead: Lead | None, values: dict[str, Any], user: Any) -> dict[str, str]:
    """Errors of the non-registry fields (status rules, owner, source) of ``values``."""
    errors: dict[str, str] = {}
    if "status_id" in values or lead is None:
        status = session.get(Status, values.get("status_id")) if values.get("status_id") else None
    else:
        status = lead.status
    errors.update(check_status(status, values, lead))
    if "owner_id" in values and (lead is None or values["owner_id"] != lead.owner_id):
        if lead is not None and not may_assign_anyone(user):
            errors["owner_id"] = str(_l("Only administrators change the owner of a lead."))
        elif message := check_owner(values["owner_id"]):
            errors["owner_id"] = message
    if values.get("source_id") is not None and session.get(Source, values["source_id"]) is None:
        errors["source_id"] = str(_l("Choose a source of the list."))
    return errors


def save_lead(lead: Lead | None, values: dict[str, Any], tags: list[str] | None, user: Any, *, commit: bool = True) -> Lead:
    """Create (``lead`` None) or update a lead from values already checked with
    :func:`validate_lead`; emits the events (created, status changed, acquired once) and
    commits."""
    values = dict(values)
    if not may_assign_anyone(user):
        if lead is None:
            values["owner_id"] = user.id
        else:
            values.pop("owner_id", None)
    if lead is None and not values.get("owner_id"):
        values["owner_id"] = user.id
    created = lead is None
    old_status = None if lead is None else lead.status_id
    if lead is None:
        lead = Lead(**values)
        session.add(lead)
    else:
        for key, value in values.items():
            setattr(lead, key, value)
        lead.updated_at = utcnow()
    status = session.get(Status, lead.status_id)
    if status is not None:
        if not status.needs_date:
            lead.contact_date = None
        if not status.needs_reason:
            lead.lost_reason = ""
    if tags is not None:
        set_tags(lead, tags)
    session.flush()
    _emit_changes(lead, status, created, old_status)
    if commit:
        session.commit()
    return lead


def _emit_changes(lead: Lead, status: Status | None, created: bool, old_status: int | None) -> None:
    if created:
        emit("leads.created", "leads.lead", lead.id, payload(lead, status=status.code if status else None))
    elif old_status != lead.status_id:
        old = session.get(Status, old_status) if old_status else None
        emit("leads.status_changed", "leads.lead", lead.id,
             payload(lead, old_status=old.code if old else None, status=status.code if status else None))
    if status is not None and status.is_won and lead.acquired_notified_at is None:
        lead.acquired_notified_at = utcnow()
        session.flush()
        emit("leads.acquired", "leads.lead", lead.id, payload(lead, status=status.code))


def change_status(lead: Lead, status_id: int, user: Any, extra: dict[str, Any] | None = None) -> tuple[Lead | None, dict[str, str]]:
    """The board's move: the same rules and events as the form."""
    values = {"status_id": status_id, **(extra or {})}
    errors = validate_lead(lead, values, user)
    if errors:
        return None, errors
    return save_lead(lead, values, None, user), {}


# --------------------------------------------------------------------------- communications


def default_recipient(lead: Lead, contact: Contact | None, kind: str) -> str:
    return communications.default_recipient(lead, contact, kind)


def record_communication(lead: Lead, values: dict[str, Any], user: Any,
                         attachments: Sequence[tuple[str, str, bytes]] = ()) -> Communication:
    """Record a communication; e-mail and SMS are sent now and the result kept on it
    (committed before sending, so a failure never loses it).

    :param attachments: files for an e-mail (name, MIME type, content), e.g. a quote's PDF.
    """
    return communications.record_communication(lead, values, user, attachments, contact_model=Contact,
                                               communication_model=Communication, owner_key="lead_id", touch=True)


send = communications.send


# --------------------------------------------------------------------------- deadlines


def future_contact_deadlines(start: date, end: date, user: Any) -> list[Deadline]:
    """Leads in a "contact in the future" status with their date between start and end;
    with a user only those they may open, without (the notices' scan) all of them."""
    statement = (select(Lead.id, Lead.name, Lead.contact_date, Lead.owner_id).join(Status, Status.id == Lead.status_id)
                 .where(Status.needs_date.is_(True), Lead.contact_date.is_not(None),
                        Lead.contact_date >= start, Lead.contact_date <= end)
                 .order_by(Lead.contact_date, Lead.id))
    if user is not None:
        if not user.can("leads.view"):
            return []
        statement = visible(statement, user, "read")
    return [
        Deadline("leads.future_contact", "leads.lead", row.id, row.contact_date, str(_l("Contact %(name)s", name=row.name)),
                 url_for("leads.detail", lead_id=row.id), recipients={"owner": [row.owner_id]})
        for row in session.execute(statement)
    ]


# --------------------------------------------------------------------------- conversion


def companies_with_vat(lead: Lead) -> list[Any]:
    """Existing companies with the lead's partita IVA (candidates to attach the lead to)."""
    from sportello_companies.models import Company

    if not lead.vat_number:
        return []
    return list(session.scalars(select(Company).where(Company.vat_number == lead.vat_number).order_by(Company.id)))


def check_convertible(lead: Lead) -> None:
    if lead.converted_company_id is not None or lead.converted_at is not None:
        raise ConversionError(str(_l("This lead was already converted into a company: it cannot be converted twice.")))
    if not lead.status.is_won:
        raise ConversionError(str(_l("Only an acquired lead can be converted: put it in the acquired status first.")))


def convert(lead: Lead, user: Any, company_id: int | None = None, moved: list[str] | None = None) -> Any:
    """Convert an acquired lead into a new company, or attach it to the existing company
    ``company_id`` (which must have the same partita IVA). Contacts and communications
    move to the company, other plugins move theirs (``leads_converted``), the lead keeps
    the link; one transaction: on any error nothing is changed.

    :param moved: when given, receives a line per kind of record that moved over, for
        the user ("2 attached files", and what other plugins report).
    :raise ConversionError: with the message for the user.
    """
    from sportello_companies.models import Communication as CompanyCommunication
    from sportello_companies.models import Company
    from sportello_companies.models import Contact as CompanyContact
    from sportello_companies.services import _payload as company_payload

    # Lock the lead's row where the database can, so two conversions at once do not both pass.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Lead.id).where(Lead.id == lead.id).with_for_update())
    session.refresh(lead)
    check_convertible(lead)
    try:
        if company_id is not None:
            company = next((c for c in companies_with_vat(lead) if c.id == company_id), None)
            if company is None:
                raise ConversionError(str(_l("Choose a company with the same partita IVA as the lead, or create a new one.")))
            created = False
        else:
            company = Company(**{field: getattr(lead, field) for field in REGISTRY_FIELDS}, salesperson_id=lead.owner_id)
            session.add(company)
            created = True
        session.flush()
        contacts = list(session.scalars(select(Contact).where(Contact.lead_id == lead.id).order_by(Contact.id)))
        moved_contacts: dict[int, int] = {}
        for contact in contacts:
            copy = CompanyContact(company_id=company.id, **{f: getattr(contact, f) for f in (
                "first_name", "last_name", "role", "email", "phone", "mobile", "notes", "consent_marketing",
                "consent_date", "legal_basis")})
            session.add(copy)
            session.flush()
            moved_contacts[contact.id] = copy.id
        entries = list(session.scalars(select(Communication).where(Communication.lead_id == lead.id).order_by(Communication.id)))
        for entry in entries:
            session.add(CompanyCommunication(
                company_id=company.id, contact_id=moved_contacts.get(entry.contact_id) if entry.contact_id else None,
                **{f: getattr(entry, f) for f in ("kind", "direction", "recipient", "subject", "body", "status",
                                                  "failure_reason", "user_id", "occurred_at", "created_at")}))
        for entry in entries:
            session.delete(entry)
        session.flush()
        for contact in contacts:
            session.delete(contact)
        files = move_attachments(lead, company)
        lead.converted_company_id = company.id
        lead.converted_at = utcnow()
        lead.updated_at = utcnow()
        session.flush()
        reported = call_hooks("leads_converted", lead=lead, company=company)
        if created:
            emit("companies.created", "companies.company", company.id, company_payload(company))
        else:
            company.updated_at = utcnow()
        emit("leads.converted", "leads.lead", lead.id, payload(lead, company_id=company.id))
        session.commit()
        if moved is not None:
            counted = [(len(contacts), ngettext("%(num)s contact person", "%(num)s contact persons", len(contacts))),
                       (len(entries), ngettext("%(num)s communication", "%(num)s communications", len(entries))),
                       (files, ngettext("%(num)s attached file", "%(num)s attached files", files))]
            moved.extend([str(line) for number, line in counted if number] + [str(line) for line in reported if line])
    except BaseException:
        session.rollback()
        raise
    return company
