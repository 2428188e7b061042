"""Quotes, invoices, instalments, payments and numbering counters.

Revision ID: invoicing0001
Revises:
Create Date: 2026-11-23
"""

import sportello.core.db
import sqlalchemy as sa
from alembic import op

revision = "invoicing0001"
down_revision = None
branch_labels = ("invoicing",)
depends_on = ("core0004", "companies0001")

MONEY = sa.Numeric(14, 2)
NOT_NULL = {"nullable": False}


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sportello.core.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sportello.core.db.UTCDateTime(), nullable=False),
    ]


def _line_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), **NOT_NULL),
        sa.Column("description", sa.Text(), **NOT_NULL),
        sa.Column("quantity", sa.Numeric(14, 3), **NOT_NULL),
        sa.Column("unit", sa.String(20), **NOT_NULL),
        sa.Column("unit_price", sa.Numeric(16, 4), **NOT_NULL),
        sa.Column("discount_percent", sa.Numeric(5, 2), **NOT_NULL),
        sa.Column("vat_rate", sa.Numeric(5, 2), **NOT_NULL),
        sa.Column("vat_nature", sa.String(5), **NOT_NULL),
        sa.Column("withholding", sa.Boolean(), **NOT_NULL),
        sa.Column("total", MONEY, **NOT_NULL),
    ]


def upgrade() -> None:
    op.create_table(
        "invoicing_counter",
        sa.Column("sequence", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("sequence", "year", name=op.f("pk_invoicing_counter")),
    )
    op.create_table(
        "invoicing_quote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(30), **NOT_NULL),
        sa.Column("year", sa.Integer(), **NOT_NULL),
        sa.Column("sequence_number", sa.Integer(), **NOT_NULL),
        sa.Column("title", sa.String(200), **NOT_NULL),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("salesperson_id", sa.Integer(), **NOT_NULL),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("date", sa.Date(), **NOT_NULL),
        sa.Column("valid_until", sa.Date(), **NOT_NULL),
        sa.Column("state", sa.String(10), **NOT_NULL),
        sa.Column("notes", sa.Text(), **NOT_NULL),
        sa.Column("terms", sa.Text(), **NOT_NULL),
        sa.Column("taxable_total", MONEY, **NOT_NULL),
        sa.Column("vat_total", MONEY, **NOT_NULL),
        sa.Column("total", MONEY, **NOT_NULL),
        sa.Column("accepted_at", sa.Date(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(["company_id"], ["companies_company.id"], name=op.f("fk_invoicing_quote_company_id_companies_company")),
        sa.ForeignKeyConstraint(["salesperson_id"], ["core_user.id"], name=op.f("fk_invoicing_quote_salesperson_id_core_user")),
        sa.ForeignKeyConstraint(["created_by_id"], ["core_user.id"], name=op.f("fk_invoicing_quote_created_by_id_core_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoicing_quote")),
        sa.UniqueConstraint("year", "sequence_number", name="uq_invoicing_quote_year_sequence_number"),
    )
    op.create_index("ix_invoicing_quote_salesperson_date", "invoicing_quote", ["salesperson_id", "date", "id"])
    op.create_index("ix_invoicing_quote_created_by", "invoicing_quote", ["created_by_id", "date", "id"])
    op.create_index("ix_invoicing_quote_company", "invoicing_quote", ["company_id", "date", "id"])
    op.create_index("ix_invoicing_quote_date", "invoicing_quote", ["date", "id"])
    op.create_index("ix_invoicing_quote_lead", "invoicing_quote", ["lead_id"])
    op.create_table(
        "invoicing_quote_line",
        *_line_columns(),
        sa.Column("quote_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["quote_id"], ["invoicing_quote.id"], name=op.f("fk_invoicing_quote_line_quote_id_invoicing_quote"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoicing_quote_line")),
    )
    op.create_index(op.f("ix_invoicing_quote_line_quote_id"), "invoicing_quote_line", ["quote_id"])
    op.create_table(
        "invoicing_invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_type", sa.String(4), **NOT_NULL),
        sa.Column("sequence", sa.String(20), **NOT_NULL),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("sequence_number", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(30), **NOT_NULL),
        sa.Column("date", sa.Date(), **NOT_NULL),
        sa.Column("state", sa.String(12), **NOT_NULL),
        sa.Column("company_id", sa.Integer(), **NOT_NULL),
        sa.Column("quote_id", sa.Integer(), nullable=True),
        sa.Column("related_invoice_id", sa.Integer(), nullable=True),
        sa.Column("salesperson_id", sa.Integer(), nullable=True),
        sa.Column("customer", sa.JSON(), nullable=True),
        sa.Column("seller", sa.JSON(), nullable=True),
        sa.Column("notes", sa.Text(), **NOT_NULL),
        sa.Column("withholding_rate", sa.Numeric(5, 2), nullable=True),
        sa.Column("withholding_type", sa.String(4), **NOT_NULL),
        sa.Column("withholding_reason", sa.String(2), **NOT_NULL),
        sa.Column("stamp_duty_charged", sa.Boolean(), **NOT_NULL),
        sa.Column("split_payment", sa.Boolean(), **NOT_NULL),
        sa.Column("reverse_charge", sa.Boolean(), **NOT_NULL),
        sa.Column("cig", sa.String(15), **NOT_NULL),
        sa.Column("cup", sa.String(15), **NOT_NULL),
        sa.Column("order_reference", sa.String(20), **NOT_NULL),
        sa.Column("order_date", sa.Date(), nullable=True),
        sa.Column("payment_terms", sa.String(60), **NOT_NULL),
        sa.Column("payment_method", sa.String(4), **NOT_NULL),
        sa.Column("iban", sa.String(34), **NOT_NULL),
        sa.Column("taxable_total", MONEY, **NOT_NULL),
        sa.Column("vat_total", MONEY, **NOT_NULL),
        sa.Column("stamp_duty", MONEY, **NOT_NULL),
        sa.Column("withholding_amount", MONEY, **NOT_NULL),
        sa.Column("total", MONEY, **NOT_NULL),
        sa.Column("amount_due", MONEY, **NOT_NULL),
        sa.Column("paid_total", MONEY, **NOT_NULL),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(["company_id"], ["companies_company.id"], name=op.f("fk_invoicing_invoice_company_id_companies_company")),
        sa.ForeignKeyConstraint(["quote_id"], ["invoicing_quote.id"], name=op.f("fk_invoicing_invoice_quote_id_invoicing_quote")),
        sa.ForeignKeyConstraint(["related_invoice_id"], ["invoicing_invoice.id"], name=op.f("fk_invoicing_invoice_related_invoice_id_invoicing_invoice")),
        sa.ForeignKeyConstraint(["salesperson_id"], ["core_user.id"], name=op.f("fk_invoicing_invoice_salesperson_id_core_user")),
        sa.ForeignKeyConstraint(["issued_by_id"], ["core_user.id"], name=op.f("fk_invoicing_invoice_issued_by_id_core_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoicing_invoice")),
        sa.UniqueConstraint("sequence", "year", "sequence_number", name="uq_invoicing_invoice_sequence_year_number"),
    )
    op.create_index("ix_invoicing_invoice_date", "invoicing_invoice", ["date", "id"])
    op.create_index("ix_invoicing_invoice_company", "invoicing_invoice", ["company_id", "date", "id"])
    op.create_index("ix_invoicing_invoice_state", "invoicing_invoice", ["state", "date", "id"])
    op.create_table(
        "invoicing_invoice_line",
        *_line_columns(),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoicing_invoice.id"], name=op.f("fk_invoicing_invoice_line_invoice_id_invoicing_invoice"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoicing_invoice_line")),
    )
    op.create_index(op.f("ix_invoicing_invoice_line_invoice_id"), "invoicing_invoice_line", ["invoice_id"])
    op.create_table(
        "invoicing_instalment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), **NOT_NULL),
        sa.Column("days", sa.Integer(), **NOT_NULL),
        sa.Column("due_date", sa.Date(), **NOT_NULL),
        sa.Column("amount", MONEY, **NOT_NULL),
        sa.Column("paid_amount", MONEY, **NOT_NULL),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoicing_invoice.id"], name=op.f("fk_invoicing_instalment_invoice_id_invoicing_invoice"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoicing_instalment")),
    )
    op.create_index(op.f("ix_invoicing_instalment_invoice_id"), "invoicing_instalment", ["invoice_id"])
    op.create_index("ix_invoicing_instalment_due", "invoicing_instalment", ["due_date", "id"])
    op.create_table(
        "invoicing_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("instalment_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), **NOT_NULL),
        sa.Column("amount", MONEY, **NOT_NULL),
        sa.Column("method", sa.String(4), **NOT_NULL),
        sa.Column("note", sa.String(200), **NOT_NULL),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoicing_invoice.id"], name=op.f("fk_invoicing_payment_invoice_id_invoicing_invoice"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["instalment_id"], ["invoicing_instalment.id"], name=op.f("fk_invoicing_payment_instalment_id_invoicing_instalment"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["core_user.id"], name=op.f("fk_invoicing_payment_recorded_by_id_core_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoicing_payment")),
    )
    op.create_index(op.f("ix_invoicing_payment_invoice_id"), "invoicing_payment", ["invoice_id"])
    op.create_index(op.f("ix_invoicing_payment_instalment_id"), "invoicing_payment", ["instalment_id"])


def downgrade() -> None:
    for table in ("invoicing_payment", "invoicing_instalment", "invoicing_invoice_line", "invoicing_invoice",
                  "invoicing_quote_line", "invoicing_quote", "invoicing_counter"):
        op.drop_table(table)
