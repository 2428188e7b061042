"""Benchmark: "my activities" and the activities list at 1M activities on PostgreSQL.

Creates a throwaway PostgreSQL database with the companies and projects plugins, 50
project managers, 500 assignees, 20,000 projects (each with a work group of three) and N
activities (default 1,000,000; one in fifty assigned to the work group), then times in
the same run:

- an assignee's "my activities" (open, assigned to them directly or through a work
  group: ~1,400 rows of 1M) and a project manager's activities list (every activity of
  their 400 projects: ~20,000 rows), first page of 50 by last change;
- for each: the raw SQL that returns the same rows, the application's query path (the
  list's visible(...) statement through paginate) and the whole HTTP page through the
  application (in-process test client: routing, session, visibility, queries, template),
  median and p95.

Targets: application query <= 2x the raw SQL, page p95 < 50 ms. Exits 1 when one is missed.

Usage: python bench/projects_lists.py [--rows N] [--runs R] [--postgres URL] [--keep] [--explain]
Only loopback; the database is dropped at the end unless --keep is given.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from _support import PASSWORD, add_common_arguments, create_bench_app, logged_in_client, measure, ratio, scratch_database, scratch_instance

COLUMNS = """
SELECT a.id, a.company_id, a.project_id, a.title, a.description, a.kind, a.owner_id, a.assignee_id,
       a.assigned_to_group, a.planned_start, a.planned_end, a.state, a.closing_note, a.closed_at, a.actual_cost,
       a.created_at, a.updated_at, c.name, u.name, p.code
FROM projects_activity a JOIN companies_company c ON c.id = a.company_id
LEFT JOIN projects_project p ON p.id = a.project_id LEFT JOIN core_user u ON u.id = a.assignee_id
"""
#: An assignee's open activities, theirs or of a work group they belong to.
QUERY_MINE = COLUMNS + """
WHERE a.state = 'open' AND (a.assignee_id = :u OR (a.assigned_to_group AND a.project_id IN
      (SELECT project_id FROM projects_project_member WHERE user_id = :u)))
ORDER BY a.updated_at DESC, a.id DESC LIMIT 51
"""
#: The activities of the projects a project manager runs.
QUERY_MANAGED = COLUMNS + """
WHERE a.project_id IN (SELECT id FROM projects_project WHERE manager_id = :u)
ORDER BY a.updated_at DESC, a.id DESC LIMIT 51
"""
PROJECTS = 20_000
MANAGERS = 50
ASSIGNEES = 500
COMPANIES = 5_000


def load(connection: Any, text: Any, rows: int, pm_id: int, tech_id: int) -> None:
    """Users, companies, projects with work groups and activities, in a few INSERT ... SELECT."""
    profiles = dict(connection.execute(text("SELECT code, id FROM core_profile")).all())
    for code, prefix, count in (("project_manager", "pm", MANAGERS - 1), ("assignee", "tech", ASSIGNEES - 1)):
        connection.execute(text(
            "INSERT INTO core_user (email, name, active, profile_id, session_version, totp_enabled, created_at, updated_at) "
            "SELECT :prefix || g || '@bench.it', initcap(:prefix) || ' ' || g, true, :p, 0, false, now(), now() "
            "FROM generate_series(1, :n) g"), {"prefix": prefix, "p": profiles[code], "n": count})
    managers = [pm_id] + [r[0] for r in connection.execute(text(
        "SELECT id FROM core_user WHERE email LIKE 'pm%@bench.it' AND id <> :u ORDER BY id"), {"u": pm_id})]
    assignees = [tech_id] + [r[0] for r in connection.execute(text(
        "SELECT id FROM core_user WHERE email LIKE 'tech%@bench.it' AND id <> :u ORDER BY id"), {"u": tech_id})]
    connection.execute(text("""
        INSERT INTO companies_company (name, name_key, vat_number, tax_code, public_administration,
            legal_street, legal_postcode, legal_city, legal_province, legal_country,
            op_street, op_postcode, op_city, op_province, op_country, pec, sdi_code, pa_code, phone, email,
            website, sector, notes, created_at, updated_at, search_text)
        SELECT 'Azienda ' || g || ' Srl', 'azienda ' || g || ' srl', lpad(g::text, 11, '0'), '', false,
            'Via Roma ' || g, '20100', 'Milano', 'MI', 'IT', '', '', '', '', '', '', '', '', '', '', '', 'other', '',
            now(), now(), 'azienda ' || g || ' srl'
        FROM generate_series(1, :n) g
    """), {"n": COMPANIES})
    first_company = connection.execute(text("SELECT min(id) FROM companies_company")).scalar()
    connection.execute(text("""
        INSERT INTO projects_project (code, title, description, company_id, manager_id, start_date, planned_end,
            budget, state, created_at, updated_at)
        SELECT 'C' || lpad(g::text, 6, '0'), 'Commessa ' || g, '', :c + g % :companies, (:managers)[1 + g % :m],
            current_date - 100, current_date + g % 300, 10000, CASE WHEN g % 10 = 0 THEN 'closed' ELSE 'open' END,
            now(), now() - (g || ' minutes')::interval
        FROM generate_series(1, :n) g
    """), {"n": PROJECTS, "c": first_company, "companies": COMPANIES, "managers": managers, "m": MANAGERS})
    first_project = connection.execute(text("SELECT min(id) FROM projects_project")).scalar()
    # a work group of three assignees per project
    connection.execute(text("""
        INSERT INTO projects_project_member (project_id, user_id)
        SELECT DISTINCT p.id, (:assignees)[1 + (p.id * 7 + k * 131) % :a]
        FROM projects_project p, generate_series(0, 2) k
    """), {"assignees": assignees, "a": ASSIGNEES})
    print(f"inserting {rows:,} activities...", flush=True)
    started = time.perf_counter()
    connection.execute(text("""
        INSERT INTO projects_activity (company_id, project_id, title, description, kind, owner_id, assignee_id,
            assigned_to_group, planned_start, planned_end, state, closing_note, created_at, updated_at)
        SELECT p.company_id, p.id, 'Attività ' || g, '', (ARRAY['task','call','meeting','visit','document','other'])[1 + g % 6],
            p.manager_id, CASE WHEN g % 50 = 0 THEN NULL ELSE (:assignees)[1 + (g / 3) % :a] END, g % 50 = 0,
            current_date - 30, current_date + g % 200,
            CASE WHEN g % 10 < 7 THEN 'open' WHEN g % 10 < 9 THEN 'completed' ELSE 'abandoned' END, '',
            now(), now() - (g || ' seconds')::interval
        FROM generate_series(1, :rows) g JOIN projects_project p ON p.id = :first + g % :projects
    """), {"rows": rows, "first": first_project, "projects": PROJECTS, "assignees": assignees, "a": ASSIGNEES})
    for table in ("core_user", "companies_company", "projects_project", "projects_project_member", "projects_activity"):
        connection.execute(text(f"ANALYZE {table}"))
    print(f"  done in {time.perf_counter() - started:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser, rows=1_000_000, runs=50)
    parser.add_argument("--explain", action="store_true", help="print the plans of the raw and the application's queries")
    args = parser.parse_args()

    from sqlalchemy import text

    missed = []
    with scratch_database(args.postgres, args.keep, announce_kept=True) as database_url:
        scratch_instance()
        from flask_login import login_user
        from sportello.core.setup import prepare_database
        from sportello.core.users import create_user

        app = create_bench_app(database_url, ["companies", "projects"])
        with app.app_context():
            prepare_database(app)
            pm = create_user(email="pm@bench.it", name="PM", profile_code="project_manager", password=PASSWORD, language="en")
            tech = create_user(email="tech@bench.it", name="Tech", profile_code="assignee", password=PASSWORD, language="en")
            engine = app.extensions["sportello"].db.engine
            with engine.begin() as connection:
                load(connection, text, args.rows, pm.id, tech.id)

        def raw(sql: str, params: dict[str, Any]) -> Any:
            statement = text(sql)

            def run() -> list[Any]:
                with engine.connect() as connection:
                    return connection.execute(statement, params).all()

            return run

        def app_path(user_id: int, url: str, mine: bool) -> Any:
            """The application's query path alone: the list's visible(...) statement through paginate."""
            from sportello import paginate, session
            from sportello.core.identity import User
            from sportello_projects.models import Activity
            from sportello_projects.views import _activity_rows, _filtered_activities
            from sqlalchemy import select

            def run() -> list[Any]:
                with app.test_request_context(url):
                    user = session.get(User, user_id)
                    login_user(user)
                    page = paginate(session, _activity_rows(_filtered_activities(select(Activity), mine)),
                                    sort_column=Activity.updated_at, id_column=Activity.id, descending=True, limit=50,
                                    scalars=False)
                    ids = [row.Activity.id for row in page.items]
                    session.remove() if hasattr(session, "remove") else None
                    return ids

            return run

        def explain(user_id: int, url: str, mine: bool, sql: str) -> None:
            from sportello import session
            from sportello.core.identity import User
            from sportello_projects.models import Activity
            from sportello_projects.views import _activity_rows, _filtered_activities
            from sqlalchemy import select

            with app.test_request_context(url):
                login_user(session.get(User, user_id))
                statement = (_activity_rows(_filtered_activities(select(Activity), mine))
                             .order_by(Activity.updated_at.desc(), Activity.id.desc()).limit(51))
                compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
                for label, query, params in (("raw", sql, {"u": user_id}), ("app", str(compiled), {})):
                    with engine.connect() as connection:
                        plan = connection.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + query), params).all()
                    print(f"--- {label} plan")
                    print("\n".join(row[0] for row in plan))

        cases = [
            ("my activities, assignee", tech.id, tech, "/projects/activities/mine", True, QUERY_MINE),
            ("activities list, project manager", pm.id, pm, "/projects/activities/", False, QUERY_MANAGED),
        ]
        print()
        print(f"activities at {args.rows:,} rows, {PROJECTS:,} projects, {MANAGERS} project managers, "
              f"{ASSIGNEES} assignees (PostgreSQL), {args.runs} runs")
        for label, user_id, user, url, mine, sql in cases:
            raw_run = raw(sql, {"u": user_id})
            app_run = app_path(user_id, url, mine)
            with app.app_context():
                same = [row[0] for row in raw_run()[:50]] == app_run()
            if args.explain:
                with app.app_context():
                    explain(user_id, url, mine, sql)
            client, _ = logged_in_client(app, user, url)
            raw_ms, raw_p95, _ = measure(raw_run, args.runs)
            with app.app_context():
                app_ms, app_p95, _ = measure(app_run, args.runs)
            page_ms, page_p95, _ = measure(lambda: client.get(url), args.runs)
            print(f"  {label:<34} raw SQL {raw_ms:6.1f} ms (p95 {raw_p95:5.1f})   "
                  f"app query {app_ms:6.1f} ms (p95 {app_p95:5.1f}, {ratio(app_ms, raw_ms, 2)} of raw)   "
                  f"whole page {page_ms:6.1f} ms (p95 {page_p95:5.1f})   same rows: {'yes' if same else 'NO'}")
            if app_ms > 2 * raw_ms:
                missed.append(f"{label}: app query {ratio(app_ms, raw_ms, 2)} of raw SQL (target <= 2)")
            if page_p95 >= 50:
                missed.append(f"{label}: page p95 {page_p95:.1f} ms (target < 50)")
            if not same:
                missed.append(f"{label}: the application's rows differ from the raw SQL's")
        app.extensions["sportello"].db.dispose()
    for line in missed:
        print("MISSED", line)
    print("targets met" if not missed else "targets missed")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
