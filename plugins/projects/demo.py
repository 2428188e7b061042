"""Demo data: projects on the demo companies with managers and work groups, activities
in every state with time entries, events; hourly costs of the demo users."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from .models import Activity, Event, Project, TimeEntry

TITLES = [
    ("Nuovo gestionale di magazzino", "Analisi, sviluppo e avvio del nuovo gestionale."),
    ("Impianto fotovoltaico sede", "Progettazione e installazione dell'impianto da 60 kWp."),
    ("Sito web e-commerce", "Nuovo sito con catalogo e pagamenti online."),
    ("Certificazione ISO 9001", "Accompagnamento alla certificazione di qualità."),
    ("Ristrutturazione uffici", "Lavori di adeguamento degli uffici amministrativi."),
    ("Migrazione al cloud", "Spostamento dei server aziendali su infrastruttura cloud."),
]
ACTIVITIES = [
    ("Sopralluogo iniziale", "visit"), ("Raccolta requisiti", "meeting"), ("Stesura documento tecnico", "document"),
    ("Chiamata di avanzamento", "call"), ("Configurazione ambiente", "task"), ("Formazione del personale", "task"),
]
COSTS = {"system_admin": "55.00", "crm_admin": "48.00", "project_manager": "42.50", "salesperson": "35.00",
         "salesperson_lists": "32.00", "assignee": "28.00"}


def add_demo(ctx: Any) -> None:
    from sportello_companies.models import Company

    from sportello.core.identity import HourlyCost  # (internal) hourly costs are a core table

    rng = random.Random(9)
    users = ctx.users
    for profile, amount in COSTS.items():
        if (user := users.get(profile)) is not None:
            ctx.session.add(HourlyCost(user_id=user.id, valid_from=ctx.today - timedelta(days=400),
                                       amount=Decimal(amount) - Decimal("3.00")))
            ctx.session.add(HourlyCost(user_id=user.id, valid_from=ctx.today - timedelta(days=60), amount=Decimal(amount)))
    ctx.session.flush()
    companies = list(ctx.session.scalars(select(Company).order_by(Company.id).limit(len(TITLES))))
    manager, assignee, admin = users.get("project_manager"), users.get("assignee"), users.get("crm_admin")
    group = [u for u in (assignee, users.get("salesperson")) if u is not None]
    now = datetime.combine(ctx.today, time(9), tzinfo=UTC)
    for index, company in enumerate(companies):
        title, description = TITLES[index]
        start = ctx.today - timedelta(days=90 - index * 10)
        closed = index == len(companies) - 1
        project = Project(
            code=f"C{ctx.today.year}-{index + 1:03d}", title=title, description=description, company_id=company.id,
            manager_id=(manager if index % 3 != 2 else admin).id if manager else None,
            start_date=start, planned_end=ctx.today + timedelta(days=5 + index * 20),
            docs_due=ctx.today + timedelta(days=2 + index * 15), contract_expiry=ctx.today + timedelta(days=365),
            budget=Decimal(15000 + index * 7500), state="closed" if closed else "open",
            closed_at=now - timedelta(days=3) if closed else None,
        )
        project.members = group
        ctx.session.add(project)
        ctx.session.flush()
        for n, (activity_title, kind) in enumerate(ACTIVITIES[: 3 + index % 3]):
            state = "completed" if closed else ["open", "open", "completed", "abandoned", "open"][n % 5]
            activity = Activity(
                company_id=company.id, project_id=project.id, title=f"{activity_title} – {title.split()[0].lower()}",
                description="", kind=kind, owner_id=project.manager_id, assignee_id=None if n == 1 else (assignee.id if assignee else None),
                assigned_to_group=n == 1, planned_start=start + timedelta(days=n * 7),
                planned_end=ctx.today + timedelta(days=n * 6 - 4 + index), state=state,
                closing_note={"completed": "Fatto, verbale allegato.", "abandoned": "Non più richiesto dal cliente."}.get(state, ""),
                closed_at=now - timedelta(days=n) if state != "open" else None,
                actual_cost=Decimal("850.00") if n == 4 else None,
            )
            ctx.session.add(activity)
            ctx.session.flush()
            worker = assignee or manager
            if worker is not None:
                for d in range(1 + n % 3):
                    day = ctx.today - timedelta(days=3 + d + n)
                    hours = Decimal(rng.choice(["1.5", "2.0", "3.0", "4.0"]))
                    ctx.session.add(TimeEntry(activity_id=activity.id, user_id=worker.id, day=day, hours=hours,
                                              cost=hours * Decimal(COSTS["assignee"] if worker is assignee else COSTS["project_manager"]),
                                              note="Lavoro in sede del cliente" if d == 0 else ""))
        starts = now + timedelta(days=index * 3 - 4, hours=index % 4)
        event = Event(title=f"Riunione di avanzamento {project.code}", place=f"Sede {company.name}", description="Ordine del giorno: stato attività, prossimi passi.",
                      starts_at=starts, ends_at=starts + timedelta(hours=1, minutes=30), company_id=company.id,
                      project_id=project.id, owner_id=project.manager_id)
        event.invitees = group
        ctx.session.add(event)
    if companies and admin is not None:
        company = companies[0]
        ctx.session.add(Activity(company_id=company.id, title="Visita di cortesia al cliente", description="", kind="visit",
                                 owner_id=admin.id, assignee_id=assignee.id if assignee else None, state="open",
                                 planned_start=ctx.today, planned_end=ctx.today + timedelta(days=10), closing_note=""))
