"""Leads, their statuses and sources (seeded), tags, contact persons and communications,
with the search column (trigram index on PostgreSQL, like companies0002).

Revision ID: leads0001
Revises:
Create Date: 2026-11-23
"""

import sportello.core.db
import sqlalchemy as sa
from alembic import op

revision = "leads0001"
down_revision = None
branch_labels = ("leads",)
depends_on = ("core0005", "companies0002")

STATUSES = [
    # code, name, position, needs_date, needs_reason, is_won, is_lost
    ("new", "New", 10, False, False, False, False),
    ("negotiation", "In negotiation", 20, False, False, False, False),
    ("future_contact", "Contact in the future", 30, True, False, False, False),
    ("acquired", "Acquired", 40, False, False, True, False),
    ("lost", "Lost", 50, False, True, False, True),
]
SOURCES = [
    ("web", "Website", 10), ("fair", "Trade fair", 20), ("referral", "Referral", 30),
    ("campaign", "Campaign", 40), ("phone", "Phone call", 50), ("other", "Other source", 60),
]


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sportello.core.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sportello.core.db.UTCDateTime(), nullable=False),
    ]


def upgrade() -> None:
    text = {"nullable": False}
    status = op.create_table(
        "leads_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(40), **text),
        sa.Column("name", sa.String(80), **text),
        sa.Column("position", sa.Integer(), **text),
        sa.Column("needs_date", sa.Boolean(), **text),
        sa.Column("needs_reason", sa.Boolean(), **text),
        sa.Column("is_won", sa.Boolean(), **text),
        sa.Column("is_lost", sa.Boolean(), **text),
        sa.Column("active", sa.Boolean(), **text),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads_status")),
        sa.UniqueConstraint("code", name=op.f("uq_leads_status_code")),
    )
    source = op.create_table(
        "leads_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(40), **text),
        sa.Column("name", sa.String(80), **text),
        sa.Column("position", sa.Integer(), **text),
        sa.Column("active", sa.Boolean(), **text),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads_source")),
        sa.UniqueConstraint("code", name=op.f("uq_leads_source_code")),
    )
    op.bulk_insert(status, [
        {"code": c, "name": n, "position": p, "needs_date": d, "needs_reason": r, "is_won": w, "is_lost": lo, "active": True}
        for c, n, p, d, r, w, lo in STATUSES
    ])
    op.bulk_insert(source, [{"code": c, "name": n, "position": p, "active": True} for c, n, p in SOURCES])
    op.create_table(
        "leads_tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads_tag")),
        sa.UniqueConstraint("name", name=op.f("uq_leads_tag_name")),
    )
    op.create_table(
        "leads_lead",
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
        sa.Column("status_id", sa.Integer(), **text),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), **text),
        sa.Column("contact_date", sa.Date(), nullable=True),
        sa.Column("lost_reason", sa.Text(), **text),
        sa.Column("estimated_value", sa.Numeric(14, 2), nullable=True),
        sa.Column("expected_close_date", sa.Date(), nullable=True),
        sa.Column("converted_company_id", sa.Integer(), nullable=True),
        sa.Column("converted_at", sportello.core.db.UTCDateTime(), nullable=True),
        sa.Column("acquired_notified_at", sportello.core.db.UTCDateTime(), nullable=True),
        sa.Column("search_text", sa.Text(), **text),
        *_timestamps(),
        sa.ForeignKeyConstraint(["status_id"], ["leads_status.id"], name=op.f("fk_leads_lead_status_id_leads_status")),
        sa.ForeignKeyConstraint(["source_id"], ["leads_source.id"], name=op.f("fk_leads_lead_source_id_leads_source")),
        sa.ForeignKeyConstraint(["owner_id"], ["core_user.id"], name=op.f("fk_leads_lead_owner_id_core_user")),
        sa.ForeignKeyConstraint(["converted_company_id"], ["companies_company.id"],
                                name=op.f("fk_leads_lead_converted_company_id_companies_company"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads_lead")),
    )
    # Matching the visibility clause (owner), the status filter and the usual sort, with the id tiebreak.
    op.create_index("ix_leads_lead_owner_updated", "leads_lead", ["owner_id", "updated_at", "id"])
    op.create_index("ix_leads_lead_owner_status_updated", "leads_lead", ["owner_id", "status_id", "updated_at", "id"])
    op.create_index("ix_leads_lead_status_updated", "leads_lead", ["status_id", "updated_at", "id"])
    op.create_index("ix_leads_lead_updated", "leads_lead", ["updated_at", "id"])
    # The board's totals per column read only these indexes (count and sum of estimated values).
    op.create_index("ix_leads_lead_status_value", "leads_lead", ["status_id", "estimated_value"])
    op.create_index("ix_leads_lead_owner_status_value", "leads_lead", ["owner_id", "status_id", "estimated_value"])
    op.create_index("ix_leads_lead_name_key", "leads_lead", ["name_key", "id"])
    op.create_index("ix_leads_lead_vat_number", "leads_lead", ["vat_number"])
    op.create_index("ix_leads_lead_source", "leads_lead", ["source_id", "id"])
    op.create_index("ix_leads_lead_contact_date", "leads_lead", ["contact_date"])
    op.create_index("ix_leads_lead_converted_company", "leads_lead", ["converted_company_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_leads_lead_search_trgm ON leads_lead USING gin (search_text gin_trgm_ops)")
    op.create_table(
        "leads_lead_tag",
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads_lead.id"], name=op.f("fk_leads_lead_tag_lead_id_leads_lead"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tag_id"], ["leads_tag.id"], name=op.f("fk_leads_lead_tag_tag_id_leads_tag"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("lead_id", "tag_id", name=op.f("pk_leads_lead_tag")),
    )
    op.create_index(op.f("ix_leads_lead_tag_tag_id"), "leads_lead_tag", ["tag_id"])
    op.create_table(
        "leads_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
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
        sa.ForeignKeyConstraint(["lead_id"], ["leads_lead.id"], name=op.f("fk_leads_contact_lead_id_leads_lead"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads_contact")),
    )
    op.create_index("ix_leads_contact_lead", "leads_contact", ["lead_id", "last_name", "id"])
    op.create_table(
        "leads_communication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
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
        sa.ForeignKeyConstraint(["lead_id"], ["leads_lead.id"], name=op.f("fk_leads_communication_lead_id_leads_lead"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["contact_id"], ["leads_contact.id"], name=op.f("fk_leads_communication_contact_id_leads_contact"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["core_user.id"], name=op.f("fk_leads_communication_user_id_core_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads_communication")),
    )
    op.create_index("ix_leads_communication_lead", "leads_communication", ["lead_id", "occurred_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_leads_communication_lead", table_name="leads_communication")
    op.drop_table("leads_communication")
    op.drop_index("ix_leads_contact_lead", table_name="leads_contact")
    op.drop_table("leads_contact")
    op.drop_index(op.f("ix_leads_lead_tag_tag_id"), table_name="leads_lead_tag")
    op.drop_table("leads_lead_tag")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_leads_lead_search_trgm")
    for name in ("owner_status_value", "status_value", "converted_company", "contact_date", "source", "vat_number", "name_key", "updated", "status_updated",
                 "owner_status_updated", "owner_updated"):
        op.drop_index(f"ix_leads_lead_{name}", table_name="leads_lead")
    op.drop_table("leads_lead")
    op.drop_table("leads_tag")
    op.drop_table("leads_source")
    op.drop_table("leads_status")
