"""Leads in the generic CSV/XLSX importer, with the companies' fields and checks plus the
status, source and estimated value."""

from __future__ import annotations

from typing import Any

from sportello import ImportField, ImportTarget, MatchKey, session
from sportello import lazy_gettext as _l
from sportello_companies.importing import FIELDS as COMPANY_FIELDS
from sportello_companies.importing import _checked, _tax_code, _vat
from sqlalchemy import func, select

from .models import Lead, Source, Status
from .services import check_status, parse_value, save_lead
from .validation import name_key, tag_names


def _value(text: str) -> Any:
    amount, error = parse_value(text)
    if error:
        raise ValueError(error)
    return amount


def _by_code_or_name(model: Any, text: str, message: str) -> int:
    wanted = text.strip().lower()
    for row in session.scalars(select(model)):
        if wanted in (row.code.lower(), row.name.lower(), str(_l(row.name)).lower()):
            return row.id
    raise ValueError(message)


def _status(text: str) -> int:
    return _by_code_or_name(Status, text, str(_l("Not a status of the list.")))


def _source(text: str) -> int:
    return _by_code_or_name(Source, text, str(_l("Not a source of the list.")))


def _date(text: str) -> Any:
    from datetime import date, datetime

    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    if isinstance(text, date):
        return text
    raise ValueError(str(_l("Write a date such as 31/12/2026.")))


def _company_fields() -> list[ImportField]:
    """The companies' fields; "Stato" means the lead's status here, not the country."""
    from dataclasses import replace

    return [replace(f, aliases=[a for a in f.aliases if a.lower() != "stato"]) if f.name == "legal_country" else f
            for f in COMPANY_FIELDS]


FIELDS = [
    *_company_fields(),
    ImportField("status_id", _l("Status"), parse=_status, aliases=["Stato", "Stato lead"], help=_l("A status of the list; empty: new.")),
    ImportField("source_id", _l("Source"), parse=_source, aliases=["Fonte", "Origine"]),
    ImportField("estimated_value", _l("Estimated value"), parse=_value, aliases=["Valore", "Valore stimato"]),
    ImportField("expected_close_date", _l("Expected close date"), parse=_date, aliases=["Chiusura prevista"]),
    ImportField("contact_date", _l("Date of the future contact"), parse=_date, aliases=["Data ricontatto"]),
    ImportField("lost_reason", _l("Why it was lost"), aliases=["Motivo perdita"]),
]
EXTRA = ("status_id", "source_id", "estimated_value", "expected_close_date", "contact_date", "lost_reason")


def _split(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    registry = {k: v for k, v in values.items() if k not in EXTRA}
    extra = {k: v for k, v in values.items() if k in EXTRA and v is not None}
    return registry, extra


def _rules(extra: dict[str, Any], lead: Lead | None) -> None:
    status = session.get(Status, extra.get("status_id") or (lead.status_id if lead else None))
    errors = check_status(status, extra, lead)
    if errors:
        raise ValueError("; ".join(errors.values()))


def create_lead(values: dict[str, Any], user: Any, assignee: Any) -> Lead:
    registry, extra = _split(values)
    cleaned = _checked({"legal_country": "IT", **registry})
    if not extra.get("status_id"):
        extra["status_id"] = session.scalar(select(Status.id).where(Status.code == "new"))
    _rules(extra, None)
    owner = assignee or user
    return save_lead(None, {**cleaned, **extra, "owner_id": owner.id}, tag_names(values.get("tags")), _Admin(owner), commit=False)


def update_lead(lead: Lead, values: dict[str, Any], user: Any, assignee: Any) -> Lead:
    registry, extra = _split(values)
    current = {name: getattr(lead, name) for name in registry if name != "tags" and hasattr(lead, name)}
    current.setdefault("legal_country", lead.legal_country or "IT")
    cleaned = _checked({**current, **registry})
    _rules(extra, lead)
    if assignee is not None:
        extra["owner_id"] = assignee.id
    tags = sorted({*(t.name for t in lead.tags), *tag_names(values["tags"])}) if values.get("tags") else None
    return save_lead(lead, {**cleaned, **extra}, tags, _Admin(user), commit=False)


class _Admin:
    """The importer chooses the owner itself (the assignee checked by the core)."""

    def __init__(self, user: Any) -> None:
        self.id = user.id

    def scope(self, _section: str) -> Any:
        from sportello import Scope

        return Scope.ALL


def lead_target() -> ImportTarget:
    return ImportTarget(
        key="leads.lead",
        label=_l("Leads"),
        model=Lead,
        fields=FIELDS,
        permission="leads.import",
        match_keys=[
            MatchKey("vat_number", Lead.vat_number, label=_l("Partita IVA"), normalise=_vat),
            MatchKey("tax_code", Lead.tax_code, label=_l("Codice fiscale"), normalise=_tax_code),
            MatchKey("email", func.lower(Lead.email), label=_l("E-mail"), normalise=lambda v: str(v).strip().lower()),
            MatchKey("name", Lead.name_key, label=_l("Lead name"), normalise=lambda v: name_key(str(v))),
        ],
        create=create_lead,
        update=update_lead,
        assign_field="owner_id",
        assign_label=_l("Owner"),
        assign_permission="leads.create",
        list_endpoint="leads.index",
    )
