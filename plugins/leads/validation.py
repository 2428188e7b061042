"""Checks of a lead's registry data: the companies plugin's own rules (same Italian
fields and checks), re-exported so the pages, the API and the importer share them."""

from __future__ import annotations

from sportello_companies.validation import (  # noqa: F401 - re-exported
    LEGAL_BASES,
    PROVINCES,
    SECTORS,
    TEXT_FIELDS,
    check_tax_code,
    check_vat,
    clean_company,
    clean_contact,
    compact,
    name_key,
    tag_names,
)
