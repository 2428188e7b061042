"""The plugin's Alembic branch goes up, down and up again."""

from __future__ import annotations

from typing import Any

from sportello.core.migrate import downgrade, upgrade
from sqlalchemy import inspect

TABLES = {"companies_company", "companies_tag", "companies_company_tag", "companies_contact", "companies_communication"}


def test_migrations_go_up_down_and_up(make_app: Any) -> None:
    app = make_app(plugins=["companies"])
    engine = app.extensions["sportello"].db.engine
    with app.app_context():
        assert TABLES <= set(inspect(engine).get_table_names())
        indexes = {ix["name"] for ix in inspect(engine).get_indexes("companies_company")}
        assert {"ix_companies_company_salesperson_updated", "ix_companies_company_name_key"} <= indexes
        downgrade(app, "companies@base")
        engine.dispose()
        assert not TABLES & set(inspect(engine).get_table_names())
        upgrade(app, ["companies"])
        engine.dispose()
        assert TABLES <= set(inspect(engine).get_table_names())
