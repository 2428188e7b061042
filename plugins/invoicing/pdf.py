"""PDFs of quotes and invoices with xhtml2pdf, from templates a deployment can override
(``templates/invoicing/pdf/quote.html`` and ``invoice.html`` in a folder earlier on the
Jinja search path)."""

from __future__ import annotations

import io
from typing import Any

from flask import render_template
from sportello import get_setting

from . import services
from .models import DOCUMENT_TYPES, Invoice, Quote
from .money import NATURES, PAYMENT_METHODS, vat_summary


def _render(template: str, **context: Any) -> bytes:
    from xhtml2pdf import pisa

    html = render_template(template, **context)
    output = io.BytesIO()
    result = pisa.CreatePDF(html, dest=output, encoding="utf-8")
    if result.err:  # pragma: no cover - the templates are ours
        raise RuntimeError("the PDF could not be rendered")
    return output.getvalue()


def _common() -> dict[str, Any]:
    return {"natures": NATURES, "methods": PAYMENT_METHODS, "types": DOCUMENT_TYPES,
            "organisation": get_setting("general", "organisation_name", "") or "Sportello"}


def quote_pdf(quote: Quote) -> bytes:
    return _render("invoicing/pdf/quote.html", quote=quote, seller=services.seller_snapshot(),
                   customer=_quote_customer(quote),
                   summary=vat_summary(quote.lines), **_common())


def _quote_customer(quote: Quote) -> dict[str, Any]:
    """The registry data the quote is addressed to: the company's, or the lead's."""
    party = services.customer_of(quote)
    return services.customer_snapshot(party) if party is not None else {}


def invoice_pdf(invoice: Invoice) -> bytes:
    customer = invoice.customer or services.customer_snapshot(invoice.company)
    seller = invoice.seller or services.seller_snapshot()
    return _render("invoicing/pdf/invoice.html", invoice=invoice, seller=seller, customer=customer,
                   summary=vat_summary(invoice.lines), **_common())
