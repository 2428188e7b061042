"""Benchmarks of invoicing: PDF rendering time per invoice, and the first page of the
invoice list (visibility, filters, keyset pagination) beside the raw SQL, at N invoices.

    python bench/invoicing.py [N] [DATABASE_URL]

Runs on a fresh SQLite file by default; pass a PostgreSQL URL whose database is empty.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date, timedelta
from decimal import Decimal as D

from _support import PASSWORD, create_bench_app, measure


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    folder = tempfile.mkdtemp()
    url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{folder}/bench.db"
    from sportello.core.setup import (
        prepare_database,  # (internal) migrations of the core and the plugins
    )
    from sportello.core.users import create_user
    from sportello.testing import login

    app = create_bench_app(url, ["companies", "invoicing"])
    with app.app_context():
        prepare_database(app)
        admin = create_user(email="bench@example.it", name="Bench", profile_code="crm_admin", password=PASSWORD, language="en")
    from sportello import Actor, acting_as, session
    from sportello_companies.models import Company
    from sportello_invoicing import services
    from sportello_invoicing.models import Invoice
    from sqlalchemy import insert, text

    with app.app_context(), acting_as(Actor(user_id=None, channel="bench")):
        company = Company(name="Rossi Srl", name_key="rossi srl", vat_number="00743110157", legal_city="Milano")
        session.add(company)
        session.commit()
        user = session.merge(admin)
        draft = services.save_invoice(None, {"company_id": company.id, "lines": [
            {"description": f"Riga {n}", "quantity": "2", "unit_price": "123.45", "vat_rate": "22"} for n in range(12)]}, user)
        invoice = services.issue(draft.id, user)
        from sportello_invoicing.pdf import invoice_pdf

        with app.test_request_context():
            pdf_ms = measure(lambda: invoice_pdf(invoice), 10).median_ms
        print(f"PDF of a 12-line invoice: median {pdf_ms:.0f} ms over 10")
        start_day = date(2020, 1, 1)
        rows = [{"document_type": "TD01", "sequence": "BENCH", "year": 2020 + n // 40000, "sequence_number": n + 1,
                 "number": f"{n + 1}/B", "date": start_day + timedelta(days=n // 100), "state": "issued", "company_id": company.id,
                 "notes": "", "withholding_type": "", "withholding_reason": "", "stamp_duty_charged": True, "split_payment": False,
                 "reverse_charge": False, "cig": "", "cup": "", "order_reference": "", "payment_terms": "30", "payment_method": "MP05",
                 "iban": "", "taxable_total": D("100.00"), "vat_total": D("22.00"), "stamp_duty": D(0), "withholding_amount": D(0),
                 "total": D("122.00"), "amount_due": D("122.00"), "paid_total": D(0),
                 "created_at": invoice.created_at, "updated_at": invoice.created_at} for n in range(count)]
        for chunk in range(0, count, 20000):
            session.execute(insert(Invoice), rows[chunk:chunk + 20000])
        session.commit()
    client = login(app.test_client(), admin, password=PASSWORD)
    with app.app_context():
        session.execute(text("ANALYZE"))
        session.commit()
    for label, path in (("invoice list, first page", "/invoicing/invoices/"),
                        ("invoice list, state=paid (empty)", "/invoicing/invoices/?state=paid")):
        def get_page() -> None:
            assert client.get(path).status_code == 200

        page_ms = measure(get_page, 5).median_ms
        print(f"{label} at {count} invoices: median {page_ms:.0f} ms (whole request)")
    with app.app_context():
        def raw_page() -> None:
            session.execute(text("SELECT i.id, i.number, i.date, i.total, c.name FROM invoicing_invoice i JOIN companies_company c "
                                 "ON c.id = i.company_id ORDER BY i.date DESC, i.id DESC LIMIT 51")).all()

        raw_ms = measure(raw_page, 5, warmup=False).median_ms
        print(f"raw SQL of the same page: median {raw_ms:.1f} ms")


if __name__ == "__main__":
    main()
