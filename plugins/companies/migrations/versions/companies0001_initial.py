"""Companies, tags, contact persons and communications.

Revision ID: companies0001
Revises:
Create Date: 2026-11-24
"""

import sportello.core.db
import sqlalchemy as sa
from alembic import op

revision = "companies0001"
down_revision = None
branch_labels = ("companies",)
depends_on = "core0004"


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sportello.core.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sportello.core.db.UTCDateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "companies_tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies_tag")),
        sa.UniqueConstraint("name", name=op.f("uq_companies_tag_name")),
    )
    text = {"nullable": False}
    op.create_table(
        "companies_company",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), **text),
        sa.Column("name_key", sa.String(200), **text),
        sa.Column("vat_number", sa.String(30), nullable=True),
        sa.Column("tax_code", sa.String(16), nullable=True),
        sa.Column("public_administration", sa.Boolean(), **text),
        sa.Column("legal_street", sa.String(200), **text),
        sa.Column("legal_postcode", sa.String(10), **text),
        sa.Column("legal_city", sa.String(120), **text),
        sa.Column("legal_province", sa.String(2), **text),
        sa.Column("legal_country", sa.String(2), **text),
        sa.Column("op_street", sa.String(200), **text),
        sa.Column("op_postcode", sa.String(10), **text),
        sa.Column("op_city", sa.String(120), **text),
        sa.Column("op_province", sa.String(2), **text),
        sa.Column("op_country", sa.String(2), **text),
        sa.Column("pec", sa.String(254), **text),
        sa.Column("sdi_code", sa.String(7), **text),
        sa.Column("pa_code", sa.String(6), **text),
        sa.Column("phone", sa.String(32), **text),
        sa.Column("email", sa.String(254), **text),
        sa.Column("website", sa.String(254), **text),
        sa.Column("sector", sa.String(40), **text),
        sa.Column("notes", sa.Text(), **text),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("salesperson_id", sa.Integer(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(["salesperson_id"], ["core_user.id"], name=op.f("fk_companies_company_salesperson_id_core_user")),
        sa.ForeignKeyConstraint(["unit_id"], ["core_unit.id"], name=op.f("fk_companies_company_unit_id_core_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies_company")),
    )
    # Matching the visibility clause (salesperson) and the sorts of the list, with the id tiebreak.
    op.create_index("ix_companies_company_salesperson_updated", "companies_company", ["salesperson_id", "updated_at", "id"])
    op.create_index("ix_companies_company_salesperson_name", "companies_company", ["salesperson_id", "name_key", "id"])
    op.create_index("ix_companies_company_name_key", "companies_company", ["name_key", "id"])
    op.create_index("ix_companies_company_updated", "companies_company", ["updated_at", "id"])
    op.create_index("ix_companies_company_city", "companies_company", ["legal_city", "id"])
    op.create_index("ix_companies_company_vat_number", "companies_company", ["vat_number"])
    op.create_index("ix_companies_company_tax_code", "companies_company", ["tax_code"])
    op.create_index("ix_companies_company_province", "companies_company", ["legal_province", "id"])
    op.create_index("ix_companies_company_unit", "companies_company", ["unit_id", "id"])
    op.create_table(
        "companies_company_tag",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies_company.id"], name=op.f("fk_companies_company_tag_company_id_companies_company"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tag_id"], ["companies_tag.id"], name=op.f("fk_companies_company_tag_tag_id_companies_tag"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("company_id", "tag_id", name=op.f("pk_companies_company_tag")),
    )
    op.create_index(op.f("ix_companies_company_tag_tag_id"), "companies_company_tag", ["tag_id"])
    op.create_table(
        "companies_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(100), **text),
        sa.Column("last_name", sa.String(100), **text),
        sa.Column("role", sa.String(120), **text),
        sa.Column("email", sa.String(254), **text),
        sa.Column("phone", sa.String(32), **text),
        sa.Column("mobile", sa.String(32), **text),
        sa.Column("notes", sa.Text(), **text),
        sa.Column("consent_marketing", sa.Boolean(), **text),
        sa.Column("consent_date", sa.Date(), nullable=True),
        sa.Column("legal_basis", sa.String(60), **text),
        *_timestamps(),
        sa.ForeignKeyConstraint(["company_id"], ["companies_company.id"], name=op.f("fk_companies_contact_company_id_companies_company"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies_contact")),
    )
    op.create_index("ix_companies_contact_company", "companies_contact", ["company_id", "last_name", "id"])
    op.create_table(
        "companies_communication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(10), **text),
        sa.Column("direction", sa.String(8), **text),
        sa.Column("recipient", sa.String(254), **text),
        sa.Column("subject", sa.String(200), **text),
        sa.Column("body", sa.Text(), **text),
        sa.Column("status", sa.String(10), **text),
        sa.Column("failure_reason", sa.Text(), **text),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("occurred_at", sportello.core.db.UTCDateTime(), nullable=False),
        sa.Column("created_at", sportello.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies_company.id"], name=op.f("fk_companies_communication_company_id_companies_company"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["contact_id"], ["companies_contact.id"], name=op.f("fk_companies_communication_contact_id_companies_contact"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["core_user.id"], name=op.f("fk_companies_communication_user_id_core_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies_communication")),
    )
    op.create_index("ix_companies_communication_company", "companies_communication", ["company_id", "occurred_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_companies_communication_company", table_name="companies_communication")
    op.drop_table("companies_communication")
    op.drop_index("ix_companies_contact_company", table_name="companies_contact")
    op.drop_table("companies_contact")
    op.drop_index(op.f("ix_companies_company_tag_tag_id"), table_name="companies_company_tag")
    op.drop_table("companies_company_tag")
    for name in ("unit", "province", "tax_code", "vat_number", "city", "updated", "name_key", "salesperson_name", "salesperson_updated"):
        op.drop_index(f"ix_companies_company_{name}", table_name="companies_company")
    op.drop_table("companies_company")
    op.drop_table("companies_tag")
