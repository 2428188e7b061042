"""The plugin's Alembic branch goes up, down and up again, with its seeded lists."""

from __future__ import annotations

from typing import Any

from sportello.core.migrate import downgrade, upgrade
from sqlalchemy import inspect, text

TABLES = {"leads_lead", "leads_status", "leads_source", "leads_tag", "leads_lead_tag", "leads_contact", "leads_communication"}


def test_migrations_go_up_down_and_up(make_app: Any) -> None:
    app = make_app(plugins=["companies", "leads"])
    engine = app.extensions["sportello"].db.engine
    with app.app_context():
        assert TABLES <= set(inspect(engine).get_table_names())
        indexes = {ix["name"] for ix in inspect(engine).get_indexes("leads_lead")}
        assert {"ix_leads_lead_owner_updated", "ix_leads_lead_status_updated"} <= indexes
        downgrade(app, "leads@base")
        engine.dispose()
        assert not TABLES & set(inspect(engine).get_table_names())
        assert "companies_company" in inspect(engine).get_table_names()
        upgrade(app, ["companies", "leads"])
        engine.dispose()
        assert TABLES <= set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            codes = set(conn.execute(text("SELECT code FROM leads_status")).scalars())
        assert codes == {"new", "negotiation", "future_contact", "acquired", "lost"}
