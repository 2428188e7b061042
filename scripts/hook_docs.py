"""Generate the hook reference (docs/hooks.md) from hookspecs.py by introspection.

Usage::

    python scripts/hook_docs.py            # write docs/hooks.md
    python scripts/hook_docs.py --check    # exit 1 if docs/hooks.md is stale

For each hook specification, in the order of the source file and grouped under its
banner comments, the reference gives the hook's name, its exact signature (from
:func:`inspect.signature`, annotations as written in the source), whether it is
``firstresult`` or ``historic`` (the options pluggy's ``HookspecMarker`` stores on the
function as ``sportello_spec``), and its docstring turned into Markdown.

A plugin that publishes hook specifications of its own can document them the same way::

    python scripts/hook_docs.py --source path/to/hooks_published.py --output docs/hooks.md \\
        --title "Hooks of the notes plugin"

The script only reads the source file given (it is loaded from its path, not from the
installed ``sportello``), so the reference always matches this checkout.
"""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import inspect
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "hookspecs.py"
OUTPUT = ROOT / "docs" / "hooks.md"
PROJECT = "sportello"
TITLE = "Hook reference"

BANNER_RULE = re.compile(r"^#\s*-{10,}\s*$")
BANNER_TEXT = re.compile(r"^#\s?(.*)$")
FIELD = re.compile(r"^:(?P<kind>[a-zA-Z]+)(?:\s+(?P<arg>[^:]+?))?:\s*(?P<text>.*)$")
DIRECTIVE = re.compile(r"^\.\.\s+(?P<name>[a-zA-Z-]+)::\s*(?P<arg>.*)$")
ROLE = re.compile(r":(?P<role>[a-z]+(?::[a-z]+)?):`(?P<target>[^`]+)`")
DOUBLE_BACKTICKS = re.compile(r"``(.+?)``")


# ---------------------------------------------------------------------------
# Reading the specifications
# ---------------------------------------------------------------------------


@dataclass
class Hook:
    """One hook specification as the reference shows it."""

    name: str
    signature: str
    options: dict[str, Any]
    doc: str
    line: int
    argnames: list[str]
    returns_none: bool = False


@dataclass
class Group:
    """The hooks under one banner comment of the source file."""

    title: str | None
    line: int
    hooks: list[Hook] = field(default_factory=list)


def load_module(path: Path) -> ModuleType:
    """Import the hook specification file from its path, under a private name."""
    name = "_hook_docs_" + re.sub(r"\W", "_", path.stem)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)
    return module


def format_annotation(annotation: Any) -> str:
    """An annotation as written: strings (``from __future__ import annotations``) verbatim."""
    if isinstance(annotation, str):
        return annotation
    return inspect.formatannotation(annotation)


def format_signature(name: str, function: Callable[..., Any]) -> str:
    """``name(arg: type, ...) -> return`` from :func:`inspect.signature`."""
    signature = inspect.signature(function)
    parts: list[str] = []
    seen_keyword_only_marker = False
    previous_kind: inspect._ParameterKind | None = None
    for parameter in signature.parameters.values():
        kind = parameter.kind
        if previous_kind == inspect.Parameter.POSITIONAL_ONLY and kind != inspect.Parameter.POSITIONAL_ONLY:
            parts.append("/")
        if kind == inspect.Parameter.KEYWORD_ONLY and not seen_keyword_only_marker:
            parts.append("*")
            seen_keyword_only_marker = True
        prefix = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}.get(kind, "")
        if kind == inspect.Parameter.VAR_POSITIONAL:
            seen_keyword_only_marker = True
        text = prefix + parameter.name
        if parameter.annotation is not inspect.Parameter.empty:
            text += ": " + format_annotation(parameter.annotation)
        if parameter.default is not inspect.Parameter.empty:
            separator = " = " if parameter.annotation is not inspect.Parameter.empty else "="
            text += separator + repr(parameter.default)
        parts.append(text)
        previous_kind = kind
    if previous_kind == inspect.Parameter.POSITIONAL_ONLY:
        parts.append("/")
    result = f"{name}({', '.join(parts)})"
    if signature.return_annotation is not inspect.Signature.empty:
        result += " -> " + format_annotation(signature.return_annotation)
    return result


def hooks_of(module: ModuleType, project: str = PROJECT) -> list[Hook]:
    """The hook specifications defined in ``module``, in source order."""
    marker = project + "_spec"
    found: list[Hook] = []
    for name, value in vars(module).items():
        if not inspect.isfunction(value) or value.__module__ != module.__name__:
            continue
        options = getattr(value, marker, None)
        if options is None:
            continue
        found.append(
            Hook(
                name=name,
                signature=format_signature(name, value),
                options=dict(options),
                doc=inspect.getdoc(value) or "",
                line=value.__code__.co_firstlineno,
                argnames=list(inspect.signature(value).parameters),
                returns_none=format_annotation(inspect.signature(value).return_annotation) == "None",
            )
        )
    return sorted(found, key=lambda hook: hook.line)


def banners(source: str) -> list[tuple[int, str]]:
    """Banner comments: comment lines framed by two ``# ----`` rules, with their line.

    Returns (line number of the banner's first text line, text) in file order.
    """
    lines = source.splitlines()
    found: list[tuple[int, str]] = []
    index = 0
    while index < len(lines):
        if BANNER_RULE.match(lines[index]):
            end = index + 1
            text: list[str] = []
            while end < len(lines) and not BANNER_RULE.match(lines[end]):
                match = BANNER_TEXT.match(lines[end])
                if not match:
                    break
                text.append(match.group(1).strip())
                end += 1
            if end < len(lines) and BANNER_RULE.match(lines[end]) and any(text):
                found.append((index + 2, " ".join(t for t in text if t)))
                index = end + 1
                continue
        index += 1
    return found


def group_hooks(hooks: Sequence[Hook], banner_list: Sequence[tuple[int, str]]) -> list[Group]:
    """Put each hook under the last banner above it (hooks before any banner: untitled)."""
    groups: list[Group] = [Group(title=None, line=0)]
    groups += [Group(title=text, line=line) for line, text in banner_list]
    for hook in hooks:
        owner = groups[0]
        for group in groups[1:]:
            if group.line <= hook.line:
                owner = group
        owner.hooks.append(hook)
    return [group for group in groups if group.hooks]


# ---------------------------------------------------------------------------
# Docstrings to Markdown
# ---------------------------------------------------------------------------


def inline(text: str) -> str:
    """reStructuredText inline markup to Markdown."""

    def role(match: re.Match[str]) -> str:
        target = match.group("target").strip()
        shown = target
        explicit = re.match(r"^(?P<title>.+?)\s*<(?P<target>[^>]+)>$", target)
        if explicit:
            return explicit.group("title")
        if shown.startswith("~"):
            shown = shown[1:].rsplit(".", 1)[-1]
        if match.group("role") in {"func", "meth", "py:func", "py:meth"} and not shown.endswith(")"):
            shown += "()"
        return f"`{shown}`"

    text = ROLE.sub(role, text)
    return DOUBLE_BACKTICKS.sub(lambda m: f"`{m.group(1)}`", text)


@dataclass
class Doc:
    """A docstring split into its parts."""

    paragraphs: list[str] = field(default_factory=list)
    params: list[tuple[str, str]] = field(default_factory=list)
    returns: str | None = None
    raises: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _take_indented(lines: list[str], start: int) -> tuple[list[str], int]:
    """The indented (or blank) lines from ``start``, stopping before the next unindented one."""
    taken: list[str] = []
    index = start
    while index < len(lines) and (not lines[index].strip() or lines[index][:1].isspace()):
        taken.append(lines[index])
        index += 1
    while taken and not taken[-1].strip():
        taken.pop()
        index -= 1
    return taken, index


def _join(first: str, more: Iterable[str]) -> str:
    words = [first.strip(), *(line.strip() for line in more)]
    return " ".join(word for word in words if word)


VERSION_DIRECTIVES = {
    "versionadded": "Added in {version}",
    "versionchanged": "Changed in {version}",
    "deprecated": "Deprecated since {version}",
}


def parse_doc(doc: str) -> Doc:
    """Split a pytest-style docstring into paragraphs, fields and version notes."""
    parsed = Doc()
    lines = doc.splitlines()
    paragraph: list[str] = []
    index = 0

    def flush() -> None:
        if paragraph:
            parsed.paragraphs.append(_join(paragraph[0], paragraph[1:]))
            paragraph.clear()

    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if not stripped:
            flush()
            index += 1
            continue
        field_match = FIELD.match(line)
        directive = DIRECTIVE.match(line)
        if field_match and field_match.group("kind") in {"param", "parameter", "arg", "argument", "key", "keyword", "return", "returns", "raises", "raise", "except", "exception"}:
            flush()
            more, index = _take_indented(lines, index + 1)
            text = inline(_join(field_match.group("text"), more))
            kind, arg = field_match.group("kind"), (field_match.group("arg") or "").strip()
            if kind in {"return", "returns"}:
                parsed.returns = text
            elif kind in {"raises", "raise", "except", "exception"}:
                parsed.raises.append((arg, text))
            else:
                parsed.params.append((arg.split()[-1] if arg else "", text))
            continue
        if directive:
            flush()
            more, index = _take_indented(lines, index + 1)
            name, argument = directive.group("name"), directive.group("arg").strip()
            body = inline(_join("", more))
            if name in VERSION_DIRECTIVES:
                note = VERSION_DIRECTIVES[name].format(version=argument)
                parsed.notes.append(f"{note}: {body}" if body else f"{note}.")
            else:
                title = name.replace("-", " ").capitalize()
                text = inline(_join(argument, more))
                parsed.paragraphs.append(f"> **{title}:** {text}")
            continue
        if stripped.endswith("::"):
            paragraph.append(stripped[:-1] if stripped != "::" else "")
            flush()
            block, index = _take_indented(lines, index + 1)
            while block and not block[0].strip():
                block.pop(0)
            code = inspect.cleandoc("\n".join(block))
            parsed.paragraphs.append("```\n" + code + "\n```")
            continue
        paragraph.append(line)
        index += 1
    flush()
    parsed.paragraphs = [p if p.startswith("```") else inline(p) for p in parsed.paragraphs]
    return parsed


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------


def slug(text: str) -> str:
    """The anchor GitHub gives a heading."""
    text = text.strip().lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def call_line(options: dict[str, Any], returns_none: bool = False) -> str:
    firstresult = bool(options.get("firstresult"))
    historic = bool(options.get("historic"))
    if firstresult:
        how = "stops at the first non-`None` result and returns it"
    elif returns_none:
        how = "every enabled plugin's implementation runs; return values are ignored"
    else:
        how = "every enabled plugin's implementation runs; the results are collected in a list"
    if historic:
        how += "; calls are remembered and replayed on plugins registered later"
    return f"**firstresult:** {'yes' if firstresult else 'no'} · **historic:** {'yes' if historic else 'no'} — {how}."


def render_hook(hook: Hook, level: str) -> list[str]:
    doc = parse_doc(hook.doc)
    out = [f"{level} `{hook.name}`", "", "```python", hook.signature, "```", "", call_line(hook.options, hook.returns_none), ""]
    warning = hook.options.get("warn_on_impl")
    if warning:
        out += [f"> **Warning:** implementing this hook warns: {warning}", ""]
    for paragraph in doc.paragraphs:
        out += [paragraph, ""]
    if doc.params:
        out += ["**Parameters**", ""]
        out += [f"- `{name}`: {text}" for name, text in doc.params]
        out.append("")
    if doc.returns:
        out += [f"**Returns:** {doc.returns}", ""]
    if doc.raises:
        out += ["**Raises**", ""]
        out += [f"- `{name}`: {text}" for name, text in doc.raises]
        out.append("")
    for note in doc.notes:
        out += [f"*{note}*", ""]
    return out


def split_banner(title: str) -> tuple[str, str | None]:
    """``"Loading: what a plugin adds"`` to (``"Loading"``, ``"What a plugin adds."``)."""
    head, colon, rest = title.partition(": ")
    if not colon or not rest:
        return title, None
    rest = rest[0].upper() + rest[1:]
    return head, rest if rest.endswith(".") else rest + "."


def render(source: Path = SOURCE, project: str = PROJECT, title: str = TITLE) -> str:
    """The Markdown reference of the hook specifications in ``source``."""
    source = Path(source)
    module = load_module(source)
    hooks = hooks_of(module, project)
    groups = group_hooks(hooks, banners(source.read_text(encoding="utf-8")))
    try:
        shown_source = source.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        shown_source = source.name
    out = [
        f"# {title}",
        "",
        f"<!-- Generated by scripts/hook_docs.py from {shown_source}: do not edit by hand. -->",
        "<!-- Regenerate with `python scripts/hook_docs.py`; `--check` tells whether this file is stale. -->",
        "",
    ]
    intro = parse_doc(inspect.getdoc(module) or "")
    for paragraph in intro.paragraphs:
        out += [paragraph, ""]
    out += ["## Contents", ""]
    titled = any(group.title for group in groups)
    for group in groups:
        if group.title:
            heading, _ = split_banner(group.title)
            out.append(f"- [{heading}](#{slug(heading)})")
            out += [f"  - [`{hook.name}`](#{slug(hook.name)})" for hook in group.hooks]
        else:
            out += [f"- [`{hook.name}`](#{slug(hook.name)})" for hook in group.hooks]
    out.append("")
    for group in groups:
        level = "###" if titled else "##"
        if group.title:
            heading, description = split_banner(group.title)
            out += [f"## {heading}", ""]
            if description:
                out += [description, ""]
        for hook in group.hooks:
            out += render_hook(hook, level)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


def problems(source: Path = SOURCE, project: str = PROJECT) -> list[str]:
    """Documentation gaps: arguments without ``:param:``, ``:param:`` of no argument."""
    found = []
    for hook in hooks_of(load_module(Path(source)), project):
        documented = [name for name, _text in parse_doc(hook.doc).params]
        for name in hook.argnames:
            if name not in documented:
                found.append(f"{hook.name}: argument {name!r} has no :param: line")
        for name in documented:
            if name not in hook.argnames:
                found.append(f"{hook.name}: :param {name}: documents no argument")
        if "versionadded" not in hook.doc:
            found.append(f"{hook.name}: no '.. versionadded::'")
    return found


def shown(path: Path) -> str:
    """``path`` relative to the current folder when it is below it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate the hook reference from hookspecs.py.")
    parser.add_argument("--check", action="store_true", help="exit 1 if the output file is not what would be generated")
    parser.add_argument("--source", type=Path, default=SOURCE, help=f"hook specification file (default: {SOURCE.relative_to(ROOT)})")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"Markdown file (default: {OUTPUT.relative_to(ROOT)})")
    parser.add_argument("--project", default=PROJECT, help="pluggy project name of the markers (default: sportello)")
    parser.add_argument("--title", default=TITLE, help="the document's title")
    args = parser.parse_args(argv)

    for problem in problems(args.source, args.project):
        print(f"warning: {problem}", file=sys.stderr)
    expected = render(args.source, args.project, args.title)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current == expected:
            print(f"{shown(args.output)} is up to date.")
            return 0
        diff = list(
            difflib.unified_diff(
                current.splitlines(), expected.splitlines(), f"{shown(args.output)} (current)", f"{shown(args.output)} (generated)", lineterm=""
            )
        )
        if args.output.exists():
            reason = f"is stale: it does not match what {shown(args.source)} generates"
        else:
            reason = "does not exist"
        print(f"{shown(args.output)} {reason}. Run `python scripts/hook_docs.py` to regenerate it.", file=sys.stderr)
        for line in diff[:60]:
            print(line, file=sys.stderr)
        if len(diff) > 60:
            print(f"... ({len(diff) - 60} more lines of difference)", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(expected, encoding="utf-8")
    print(f"Wrote {shown(args.output)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
