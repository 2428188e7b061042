"""Checks of the Italian registry data, shared by the forms, the API and (later) the
importer. Check digits are python-stdnum's, never hand-written rules."""

from __future__ import annotations

import re
from typing import Any

from sportello import lazy_gettext as _l
from stdnum import get_cc_module
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.it import codicefiscale, iva

#: Italian province codes (sigle automobilistiche), including the Sardinian ones old and new.
PROVINCES = frozenset(
    """AG AL AN AO AP AQ AR AT AV BA BG BI BL BN BO BR BS BT BZ CA CB CE CH CI CL CN CO CR CS CT CZ
    EN FC FE FG FI FM FR GE GO GR IM IS KR LC LE LI LO LT LU MB MC ME MI MN MO MS MT NA NO NU OG OR OT
    PA PC PD PE PG PI PN PO PR PT PU PV PZ RA RC RE RG RI RM RN RO SA SI SO SP SR SS SU SV TA TE TN TO
    TP TR TS TV UD VA VB VC VE VI VR VS VT VV""".split()
)

#: Sectors offered in forms and filters (code: label).
SECTORS: dict[str, Any] = {
    "manufacturing": _l("Manufacturing"),
    "construction": _l("Construction"),
    "retail": _l("Retail and wholesale"),
    "food": _l("Food and beverage"),
    "hospitality": _l("Hotels and restaurants"),
    "transport": _l("Transport and logistics"),
    "ict": _l("Software and IT services"),
    "professional": _l("Professional services"),
    "finance": _l("Finance and insurance"),
    "real_estate": _l("Real estate"),
    "health": _l("Health care"),
    "energy": _l("Energy and utilities"),
    "agriculture": _l("Agriculture"),
    "fashion": _l("Fashion and textiles"),
    "public": _l("Public administration"),
    "other": _l("Other sector"),
}

#: Legal bases of processing a contact's data (GDPR art. 6), for the privacy plugin.
LEGAL_BASES: dict[str, Any] = {
    "consent": _l("Consent"),
    "contract": _l("Contract"),
    "legal_obligation": _l("Legal obligation"),
    "legitimate_interest": _l("Legitimate interest"),
}

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ./-]{6,24}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
CAP = re.compile(r"^[0-9]{5}$")
SDI = re.compile(r"^[A-Z0-9]{7}$")
PA = re.compile(r"^[A-Z0-9]{6}$")
WEBSITE = re.compile(r"^(https?://)?[^\s/]+\.[^\s]+$", re.IGNORECASE)

#: Text fields of a company and their longest length.
TEXT_FIELDS = {
    "name": 200, "vat_number": 30, "tax_code": 16, "legal_street": 200, "legal_postcode": 10,
    "legal_city": 120, "legal_province": 2, "legal_country": 2, "op_street": 200, "op_postcode": 10,
    "op_city": 120, "op_province": 2, "op_country": 2, "pec": 254, "sdi_code": 7, "pa_code": 6,
    "phone": 32, "email": 254, "website": 254, "sector": 40, "notes": 20000,
}
UPPER = {"vat_number", "tax_code", "legal_province", "legal_country", "op_province", "op_country", "sdi_code", "pa_code"}


def name_key(name: str) -> str:
    """A company name lowercased with spaces collapsed (sorting and duplicate detection)."""
    return " ".join(name.lower().split())


def compact(value: Any) -> str:
    return re.sub(r"[\s.\-/]", "", str(value or "")).upper()


def check_vat(number: str, country: str) -> tuple[str, str | None]:
    """(the compact number, an error message or None) of a VAT number of ``country``."""
    country = (country or "IT").upper()
    number = compact(number)
    prefix = "EL" if country == "GR" else country
    if number.startswith(prefix) and len(number) > len(prefix) and not number[: len(prefix)].isdigit():
        number = number[len(prefix):]
    if not number:
        return "", None
    try:
        if country == "IT":
            return iva.validate(number), None
        if country.lower() in eu_vat.MEMBER_STATES or country == "GR":
            return eu_vat.validate(prefix + number)[len(prefix):], None
        module = get_cc_module(country.lower(), "vat")
        if module is not None:
            return compact(module.validate(number)), None
    except StdnumError:
        if country == "IT":
            return number, str(_l("This partita IVA is not valid: check the 11 digits (the last one is a check digit)."))
        return number, str(_l("This is not a valid VAT number of %(country)s.", country=country))
    return number, None


def check_tax_code(code: str, country: str) -> tuple[str, str | None]:
    """(the compact code, an error or None): an Italian codice fiscale is 11 digits (a
    company's, like a partita IVA) or the 16 characters of a person."""
    code = compact(code)
    if not code or (country or "IT").upper() != "IT":
        return code, None
    try:
        if len(code) == 11 and code.isdigit():
            return iva.validate(code), None
        return codicefiscale.validate(code), None
    except StdnumError:
        return code, str(_l("This codice fiscale is not valid: write the 11 digits of the company or the 16 characters of a person."))


def clean_company(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Normalise the fields of a company and check them together.

    :return: the cleaned values and the errors, field name to message (empty when valid).
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, longest in TEXT_FIELDS.items():
        if field not in data:
            continue
        value = "" if data[field] is None else str(data[field]).strip()
        if field in UPPER:
            value = value.upper()
        if len(value) > longest and field not in ("vat_number", "tax_code"):
            errors[field] = str(_l("At most %(count)s characters.", count=longest))
        values[field] = value
    if "name" in values and not values["name"]:
        errors["name"] = str(_l("Write the company name (ragione sociale)."))
    if "name" in values:
        values["name_key"] = name_key(values["name"])
    country = values.get("legal_country") or "IT"
    if "legal_country" in values:
        values["legal_country"] = country
        if not COUNTRY.match(country):
            errors["legal_country"] = str(_l("Write the two-letter ISO code of the country, such as IT or DE."))
    if values.get("vat_number"):
        values["vat_number"], error = check_vat(values["vat_number"], country)
        if error:
            errors["vat_number"] = error
    if values.get("tax_code"):
        values["tax_code"], error = check_tax_code(values["tax_code"], country)
        if error:
            errors["tax_code"] = error
        elif len(values["tax_code"]) > 16:
            errors["tax_code"] = str(_l("At most %(count)s characters.", count=16))
    for prefix, default_country in (("legal", country), ("op", values.get("op_country") or country)):
        province, postcode = values.get(f"{prefix}_province"), values.get(f"{prefix}_postcode")
        if prefix == "op" and values.get("op_country") and not COUNTRY.match(values["op_country"]):
            errors["op_country"] = str(_l("Write the two-letter ISO code of the country, such as IT or DE."))
        if default_country == "IT":
            if province and province not in PROVINCES:
                errors[f"{prefix}_province"] = str(_l("Write the two-letter code of an Italian province, such as MI or RM."))
            if postcode and not CAP.match(postcode):
                errors[f"{prefix}_postcode"] = str(_l("An Italian CAP is 5 digits."))
    for field in ("pec", "email"):
        if values.get(field) and not EMAIL.match(values[field]):
            errors[field] = str(_l("Write a valid e-mail address, such as name@example.com."))
    if values.get("sdi_code") and not SDI.match(values["sdi_code"]):
        errors["sdi_code"] = str(_l("The codice destinatario SdI is exactly 7 letters or digits."))
    if values.get("pa_code") and not PA.match(values["pa_code"]):
        errors["pa_code"] = str(_l("The PA office code (codice univoco ufficio) is exactly 6 letters or digits."))
    if values.get("sdi_code") and values.get("pa_code"):
        errors["pa_code"] = str(_l("Write either the codice destinatario or the PA office code, not both."))
    if values.get("phone") and not PHONE.match(values["phone"]):
        errors["phone"] = str(_l("Use only digits, spaces and an initial +."))
    if values.get("website") and not WEBSITE.match(values["website"]):
        errors["website"] = str(_l("Write a web address, such as www.example.it."))
    if values.get("sector") and values["sector"] not in SECTORS:
        errors["sector"] = str(_l("Choose a sector of the list."))
    return values, errors


def clean_contact(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Normalise and check a contact person."""
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
    errors: dict[str, str] = {}
    if "last_name" in values and not values["last_name"]:
        errors["last_name"] = str(_l("Write the surname."))
    if values.get("email") and not EMAIL.match(values["email"]):
        errors["email"] = str(_l("Write a valid e-mail address, such as name@example.com."))
    for field in ("phone", "mobile"):
        if values.get(field) and not PHONE.match(values[field]):
            errors[field] = str(_l("Use only digits, spaces and an initial +."))
    if values.get("legal_basis") and values["legal_basis"] not in LEGAL_BASES:
        errors["legal_basis"] = str(_l("Choose a legal basis of the list."))
    return values, errors


def tag_names(text: str | list[str] | None) -> list[str]:
    """Tags written as "a, b" (or a list): trimmed, lowercased, unique, in order."""
    items = text if isinstance(text, list) else (text or "").split(",")
    seen: list[str] = []
    for item in items:
        name = " ".join(str(item).split()).lower()[:60]
        if name and name not in seen:
            seen.append(name)
    return seen
