"""Per-plugin migration branches: up, down and up again; plugins added later; disabled
plugins; removal for good."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, text

from sportello.core.migrate import downgrade, forget, states, upgrade


def tables(app: Any) -> set[str]:
    return set(inspect(app.extensions["sportello"].db.engine).get_table_names())


def branch_states(app: Any) -> dict[str, Any]:
    with app.app_context():
        return {state.branch: state for state in states(app)}


def test_each_plugin_goes_up_down_and_up_again(make_app: Any, example_plugins: list[str]) -> None:
    app = make_app(plugins=example_plugins, migrate=False)
    with app.app_context():
        assert upgrade(app) == ["core", "example"]  # example_extra has no tables
        assert {"core_user", "example_note"} <= tables(app)
        assert "colour" in {c["name"] for c in inspect(app.extensions["sportello"].db.engine).get_columns("example_note")}
        downgrade(app, "example@base")
        assert "example_note" not in tables(app)
        assert "core_user" in tables(app)
        assert branch_states(app)["example"].current is None
        upgrade(app)
        assert "example_note" in tables(app)
        assert branch_states(app)["example"].up_to_date
        downgrade(app, "example@base")
        downgrade(app, "core@base")
        assert not {t for t in tables(app) if not t.startswith("alembic_")}
        upgrade(app)
        assert branch_states(app)["core"].up_to_date


def test_plugin_installed_later_migrates_alone(make_app: Any, example_plugins: list[str]) -> None:
    core_only = make_app(plugins=[])
    url = core_only.config["DATABASE_URL"]
    with core_only.app_context():
        state = branch_states(core_only)
        assert state["core"].up_to_date
        assert state["example"].current is None and not state["example"].enabled  # installed, disabled
    with core_only.extensions["sportello"].db.engine.begin() as connection:
        connection.execute(text("INSERT INTO core_setting (section, name, value, updated_at) VALUES ('x', 'y', '1', '2026-01-01 00:00:00')"))
    later = make_app(plugins=example_plugins, database_url=url)
    with later.app_context():
        assert upgrade(later, ["example"]) == ["example"]
        state = branch_states(later)
        assert state["example"].up_to_date and state["core"].up_to_date
    with later.extensions["sportello"].db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM core_setting WHERE section = 'x'")).scalar() == 1


def test_disabling_a_plugin_keeps_its_data_and_upgrades_the_rest(make_app: Any, example_plugins: list[str]) -> None:
    full = make_app(plugins=example_plugins)
    url = full.config["DATABASE_URL"]
    with full.extensions["sportello"].db.engine.begin() as connection:
        connection.execute(text("INSERT INTO core_profile (code, name, standard, created_at) VALUES ('x', 'X', false, '2026-01-01 00:00:00')"))
        profile_id = connection.execute(text("SELECT id FROM core_profile WHERE code = 'x'")).scalar()
        connection.execute(
            text(
                "INSERT INTO core_user (email, name, active, profile_id, created_at, updated_at) "
                "VALUES ('a@b.it', 'A', true, :p, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            ),
            {"p": profile_id},
        )
        user_id = connection.execute(text("SELECT id FROM core_user WHERE email = 'a@b.it'")).scalar()
        connection.execute(
            text(
                "INSERT INTO example_note (title, body, owner_id, created_at, updated_at) "
                "VALUES ('kept', '', :u, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            ),
            {"u": user_id},
        )
    core_only = make_app(plugins=[], database_url=url)
    with core_only.app_context():
        assert upgrade(core_only) == ["core"]
        assert "example_note" in tables(core_only)
    again = make_app(plugins=example_plugins, database_url=url)
    with again.app_context():
        upgrade(again)
    with again.extensions["sportello"].db.engine.connect() as connection:
        assert connection.execute(text("SELECT title FROM example_note")).scalar() == "kept"


def test_forget_cleans_up_a_plugin_uninstalled_without_downgrade(
    make_app: Any, example_plugins: list[str], plugin_distribution: Any
) -> None:
    full = make_app(plugins=["example"])
    url = full.config["DATABASE_URL"]
    full.extensions["sportello"].db.dispose()
    # The plugin is uninstalled: its entry point disappears.
    import importlib.metadata

    original = importlib.metadata.entry_points

    def without_example(**kwargs: Any) -> Any:
        return [ep for ep in original(**kwargs) if ep.name not in {"example", "example_extra"}]

    import sportello.core.plugins as plugins_module

    plugins_module.entry_points = without_example  # type: ignore[assignment]
    try:
        orphan = make_app(plugins=[], database_url=url)
        with orphan.app_context():
            revisions, dropped = forget(orphan, "example", drop_tables=True)
            assert revisions == ["ex0002"]
            assert dropped == ["example_note"]
            assert upgrade(orphan) == ["core"]
    finally:
        plugins_module.entry_points = original  # type: ignore[assignment]
