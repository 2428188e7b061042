"""The list: search, filters, sorts, keyset pages, exports and a fixed number of queries."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from sportello.testing import ApiClient, login
from sqlalchemy import event


def names_in(page: str) -> list[str]:
    return re.findall(r'class="row-link" href="/companies/\d+">([^<]+)</a>', page)


def test_search_filters_and_sort(app: Any, users: dict[str, Any], add_company: Any) -> None:
    seller, other = users["salesperson"], users["salesperson_lists"]
    add_company("Alfa S.r.l.", seller, legal_city="Milano", legal_province="MI", sector="ict", vat_number="00743110157", email="a@alfa.it")
    add_company("Bravo S.p.A.", other, legal_city="Roma", legal_province="RM", sector="food")
    add_company("charlie snc", seller, legal_city="Bergamo", legal_province="BG", sector="ict")
    client = login(app.test_client(), users["crm_admin"])
    assert names_in(client.get("/companies/").get_data(as_text=True)) == ["Alfa S.r.l.", "Bravo S.p.A.", "charlie snc"]
    assert names_in(client.get("/companies/?sort=-name").get_data(as_text=True)) == ["charlie snc", "Bravo S.p.A.", "Alfa S.r.l."]
    assert names_in(client.get("/companies/?sort=city").get_data(as_text=True)) == ["charlie snc", "Alfa S.r.l.", "Bravo S.p.A."]
    assert names_in(client.get("/companies/?q=0074311").get_data(as_text=True)) == ["Alfa S.r.l."]
    assert names_in(client.get("/companies/?q=roma").get_data(as_text=True)) == ["Bravo S.p.A."]
    assert names_in(client.get("/companies/?q=alfa.it").get_data(as_text=True)) == ["Alfa S.r.l."]
    assert names_in(client.get(f"/companies/?salesperson={seller.id}").get_data(as_text=True)) == ["Alfa S.r.l.", "charlie snc"]
    assert names_in(client.get("/companies/?province=rm").get_data(as_text=True)) == ["Bravo S.p.A."]
    assert names_in(client.get("/companies/?sector=ict&province=BG").get_data(as_text=True)) == ["charlie snc"]
    page = client.get("/companies/?q=nothing-like-this").get_data(as_text=True)
    assert "No company matches" in page
    assert client.get("/companies/?sort=bogus").status_code == 400


def test_tag_and_unit_filters(app: Any, users: dict[str, Any]) -> None:
    from sportello import session
    from sportello.core.users import add_unit  # (internal) a unit for the filter

    with app.app_context():
        unit = add_unit(session, "Nord")
        session.commit()
        unit_id = unit.id
    api = ApiClient(login(app.test_client(), users["crm_admin"]))
    api.post("/companies/", json={"name": "Tagged", "tags": ["fiera"], "unit_id": unit_id})
    api.post("/companies/", json={"name": "Plain"})
    client = login(app.test_client(), users["crm_admin"])
    assert names_in(client.get("/companies/?tag=fiera").get_data(as_text=True)) == ["Tagged"]
    assert names_in(client.get(f"/companies/?unit={unit_id}").get_data(as_text=True)) == ["Tagged"]


def test_keyset_pages_load_more(app: Any, users: dict[str, Any], add_company: Any) -> None:
    for n in range(55):
        add_company(f"Company {n:02d}", users["salesperson"])
    client = login(app.test_client(), users["crm_admin"])
    page = client.get("/companies/").get_data(as_text=True)
    first = names_in(page)
    assert len(first) == 50 and "Load more" in page
    more = re.search(r'id="load-more".*?hx-get="([^"]+)"', page, re.S).group(1).replace("&amp;", "&")
    fragment = client.get(more, headers={"HX-Request": "true"}).get_data(as_text=True)
    second = names_in(fragment)
    assert first + second == [f"Company {n:02d}" for n in range(55)]
    assert "Load more" not in fragment and "<html" not in fragment
    api = ApiClient(client)
    one = api.get("/companies/?limit=30&sort=-name").get_json()
    two = api.get(f"/companies/?limit=30&sort=-name&cursor={one['next_cursor']}").get_json()
    assert [i["name"] for i in one["items"] + two["items"]] == [f"Company {n:02d}" for n in reversed(range(55))]
    assert two["next_cursor"] is None


def test_exports_follow_filters_and_visibility(app: Any, users: dict[str, Any], add_company: Any) -> None:
    from openpyxl import load_workbook

    add_company("Città Srl", users["salesperson"], legal_city="Milano", legal_province="MI", vat_number="00743110157")
    add_company("Other Spa", users["salesperson"], legal_city="Roma", legal_province="RM")
    add_company("Hidden Spa", users["salesperson_lists"], legal_city="Milano", legal_province="MI")
    client = login(app.test_client(), users["salesperson"])
    response = client.get("/companies/export.csv?province=MI")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Company name", "VAT number", "Tax code"]
    assert rows[0][-1] == "Last updated"
    assert 'filename="companies-' in response.headers["Content-Disposition"]
    assert [r[0] for r in rows[1:]] == ["Città Srl"] and rows[1][1] == "00743110157"
    response = client.get("/companies/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.title == "Companies"
    values = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert values == ["Company name", "Città Srl", "Other Spa"]
    assert login(app.test_client(), users["assignee"]).get("/companies/export.csv").status_code == 403


def test_exports_speak_the_users_language(app: Any, users: dict[str, Any], add_company: Any) -> None:
    from openpyxl import load_workbook
    from sportello import session
    from sportello.core.identity import User

    add_company("Città Srl", users["salesperson"], legal_city="Milano", legal_province="MI", vat_number="00743110157")
    with app.app_context():
        session.get(User, users["salesperson"].id).language = "it"
        session.commit()
    client = login(app.test_client(), users["salesperson"])
    response = client.get("/companies/export.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Ragione sociale", "Partita IVA", "Codice fiscale", "Indirizzo", "CAP", "Città", "Provincia",
                       "Nazione", "PEC", "Codice destinatario", "Codice ufficio PA", "Telefono", "E-mail", "Sito web",
                       "Settore", "Commerciale", "Aggiornata"]
    assert 'filename="aziende-' in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(client.get("/companies/export.xlsx").data)).active
    assert sheet.title == "Aziende"
    assert next(sheet.iter_rows(values_only=True))[:2] == ("Ragione sociale", "Partita IVA")


def count_list_queries(app: Any, client: Any) -> int:
    engine = app.extensions["sportello"].db.engine
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        assert client.get("/companies/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert not any("count(" in s.lower() for s in statements)
    return len(statements)


def test_list_page_queries_are_few_and_fixed(app: Any, users: dict[str, Any], add_company: Any) -> None:
    client = login(app.test_client(), users["salesperson"])
    for n in range(5):
        add_company(f"Small {n}", users["salesperson"], legal_city="Milano")
    count_list_queries(app, client)  # warm caches of the session and the profile
    few = count_list_queries(app, client)
    for n in range(55):
        add_company(f"Big {n}", users["salesperson"], legal_city="Roma")
    many = count_list_queries(app, client)
    assert few == many
    assert many <= 10
