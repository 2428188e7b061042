"""Benchmark: the companies list page and search at 100k companies on PostgreSQL.

Creates a throwaway PostgreSQL database with the companies plugin, 200 salespeople and N
companies (default 100,000), then times in the same run, as a CRM admin (sees all) and
as a salesperson (sees their own ~500):

- the raw SQL that returns the first page (50 rows, by name) and a search by name;
- the whole HTTP page through the application (in-process test client: routing,
  session, visibility, query, template), for the list, the next page and the search.

Usage: python bench/companies_list.py [--rows N] [--runs R] [--postgres URL] [--keep]
Only loopback; the database is dropped at the end unless --keep is given.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
import uuid
from typing import Any

QUERY_LIST = """
SELECT c.id, c.name, c.name_key, c.vat_number, c.legal_city, c.legal_province, c.sector, c.salesperson_id,
       c.updated_at, u.name
FROM companies_company c LEFT JOIN core_user u ON u.id = c.salesperson_id
{where}
ORDER BY c.name_key, c.id LIMIT 51
"""


def median_ms(function: Any, runs: int) -> float:
    function()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def percentile_ms(function: Any, runs: int, pct: float = 95) -> float:
    function()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return times[min(len(times) - 1, int(len(times) * pct / 100))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--postgres", default=os.environ.get("SPORTELLO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    import psycopg
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    admin_url = make_url(args.postgres)
    name = f"sportello_bench_{uuid.uuid4().hex[:8]}"
    connect = dict(host=admin_url.host or "127.0.0.1", port=admin_url.port or 5432, user=admin_url.username or "postgres",
                   dbname=admin_url.database or "postgres", autocommit=True)
    with psycopg.connect(**connect) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    database_url = admin_url.set(database=name).render_as_string(hide_password=False)
    os.environ["SPORTELLO_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="sportello-bench-")
    try:
        from sportello.core.app import create_app
        from sportello.core.setup import prepare_database
        from sportello.core.users import create_user
        from sportello.testing import login

        app = create_app({"DATABASE_URL": database_url, "MODE": "testing", "SECRET_KEY": "bench"}, plugins=["companies"])
        with app.app_context():
            prepare_database(app)
            crm = create_user(email="crm@bench.it", name="CRM", profile_code="crm_admin", password="password-123", language="en")
            seller = create_user(email="seller@bench.it", name="Seller", profile_code="salesperson", password="password-123", language="en")
            engine = app.extensions["sportello"].db.engine
            with engine.begin() as connection:
                profile = connection.execute(text("SELECT id FROM core_profile WHERE code = 'salesperson'")).scalar()
                connection.execute(text(
                    "INSERT INTO core_user (email, name, active, profile_id, session_version, totp_enabled, created_at, updated_at) "
                    "SELECT 'seller' || g || '@bench.it', 'Seller ' || g, true, :p, 0, false, now(), now() FROM generate_series(1, 199) g"),
                    {"p": profile})
                owners = [row[0] for row in connection.execute(text("SELECT id FROM core_user WHERE profile_id = :p ORDER BY id"), {"p": profile})]
                print(f"inserting {args.rows:,} companies...", flush=True)
                started = time.perf_counter()
                connection.execute(text("""
                    INSERT INTO companies_company (name, name_key, vat_number, tax_code, public_administration,
                        legal_street, legal_postcode, legal_city, legal_province, legal_country,
                        op_street, op_postcode, op_city, op_province, op_country, pec, sdi_code, pa_code, phone, email,
                        website, sector, notes, salesperson_id, created_at, updated_at, search_text)
                    SELECT 'Azienda ' || g || ' Srl', 'azienda ' || g || ' srl', lpad(g::text, 11, '0'), '', false,
                        'Via Roma ' || g, '20100', (ARRAY['Milano','Roma','Torino','Napoli','Bologna'])[1 + g % 5],
                        (ARRAY['MI','RM','TO','NA','BO'])[1 + g % 5], 'IT', '', '', '', '', '', '', '', '', '',
                        'info' || g || '@azienda.it', '', 'other', '', (:owners)[1 + g % 200], now(), now() - (g || ' minutes')::interval,
                        lower('Azienda ' || g || ' Srl ' || lpad(g::text, 11, '0') || '  info' || g || '@azienda.it ' || (ARRAY['Milano','Roma','Torino','Napoli','Bologna'])[1 + g % 5])
                    FROM generate_series(1, :rows) g
                """), {"owners": owners, "rows": args.rows})
                connection.execute(text("ANALYZE companies_company"))
                print(f"  done in {time.perf_counter() - started:.1f} s")

        def raw_query(where: str, params: dict[str, Any]) -> Any:
            sql = text(QUERY_LIST.format(where=where))

            def run() -> None:
                with engine.connect() as connection:
                    connection.execute(sql, params).all()

            return run

        cases = [
            ("list, CRM admin", crm, "/companies/", raw_query("", {})),
            ("list, salesperson", seller, "/companies/", raw_query("WHERE c.salesperson_id = :u", {"u": seller.id})),
            ("search 'Azienda 4242', CRM admin", crm, "/companies/?q=Azienda+4242",
             raw_query("WHERE c.search_text LIKE :q", {"q": "%azienda 4242%"})),
        ]
        print()
        print(f"companies list at {args.rows:,} companies (PostgreSQL), median of {args.runs} runs")
        for label, user, url, raw_run in cases:
            client = login(app.test_client(), user, password="password-123")
            client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
            page = client.get(url)
            assert page.status_code == 200, page.status_code
            raw_ms = median_ms(raw_run, args.runs)
            page_ms = median_ms(lambda: client.get(url), args.runs)
            p95 = percentile_ms(lambda: client.get(url), args.runs)
            print(f"  {label:<34} raw SQL {raw_ms:7.1f} ms   whole page {page_ms:7.1f} ms (p95 {p95:6.1f})   x{page_ms / raw_ms:.1f}")
            more = re.search(r'hx-get="([^"]*cursor=[^"]*)"', page.get_data(as_text=True))
            if more:
                next_url = more.group(1).replace("&amp;", "&")
                next_ms = median_ms(lambda: client.get(next_url, headers={"HX-Request": "true"}), args.runs)
                print(f"  {'  next page (keyset)':<34} {'':>18}   whole page {next_ms:7.1f} ms")
        app.extensions["sportello"].db.dispose()
    finally:
        if not args.keep:
            with psycopg.connect(**connect) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
