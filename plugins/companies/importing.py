"""Companies in the generic CSV/XLSX importer (the CRM admin's import from the back office).

Rows are checked with the same rules as the forms and the API (validation.clean_company);
duplicates are found on partita IVA, codice fiscale, e-mail or normalised name.
"""

from __future__ import annotations

from typing import Any

from sportello import ImportField, ImportTarget, MatchKey, emit, session
from sportello import lazy_gettext as _l
from sqlalchemy import func

from .models import Company
from .services import _payload, set_tags
from .validation import (
    SECTORS,
    check_tax_code,
    check_vat,
    clean_company,
    compact,
    name_key,
    tag_names,
)

FIELDS = [
    ImportField("name", _l("Company name"), required=True, aliases=["Ragione sociale", "Denominazione", "Azienda", "Company", "Name"]),
    ImportField("vat_number", _l("Partita IVA"), aliases=["P.IVA", "PIVA", "P IVA", "Partita IVA", "VAT", "VAT number"]),
    ImportField("tax_code", _l("Codice fiscale"), aliases=["CF", "C.F.", "Tax code"]),
    ImportField("legal_street", _l("Address"), aliases=["Indirizzo", "Via", "Sede legale", "Street"]),
    ImportField("legal_postcode", _l("CAP"), aliases=["Postcode", "ZIP", "Codice postale"]),
    ImportField("legal_city", _l("City"), aliases=["Città", "Comune", "Località"]),
    ImportField("legal_province", _l("Province"), aliases=["Provincia", "Prov", "Pr"]),
    ImportField("legal_country", _l("Country"), aliases=["Paese", "Nazione", "Stato"]),
    ImportField("pec", _l("PEC"), aliases=["Posta certificata"]),
    ImportField("sdi_code", _l("Codice destinatario"), aliases=["SDI", "Codice SDI", "Codice univoco"]),
    ImportField("pa_code", _l("PA office code"), aliases=["Codice ufficio", "Codice IPA"]),
    ImportField("phone", _l("Phone"), aliases=["Telefono", "Tel"]),
    ImportField("email", _l("E-mail"), aliases=["Email", "Mail", "Posta elettronica"]),
    ImportField("website", _l("Website"), aliases=["Sito", "Sito web", "Web"]),
    ImportField("sector", _l("Sector"), aliases=["Settore"], help=_l("A sector of the list, by name or code.")),
    ImportField("notes", _l("Notes"), aliases=["Note"]),
    ImportField("tags", _l("Tags"), aliases=["Etichette", "Tag"], help=_l("Several tags separated by commas.")),
]


def _sector_code(value: str) -> str:
    """A sector written by code or by its name in either language."""
    wanted = value.strip().lower()
    for code, label in SECTORS.items():
        if wanted in (code, str(label).lower()):
            return code
    return value


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    data = {key: value for key, value in values.items() if key != "tags"}
    if data.get("sector"):
        data["sector"] = _sector_code(str(data["sector"]))
    cleaned, errors = clean_company(data)
    if errors:
        labels = {field.name: str(field.label) for field in FIELDS}
        raise ValueError("; ".join(f"{labels.get(name, name)}: {message}" for name, message in errors.items()))
    return cleaned


def create_company(values: dict[str, Any], user: Any, assignee: Any) -> Company:
    """A new company from one row; its salesperson is the chosen user (else the importer)."""
    cleaned = _checked({"legal_country": "IT", **values})
    company = Company(**cleaned, salesperson_id=(assignee or user).id)
    session.add(company)
    set_tags(company, tag_names(values.get("tags")))
    session.flush()
    emit("companies.created", "companies.company", company.id, _payload(company))
    return company


def update_company(company: Company, values: dict[str, Any], user: Any, assignee: Any) -> Company:
    """Fill an existing company with the row's non-empty cells; tags are added."""
    current = {name: getattr(company, name) for name in values if name != "tags" and hasattr(company, name)}
    current.setdefault("legal_country", company.legal_country or "IT")
    cleaned = _checked({**current, **values})
    for name, value in cleaned.items():
        setattr(company, name, value)
    if assignee is not None:
        company.salesperson_id = assignee.id
    if values.get("tags"):
        set_tags(company, sorted({*(tag.name for tag in company.tags), *tag_names(values["tags"])}))
    session.flush()
    emit("companies.updated", "companies.company", company.id, _payload(company))
    return company


def _vat(value: Any) -> str:
    return check_vat(str(value), "IT")[0] or compact(value)


def _tax_code(value: Any) -> str:
    return check_tax_code(str(value), "IT")[0] or compact(value)


def company_target() -> ImportTarget:
    return ImportTarget(
        key="companies.company",
        label=_l("Companies"),
        model=Company,
        fields=FIELDS,
        permission="companies.import",
        match_keys=[
            MatchKey("vat_number", Company.vat_number, label=_l("Partita IVA"), normalise=_vat),
            MatchKey("tax_code", Company.tax_code, label=_l("Codice fiscale"), normalise=_tax_code),
            MatchKey("email", func.lower(Company.email), label=_l("E-mail"), normalise=lambda v: str(v).strip().lower()),
            MatchKey("name", Company.name_key, label=_l("Company name"), normalise=lambda v: name_key(str(v))),
        ],
        create=create_company,
        update=update_company,
        assign_field="salesperson_id",
        assign_label=_l("Salesperson"),
        assign_permission="companies.create",
        list_endpoint="companies.index",
    )
