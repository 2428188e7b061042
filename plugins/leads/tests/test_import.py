"""Leads imported through the core's generic importer, with the companies' checks and the status rules."""

from __future__ import annotations

import io
import re
from typing import Any

from sportello.testing import csrf_token_of, login
from sqlalchemy import select

from .conftest import VALID_PIVA


def import_file(client: Any, content: bytes, assignee: int | None = None, on_duplicate: str = "skip") -> str:
    token = csrf_token_of(client)
    response = client.post("/import/leads.lead", data={"csrf_token": token, "file": (io.BytesIO(content), "lead.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    import_id = int(re.search(r"/import/run/(\d+)/mapping", response.headers["Location"]).group(1))
    page = client.get(f"/import/run/{import_id}/mapping").get_data(as_text=True)
    mapping = {}
    for name_, options in re.findall(r'<select[^>]*name="(column-\d+)"[^>]*>(.*?)</select>', page, re.DOTALL):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        mapping[name_] = chosen.group(1) if chosen else ""
    assert client.post(f"/import/run/{import_id}/mapping", data={"csrf_token": token, **mapping}).status_code == 302
    data: dict[str, Any] = {"csrf_token": token, "options": "1", "on_duplicate": on_duplicate, "match": ["vat_number"]}
    if assignee:
        data["assignee_id"] = str(assignee)
    assert client.post(f"/import/run/{import_id}/run", data=data).status_code == 302
    return client.get(f"/import/run/{import_id}").get_data(as_text=True)


def test_crm_admin_imports_leads(app: Any, users: dict[str, Any]) -> None:
    csv_text = (
        "Ragione sociale;P.IVA;Città;Stato;Fonte;Valore stimato;Motivo perdita\n"
        f"Importata Srl;{VALID_PIVA};Milano;In negotiation;fair;1.500,50;\n"
        "Sbagliata Srl;00743110158;Roma;new;web;;\n"
        "Persa Srl;;Napoli;lost;web;;\n"
    )
    client = login(app.test_client(), users["crm_admin"])
    import_file(client, csv_text.encode(), assignee=users["salesperson"].id)
    from sportello import session
    from sportello_leads.models import Lead

    with app.app_context():
        leads = {lead.name: lead for lead in session.scalars(select(Lead))}
        assert set(leads) == {"Importata Srl"}
        lead = leads["Importata Srl"]
        assert lead.owner_id == users["salesperson"].id and lead.status.code == "negotiation"
        assert str(lead.estimated_value) == "1500.50" and lead.source.code == "fair"
    assert login(app.test_client(), users["salesperson"]).get("/import/leads.lead").status_code in (403, 404)
