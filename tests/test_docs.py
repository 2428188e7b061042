"""The documentation keeps up with the code.

- docs/hooks.md lists every hook of hookspecs.py with its exact signature;
- docs/hooks.md is exactly what scripts/hook_docs.py generates now (fix: run
  ``python scripts/hook_docs.py``);
- docs/plugins.md, the plugin author's guide, names every hook the core calls.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOOKSPECS = ROOT / "hookspecs.py"
GENERATOR = ROOT / "scripts" / "hook_docs.py"
HOOKS_MD = ROOT / "docs" / "hooks.md"
PLUGINS_MD = ROOT / "docs" / "plugins.md"

#: How the core calls a hook: ``plugins.call_in_order("x", ...)``, ``plugins.collect("x", ...)``
#: or the pluggy relay ``plugins.hook.x(...)``.
CORE_CALL = re.compile(r"""(?:\bcall_in_order|\bcollect)\(\s*["'](?P<name>\w+)["']|\.hook\.(?P<relay>\w+)\(""")


def load_from_path(name: str, path: Path) -> ModuleType:
    """Import a file by its path (not through the installed package)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, f"cannot import {path}"
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the file runs
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)
    return module


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return load_from_path("_sportello_hook_docs_under_test", GENERATOR)


def hookspecs() -> dict[str, Callable[..., Any]]:
    """Every hook specification of hookspecs.py, by name, in source order."""
    module = load_from_path("_sportello_hookspecs_under_test", HOOKSPECS)
    found = [
        (value.__code__.co_firstlineno, name, value)
        for name, value in vars(module).items()
        if inspect.isfunction(value) and hasattr(value, "sportello_spec")
    ]
    return {name: value for _line, name, value in sorted(found)}


def annotation_text(annotation: Any) -> str:
    return annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)


def signature_line(name: str, function: Callable[..., Any]) -> str:
    """``name(arg: type, ...) -> return``, annotations as written in the source."""
    signature = inspect.signature(function)
    parts = []
    for parameter in signature.parameters.values():
        prefix = {parameter.VAR_POSITIONAL: "*", parameter.VAR_KEYWORD: "**"}.get(parameter.kind, "")
        text = prefix + parameter.name
        if parameter.annotation is not parameter.empty:
            text += ": " + annotation_text(parameter.annotation)
        if parameter.default is not parameter.empty:
            text += " = " + repr(parameter.default)
        parts.append(text)
    line = f"{name}({', '.join(parts)})"
    if signature.return_annotation is not signature.empty:
        line += " -> " + annotation_text(signature.return_annotation)
    return line


def hooks_called_by_core() -> set[str]:
    """Hook names the core calls, read from its source."""
    sources = [ROOT / "__init__.py", *sorted((ROOT / "core").rglob("*.py"))]
    names: set[str] = set()
    for path in sources:
        for match in CORE_CALL.finditer(path.read_text(encoding="utf-8")):
            names.add(match.group("name") or match.group("relay"))
    return names


def test_hookspecs_are_found() -> None:
    specs = hookspecs()
    assert len(specs) >= 10, f"only {len(specs)} hook specifications found in {HOOKSPECS}"


@pytest.mark.parametrize("name", list(hookspecs()))
def test_every_hook_is_in_the_reference_with_its_exact_signature(name: str) -> None:
    assert HOOKS_MD.exists(), "docs/hooks.md is missing: run `python scripts/hook_docs.py`"
    lines = HOOKS_MD.read_text(encoding="utf-8").splitlines()
    expected = signature_line(name, hookspecs()[name])
    heading = re.compile(rf"#{{2,3}} `{re.escape(name)}`")
    assert any(heading.fullmatch(line) for line in lines), (
        f"docs/hooks.md has no heading for hook {name!r}: run `python scripts/hook_docs.py`"
    )
    assert expected in lines, (
        f"docs/hooks.md does not show the signature of {name!r} as\n    {expected}\n"
        "run `python scripts/hook_docs.py`"
    )


def test_the_reference_is_what_the_generator_writes_now(generator: ModuleType) -> None:
    expected = generator.render()
    current = HOOKS_MD.read_text(encoding="utf-8") if HOOKS_MD.exists() else ""
    assert current == expected, (
        "docs/hooks.md is stale: it is not what scripts/hook_docs.py generates from hookspecs.py. "
        "Run `python scripts/hook_docs.py` and commit docs/hooks.md."
    )


def test_the_generator_check_mode_tells_a_stale_file(generator: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "hooks.md"
    assert generator.main(["--check", "--output", str(output)]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert generator.main(["--output", str(output)]) == 0
    assert generator.main(["--check", "--output", str(output)]) == 0
    output.write_text(output.read_text(encoding="utf-8").replace("firstresult", "first result", 1), encoding="utf-8")
    assert generator.main(["--check", "--output", str(output)]) == 1
    assert "is stale" in capsys.readouterr().err


def test_every_hook_the_core_calls_is_specified() -> None:
    unspecified = sorted(hooks_called_by_core() - set(hookspecs()))
    assert not unspecified, f"the core calls hooks that hookspecs.py does not specify: {', '.join(unspecified)}"


def test_the_plugin_guide_names_every_hook_the_core_calls() -> None:
    assert PLUGINS_MD.exists(), "docs/plugins.md, the plugin author's guide, is missing"
    guide = PLUGINS_MD.read_text(encoding="utf-8")
    called = hooks_called_by_core()
    assert called, "no hook call found in the core's source: has the calling convention changed?"
    missing = sorted(name for name in called | set(hookspecs()) if not re.search(rf"`{re.escape(name)}[`(]", guide))
    assert not missing, (
        "docs/plugins.md does not mention these hooks (as `name` or `name(...)`): "
        + ", ".join(missing)
        + ". Say in the guide what a plugin does with them."
    )


def test_the_guide_lists_exactly_the_public_surface() -> None:
    import sportello

    guide = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    table = guide[guide.index("| what | names |"):guide.index("Everything under `sportello.core`")]
    named = set(re.findall(r"`([A-Za-z_]+)`", table))
    public = set(sportello.__all__) - {"__version__"}
    assert not public - named, f"public names missing from the guide's table: {sorted(public - named)}"
    assert not named - public, f"names in the guide's table that are not public: {sorted(named - public)}"
