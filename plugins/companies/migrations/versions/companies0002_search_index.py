"""One search column for the companies list, with a trigram index on PostgreSQL.

The search matches any part of the name, partita IVA, codice fiscale, e-mail or city.
They are kept lowercased together in ``search_text`` (by the model), so one LIKE
'%...%' serves the search; on PostgreSQL pg_trgm's GIN index makes it an index scan
instead of reading every company. SQLite scans, which is fine at its sizes.

Revision ID: companies0002
Revises: companies0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "companies0002"
down_revision = "companies0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("companies_company") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    op.execute(
        "UPDATE companies_company SET search_text = lower("
        "coalesce(name, '') || ' ' || coalesce(vat_number, '') || ' ' || coalesce(tax_code, '') || ' ' || "
        "coalesce(email, '') || ' ' || coalesce(legal_city, ''))"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_companies_company_search_trgm ON companies_company USING gin (search_text gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_companies_company_search_trgm")
    with op.batch_alter_table("companies_company") as batch:
        batch.drop_column("search_text")
