"""Settings of invoicing: the seller's registry data printed on documents, numbering."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate
from sportello import lazy_gettext as _l


def _text(label: Any, longest: int = 200, default: str = "", description: Any = "") -> fields.String:
    """A text setting; ``label`` and ``description`` come translatable (``_l``) from the caller."""
    return fields.String(load_default=default, validate=validate.Length(max=longest),
                         metadata={"label": label, **({"description": description} if description else {})})


class InvoicingSettings(Schema):
    seller_name = _text(_l("Seller: company name"), description=_l("Empty: the organisation name of the general settings."))
    seller_vat_number = _text(_l("Seller: partita IVA"), 30)
    seller_tax_code = _text(_l("Seller: codice fiscale"), 16)
    seller_address = _text(_l("Seller: address"))
    seller_postcode = _text(_l("Seller: postcode"), 10)
    seller_city = _text(_l("Seller: city"), 120)
    seller_province = _text(_l("Seller: province"), 2)
    seller_country = _text(_l("Seller: country"), 2, "IT")
    seller_tax_regime = _text(_l("Seller: tax regime (RF01 ordinary)"), 4, "RF01")
    seller_rea = _text(_l("Seller: REA number"), 40)
    seller_email = _text(_l("Seller: e-mail"), 254)
    seller_pec = _text(_l("Seller: PEC"), 254)
    seller_phone = _text(_l("Seller: phone"), 40)
    iban = _text(_l("IBAN for bank transfers"), 34)
    bank = _text(_l("Bank"), 120)
    invoice_sequence = _text(_l("Invoice sequence"), 20, "FT",
                             _l("Invoices and credit notes sharing a sequence share the numbers."))
    invoice_format = _text(_l("Invoice number format"), 40, "{number}/{year}", _l("With {number}, {year}, {sequence}."))
    credit_note_sequence = _text(_l("Credit note sequence"), 20, "NC")
    credit_note_format = _text(_l("Credit note number format"), 40, "NC {number}/{year}")
    quote_validity_days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=365),
                                         metadata={"label": _l("Days a quote stays valid")})
