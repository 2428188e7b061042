"""The public surface for plugin authors (``sportello.__all__``) changes only on purpose.

tests/public_api.txt is a snapshot of the sorted public names. Plugins import these
names, so adding one is a promise and removing or renaming one breaks plugins: when
this test fails, decide, then update the snapshot deliberately (the failure says how).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

import sportello

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = Path(__file__).with_name("public_api.txt")
UPDATE_COMMAND = (
    ".venv/bin/python -c \"import sportello; print(*sorted(sportello.__all__), sep='\\n')\" > tests/public_api.txt"
)


def recorded_names() -> list[str]:
    return [line.strip() for line in SNAPSHOT.read_text(encoding="utf-8").splitlines() if line.strip()]


def plugin_top_modules() -> set[str]:
    """Top-level modules of every installed plugin (entry-point group ``sportello``)."""
    return {entry.value.split(":")[0].split(".")[0] for entry in entry_points(group="sportello")}


def is_plugin_module(module: str, plugins: set[str]) -> bool:
    top = module.split(".")[0]
    return top in plugins or top.startswith("sportello_")


def test_public_names_match_the_snapshot() -> None:
    current = sorted(sportello.__all__)
    recorded = recorded_names()
    if current == recorded:
        return
    added = sorted(set(current) - set(recorded))
    removed = sorted(set(recorded) - set(current))
    pytest.fail(
        "The public names of sportello (sportello.__all__) changed.\n"
        f"  added:   {', '.join(added) or '-'}\n"
        f"  removed: {', '.join(removed) or '-'}\n"
        "Plugins import these names: adding one is a promise kept for the whole major version; "
        "removing or renaming one breaks plugins (warn for a whole major version first).\n"
        "If the change is deliberate, update the snapshot and say so in the changelog:\n"
        f"  {UPDATE_COMMAND}",
        pytrace=False,
    )


def test_the_snapshot_is_sorted_and_without_duplicates() -> None:
    recorded = recorded_names()
    assert recorded == sorted(set(recorded)), f"{SNAPSHOT.name} must be sorted, one name per line: regenerate it with\n  {UPDATE_COMMAND}"


def test_all_has_no_duplicates() -> None:
    duplicates = sorted({name for name in sportello.__all__ if sportello.__all__.count(name) > 1})
    assert not duplicates, f"sportello.__all__ lists these names twice: {', '.join(duplicates)}"


@pytest.mark.parametrize("name", sorted(sportello.__all__))
def test_every_public_name_is_importable(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from sportello import {name}", namespace)  # noqa: S102 - the name comes from __all__
    assert name in namespace


def test_star_import_in_a_fresh_interpreter_gives_every_name_and_loads_no_plugin() -> None:
    code = (
        "import json, sys\n"
        "from sportello import *\n"
        "import sportello\n"
        "print(json.dumps({'missing': [n for n in sportello.__all__ if n not in globals()], 'modules': sorted(sys.modules)}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT.parent, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["missing"] == [], f"names in __all__ that `from sportello import *` does not give: {report['missing']}"
    plugins = plugin_top_modules()
    loaded = [module for module in report["modules"] if is_plugin_module(module, plugins)]
    assert loaded == [], f"importing sportello imported plugin modules: {', '.join(loaded)}"


def test_nothing_public_comes_from_a_plugin() -> None:
    plugins = plugin_top_modules()
    offenders = []
    for name in sportello.__all__:
        module = getattr(getattr(sportello, name), "__module__", None)
        if isinstance(module, str) and is_plugin_module(module, plugins):
            offenders.append(f"{name} (from {module})")
    assert not offenders, "sportello.__all__ re-exports objects defined by plugins: " + ", ".join(offenders)


def test_the_public_module_imports_from_no_plugin() -> None:
    plugins = plugin_top_modules()
    tree = ast.parse((ROOT / "__init__.py").read_text(encoding="utf-8"))
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.append(node.module)
        elif isinstance(node, ast.Import):
            imported.extend(alias.name for alias in node.names)
    offenders = sorted(module for module in imported if is_plugin_module(module, plugins))
    assert not offenders, f"sportello/__init__.py imports from plugins: {', '.join(offenders)}"
