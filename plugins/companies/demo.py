"""Demo data: realistic Italian companies with valid partite IVA, contacts and
communications, spread across the demo salespeople."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from typing import Any

from stdnum import luhn
from stdnum.it import iva

from .models import Communication, Company, Contact, Tag
from .validation import name_key

PLACES = [
    ("Milano", "MI", "201"), ("Roma", "RM", "001"), ("Torino", "TO", "101"), ("Bologna", "BO", "401"),
    ("Firenze", "FI", "501"), ("Napoli", "NA", "801"), ("Verona", "VR", "371"), ("Padova", "PD", "351"),
    ("Bergamo", "BG", "241"), ("Brescia", "BS", "251"), ("Bari", "BA", "701"), ("Genova", "GE", "161"),
    ("Treviso", "TV", "311"), ("Modena", "MO", "411"), ("Parma", "PR", "431"), ("Vicenza", "VI", "361"),
]
NAMES = [
    ("Officine Meccaniche Lombarde", "S.r.l.", "manufacturing"), ("Rossi Costruzioni", "S.p.A.", "construction"),
    ("Pastificio Bianchi", "S.r.l.", "food"), ("Trasporti Ferrari & Figli", "S.n.c.", "transport"),
    ("Studio Associato Conti", "", "professional"), ("Hotel Bellavista", "S.r.l.", "hospitality"),
    ("Caseificio Val Padana", "Soc. Coop.", "food"), ("Tessitura Colombo", "S.p.A.", "fashion"),
    ("Elettroimpianti Greco", "S.r.l.", "energy"), ("Informatica Romano", "S.r.l.s.", "ict"),
    ("Ferramenta Marino", "S.a.s.", "retail"), ("Cantine Ricci", "S.r.l.", "food"),
    ("Logistica Adriatica", "S.p.A.", "transport"), ("Immobiliare Galli", "S.r.l.", "real_estate"),
    ("Farmacia Moretti", "S.n.c.", "health"), ("Agricola Fontana", "Soc. Agr.", "agriculture"),
    ("Serramenti Barbieri", "S.r.l.", "construction"), ("Web Factory Lombardi", "S.r.l.", "ict"),
    ("Calzaturificio Esposito", "S.p.A.", "fashion"), ("Assicurazioni Mancini", "S.r.l.", "finance"),
    ("Ristorante Da Gino", "S.a.s.", "hospitality"), ("Plastiche Rizzo", "S.r.l.", "manufacturing"),
    ("Energia Verde Santoro", "S.r.l.", "energy"), ("Arredamenti De Luca", "S.r.l.", "retail"),
    ("Comune di Castelverde", "", "public"), ("Fonderia Martini", "S.p.A.", "manufacturing"),
    ("Centro Medico Leone", "S.r.l.", "health"), ("Consulenze Gentile", "S.r.l.", "professional"),
]
STREETS = ["Via Roma", "Via Garibaldi", "Corso Italia", "Via Mazzini", "Viale Europa", "Via Dante", "Via Verdi", "Piazza Cavour"]
PEOPLE = [("Marco", "Rossi"), ("Giulia", "Bianchi"), ("Luca", "Esposito"), ("Francesca", "Romano"), ("Alessandro", "Colombo"),
          ("Chiara", "Ricci"), ("Matteo", "Marino"), ("Sara", "Greco"), ("Davide", "Bruno"), ("Elena", "Gallo")]
ROLES = ["Titolare", "Responsabile acquisti", "Amministrazione", "Direttore tecnico", "Ufficio commerciale"]
TAGS = ["cliente", "prospect", "fornitore", "strategico", "fiera 2025"]


def valid_partita_iva(rng: random.Random) -> str:
    """A random partita IVA with a correct check digit (office code 001-100, as real ones).

    python-stdnum's ``it.iva`` checks the last digit with the Luhn algorithm, so the
    digit is computed with ``stdnum.luhn`` and the result checked with ``it.iva``."""
    base = f"{rng.randrange(0, 10**7):07d}{rng.randrange(1, 101):03d}"
    return iva.validate(base + luhn.calc_check_digit(base))


def add_demo(ctx: Any) -> None:
    rng = random.Random(6)
    owners = [u for key in ("salesperson", "salesperson_lists") if (u := ctx.users.get(key)) is not None]
    admin = ctx.users.get("crm_admin")
    tags = {name: Tag(name=name) for name in TAGS}
    ctx.session.add_all(tags.values())
    now = datetime.combine(ctx.today, time(10), tzinfo=UTC)
    for index, (name, form, sector) in enumerate(NAMES):
        city, province, cap_prefix = PLACES[index % len(PLACES)]
        full = f"{name} {form}".strip()
        vat = valid_partita_iva(rng)
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:18]
        owner = owners[index % len(owners)] if owners and index % 7 != 6 else admin
        public = sector == "public"
        changed = now - timedelta(days=rng.randrange(0, 120), hours=rng.randrange(0, 8))
        company = Company(
            name=full, name_key=name_key(full), vat_number=vat, tax_code=vat, public_administration=public,
            legal_street=f"{rng.choice(STREETS)} {rng.randrange(1, 180)}", legal_postcode=f"{cap_prefix}{rng.randrange(0, 100):02d}",
            legal_city=city, legal_province=province, legal_country="IT",
            pec=f"{slug}@pec.it", sdi_code="" if public else rng.choice(["0000000", "M5UXCR1", "KRRH6B9", "T9K4ZHO"]),
            pa_code="UFX7Q2" if public else "", phone=f"0{rng.randrange(2, 99)} {rng.randrange(100000, 9999999)}",
            email=f"info@{slug}.it", website=f"www.{slug}.it", sector=sector,
            notes="Cliente storico, preferisce essere contattato al mattino." if index % 5 == 0 else "",
            salesperson_id=owner.id if owner else None, created_at=changed - timedelta(days=200), updated_at=changed,
        )
        chosen = {TAGS[index % len(TAGS)]} | ({"strategico"} if index % 4 == 0 else set())
        company.tags = [tags[name] for name in sorted(chosen)]
        ctx.session.add(company)
        ctx.session.flush()
        contacts = []
        for n in range(1 + index % 3):
            first, last = PEOPLE[(index * 3 + n) % len(PEOPLE)]
            contact = Contact(
                company_id=company.id, first_name=first, last_name=last, role=ROLES[(index + n) % len(ROLES)],
                email=f"{first.lower()}.{last.lower()}@{slug}.it", phone=company.phone,
                mobile=f"+39 3{rng.randrange(20, 49)} {rng.randrange(1000000, 9999999)}",
                consent_marketing=n == 0, consent_date=ctx.today - timedelta(days=300) if n == 0 else None,
                legal_basis="consent" if n == 0 else "legitimate_interest",
            )
            ctx.session.add(contact)
            contacts.append(contact)
        ctx.session.flush()
        author = owner.id if owner else None
        first_contact = contacts[0]
        ctx.session.add_all([
            Communication(company_id=company.id, contact_id=first_contact.id, kind="call", direction="out",
                          recipient=first_contact.phone, subject="Presentazione servizi",
                          body="Chiamata di presentazione; richiede un preventivo entro fine mese.",
                          status="recorded", user_id=author, occurred_at=changed - timedelta(days=20)),
            Communication(company_id=company.id, contact_id=first_contact.id, kind="email", recipient=first_contact.email,
                          subject="Il preventivo richiesto", body="Buongiorno,\nin allegato trova il preventivo discusso al telefono.\nCordiali saluti",
                          status="sent", user_id=author, occurred_at=changed - timedelta(days=12)),
        ])
        if index % 4 == 1:
            ctx.session.add(Communication(
                company_id=company.id, contact_id=first_contact.id, kind="sms", recipient=first_contact.mobile,
                body="Promemoria: appuntamento domani alle 10.", status="failed",
                failure_reason="SMS is not configured: set the gateway address in Settings → SMS.",
                user_id=author, occurred_at=changed - timedelta(days=2)))
