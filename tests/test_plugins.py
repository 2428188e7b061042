"""The plugin manager: discovery, enabled set, metadata checks, order, published hooks."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sportello.core.app import create_app
from sportello.core.errors import PluginError
from sportello.core.plugins import dependency_order, installed_plugins, load_plugins, resolve_enabled
from sportello.core.types import PluginInfo


def write_plugin(root: Path, module: str, body: str) -> Path:
    """A plugin package ``module`` under ``root`` whose __init__ is ``body``."""
    folder = root / "src" / module
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text(textwrap.dedent(body))
    return folder


def simple_plugin(name: str, requires: tuple[str, ...] = (), optional: tuple[str, ...] = (), core: str = ">=1.0,<2") -> str:
    return textwrap.dedent(f"""
        from sportello import PluginInfo, MenuItem, hookimpl
        PLUGIN = PluginInfo(name={name!r}, title={name.title()!r}, requires={list(requires)!r}, optional={list(optional)!r}, core={core!r})
        """)


@pytest.fixture
def install(plugin_distribution: Callable[..., None], tmp_path: Path) -> Callable[..., None]:
    def make(name: str, body: str | None = None, **meta: Any) -> None:
        folder = write_plugin(tmp_path, f"sportello_t_{name}", body or simple_plugin(name, **meta))
        plugin_distribution(name, folder)

    return make


def test_discovery_finds_installed_plugins_without_importing_them(install: Callable[..., None]) -> None:
    install("broken", "raise RuntimeError('must not be imported')\n")
    found = installed_plugins()
    assert "broken" in found
    assert found["broken"].module == "sportello_t_broken"
    manager = load_plugins([])
    assert manager.order == []


def test_unset_means_every_installed_plugin_and_empty_means_core_alone(install: Callable[..., None]) -> None:
    install("alpha")
    install("beta")
    assert {"alpha", "beta"} <= set(load_plugins(None).order)
    assert load_plugins([]).order == []


def test_unknown_plugin_name_is_refused_with_the_installed_list(install: Callable[..., None]) -> None:
    install("alpha")
    with pytest.raises(PluginError, match=r"plugin 'ghost': is not installed \(installed plugins: .*alpha"):
        resolve_enabled(["ghost"], installed_plugins())


def test_missing_requirement_names_both_plugins(install: Callable[..., None]) -> None:
    install("base")
    install("child", requires=("base",))
    with pytest.raises(PluginError, match="plugin 'child': requires plugin 'base', which is not enabled"):
        load_plugins(["child"])
    assert load_plugins(["base", "child"]).order == ["base", "child"]


def test_dependency_order_is_topological_with_ties_by_name() -> None:
    infos = {
        "zeta": PluginInfo("zeta", "Z"),
        "leads": PluginInfo("leads", "L", requires=["companies"]),
        "companies": PluginInfo("companies", "C"),
        "invoicing": PluginInfo("invoicing", "I", requires=["companies"], optional=["leads", "absent"]),
        "alpha": PluginInfo("alpha", "A"),
    }
    assert dependency_order(infos) == ["alpha", "companies", "leads", "invoicing", "zeta"]


def test_cycle_is_refused_naming_the_cycle() -> None:
    infos = {
        "a": PluginInfo("a", "A", requires=["b"]),
        "b": PluginInfo("b", "B", requires=["c"]),
        "c": PluginInfo("c", "C", requires=["a"]),
    }
    with pytest.raises(PluginError, match=r"dependency cycle: a -> b -> c -> a"):
        dependency_order(infos)


def test_plugin_that_fails_to_import_is_named(install: Callable[..., None]) -> None:
    install("broken", "import no_such_module_anywhere\n")
    with pytest.raises(PluginError) as caught:
        load_plugins(["broken"])
    message = str(caught.value)
    assert "plugin 'broken': failed to import (ModuleNotFoundError" in message
    assert "sportello plugins disable broken" in message


def test_plugin_for_another_core_version_is_refused_naming_both_versions(install: Callable[..., None]) -> None:
    install("future", core=">=2.0,<3")
    with pytest.raises(PluginError, match=r"works with Sportello >=2.0,<3 but this is Sportello 1\."):
        load_plugins(["future"])


def test_plugin_without_metadata_is_refused(install: Callable[..., None]) -> None:
    install("bare", "X = 1\n")
    with pytest.raises(PluginError, match="has no PLUGIN = sportello.PluginInfo"):
        load_plugins(["bare"])


def test_misspelled_hook_is_caught(install: Callable[..., None]) -> None:
    install(
        "typo",
        simple_plugin("typo")
        + "\n@hookimpl\ndef menu_itemz():\n    return []\n",
    )
    with pytest.raises(PluginError, match="plugin 'typo': implements an unknown hook"):
        load_plugins(["typo"])


def test_a_submodule_named_like_a_hook_is_refused(plugin_distribution: Callable[..., None], tmp_path: Path) -> None:
    body = simple_plugin("shadow") + "\n@hookimpl\ndef deadlines(start, end, user):\n    from .deadlines import due\n    return due()\n"
    folder = write_plugin(tmp_path, "sportello_t_shadow", body)
    (folder / "deadlines.py").write_text("def due():\n    return []\n")
    plugin_distribution("shadow", folder)
    with pytest.raises(PluginError, match="plugin 'shadow': has a submodule named like its hook 'deadlines'"):
        load_plugins(["shadow"])


def test_hook_failure_names_the_plugin(install: Callable[..., None]) -> None:
    install("faulty", simple_plugin("faulty") + "\n@hookimpl\ndef permissions():\n    raise ValueError('bad')\n")
    manager = load_plugins(["faulty"])
    with pytest.raises(PluginError, match="plugin 'faulty': failed in hook permissions: ValueError: bad"):
        manager.collect("permissions")


def test_published_hookspecs_are_called_on_other_plugins(example_plugins: list[str]) -> None:
    manager = load_plugins(example_plugins)
    assert manager.order == ["example", "example_extra"]
    assert manager.hook.example_note_badges(note=None) == [["extra"]]


def test_call_in_order_follows_dependency_order(example_plugins: list[str]) -> None:
    manager = load_plugins(example_plugins)
    names = [name for name, _tabs in manager.call_in_order("record_tabs", entity="other", record=None, user=None)]
    assert names == ["example", "example_extra"]


def test_disabled_plugin_is_never_imported(install: Callable[..., None], make_app: Callable[..., Any]) -> None:
    install("broken", "raise RuntimeError('must not be imported')\n")
    app = make_app(plugins=[])
    assert "broken" in app.extensions["sportello"].plugins.installed
    assert "broken" not in app.extensions["sportello"].plugins.loaded


def test_environment_chooses_plugins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, example_plugins: list[str]) -> None:
    monkeypatch.setenv("SPORTELLO_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SPORTELLO_PLUGINS", "example")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert app.extensions["sportello"].plugins.order == ["example"]
    monkeypatch.setenv("SPORTELLO_PLUGINS", "")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert app.extensions["sportello"].plugins.order == []
