"""The plugin's migration branch goes up, down and up again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect

from sportello.core.migrate import downgrade, states, upgrade


def tables(app: Any) -> set[str]:
    return set(inspect(app.extensions["sportello"].db.engine).get_table_names())


def test_migrations_go_up_down_and_up_again(make_app: Any, example_plugins: list[str]) -> None:
    app = make_app(plugins=["deadlines", *example_plugins], migrate=False)
    with app.app_context():
        assert "deadlines" in upgrade(app)
        assert "deadlines_feed" in tables(app)
        columns = {c["name"] for c in inspect(app.extensions["sportello"].db.engine).get_columns("deadlines_feed")}
        assert columns == {"id", "user_id", "token_hash", "created_at"}
        downgrade(app, "deadlines@base")
        assert "deadlines_feed" not in tables(app)
        assert {"core_user", "example_note"} <= tables(app)
        upgrade(app)
        assert "deadlines_feed" in tables(app)
        assert {state.branch: state for state in states(app)}["deadlines"].up_to_date
        downgrade(app, "deadlines@base")
        upgrade(app, ["deadlines"])
        assert "deadlines_feed" in tables(app)
