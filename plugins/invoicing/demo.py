"""Demo data: quotes in every state and invoices paid, partly paid, overdue and just
issued on the demo companies, with an Italian catalogue of goods and services."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal as D
from typing import Any

from sqlalchemy import select

from .models import Counter, Instalment, Invoice, InvoiceLine, Payment, Quote, QuoteLine
from .money import cents, line_total, totals
from .services import customer_snapshot, format_number

#: description, unit, unit price, VAT rate, nature
CATALOGUE = [
    ("Consulenza organizzativa", "h", D("85.00"), D(22), ""),
    ("Analisi dei processi aziendali", "gg", D("620.00"), D(22), ""),
    ("Sviluppo software su misura", "h", D("65.00"), D(22), ""),
    ("Licenza gestionale annuale", "pz", D("1200.00"), D(22), ""),
    ("Canone assistenza tecnica", "mese", D("180.00"), D(22), ""),
    ("Installazione e configurazione server", "pz", D("950.00"), D(22), ""),
    ("Corso di formazione sicurezza sul lavoro", "pers.", D("120.00"), D(22), ""),
    ("Manutenzione impianto elettrico", "h", D("48.00"), D(22), ""),
    ("Fornitura materiale edile", "pz", D("34.50"), D(10), ""),
    ("Ristrutturazione locali (prima casa)", "mq", D("210.00"), D(10), ""),
    ("Formazione finanziata (esente art. 10)", "h", D("70.00"), D(0), "N4"),
    ("Rimborso spese anticipate in nome e per conto", "pz", D("95.00"), D(0), "N1"),
]
QUOTE_TITLES = ["Rinnovo parco informatico", "Progetto formazione 2026", "Manutenzione annuale", "Nuovo gestionale",
                "Ristrutturazione uffici", "Assistenza tecnica"]
QUOTE_STATES = ["draft", "sent", "accepted", "rejected", "expired", "accepted", "sent", "accepted"]


def _lines(rng: random.Random, model: type, count: int) -> list[Any]:
    made = []
    for position, (description, unit, price, rate, nature) in enumerate(rng.sample(CATALOGUE, count), 1):
        quantity = D(rng.choice([1, 2, 3, 5, 8, 10, 12, 20]))
        discount = rng.choice([D(0), D(0), D(5), D(10)])
        made.append(model(position=position, description=description, unit=unit, quantity=quantity, unit_price=price,
                          discount_percent=discount, vat_rate=rate, vat_nature=nature, withholding=False,
                          total=line_total(quantity, price, discount)))
    return made


def _next(ctx: Any, counters: dict[tuple[str, int], Counter], sequence: str, year: int) -> int:
    key = (sequence, year)
    if key not in counters:
        counter = ctx.session.get(Counter, key) or Counter(sequence=sequence, year=year, last=0)
        ctx.session.add(counter)
        counters[key] = counter
    counters[key].last += 1
    return counters[key].last


def _lead_quotes(ctx: Any, rng: random.Random, counters: dict[tuple[str, int], Counter]) -> None:
    """With the leads plugin: a quote, draft or sent, on each lead in negotiation."""
    from .services import lead_model

    lead = lead_model()
    if lead is None:
        return
    from sportello_leads.models import Status

    negotiating = ctx.session.scalars(select(lead).join(Status, Status.id == lead.status_id)
                                      .where(Status.code == "negotiation", lead.converted_company_id.is_(None))
                                      .order_by(lead.id))
    for index, record in enumerate(negotiating):
        when = ctx.today - timedelta(days=rng.randrange(3, 20))
        number = _next(ctx, counters, "P", when.year)
        quote = Quote(number=f"P-{when.year}-{number:04d}", year=when.year, sequence_number=number,
                      title=QUOTE_TITLES[index % len(QUOTE_TITLES)], lead_id=record.id, salesperson_id=record.owner_id,
                      created_by_id=record.owner_id, date=when, valid_until=when + timedelta(days=30),
                      state="sent" if index % 2 == 0 else "draft", notes="Prezzi IVA esclusa.",
                      terms="Validità dell'offerta: 30 giorni.")
        quote.lines = _lines(rng, QuoteLine, 2)
        result = totals(quote.lines, stamp_duty_applies=False)
        quote.taxable_total, quote.vat_total, quote.total = result.taxable, result.vat, result.total
        ctx.session.add(quote)


def add_demo(ctx: Any) -> None:
    from sportello_companies.models import Company

    rng = random.Random(8)
    admin = ctx.users.get("crm_admin")
    companies = list(ctx.session.scalars(select(Company).order_by(Company.id)))
    if not companies or admin is None:
        return
    counters: dict[tuple[str, int], Counter] = {}
    today = ctx.today
    accepted = []
    for index, company in enumerate(companies[:16]):
        state = QUOTE_STATES[index % len(QUOTE_STATES)]
        when = today - timedelta(days=rng.randrange(20, 160))
        number = _next(ctx, counters, "P", when.year)
        owner = company.salesperson_id or admin.id
        quote = Quote(number=f"P-{when.year}-{number:04d}", year=when.year, sequence_number=number,
                      title=QUOTE_TITLES[index % len(QUOTE_TITLES)], company_id=company.id, salesperson_id=owner,
                      created_by_id=owner, date=when, valid_until=when + timedelta(days=30), state=state,
                      notes="Prezzi IVA esclusa.", terms="Pagamento: bonifico 30/60 gg d.f.\nValidità dell'offerta: 30 giorni.",
                      accepted_at=when + timedelta(days=7) if state == "accepted" else None)
        quote.lines = _lines(rng, QuoteLine, 1 + index % 3)
        result = totals(quote.lines, stamp_duty_applies=False)
        quote.taxable_total, quote.vat_total, quote.total = result.taxable, result.vat, result.total
        ctx.session.add(quote)
        if state == "accepted":
            accepted.append((quote, company))
    _lead_quotes(ctx, rng, counters)
    ctx.session.flush()
    # Invoices: paid, partly paid, overdue, just issued; one from each accepted quote first.
    plans = ["paid", "partly_paid", "overdue", "issued", "paid", "overdue", "partly_paid", "issued"]
    sources = [(q, c) for q, c in accepted] + [(None, c) for c in companies[16:] + companies[:4]]
    planned = []
    for index, (quote, company) in enumerate(sources[:len(plans)]):
        plan = plans[index]
        days_ago = {"paid": 80, "partly_paid": 50, "overdue": 75, "issued": 10}[plan]
        planned.append((today - timedelta(days=days_ago + index), index, quote, company, plan))
    for when, _index, quote, company, plan in sorted(planned, key=lambda p: (p[0], p[1])):  # numbers follow the dates
        number = _next(ctx, counters, "FT", when.year)
        invoice = Invoice(document_type="TD01", sequence="FT", year=when.year, sequence_number=number,
                          number=format_number("{number}/{year}", number, when.year, "FT"), date=when, state="issued",
                          company_id=company.id, quote_id=quote.id if quote else None, salesperson_id=company.salesperson_id,
                          customer=customer_snapshot(company), seller={"name": "", "tax_regime": "RF01", "country": "IT"},
                          payment_terms="30/60" if plan in ("partly_paid", "overdue") else "30", payment_method="MP05",
                          split_payment=bool(company.public_administration), stamp_duty_charged=True, issued_by_id=admin.id,
                          notes="", withholding_type="", withholding_reason="", cig="", cup="", order_reference="", iban="",
                          reverse_charge=False)
        if quote is not None:
            invoice.lines = [InvoiceLine(**{f: getattr(l, f) for f in ("position", "description", "unit", "quantity", "unit_price",
                                                                       "discount_percent", "vat_rate", "vat_nature", "withholding", "total")})
                             for l in quote.lines]
        else:
            invoice.lines = _lines(rng, InvoiceLine, 2)
        result = totals(invoice.lines, split_payment=invoice.split_payment)
        invoice.taxable_total, invoice.vat_total, invoice.stamp_duty = result.taxable, result.vat, result.stamp_duty
        invoice.withholding_amount, invoice.total, invoice.amount_due = result.withholding, result.total, result.amount_due
        days = [int(d) for d in invoice.payment_terms.split("/")]
        share = cents(invoice.amount_due / len(days))
        invoice.instalments = [Instalment(position=n, days=d, due_date=when + timedelta(days=d), paid_amount=D("0.00"),
                                          amount=share if n < len(days) else invoice.amount_due - share * (len(days) - 1))
                               for n, d in enumerate(days, 1)]
        ctx.session.add(invoice)
        ctx.session.flush()
        to_pay = {"paid": invoice.instalments, "partly_paid": invoice.instalments[:1], "overdue": [], "issued": []}[plan]
        for instalment in to_pay:
            ctx.session.add(Payment(invoice_id=invoice.id, instalment_id=instalment.id, amount=instalment.amount, method="MP05",
                                    date=min(instalment.due_date, today), note="Bonifico ricevuto", recorded_by_id=admin.id))
            instalment.paid_amount = instalment.amount
            invoice.paid_total += instalment.amount
        if to_pay:
            invoice.state = "paid" if invoice.paid_total >= invoice.amount_due else "partly_paid"
    ctx.session.flush()
