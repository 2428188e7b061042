"""Settings of invoicing: the seller's registry data printed on documents, numbering."""

from __future__ import annotations

from marshmallow import Schema, fields, validate
from sportello import lazy_gettext as _l


def _text(label: str, longest: int = 200, default: str = "", description: str = "") -> fields.String:
    return fields.String(load_default=default, validate=validate.Length(max=longest),
                         metadata={"label": _l(label), **({"description": _l(description)} if description else {})})


class InvoicingSettings(Schema):
    seller_name = _text("Seller: company name", description="Empty: the organisation name of the general settings.")
    seller_vat_number = _text("Seller: partita IVA", 30)
    seller_tax_code = _text("Seller: codice fiscale", 16)
    seller_address = _text("Seller: address")
    seller_postcode = _text("Seller: postcode", 10)
    seller_city = _text("Seller: city", 120)
    seller_province = _text("Seller: province", 2)
    seller_country = _text("Seller: country", 2, "IT")
    seller_tax_regime = _text("Seller: tax regime (RF01 ordinary)", 4, "RF01")
    seller_rea = _text("Seller: REA number", 40)
    seller_email = _text("Seller: e-mail", 254)
    seller_pec = _text("Seller: PEC", 254)
    seller_phone = _text("Seller: phone", 40)
    iban = _text("IBAN for bank transfers", 34)
    bank = _text("Bank", 120)
    invoice_sequence = _text("Invoice sequence", 20, "FT", "Invoices and credit notes sharing a sequence share the numbers.")
    invoice_format = _text("Invoice number format", 40, "{number}/{year}", "With {number}, {year}, {sequence}.")
    credit_note_sequence = _text("Credit note sequence", 20, "NC")
    credit_note_format = _text("Credit note number format", 40, "NC {number}/{year}")
    quote_validity_days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=365),
                                         metadata={"label": _l("Days a quote stays valid")})
