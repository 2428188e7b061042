"""Benchmark: the generic importer on 50,000 generated rows (notes or companies).

Creates a throwaway PostgreSQL database and writes a CSV of N rows (default 50,000;
every tenth row repeats an earlier one and every hundredth is invalid, so duplicate
detection and rejection are exercised), then runs the import the way the background
job does (batches, one SAVEPOINT per row, audit rows, progress). Prints rows per second.

- ``--target notes``: the test plugin ``example`` (tests/plugins/sportello_example),
  made discoverable for the run; a note is a title and a text.
- ``--target companies``: the companies plugin (installed); each row is a company with
  a valid partita IVA, checked like the forms do, matched on the partita IVA.

Usage: python bench/import_rows.py [--target notes|companies] [--rows N] [--on-duplicate skip|update|create] [--postgres URL] [--keep]
Only loopback; the database is dropped at the end unless --keep is given.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

from _support import add_common_arguments, create_bench_app, scratch_database, scratch_instance

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser, rows=50_000)
    parser.add_argument("--target", default="notes", choices=["notes", "companies"])
    parser.add_argument("--on-duplicate", default="skip", choices=["skip", "update", "create"])
    args = parser.parse_args()

    with scratch_database(args.postgres, args.keep) as database_url:
        work = scratch_instance("instance")
        info = work / "sportello_test_example-1.2.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: sportello-test-example\nVersion: 1.2.0\n")
        (info / "entry_points.txt").write_text("[sportello]\nexample = sportello_example\n")
        sys.path.insert(0, str(work))
        sys.path.insert(0, str(ROOT / "tests" / "plugins"))
        importlib.invalidate_caches()

        from sportello.core.db import current_session
        from sportello.core.importer import ImportFile, execute
        from sportello.core.importer.service import start_run
        from sportello.core.setup import prepare_database
        from sportello.core.users import create_user

        plugins, target, lines, mapping, match = generate(args.target, args.rows)
        app = create_bench_app(database_url, plugins)
        content = ("\n".join(lines) + "\n").encode()
        with app.app_context():
            prepare_database(app)
            user = create_user(email="bench@example.com", name="Bench", profile_code="system_admin", password="bench-password-1")
            session = current_session()
            imported = ImportFile(target=target, user_id=user.id, file_name="bench.csv", content=content, mapping=mapping)
            session.add(imported)
            session.flush()
            start_run(session, imported, {"on_duplicate": args.on_duplicate, "match_keys": [match], "assignee_id": user.id}, args.rows)
            session.commit()
            print(f"importing {args.rows:,} {args.target} rows (on duplicate: {args.on_duplicate}) into PostgreSQL...", flush=True)
            started = time.perf_counter()
            from sportello.core.jobs import job_context

            with job_context(app):  # as the background job runs it
                result = execute(current_session(), imported.id)
            elapsed = time.perf_counter() - started
            print()
            print(f"import of {result.total:,} rows in {elapsed:.1f} s: {result.total / elapsed:,.0f} rows/s")
            print(f"  created {result.created:,}  updated {result.updated:,}  skipped {result.skipped:,}  rejected {result.rejected:,}")
        app.extensions["sportello"].db.dispose()


def generate(target: str, rows: int) -> tuple[list[str], str, list[str], dict[str, str], str]:
    """(plugins, target key, CSV lines, column mapping, match key) of a generated file."""
    if target == "notes":
        lines = ["Title;Text"]
        for n in range(1, rows + 1):
            if n % 100 == 0:
                lines.append(f"invalid;row {n}")
            elif n % 10 == 0:
                lines.append(f"note {n - 5:06d};repeated by row {n}")
            else:
                lines.append(f"Note {n:06d};Body of note {n}, with some text to carry.")
        return ["example"], "example.note", lines, {"0": "title", "1": "body"}, "title"
    from stdnum import luhn

    def partita_iva(n: int) -> str:
        base = f"{n:07d}" + "001"  # seven digits, then the office code 001
        return base + luhn.calc_check_digit(base)

    cities = [("Milano", "MI"), ("Roma", "RM"), ("Torino", "TO"), ("Napoli", "NA"), ("Bologna", "BO")]
    lines = ["Ragione sociale;Partita IVA;Città;Provincia;E-mail"]
    for n in range(1, rows + 1):
        city, province = cities[n % len(cities)]
        if n % 100 == 0:
            lines.append(f"Azienda {n} Srl;12345678901;{city};{province};info{n}@azienda.it")  # bad check digit
        elif n % 10 == 0:
            lines.append(f"Azienda {n - 5} Srl;{partita_iva(n - 5)};{city};{province};info{n - 5}@azienda.it")
        else:
            lines.append(f"Azienda {n} Srl;{partita_iva(n)};{city};{province};info{n}@azienda.it")
    mapping = {"0": "name", "1": "vat_number", "2": "legal_city", "3": "legal_province", "4": "email"}
    return ["companies"], "companies.company", lines, mapping, "vat_number"


if __name__ == "__main__":
    main()
