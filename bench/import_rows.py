"""Benchmark: the generic importer on 50,000 generated rows of the example notes target.

Creates a throwaway PostgreSQL database, makes the test plugin ``example``
(tests/plugins/sportello_example) discoverable, migrates, writes a CSV of N notes
(default 50,000; every tenth row repeats an earlier title and every hundredth is
invalid, so duplicate detection and rejection are exercised) and runs the import the
way the background job does (batches, one SAVEPOINT per row, audit rows, progress).
Prints rows per second.

Usage: python bench/import_rows.py [--rows N] [--on-duplicate skip|update|create] [--postgres URL] [--keep]
Only loopback; the database is dropped at the end unless --keep is given.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--on-duplicate", default="skip", choices=["skip", "update", "create"])
    parser.add_argument("--postgres", default=os.environ.get("SPORTELLO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    import psycopg
    from sqlalchemy.engine import make_url

    admin_url = make_url(args.postgres)
    name = f"sportello_bench_{uuid.uuid4().hex[:8]}"
    connect = dict(host=admin_url.host or "127.0.0.1", port=admin_url.port or 5432, user=admin_url.username or "postgres",
                   dbname=admin_url.database or "postgres", autocommit=True)
    with psycopg.connect(**connect) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    database_url = admin_url.set(database=name).render_as_string(hide_password=False)

    work = Path(tempfile.mkdtemp(prefix="sportello-bench-"))
    info = work / "sportello_test_example-1.2.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: sportello-test-example\nVersion: 1.2.0\n")
    (info / "entry_points.txt").write_text("[sportello]\nexample = sportello_example\n")
    sys.path.insert(0, str(work))
    sys.path.insert(0, str(ROOT / "tests" / "plugins"))
    importlib.invalidate_caches()
    os.environ["SPORTELLO_INSTANCE_PATH"] = str(work / "instance")

    try:
        from sportello.core.app import create_app
        from sportello.core.db import current_session
        from sportello.core.importer import ImportFile, execute
        from sportello.core.importer.service import start_run
        from sportello.core.setup import prepare_database
        from sportello.core.users import create_user

        app = create_app({"DATABASE_URL": database_url, "MODE": "testing", "SECRET_KEY": "bench"}, plugins=["example"])
        lines = ["Title;Text"]
        for n in range(1, args.rows + 1):
            if n % 100 == 0:
                lines.append(f"invalid;row {n}")
            elif n % 10 == 0:
                lines.append(f"note {n - 5:06d};repeated by row {n}")
            else:
                lines.append(f"Note {n:06d};Body of note {n}, with some text to carry.")
        content = ("\n".join(lines) + "\n").encode()
        with app.app_context():
            prepare_database(app)
            user = create_user(email="bench@example.com", name="Bench", profile_code="system_admin", password="bench-password-1")
            session = current_session()
            imported = ImportFile(target="example.note", user_id=user.id, file_name="bench.csv", content=content,
                                  mapping={"0": "title", "1": "body"})
            session.add(imported)
            session.flush()
            start_run(session, imported, {"on_duplicate": args.on_duplicate, "match_keys": ["title"], "assignee_id": user.id}, args.rows)
            session.commit()
            print(f"importing {args.rows:,} rows (on duplicate: {args.on_duplicate}) into PostgreSQL...", flush=True)
            started = time.perf_counter()
            result = execute(session, imported.id)
            elapsed = time.perf_counter() - started
            print()
            print(f"import of {result.total:,} rows in {elapsed:.1f} s: {result.total / elapsed:,.0f} rows/s")
            print(f"  created {result.created:,}  updated {result.updated:,}  skipped {result.skipped:,}  rejected {result.rejected:,}")
        app.extensions["sportello"].db.dispose()
    finally:
        if not args.keep:
            with psycopg.connect(**connect) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
