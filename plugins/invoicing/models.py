"""Tables of the invoicing plugin: quotes and their lines, invoices (and credit notes)
with their lines, instalments and payments, and the numbering counters.

Money is ``Decimal`` in ``Numeric`` columns everywhere. An invoice carries what a
FatturaPA document needs later (document type TD01/TD04, VAT nature codes, withholding,
stamp duty, split payment, reverse charge, PA data CIG/CUP, frozen customer data).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sportello import Model, TimestampMixin
from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

MONEY = Numeric(14, 2)
PRICE = Numeric(16, 4)
QUANTITY = Numeric(14, 3)
PERCENT = Numeric(5, 2)

QUOTE_STATES = ("draft", "sent", "accepted", "rejected", "expired")
#: Stored states of an invoice; "overdue" is computed from the instalments and today.
INVOICE_STATES = ("draft", "issued", "partly_paid", "paid")
DOCUMENT_TYPES = {"TD01": "Fattura", "TD04": "Nota di credito"}


class Counter(Model):
    """The last number given in a sequence and year; its row is locked (SELECT ... FOR
    UPDATE) by the transaction that issues the next number, so numbers never repeat or skip."""

    __tablename__ = "invoicing_counter"
    __audit__ = False

    sequence: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Quote(TimestampMixin, Model):
    """A quote (preventivo) on a company (or, with the leads plugin, on a lead)."""

    __tablename__ = "invoicing_quote"
    __entity__ = "invoicing.quote"
    __table_args__ = (
        Index("ix_invoicing_quote_salesperson_date", "salesperson_id", "date", "id"),
        Index("ix_invoicing_quote_created_by", "created_by_id", "date", "id"),
        Index("ix_invoicing_quote_company", "company_id", "date", "id"),
        Index("ix_invoicing_quote_date", "date", "id"),
        Index("ix_invoicing_quote_lead", "lead_id"),
        UniqueConstraint("year", "sequence_number", name="uq_invoicing_quote_year_sequence_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30))
    year: Mapped[int] = mapped_column(Integer)
    sequence_number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200), default="")
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies_company.id"))
    #: The leads plugin attaches quotes to leads; no foreign key, the plugin is optional.
    lead_id: Mapped[int | None] = mapped_column(Integer)
    salesperson_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    #: For the projects plugin: the project a quote belongs to (no foreign key, optional plugin).
    project_id: Mapped[int | None] = mapped_column(Integer)
    date: Mapped[date] = mapped_column()
    valid_until: Mapped[date] = mapped_column()
    state: Mapped[str] = mapped_column(String(10), default="draft")
    notes: Mapped[str] = mapped_column(Text, default="")
    terms: Mapped[str] = mapped_column(Text, default="")
    taxable_total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    vat_total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    accepted_at: Mapped[date | None] = mapped_column()

    lines: Mapped[list[QuoteLine]] = relationship(
        back_populates="quote", order_by="QuoteLine.position", cascade="all, delete-orphan")
    company = relationship("Company", foreign_keys=[company_id])
    salesperson = relationship("User", foreign_keys=[salesperson_id])
    created_by = relationship("User", foreign_keys=[created_by_id])


class LineMixin:
    """The fields a quote line and an invoice line share."""

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text)
    quantity: Mapped[Decimal] = mapped_column(QUANTITY, default=Decimal(1))
    unit: Mapped[str] = mapped_column(String(20), default="")
    unit_price: Mapped[Decimal] = mapped_column(PRICE)
    discount_percent: Mapped[Decimal] = mapped_column(PERCENT, default=Decimal(0))
    vat_rate: Mapped[Decimal] = mapped_column(PERCENT)
    #: FatturaPA Natura (N1..N7 with subcodes): required when the rate is 0, absent otherwise.
    vat_nature: Mapped[str] = mapped_column(String(5), default="")
    #: FatturaPA Ritenuta=SI: the line is subject to the withholding tax.
    withholding: Mapped[bool] = mapped_column(Boolean, default=False)
    total: Mapped[Decimal] = mapped_column(MONEY)


class QuoteLine(LineMixin, Model):
    __tablename__ = "invoicing_quote_line"
    __entity__ = "invoicing.quote_line"

    quote_id: Mapped[int] = mapped_column(ForeignKey("invoicing_quote.id", ondelete="CASCADE"), index=True)
    quote: Mapped[Quote] = relationship(back_populates="lines")


class Invoice(TimestampMixin, Model):
    """An invoice (TD01) or credit note (TD04). A draft has no number; issuing gives it
    the next number of its sequence, freezes the customer's data and makes it read-only."""

    __tablename__ = "invoicing_invoice"
    __entity__ = "invoicing.invoice"
    __table_args__ = (
        Index("ix_invoicing_invoice_date", "date", "id"),
        Index("ix_invoicing_invoice_company", "company_id", "date", "id"),
        Index("ix_invoicing_invoice_state", "state", "date", "id"),
        UniqueConstraint("sequence", "year", "sequence_number", name="uq_invoicing_invoice_sequence_year_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_type: Mapped[str] = mapped_column(String(4), default="TD01")
    sequence: Mapped[str] = mapped_column(String(20), default="")
    year: Mapped[int | None] = mapped_column(Integer)
    sequence_number: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(30), default="")
    date: Mapped[date] = mapped_column()
    state: Mapped[str] = mapped_column(String(12), default="draft")
    company_id: Mapped[int] = mapped_column(ForeignKey("companies_company.id"))
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("invoicing_quote.id"))
    #: A credit note's corrected invoice (FatturaPA DatiFattureCollegate).
    related_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoicing_invoice.id"))
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    #: The customer's registry data frozen at issue (JSON snapshot); the seller's too.
    customer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    seller: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    notes: Mapped[str] = mapped_column(Text, default="")
    # Tax options (FatturaPA)
    withholding_rate: Mapped[Decimal | None] = mapped_column(PERCENT)
    withholding_type: Mapped[str] = mapped_column(String(4), default="")  # RT01 natural persons, RT02 legal persons
    withholding_reason: Mapped[str] = mapped_column(String(2), default="")  # CausalePagamento (A, B, ...)
    stamp_duty_charged: Mapped[bool] = mapped_column(Boolean, default=True)  # bollo re-charged to the customer
    split_payment: Mapped[bool] = mapped_column(Boolean, default=False)  # EsigibilitaIVA = S
    reverse_charge: Mapped[bool] = mapped_column(Boolean, default=False)
    cig: Mapped[str] = mapped_column(String(15), default="")
    cup: Mapped[str] = mapped_column(String(15), default="")
    order_reference: Mapped[str] = mapped_column(String(20), default="")
    order_date: Mapped[date | None] = mapped_column()
    # Payment terms
    payment_terms: Mapped[str] = mapped_column(String(60), default="30")  # days from the date: "30/60/90"
    payment_method: Mapped[str] = mapped_column(String(4), default="MP05")  # FatturaPA ModalitaPagamento
    iban: Mapped[str] = mapped_column(String(34), default="")
    # Totals (kept by services.compute)
    taxable_total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    vat_total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    stamp_duty: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    withholding_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    amount_due: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    paid_total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", cascade="all, delete-orphan")
    instalments: Mapped[list[Instalment]] = relationship(
        back_populates="invoice", order_by="Instalment.position", cascade="all, delete-orphan")
    payments: Mapped[list[Payment]] = relationship(
        back_populates="invoice", order_by="Payment.date", cascade="all, delete-orphan")
    company = relationship("Company", foreign_keys=[company_id])
    quote = relationship(Quote, foreign_keys=[quote_id])
    related_invoice = relationship("Invoice", remote_side=[id], foreign_keys=[related_invoice_id])
    salesperson = relationship("User", foreign_keys=[salesperson_id])

    def state_on(self, today: date) -> str:
        """The state shown: "overdue" when an instalment is past due and unpaid."""
        if self.state in ("issued", "partly_paid") and any(
                i.due_date < today and i.paid_amount < i.amount for i in self.instalments):
            return "overdue"
        return self.state


class InvoiceLine(LineMixin, Model):
    __tablename__ = "invoicing_invoice_line"
    __entity__ = "invoicing.invoice_line"

    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoicing_invoice.id", ondelete="CASCADE"), index=True)
    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class Instalment(Model):
    """One instalment of an invoice's payment terms: a deadline for the CRM admins."""

    __tablename__ = "invoicing_instalment"
    __entity__ = "invoicing.instalment"
    __table_args__ = (Index("ix_invoicing_instalment_due", "due_date", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoicing_invoice.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=1)
    days: Mapped[int] = mapped_column(Integer, default=0)
    due_date: Mapped[date] = mapped_column()
    amount: Mapped[Decimal] = mapped_column(MONEY)
    paid_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))

    invoice: Mapped[Invoice] = relationship(back_populates="instalments")

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid_amount


class Payment(TimestampMixin, Model):
    """A payment received against an instalment."""

    __tablename__ = "invoicing_payment"
    __entity__ = "invoicing.payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoicing_invoice.id", ondelete="CASCADE"), index=True)
    instalment_id: Mapped[int] = mapped_column(ForeignKey("invoicing_instalment.id", ondelete="CASCADE"), index=True)
    date: Mapped[date] = mapped_column()
    amount: Mapped[Decimal] = mapped_column(MONEY)
    method: Mapped[str] = mapped_column(String(4), default="MP05")
    note: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))

    invoice: Mapped[Invoice] = relationship(back_populates="payments")
    instalment: Mapped[Instalment] = relationship()
