"""Demo leads in every status, with contacts and communications, for the demo salespeople."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sportello import utcnow
from sqlalchemy import select

from .models import Communication, Contact, Lead, Source, Status
from .validation import name_key

LEADS = [
    # name, city, province, status, source, value, owner profile
    ("Alfa Meccanica Srl", "Brescia", "BS", "new", "web", "12000", "salesperson"),
    ("Beta Logistica Spa", "Verona", "VR", "negotiation", "fair", "48000", "salesperson"),
    ("Gamma Alimentari Snc", "Parma", "PR", "future_contact", "referral", "8500", "salesperson"),
    ("Delta Software Srl", "Torino", "TO", "acquired", "campaign", "30000", "salesperson"),
    ("Epsilon Moda Srl", "Firenze", "FI", "lost", "web", "15000", "salesperson"),
    ("Zeta Costruzioni Spa", "Bari", "BA", "negotiation", "phone", "120000", "salesperson_lists"),
    ("Eta Hotel Srl", "Rimini", "RN", "new", "fair", "6000", "salesperson_lists"),
    ("Theta Energia Srl", "Milano", "MI", "future_contact", "campaign", "64000", "crm_admin"),
]


def add_demo(ctx: Any) -> None:
    session = ctx.session
    statuses = {s.code: s for s in session.scalars(select(Status))}
    sources = {s.code: s for s in session.scalars(select(Source))}
    for n, (name, city, province, status, source, value, profile) in enumerate(LEADS):
        owner = ctx.users.get(profile) or next(iter(ctx.users.values()))
        lead = Lead(
            name=name, name_key=name_key(name), legal_city=city, legal_province=province, legal_country="IT",
            email=f"info@{name.split()[0].lower()}.example.it", phone=f"+39 02 555 01{n:02d}",
            status_id=statuses[status].id, source_id=sources[source].id, owner_id=owner.id,
            estimated_value=Decimal(value), expected_close_date=ctx.today + timedelta(days=30 + 7 * n),
            contact_date=ctx.today + timedelta(days=3 + n) if status == "future_contact" else None,
            lost_reason="Ha scelto un concorrente più economico." if status == "lost" else "",
            acquired_notified_at=utcnow() if status == "acquired" else None,
        )
        session.add(lead)
        session.flush()
        contact = Contact(lead_id=lead.id, first_name="Giulia", last_name=f"Bianchi {n + 1}", role="Responsabile acquisti",
                          email=f"acquisti@{name.split()[0].lower()}.example.it")
        session.add(contact)
        session.flush()
        session.add_all([
            Communication(lead_id=lead.id, contact_id=contact.id, kind="call", direction="out", recipient=lead.phone,
                          subject="Primo contatto", body="Telefonata di presentazione.", status="recorded", user_id=owner.id),
            Communication(lead_id=lead.id, contact_id=contact.id, kind="email", direction="out", recipient=contact.email,
                          subject="La nostra proposta", body="Buongiorno, come concordato le inviamo la presentazione.",
                          status="sent", user_id=owner.id),
        ])
