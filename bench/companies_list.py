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
import re
import time
from typing import Any

from _support import PASSWORD, add_common_arguments, create_bench_app, logged_in_client, measure, ratio, scratch_database, scratch_instance

QUERY_LIST = """
SELECT c.id, c.name, c.name_key, c.vat_number, c.legal_city, c.legal_province, c.sector, c.salesperson_id,
       c.updated_at, u.name
FROM companies_company c LEFT JOIN core_user u ON u.id = c.salesperson_id
{where}
ORDER BY c.name_key, c.id LIMIT 51
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser, rows=100_000, runs=30)
    args = parser.parse_args()

    from sqlalchemy import text

    with scratch_database(args.postgres, args.keep) as database_url:
        scratch_instance()
        from sportello.core.setup import prepare_database
        from sportello.core.users import create_user

        app = create_bench_app(database_url, ["companies"])
        with app.app_context():
            prepare_database(app)
            crm = create_user(email="crm@bench.it", name="CRM", profile_code="crm_admin", password=PASSWORD, language="en")
            seller = create_user(email="seller@bench.it", name="Seller", profile_code="salesperson", password=PASSWORD, language="en")
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
            client, page = logged_in_client(app, user, url, language="en")
            raw_ms = measure(raw_run, args.runs).median_ms
            page_ms, p95, _ = measure(lambda: client.get(url), args.runs)
            print(f"  {label:<34} raw SQL {raw_ms:7.1f} ms   whole page {page_ms:7.1f} ms (p95 {p95:6.1f})   {ratio(page_ms, raw_ms)}")
            more = re.search(r'hx-get="([^"]*cursor=[^"]*)"', page.get_data(as_text=True))
            if more:
                next_url = more.group(1).replace("&amp;", "&")
                next_ms = measure(lambda: client.get(next_url, headers={"HX-Request": "true"}), args.runs).median_ms
                print(f"  {'  next page (keyset)':<34} {'':>18}   whole page {next_ms:7.1f} ms")
        app.extensions["sportello"].db.dispose()


if __name__ == "__main__":
    main()
