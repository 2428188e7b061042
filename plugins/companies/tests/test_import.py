"""Companies imported from the back office's files through the core's generic importer."""

from __future__ import annotations

import io
import re
from typing import Any

from sportello.testing import csrf_token_of, login
from sqlalchemy import select

GOOD_PIVA = "00743110157"  # check digit verified by python-stdnum
OTHER_PIVA = "01114601006"


def companies(app: Any) -> dict[str, Any]:
    from sportello import session
    from sportello_companies.models import Company

    with app.app_context():
        rows = {c.name: c for c in session.scalars(select(Company)).unique()}
        for company in rows.values():
            session.expunge(company)
        return rows


def import_file(client: Any, content: bytes, name: str, on_duplicate: str, match: list[str], assignee: int | None = None) -> str:
    token = csrf_token_of(client)
    response = client.post("/import/companies.company", data={"csrf_token": token, "file": (io.BytesIO(content), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    import_id = int(re.search(r"/import/run/(\d+)/mapping", response.headers["Location"]).group(1))
    page = client.get(f"/import/run/{import_id}/mapping").get_data(as_text=True)
    mapping = {}
    for name_, options in re.findall(r'<select[^>]*name="(column-\d+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        mapping[name_] = chosen.group(1) if chosen else ""
    assert client.post(f"/import/run/{import_id}/mapping", data={"csrf_token": token, **mapping}).status_code == 302
    data: dict[str, Any] = {"csrf_token": token, "options": "1", "on_duplicate": on_duplicate, "match": match}
    if assignee:
        data["assignee_id"] = str(assignee)
    assert client.post(f"/import/run/{import_id}/run", data=data).status_code == 302
    return client.get(f"/import/run/{import_id}").get_data(as_text=True)


def test_crm_admin_imports_companies_with_italian_headers(app: Any, users: dict[str, Any], add_company: Any) -> None:
    add_company("Rossi Impianti Srl", users["salesperson"], vat_number=OTHER_PIVA, legal_city="Roma")
    csv_text = (
        "Ragione sociale;P.IVA;Città;Provincia;Settore;Etichette\n"
        f"Bianchi Costruzioni SpA;{GOOD_PIVA};Milano;MI;Construction;edilizia, nord\n"
        "Verdi Srl;12345678901;Torino;TO;;\n"  # the partita IVA fails its check digit
        f"Rossi Impianti S.r.l.;{OTHER_PIVA};Roma;RM;;\n"  # the same partita IVA as an existing company
    ).encode("cp1252")
    admin = login(app.test_client(), users["crm_admin"])
    report = import_file(admin, csv_text, "aziende.csv", on_duplicate="update", match=["vat_number"],
                         assignee=users["salesperson"].id)
    found = companies(app)
    assert found["Bianchi Costruzioni SpA"].vat_number == GOOD_PIVA
    assert found["Bianchi Costruzioni SpA"].sector == "construction"
    assert found["Bianchi Costruzioni SpA"].salesperson_id == users["salesperson"].id
    assert "Verdi Srl" not in found
    assert "Partita IVA: This partita IVA is not valid" in report
    assert found["Rossi Impianti S.r.l."].legal_province == "RM"  # updated in place, not duplicated
    assert "Rossi Impianti Srl" not in found
    seller = login(app.test_client(), users["salesperson"])
    assert seller.get("/import/companies.company").status_code == 403  # the import is the CRM admin's


def test_an_update_never_touches_a_company_the_importer_cannot_see(app: Any, users: dict[str, Any], add_company: Any) -> None:
    from sportello import session
    from sportello.core.identity import Profile, ProfilePermission

    with app.app_context():  # a salesperson allowed to import, seeing only their own companies
        profile = session.scalar(select(Profile).where(Profile.code == "salesperson"))
        session.add(ProfilePermission(profile_id=profile.id, code="companies.import"))
        session.commit()
    add_company("Altrui Srl", users["crm_admin"], vat_number=GOOD_PIVA)
    seller = login(app.test_client(), users["salesperson"])
    import_file(seller, f"Ragione sociale;P.IVA\nMia Srl;{GOOD_PIVA}\n".encode(), "a.csv", on_duplicate="update", match=["vat_number"])
    found = companies(app)
    assert found["Altrui Srl"].salesperson_id == users["crm_admin"].id  # untouched
    assert found["Mia Srl"].salesperson_id == users["salesperson"].id  # not found among theirs: created


def test_editing_without_the_tags_field_keeps_the_tags(app: Any, users: dict[str, Any], add_company: Any) -> None:
    from sportello_companies.models import Company

    from sportello import session

    company_id = add_company("Etichettata Srl", users["crm_admin"], legal_country="IT")
    admin = login(app.test_client(), users["crm_admin"])
    token = csrf_token_of(admin)
    admin.post(f"/companies/{company_id}/edit", data={"csrf_token": token, "name": "Etichettata Srl", "tags": "vip",
                                                       "legal_country": "IT"})
    response = admin.post(f"/companies/{company_id}/edit", data={"csrf_token": token, "name": "Etichettata Srl",
                                                                  "legal_country": "IT"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context():
        assert [tag.name for tag in session.get(Company, company_id).tags] == ["vip"]
