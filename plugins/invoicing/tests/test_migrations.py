"""The plugin's Alembic branch goes up, down and up again."""

from __future__ import annotations

from typing import Any

from sportello.core.migrate import downgrade, upgrade
from sqlalchemy import inspect

TABLES = {"invoicing_counter", "invoicing_quote", "invoicing_quote_line", "invoicing_invoice", "invoicing_invoice_line",
          "invoicing_instalment", "invoicing_payment"}


def test_migrations_go_up_down_and_up(make_app: Any) -> None:
    app = make_app(plugins=["companies", "invoicing"])
    engine = app.extensions["sportello"].db.engine
    with app.app_context():
        assert TABLES <= set(inspect(engine).get_table_names())
        downgrade(app, "invoicing@base")
        engine.dispose()
        assert not TABLES & set(inspect(engine).get_table_names())
        upgrade(app, ["companies", "invoicing"])
        engine.dispose()
        assert TABLES <= set(inspect(engine).get_table_names())
