"""Instalments not yet paid are deadlines for the CRM admins."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import url_for
from sportello import Deadline, User, session, visible
from sportello import gettext as _
from sqlalchemy import select

from .models import Instalment, Invoice


def crm_admin_ids() -> list[int]:
    return list(session.scalars(select(User.id).where(User.active.is_(True), User.profile.has(code="crm_admin"))))


def deadlines_between(start: date, end: date, user: Any) -> list[Deadline]:
    statement = (select(Instalment, Invoice.number, Invoice.id.label("invoice_id"), Invoice.customer)
                 .join(Invoice, Invoice.id == Instalment.invoice_id)
                 .where(Instalment.due_date.between(start, end), Instalment.paid_amount < Instalment.amount,
                        Invoice.state.in_(("issued", "partly_paid"))))
    if user is not None:
        statement = statement.where(Invoice.id.in_(visible(select(Invoice.id), user, "read")))
    admins = {"crm_admins": crm_admin_ids()}
    found = []
    for row in session.execute(statement.order_by(Instalment.due_date, Instalment.id)):
        instalment = row.Instalment
        customer = (row.customer or {}).get("name", "")
        found.append(Deadline(
            "invoicing.payment_due", "invoicing.invoice", row.invoice_id, instalment.due_date,
            _("Invoice %(number)s %(customer)s: instalment %(n)s of € %(amount)s", number=row.number, customer=customer,
              n=instalment.position, amount=f"{instalment.outstanding:.2f}"),
            url_for("invoicing_invoices.invoice", invoice_id=row.invoice_id), admins))
    return found
