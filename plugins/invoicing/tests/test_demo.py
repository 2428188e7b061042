"""Demo data: quotes in every state, invoices paid, partly paid and overdue."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select


def test_demo_data_covers_every_state(app: Any, users: dict[str, Any]) -> None:
    from sportello import Actor, DemoContext, acting_as, session
    from sportello_companies.demo import add_demo as add_companies
    from sportello_invoicing.demo import add_demo
    from sportello_invoicing.models import Invoice, Quote
    from sportello_invoicing.money import totals

    today = date(2026, 3, 2)
    with app.app_context(), acting_as(Actor(user_id=None, channel="test")):
        context = DemoContext(session=session, users=users, today=today)
        add_companies(context)
        add_demo(context)
        session.commit()
        assert {q.state for q in session.scalars(select(Quote))} == {"draft", "sent", "accepted", "rejected", "expired"}
        invoices = list(session.scalars(select(Invoice)))
        assert {i.state_on(today) for i in invoices} >= {"paid", "partly_paid", "overdue", "issued"}
        for invoice in invoices:
            assert invoice.total == totals(invoice.lines, split_payment=invoice.split_payment).total
            assert sum(i.amount for i in invoice.instalments) == invoice.amount_due
        assert len({(i.year, i.sequence_number) for i in invoices}) == len(invoices)
        by_number = sorted(invoices, key=lambda i: (i.year, i.sequence_number))
        assert [i.date for i in by_number] == sorted(i.date for i in invoices)  # numbers follow the dates
