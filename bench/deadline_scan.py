"""Benchmark: the deadline scan over 1M dated records on PostgreSQL, beside raw SQL.

Creates a throwaway PostgreSQL database and a throwaway plugin ("benchdue") whose table
holds N dated records (default 1,000,000, due dates spread over 500 days, 200 owners),
with an index on the due date. Then, in the same run, it times:

1. raw SQL: the SELECT that finds the records due in the scan's window;
2. the deadlines hook: what the scan asks every plugin for (``user=None``);
3. the whole scan, first run: the hook plus the rule matching and one notice per
   record and recipient (inserted with their jobs; Redis is pointed at a closed port so
   nothing is sent);
4. the whole scan, second run of the same day: every notice already exists.

Usage: python bench/deadline_scan.py [--rows N] [--postgres URL] [--keep]
Only loopback; the database is dropped at the end unless --keep is given.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import textwrap
import time
from datetime import date, timedelta

from _support import add_common_arguments, create_bench_app, measure, ratio, scratch_database, scratch_instance

PLUGIN = '''
from datetime import date, timedelta

from sqlalchemy import Date, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from sportello import Deadline, Model, PluginInfo, hookimpl, session
from sportello.core.types import DeadlineKind

PLUGIN = PluginInfo(name="benchdue", title="Bench deadlines")


class Item(Model):
    __tablename__ = "benchdue_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(Integer)
    due: Mapped[date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(120))


@hookimpl
def deadline_kinds():
    return [DeadlineKind("benchdue.due", "Bench item due", default_recipients=["owner"], days_ahead=1)]


@hookimpl
def deadlines(start, end, user):
    rows = session.execute(
        select(Item.id, Item.owner_id, Item.due, Item.title).where(Item.due >= start, Item.due <= end)
    )
    return [
        Deadline("benchdue.due", "benchdue.item", row.id, row.due, row.title, f"/bench/{row.id}", {"owner": [row.owner_id]})
        for row in rows
    ]
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser, rows=1_000_000)
    parser.add_argument("--owners", type=int, default=200)
    args = parser.parse_args()

    with scratch_database(args.postgres, args.keep) as database_url:
        work = scratch_instance("instance")
        package = work / "sportello_benchdue"
        package.mkdir()
        (package / "__init__.py").write_text(textwrap.dedent(PLUGIN))
        info = work / "sportello_benchdue-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: sportello-benchdue\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text("[sportello]\nbenchdue = sportello_benchdue\n")
        sys.path.insert(0, str(work))
        importlib.invalidate_caches()

        from sqlalchemy import text

        from sportello.core.notify.service import scan_deadlines
        from sportello.core.setup import prepare_database

        app = create_bench_app(database_url, ["benchdue"], REDIS_URL="redis://127.0.0.1:1/0")
        import logging

        logging.getLogger("sportello.core.jobs").setLevel(logging.ERROR)  # Redis is closed on purpose
        today = date.today()
        with app.app_context():
            prepare_database(app)
            engine = app.extensions["sportello"].db.engine
            with engine.begin() as connection:
                from sportello.core.db import Model

                Model.metadata.tables["benchdue_item"].create(connection)
                profile = connection.execute(text("SELECT id FROM core_profile WHERE code = 'salesperson'")).scalar()
                connection.execute(text(
                    "INSERT INTO core_user (email, name, active, profile_id, session_version, totp_enabled, created_at, updated_at) "
                    "SELECT 'owner' || g || '@bench.it', 'Owner ' || g, true, :p, 0, false, now(), now() "
                    "FROM generate_series(1, :n) g"), {"p": profile, "n": args.owners})
                low = connection.execute(text("SELECT min(id) FROM core_user")).scalar()
                print(f"inserting {args.rows:,} dated records...", flush=True)
                started = time.perf_counter()
                connection.execute(text(
                    "INSERT INTO benchdue_item (owner_id, due, title) "
                    "SELECT :low + (g % :owners), CAST(:first AS date) + (g % 500), 'Item ' || g "
                    "FROM generate_series(1, :rows) g"),
                    {"low": low, "owners": args.owners, "first": today - timedelta(days=250), "rows": args.rows})
                connection.execute(text("ANALYZE benchdue_item"))
                print(f"  done in {time.perf_counter() - started:.1f} s")

            horizon = today + timedelta(days=1)
            raw_sql = text("SELECT id, owner_id, due, title FROM benchdue_item WHERE due >= :s AND due <= :e")

            def raw() -> int:
                with engine.connect() as connection:
                    return len(connection.execute(raw_sql, {"s": today, "e": horizon}).all())

            def hook() -> int:
                plugins = app.extensions["sportello"].plugins
                return len(plugins.collect("deadlines", start=today, end=horizon, user=None))

            raw_ms, _, raw_rows = measure(raw, 5, warmup=False)
            hook_ms, _, hook_rows = measure(hook, 5, warmup=False)
            first_ms, _, first = measure(lambda: len(scan_deadlines(today)), 1, warmup=False)
            again_ms, _, again = measure(lambda: len(scan_deadlines(today)), 3, warmup=False)

        print()
        print(f"deadline scan over {args.rows:,} dated records, window {today} .. {horizon} (PostgreSQL)")
        print(f"  raw SQL SELECT of the window          {raw_ms:9.1f} ms   {raw_rows:,} rows")
        print(f"  deadlines hook (user=None)            {hook_ms:9.1f} ms   {hook_rows:,} deadlines   {ratio(hook_ms, raw_ms)} raw SQL")
        print(f"  scan, first run (creates notices)     {first_ms:9.1f} ms   {first:,} notices with their jobs")
        print(f"  scan, same day again (all exist)      {again_ms:9.1f} ms   {again:,} new notices   {ratio(again_ms, raw_ms)} raw SQL")
        app.extensions["sportello"].db.dispose()


if __name__ == "__main__":
    main()
