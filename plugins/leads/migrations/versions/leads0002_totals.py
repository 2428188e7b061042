"""Running totals of the pipeline board: per status and owner, the number of leads and the
sum of their estimated values, filled here from the existing leads.

The board of a user who sees every lead reads these few rows instead of grouping the
whole leads table on each view; the plugin keeps them in the transaction of every write
of a lead (``totals.py``), and ``sportello leads recount`` rebuilds them.

Revision ID: leads0002
Revises: leads0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "leads0002"
down_revision = "leads0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leads_total",
        sa.Column("status_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("lead_count", sa.BigInteger(), nullable=False),
        sa.Column("value_total", sa.Numeric(20, 2), nullable=False),
        sa.ForeignKeyConstraint(["status_id"], ["leads_status.id"], name=op.f("fk_leads_total_status_id_leads_status"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_id"], ["core_user.id"], name=op.f("fk_leads_total_owner_id_core_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("status_id", "owner_id", name=op.f("pk_leads_total")),
    )
    op.execute(
        "INSERT INTO leads_total (status_id, owner_id, lead_count, value_total) "
        "SELECT status_id, owner_id, count(id), coalesce(sum(estimated_value), 0) FROM leads_lead GROUP BY status_id, owner_id"
    )


def downgrade() -> None:
    op.drop_table("leads_total")
