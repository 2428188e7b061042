"""Benchmark: the leads list page and the pipeline board at 1M leads on PostgreSQL.

Creates a throwaway PostgreSQL database with the companies and leads plugins, 200
salespeople and N leads (default 1,000,000), then times in the same run, as a CRM admin
(sees all) and as a salesperson (sees their own ~5,000):

- the raw SQL that returns the same rows (50, by last change, filtered by status) and
  the application's query path (the visible(...) statement through paginate);
- the board's column totals: the raw SQL grouping every visible lead (what the board
  did before the running totals) beside the application's query (the running totals of
  ``leads_total`` for the CRM admin, the grouped visible leads for the salesperson);
- the whole HTTP page through the application (in-process test client: routing,
  session, visibility, queries, template), for the list and the pipeline board.

Target: the CRM admin's board, whole page p95 under 50 ms (exit 0 when met, 1 if not).

Usage: python bench/leads_list.py [--rows N] [--runs R] [--postgres URL] [--keep]
Only loopback; the database is dropped at the end unless --keep is given.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from _support import PASSWORD, add_common_arguments, create_bench_app, logged_in_client, measure, ratio, scratch_database, scratch_instance

QUERY_LIST = """
SELECT l.id, l.name, l.name_key, l.vat_number, l.legal_city, l.legal_province, l.owner_id, l.status_id, l.source_id,
       l.estimated_value, l.expected_close_date, l.contact_date, l.converted_company_id, l.updated_at,
       u.name, s.name, s.code, src.name
FROM leads_lead l JOIN leads_status s ON s.id = l.status_id LEFT JOIN leads_source src ON src.id = l.source_id
LEFT JOIN core_user u ON u.id = l.owner_id
WHERE l.status_id = :status {where}
ORDER BY l.updated_at DESC, l.id DESC LIMIT 51
"""
#: The board's cards: per status, its 50 most recently changed leads (one part per column).
BOARD_PART = """
(SELECT l.id, l.name, l.status_id, l.owner_id, l.estimated_value, l.contact_date, l.expected_close_date, l.updated_at,
        u.name AS owner_name
 FROM leads_lead l LEFT JOIN core_user u ON u.id = l.owner_id
 WHERE l.status_id = {status} {where} ORDER BY l.updated_at DESC, l.id DESC LIMIT 50)
"""
QUERY_TOTALS = "SELECT status_id, count(id), coalesce(sum(estimated_value), 0) FROM leads_lead {where} GROUP BY status_id"
#: The same figures from the running totals (what the CRM admin's board reads).
QUERY_RUNNING = "SELECT status_id, sum(lead_count), coalesce(sum(value_total), 0) FROM leads_total GROUP BY status_id"
TARGET_MS = 50.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser, rows=1_000_000, runs=30)
    args = parser.parse_args()

    from sqlalchemy import text

    with scratch_database(args.postgres, args.keep) as database_url:
        scratch_instance()
        from sportello.core.setup import prepare_database
        from sportello.core.users import create_user

        app = create_bench_app(database_url, ["companies", "leads"])
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
                statuses = [row[0] for row in connection.execute(text("SELECT id FROM leads_status ORDER BY position"))]
                sources = [row[0] for row in connection.execute(text("SELECT id FROM leads_source ORDER BY position"))]
                print(f"inserting {args.rows:,} leads...", flush=True)
                started = time.perf_counter()
                connection.execute(text("""
                    INSERT INTO leads_lead (name, name_key, vat_number, tax_code, public_administration,
                        legal_street, legal_postcode, legal_city, legal_province, legal_country,
                        op_street, op_postcode, op_city, op_province, op_country, pec, sdi_code, pa_code, phone, email,
                        website, sector, notes, status_id, source_id, owner_id, contact_date, lost_reason, estimated_value,
                        expected_close_date, created_at, updated_at, search_text)
                    SELECT 'Lead ' || g || ' Srl', 'lead ' || g || ' srl', lpad(g::text, 11, '0'), '', false,
                        'Via Roma ' || g, '20100', (ARRAY['Milano','Roma','Torino','Napoli','Bologna'])[1 + g % 5],
                        (ARRAY['MI','RM','TO','NA','BO'])[1 + g % 5], 'IT', '', '', '', '', '', '', '', '', '',
                        'info' || g || '@lead.it', '', 'other', '', (:statuses)[1 + g % 5], (:sources)[1 + g % 6],
                        (:owners)[1 + (g / 7) % 200], CASE WHEN g % 5 = 2 THEN current_date + (g % 60) END,
                        CASE WHEN g % 5 = 4 THEN 'Prezzo' ELSE '' END, (g % 1000) * 100, current_date + (g % 200),
                        now(), now() - (g || ' seconds')::interval,
                        lower('Lead ' || g || ' Srl ' || lpad(g::text, 11, '0') || ' info' || g || '@lead.it')
                    FROM generate_series(1, :rows) g
                """), {"owners": owners, "statuses": statuses, "sources": sources, "rows": args.rows})
                connection.execute(text("ANALYZE leads_lead"))
                print(f"  done in {time.perf_counter() - started:.1f} s")
            # The rows above bypass the ORM: the running totals are rebuilt as `sportello leads recount` does.
            from sportello_leads.totals import recount

            started = time.perf_counter()
            with app.extensions["sportello"].db.session_scope() as session:
                counted = recount(session)
            print(f"  board totals rebuilt from {counted:,} leads in {time.perf_counter() - started:.1f} s")

        def raw(sql: str, params: dict[str, Any]) -> Any:
            statement = text(sql)

            def run() -> None:
                with engine.connect() as connection:
                    connection.execute(statement, params).all()

            return run

        def app_path(user: Any, status: int) -> Any:
            """The application's query path alone: visible(...) through paginate."""
            from flask_login import login_user
            from sportello import paginate, session, visible
            from sportello_leads.models import Lead
            from sportello_leads.views import LIST_COLUMNS, _joined

            def run() -> None:
                with app.test_request_context("/leads/"):
                    login_user(user)
                    paginate(session, visible(_joined(LIST_COLUMNS), user, "list").where(Lead.status_id == status),
                             sort_column=Lead.updated_at, id_column=Lead.id, descending=True, limit=50, scalars=False)
                    session.remove() if hasattr(session, "remove") else None

            return run

        def app_totals(user: Any) -> Any:
            """The board's column totals as the page gets them: the running totals when
            they answer, else the visible leads grouped (the same statements as the view)."""
            from flask_login import login_user
            from sportello import session, visible
            from sportello_leads.models import Lead
            from sportello_leads.totals import board
            from sportello_leads.views import _filtered
            from sqlalchemy import func, select

            def run() -> None:
                with app.test_request_context("/leads/pipeline"):
                    login_user(user)
                    if board({}, user) is None:
                        session.execute(_filtered(visible(select(Lead.status_id), user, "list"))
                                        .with_only_columns(Lead.status_id, func.count(Lead.id), func.coalesce(
                                            func.sum(Lead.estimated_value), 0)).group_by(Lead.status_id)).all()
                    session.remove() if hasattr(session, "remove") else None

            return run

        negotiation = statuses[1]
        mine = "AND l.owner_id = :u"
        cases = [
            ("list by status, CRM admin", crm, f"/leads/?status={negotiation}", raw(QUERY_LIST.format(where=""), {"status": negotiation}),
             app_path(crm, negotiation)),
            ("list by status, salesperson", seller, f"/leads/?status={negotiation}",
             raw(QUERY_LIST.format(where=mine), {"status": negotiation, "u": seller.id}), app_path(seller, negotiation)),
        ]
        with app.app_context():
            from sportello import session
            from sportello.core.identity import User

            crm_user, seller_user = session.get(User, crm.id), session.get(User, seller.id)
            cases = [(label, user, url, raw_run, app_path(crm_user if user is crm else seller_user, negotiation))
                     for label, user, url, raw_run, _ in cases]
        print()
        print(f"leads at {args.rows:,} rows, 200 salespeople (PostgreSQL), median of {args.runs} runs")
        for label, user, url, raw_run, app_run in cases:
            client, _ = logged_in_client(app, user, url)
            raw_ms = measure(raw_run, args.runs).median_ms
            with app.app_context():
                app_ms = measure(app_run, args.runs).median_ms
            page_ms, p95, _ = measure(lambda: client.get(url), args.runs)
            print(f"  {label:<30} raw SQL {raw_ms:7.1f} ms   app query {app_ms:7.1f} ms ({ratio(app_ms, raw_ms)})   "
                  f"whole page {page_ms:7.1f} ms (p95 {p95:6.1f})")
        met = True
        for label, user, where, params in (("pipeline, CRM admin", crm, "", {}),
                                           ("pipeline, salesperson", seller, "WHERE l.owner_id = :u", {"u": seller.id})):
            client, _ = logged_in_client(app, user, "/leads/pipeline")
            board = raw(" UNION ALL ".join(BOARD_PART.format(status=s, where=where.replace("WHERE", "AND")) for s in statuses), params)
            totals = raw(QUERY_TOTALS.format(where=where.replace("l.", "")), params)
            raw_ms = measure(lambda: (board(), totals()), args.runs).median_ms
            page_ms, p95, _ = measure(lambda: client.get("/leads/pipeline"), args.runs)
            print(f"  {label:<30} raw SQL {raw_ms:7.1f} ms   {'(cards + live GROUP BY)':>27}   whole page {page_ms:7.1f} ms (p95 {p95:6.1f})")
            live_ms = measure(totals, args.runs).median_ms
            with app.app_context():
                from sportello import session
                from sportello.core.identity import User

                app_ms = measure(app_totals(session.get(User, user.id)), args.runs).median_ms
            running = f"running totals raw SQL {measure(raw(QUERY_RUNNING, {}), args.runs).median_ms:6.1f} ms" if user is crm else \
                "live GROUP BY (visibility restricts)"
            print(f"  {'  column totals':<30} raw SQL {live_ms:7.1f} ms   app query {app_ms:7.1f} ms ({running})")
            if user is crm:
                met = p95 < TARGET_MS
                print(f"  {'':<30} target: CRM admin's board p95 under {TARGET_MS:.0f} ms: {'met' if met else 'NOT met'}")
        app.extensions["sportello"].db.dispose()
        return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
