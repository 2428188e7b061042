#!/usr/bin/env python3
"""Start-up time of Sportello with every installed plugin enabled.

Each run is a fresh interpreter (so imports count) that times, in-process,

    from sportello.core.app import create_app; create_app()

split into ``import sportello``, the rest of the import of ``sportello.core.app`` and
the first ``create_app()`` call (which itself imports the enabled plugins, the web frame
and the API lazily). A second ``create_app()`` in the same process, with every module
already imported, gives the cost of building the application *excluding imports*.

Finally the same script runs once under ``python -X importtime`` and the slowest
imports are listed (by cumulative and by self time).

Run:  .venv/bin/python bench/startup.py [--runs 10]

Not part of the test suite; only the standard library is used.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_MS = 1000.0
ROOT = Path(__file__).resolve().parent.parent
MARKER = "SPORTELLO-BENCH-RESULT "

# The script each fresh interpreter runs. perf_counter starts before the first import
# of sportello; the interpreter's own start-up (site, encodings) is measured separately
# as the whole-process wall time seen from the parent.
CHILD = r"""
import time
t0 = time.perf_counter()
import sportello
t1 = time.perf_counter()
from sportello.core.app import create_app
t2 = time.perf_counter()
app = create_app()
t3 = time.perf_counter()
import sys, json
if {warm}:
    w0 = time.perf_counter()
    create_app()
    w1 = time.perf_counter()
    warm_ms = (w1 - w0) * 1000
else:
    warm_ms = None
state = app.extensions["sportello"]
print({marker!r} + json.dumps({{
    "import_sportello_ms": (t1 - t0) * 1000,
    "import_app_ms": (t2 - t1) * 1000,
    "create_app_ms": (t3 - t2) * 1000,
    "total_ms": (t3 - t0) * 1000,
    "warm_create_app_ms": warm_ms,
    "plugins": state.plugins.order,
    "installed": sorted(state.plugins.installed),
    "modules": len(sys.modules),
}}))
"""


def default_python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def child_env(instance: Path) -> dict[str, str]:
    """The environment of a run: no inherited SPORTELLO_* (so PLUGINS is unset, i.e.
    every installed plugin), a temp instance folder and a SQLite database in it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")}
    env.update(
        SPORTELLO_INSTANCE_PATH=str(instance),
        SPORTELLO_DATABASE_URL=f"sqlite:///{instance / 'bench.db'}",
        SPORTELLO_SECRET_KEY="bench-startup-not-a-secret",
        SPORTELLO_MODE="development",
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # normal .pyc caching, as in a deployment
    env.pop("PYTHONTRACEMALLOC", None)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def run_child(python: str, instance: Path, *, warm: bool, extra: list[str] | None = None, timeout: float = 120) -> tuple[dict, float, str]:
    code = CHILD.format(warm=warm, marker=MARKER)
    start = time.perf_counter()
    done = subprocess.run(
        [python, *(extra or []), "-c", code],
        cwd=instance,
        env=child_env(instance),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    wall = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"the child interpreter failed with exit code {done.returncode}")
    line = next((l for l in done.stdout.splitlines() if l.startswith(MARKER)), None)
    if line is None:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit("the child printed no result")
    return json.loads(line[len(MARKER) :]), wall, done.stderr


def parse_importtime(stderr: str) -> list[tuple[int, int, str]]:
    """``import time: self [us] | cumulative | imported package`` lines."""
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        try:
            _, rest = line.split(":", 1)
            self_us, cumulative_us, name = rest.split("|", 2)
            rows.append((int(self_us), int(cumulative_us), name.rstrip()))
        except ValueError:
            continue
    return rows


def summary(values: list[float]) -> str:
    return f"min {min(values):7.1f}   median {statistics.median(values):7.1f}   max {max(values):7.1f}"


def top_level_group(name: str) -> str:
    return name.strip().split(".")[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="fresh interpreters to time (default 10)")
    parser.add_argument("--top", type=int, default=10, help="slowest imports to list (default 10)")
    parser.add_argument("--python", default=default_python(), help="interpreter with sportello installed (default: .venv/bin/python)")
    parser.add_argument("--no-warmup", action="store_true", help="also count the first run (may compile .pyc files)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    instance = Path(tempfile.mkdtemp(prefix="sportello-bench-startup-"))
    try:
        if not args.no_warmup:
            run_child(args.python, instance, warm=False)  # compiles .pyc files, fills OS caches

        results, walls = [], []
        for _ in range(args.runs):
            result, wall, _stderr = run_child(args.python, instance, warm=True)
            results.append(result)
            walls.append(wall)

        plugins = results[0]["plugins"]
        installed = results[0]["installed"]
        print("Sportello start-up benchmark")
        print(f"  python      : {args.python}")
        print(f"  plugins     : {', '.join(plugins) or 'none (core only)'}  (installed: {', '.join(installed) or 'none'})")
        print(f"  runs        : {args.runs} fresh interpreters{'' if args.no_warmup else ' (after 1 discarded warm-up run)'}")
        print(f"  modules     : {results[0]['modules']} in sys.modules after create_app()")
        print()
        print("  times in ms")
        total = [r["total_ms"] for r in results]
        print(f"  from sportello.core.app import create_app; create_app()   {summary(total)}")
        print(f"    import sportello alone                                 {summary([r['import_sportello_ms'] for r in results])}")
        print(f"    + rest of import sportello.core.app                    {summary([r['import_app_ms'] for r in results])}")
        print(f"    + first create_app() (with its lazy imports)           {summary([r['create_app_ms'] for r in results])}")
        print(f"  create_app() excluding imports (2nd call, same process)  {summary([r['warm_create_app_ms'] for r in results])}")
        print(f"  whole process wall time (interpreter start to exit)      {summary(walls)}")
        print()
        median = statistics.median(total)
        verdict = "OK" if median < TARGET_MS else "OVER TARGET"
        print(f"  target: import + create_app() under {TARGET_MS:.0f} ms -> median {median:.1f} ms: {verdict}")
        print()

        _, _, stderr = run_child(args.python, instance, warm=False, extra=["-X", "importtime"])
        rows = parse_importtime(stderr)
        print(f"  python -X importtime of the same script ({len(rows)} imports; times inflated by the tracing):")
        print(f"  top {args.top} by cumulative time (includes what they import):")
        for self_us, cumulative_us, name in sorted(rows, key=lambda r: -r[1])[: args.top]:
            print(f"    {cumulative_us / 1000:8.1f} ms cumulative  {self_us / 1000:7.1f} ms self  {name.strip()}")
        print(f"  top {args.top} by self time (the module's own code):")
        for self_us, cumulative_us, name in sorted(rows, key=lambda r: -r[0])[: args.top]:
            print(f"    {self_us / 1000:8.1f} ms self  {cumulative_us / 1000:8.1f} ms cumulative  {name.strip()}")
        groups: dict[str, int] = {}
        for self_us, _cumulative, name in rows:
            groups[top_level_group(name)] = groups.get(top_level_group(name), 0) + self_us
        print(f"  top {args.top} distributions/packages by summed self time:")
        for name, self_us in sorted(groups.items(), key=lambda item: -item[1])[: args.top]:
            print(f"    {self_us / 1000:8.1f} ms  {name}")
        return 0 if median < TARGET_MS else 1
    finally:
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
