"""The daily task puts sent quotes past their validity date into "expired", audited,
with the event invoicing.quote_expired that notification rules can use."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any

from sportello.testing import login
from sqlalchemy import select


def _quote(app: Any, number: int, company: int, salesperson: Any, state: str, valid_until: date) -> int:
    from sportello import Actor, acting_as, session
    from sportello_invoicing.models import Quote, QuoteLine

    with app.app_context(), acting_as(Actor(user_id=None, channel="test")):
        quote = Quote(number=f"P-2026-{number:04d}", year=2026, sequence_number=number, company_id=company,
                      salesperson_id=salesperson.id, created_by_id=salesperson.id, state=state,
                      date=valid_until - timedelta(days=30), valid_until=valid_until,
                      lines=[QuoteLine(description="Consulenza", quantity=D(1), unit_price=D(100), vat_rate=D(22), total=D(100))])
        session.add(quote)
        session.commit()
        return quote.id


def test_the_daily_task_expires_sent_quotes_past_their_validity(app: Any, users: dict[str, Any], add_company: Any) -> None:
    from sportello import acting_as, session
    from sportello.core.audit import AuditEntry
    from sportello.core.events import EventRecord
    from sportello.core.jobs import JOB_ACTOR, resolve
    from sportello_invoicing.models import Quote

    company = add_company("Scadenze Srl", users["salesperson"])
    today = date.today()
    seller = users["salesperson"]
    past = _quote(app, 1, company, seller, "sent", today - timedelta(days=1))
    still_valid = _quote(app, 2, company, seller, "sent", today)
    draft = _quote(app, 3, company, seller, "draft", today - timedelta(days=10))
    accepted = _quote(app, 4, company, seller, "accepted", today - timedelta(days=10))
    with app.app_context():
        plugins = app.extensions["sportello"].plugins
        tasks = {task.name: task for task in plugins.collect("periodic_tasks")}
        task = tasks["invoicing.expire_quotes"]
        assert task.every == "day"
        assert "invoicing.quote_expired" in {kind.code for kind in plugins.collect("event_types")}
        with acting_as(JOB_ACTOR):
            assert resolve(task.function)() == 1
            assert resolve(task.function)() == 0  # run twice the same day: nothing more to do
        states = dict(session.execute(select(Quote.id, Quote.state)).all())
        assert states == {past: "expired", still_valid: "sent", draft: "draft", accepted: "accepted"}
        audit = session.scalars(select(AuditEntry).where(AuditEntry.entity == "invoicing.quote",
                                                         AuditEntry.record_id == str(past), AuditEntry.action != "create")).all()
        assert len(audit) == 1 and audit[0].channel == "job" and "expired" in str(audit[0].changes)
        events = session.scalars(select(EventRecord).where(EventRecord.type == "invoicing.quote_expired")).all()
        assert [e.record_id for e in events] == [past]
        assert events[0].payload["recipients"] == {"owner": [seller.id]} and events[0].payload["title"] == "P-2026-0001"
    client = login(app.test_client(), seller)
    assert "Expired" in client.get(f"/invoicing/quotes/{past}").get_data(as_text=True)
