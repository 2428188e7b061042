"""Numbers as people type them, in Italian or English, read into ``Decimal``.

One reader for every form and API field of money, hours, quantities and percentages,
so ``1.234,50``, ``1234,5``, ``1234.50`` and ``€ 12`` mean the same everywhere.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any


def parse_decimal(value: Any) -> Decimal:
    """``value`` as a ``Decimal``; raises ``ValueError`` when it is not a finite number.

    Accepts ``Decimal``, ``int``, a ``float`` through its shortest text (so ``0.1`` stays
    ``0.1``) and text: a comma is the decimal mark and dots group thousands
    (``1.234,50``); without a comma the dot is the decimal mark (``1234.50``, as JSON
    writes numbers). Spaces, non-breaking spaces and the euro sign are ignored.
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool) or value is None:
        raise ValueError("not a number")
    elif isinstance(value, int):
        result = Decimal(value)
    else:
        text = str(value).strip()
        for ignored in (" ", "\u00a0", "\u202f", "€"):
            text = text.replace(ignored, "")
        if "," in text:
            text = text.replace(".", "").replace(",", ".")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise ValueError("not a number") from None
    if not result.is_finite():
        raise ValueError("not a number")
    return result
