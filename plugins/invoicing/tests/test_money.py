"""Money rules: Decimal, line totals, VAT rounded per rate on the taxable total, bollo."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal as D

from sportello_invoicing.money import (
    check_line,
    line_total,
    stamp_duty_due,
    totals,
    vat_summary,
)


@dataclass
class L:
    total: D
    vat_rate: D
    vat_nature: str = ""
    withholding: bool = False


def test_line_total_rounds_half_up_after_the_discount() -> None:
    assert line_total(D(3), D("10.005"), D(0)) == D("30.02")  # 30.015 → 30.02
    assert line_total(D(1), D("99.99"), D(10)) == D("89.99")  # 89.991
    assert line_total(D("2.5"), D("0.1"), D(0)) == D("0.25")


def test_vat_is_rounded_once_per_rate_on_the_taxable_total() -> None:
    # Three lines of 0.15 at 22%: line by line 0.03 × 3 = 0.09; on the total 0.45 × 22% = 0.099 → 0.10.
    lines = [L(D("0.15"), D(22))] * 3
    summary = vat_summary(lines)
    assert [(r.rate, r.taxable, r.vat) for r in summary] == [(D("22.00"), D("0.45"), D("0.10"))]


def test_summary_has_one_row_per_rate_and_nature() -> None:
    lines = [L(D(100), D(22)), L(D(50), D(10)), L(D(30), D(0), "N4"), L(D(20), D(0), "N2.2"), L(D(1), D(22))]
    summary = vat_summary(lines)
    assert [(r.rate, r.nature, r.taxable, r.vat) for r in summary] == [
        (D("22.00"), "", D(101), D("22.22")), (D("10.00"), "", D(50), D("5.00")),
        (D("0.00"), "N2.2", D(20), D("0.00")), (D("0.00"), "N4", D(30), D("0.00"))]


def test_stamp_duty_above_77_47_of_exempt_amounts_only() -> None:
    assert not stamp_duty_due([L(D("77.47"), D(0), "N4")])
    assert stamp_duty_due([L(D("77.48"), D(0), "N4")])
    assert not stamp_duty_due([L(D(1000), D(22))])
    assert not stamp_duty_due([L(D(1000), D(0), "N3.1")])  # exports bear no bollo
    result = totals([L(D(100), D(0), "N4"), L(D(100), D(22))])
    assert (result.stamp_duty, result.total) == (D("2.00"), D("224.00"))


def test_withholding_and_split_payment_reduce_the_amount_due() -> None:
    lines = [L(D(1000), D(22), withholding=True)]
    result = totals(lines, withholding_rate=D(20))
    assert (result.total, result.withholding, result.amount_due) == (D("1220.00"), D("200.00"), D("1020.00"))
    split = totals([L(D(1000), D(22))], split_payment=True)
    assert (split.total, split.amount_due) == (D("1220.00"), D("1000.00"))


def test_check_line_refuses_bad_input_with_clear_messages() -> None:
    _v, errors = check_line({"description": "x", "quantity": "-1", "unit_price": "10", "vat_rate": "22"})
    assert "negative" in errors["quantity"]
    _v, errors = check_line({"description": "x", "unit_price": "10", "vat_rate": "0"})
    assert "nature code" in errors["vat_nature"]
    _v, errors = check_line({"description": "x", "unit_price": "10", "vat_rate": "22", "vat_nature": "N4"})
    assert "no nature code" in errors["vat_nature"]
    _v, errors = check_line({"description": "x", "unit_price": "10", "vat_rate": "0", "vat_nature": "N2"})
    assert "Unknown nature" in errors["vat_nature"]
    _v, errors = check_line({"description": "x", "unit_price": "dieci", "vat_rate": "0.22"})
    assert "not a number" in errors["unit_price"] and "22, not 0.22" in errors["vat_rate"]
    values, errors = check_line({"description": "Licenza", "quantity": "2", "unit_price": "1.234,50", "vat_rate": "22", "discount_percent": "10"})
    assert not errors and values["total"] == D("2222.10") and isinstance(values["unit_price"], D)
