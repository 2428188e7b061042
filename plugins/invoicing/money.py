"""Money rules: Decimal only, Italian rounding.

- a line's total is quantity × unit price less the discount %, rounded half-up to cents
  (FatturaPA PrezzoTotale, check 00423);
- VAT is computed once per VAT rate (and nature) on the taxable total of that rate and
  rounded half-up to cents (DatiRiepilogo, check 00421), never line by line;
- stamp duty (bollo) of € 2.00 when the amounts without VAT that are subject to it exceed
  € 77.47 (exports, intra-EU supplies, reverse charge and out-of-scope lines excluded);
- withholding on the lines marked for it; split payment takes the VAT out of the amount due.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sportello import parse_decimal
from sportello import gettext as _

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
STAMP_DUTY = Decimal("2.00")
STAMP_DUTY_THRESHOLD = Decimal("77.47")

#: FatturaPA VAT nature codes in force (generic N2, N3, N6 are refused since 2021).
NATURES = {
    "N1": "Escluse ex art. 15 DPR 633/72",
    "N2.1": "Non soggette ad IVA ai sensi degli artt. da 7 a 7-septies DPR 633/72",
    "N2.2": "Non soggette – altri casi",
    "N3.1": "Non imponibili – esportazioni",
    "N3.2": "Non imponibili – cessioni intracomunitarie",
    "N3.3": "Non imponibili – cessioni verso San Marino",
    "N3.4": "Non imponibili – operazioni assimilate alle cessioni all'esportazione",
    "N3.5": "Non imponibili – a seguito di dichiarazioni d'intento",
    "N3.6": "Non imponibili – altre operazioni",
    "N4": "Esenti",
    "N5": "Regime del margine / IVA non esposta in fattura",
    "N6.1": "Inversione contabile – cessione di rottami e altri materiali di recupero",
    "N6.2": "Inversione contabile – cessione di oro e argento",
    "N6.3": "Inversione contabile – subappalto nel settore edile",
    "N6.4": "Inversione contabile – cessione di fabbricati",
    "N6.5": "Inversione contabile – cessione di telefoni cellulari",
    "N6.6": "Inversione contabile – cessione di prodotti elettronici",
    "N6.7": "Inversione contabile – prestazioni comparto edile e settori connessi",
    "N6.8": "Inversione contabile – operazioni settore energetico",
    "N6.9": "Inversione contabile – altri casi",
    "N7": "IVA assolta in altro stato UE",
}
#: Natures whose amounts do not count for the stamp duty.
NO_STAMP_DUTY = ("N3.1", "N3.2", "N3.3", "N3.4", "N6", "N7")
VAT_RATES = (Decimal(22), Decimal(10), Decimal(5), Decimal(4), Decimal(0))
PAYMENT_METHODS = {
    "MP01": "Contanti", "MP02": "Assegno", "MP05": "Bonifico", "MP08": "Carta di pagamento",
    "MP12": "RIBA", "MP19": "SEPA Direct Debit", "MP23": "PagoPA",
}


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_decimal(value: Any) -> Decimal:
    """A Decimal from a Decimal, int, float (through its shortest text, so 0.1 stays 0.1) or
    text as people type it ("1.234,50", "1234.50", "€ 12"); ``ValueError`` for anything
    else, booleans and None included. The one number reader is ``sportello.parse_decimal``."""
    return parse_decimal(value)


def line_total(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    gross = quantity * unit_price
    return cents(gross - gross * discount_percent / Decimal(100))


@dataclass
class VatRow:
    """One row of the VAT summary (FatturaPA DatiRiepilogo)."""

    rate: Decimal
    nature: str
    taxable: Decimal
    vat: Decimal

    @property
    def nature_label(self) -> str:
        return NATURES.get(self.nature, "")


@dataclass
class Totals:
    summary: list[VatRow]
    taxable: Decimal
    vat: Decimal
    stamp_duty: Decimal
    withholding: Decimal
    total: Decimal
    amount_due: Decimal


def vat_summary(lines: Iterable[Any]) -> list[VatRow]:
    """Taxable per (rate, nature), VAT rounded once per row."""
    grouped: dict[tuple[Decimal, str], Decimal] = {}
    for line in lines:
        key = (Decimal(line.vat_rate).quantize(CENT), line.vat_nature or "")
        grouped[key] = grouped.get(key, ZERO) + Decimal(line.total)
    return [VatRow(rate, nature, cents(taxable), cents(taxable * rate / Decimal(100)))
            for (rate, nature), taxable in sorted(grouped.items(), key=lambda item: (-item[0][0], item[0][1]))]


def stamp_duty_due(lines: Iterable[Any]) -> bool:
    subject = sum((Decimal(line.total) for line in lines
                   if Decimal(line.vat_rate) == 0 and line.vat_nature
                   and not line.vat_nature.startswith(NO_STAMP_DUTY)), ZERO)
    return subject > STAMP_DUTY_THRESHOLD


def totals(lines: list[Any], *, withholding_rate: Decimal | None = None, split_payment: bool = False,
           stamp_duty_charged: bool = True, stamp_duty_applies: bool = True) -> Totals:
    summary = vat_summary(lines)
    taxable = sum((row.taxable for row in summary), ZERO)
    vat = sum((row.vat for row in summary), ZERO)
    stamp = STAMP_DUTY if stamp_duty_applies and stamp_duty_due(lines) else ZERO
    withholding = ZERO
    if withholding_rate:
        base = sum((Decimal(line.total) for line in lines if line.withholding), ZERO)
        withholding = cents(base * withholding_rate / Decimal(100))
    total = taxable + vat + (stamp if stamp_duty_charged else ZERO)
    due = total - withholding - (vat if split_payment else ZERO)
    return Totals(summary, taxable, vat, stamp, withholding, total, due)


def _missing(field: str) -> str:
    """"Write the quantity." and the like, one whole sentence per field for the translators."""
    return {"quantity": _("Write the quantity."), "unit_price": _("Write the unit price."),
            "discount_percent": _("Write the discount."), "vat_rate": _("Write the VAT rate.")}[field]


def _not_a_number(field: str) -> str:
    return {"quantity": _("The quantity is not a number: write it like 1234,56."),
            "unit_price": _("The unit price is not a number: write it like 1234,56."),
            "discount_percent": _("The discount is not a number: write it like 1234,56."),
            "vat_rate": _("The VAT rate is not a number: write it like 1234,56.")}[field]


def check_line(data: Mapping[str, Any], *, allow_negative: bool = False) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean one line (from a form or the API): the values and the errors by field."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    description = str(data.get("description") or "").strip()
    if not description:
        errors["description"] = _("Write a description of the line.")
    values["description"] = description
    values["unit"] = str(data.get("unit") or "").strip()[:20]
    for field, default in (("quantity", "1"), ("unit_price", None), ("discount_percent", "0"), ("vat_rate", None)):
        raw = data.get(field)
        if raw in (None, ""):
            raw = default
        if raw is None:
            errors[field] = _missing(field)
            continue
        try:
            values[field] = to_decimal(raw)
        except ValueError:
            errors[field] = _not_a_number(field)
    quantity = values.get("quantity")
    if quantity is not None:
        if quantity == 0:
            errors["quantity"] = _("The quantity cannot be zero.")
        elif quantity < 0 and not allow_negative:
            errors["quantity"] = _("The quantity cannot be negative: a credit note corrects an invoice.")
        elif quantity.as_tuple().exponent < -3:
            errors["quantity"] = _("Use at most 3 decimals for the quantity.")
    price = values.get("unit_price")
    if price is not None and price < 0 and not allow_negative:
        errors["unit_price"] = _("The unit price cannot be negative.")
    discount = values.get("discount_percent")
    if discount is not None and not (0 <= discount <= 100):
        errors["discount_percent"] = _("The discount is a percentage between 0 and 100.")
    rate = values.get("vat_rate")
    nature = str(data.get("vat_nature") or "").strip().upper()
    values["vat_nature"] = nature
    if rate is not None:
        if rate < 0 or rate >= 100:
            errors["vat_rate"] = _("The VAT rate is a percentage such as 22, 10, 5, 4 or 0.")
        elif 0 < rate < 1:
            errors["vat_rate"] = _("Write the VAT rate as a percentage: 22, not 0.22.")
        elif rate == 0 and not nature:
            errors["vat_nature"] = _("A line with VAT %(zero)s needs its nature code (N1 to N7, e.g. N2.2 or N4).", zero="0%")
        elif rate == 0 and nature not in NATURES:
            errors["vat_nature"] = _("Unknown nature code: use one of %(codes)s.", codes=", ".join(NATURES))
        elif rate > 0 and nature:
            errors["vat_nature"] = _("A line with VAT has no nature code: leave it empty or set the rate to 0.")
    values["withholding"] = bool(data.get("withholding", False))
    if not errors:
        values["total"] = line_total(values["quantity"], values["unit_price"], values["discount_percent"])
    return values, errors
