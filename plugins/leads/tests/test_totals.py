"""The pipeline board's running totals: after every kind of change the board shows what
grouping the leads gives, writers at the same time leave them exact, and
``sportello leads recount`` repairs a damaged table."""

from __future__ import annotations

import random
import re
import threading
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner
from sportello.testing import login
from sqlalchemy import delete, func, select, text, update

from .conftest import VALID_PIVA
from .test_import import import_file
from .test_leads import count_list_queries

COLUMN = re.compile(r'data-status-id="(\d+)".*?lead-count">(\d+)</span>.*?lead-total">([^<]*)</div>', re.DOTALL)


def shown(client: Any, **filters: Any) -> dict[int, tuple[int, Decimal]]:
    """Per column of the board: the count and the total it shows (English money)."""
    page = client.get("/leads/pipeline", query_string=filters)
    assert page.status_code == 200
    return {int(s): (int(n), Decimal(total.replace("€", "").replace(",", "").strip() or "0"))
            for s, n, total in COLUMN.findall(page.get_data(as_text=True))}


def live(app: Any, owner: Any = None) -> dict[int, tuple[int, Decimal]]:
    """The same figures grouped over the leads themselves, for every active status."""
    from sportello import session
    from sportello_leads.models import Lead, Status

    with app.app_context():
        statement = select(Lead.status_id, func.count(Lead.id), func.coalesce(func.sum(Lead.estimated_value), 0))
        if owner is not None:
            statement = statement.where(Lead.owner_id == owner.id)
        grouped = {row[0]: (row[1], Decimal(row[2]).quantize(Decimal("0.01"))) for row in session.execute(statement.group_by(Lead.status_id))}
        active = session.scalars(select(Status.id).where(Status.active.is_(True)))
        return {s: grouped.get(s, (0, Decimal("0.00"))) for s in active}


def stored(app: Any) -> dict[tuple[int, int], tuple[int, Decimal]]:
    """What the totals table holds (rows down to zero left out) beside the leads grouped."""
    from sportello import session
    from sportello_leads.models import LeadTotal
    from sportello_leads.totals import grouped_leads

    with app.app_context():
        table = {(r.status_id, r.owner_id): (r.lead_count, r.value_total)
                 for r in session.scalars(select(LeadTotal)) if r.lead_count or r.value_total}
        leads = {(r[0], r[1]): (r[2], Decimal(r[3]).quantize(Decimal("0.01"))) for r in session.execute(grouped_leads())}
    assert table == leads
    return table


def check(app: Any, client: Any) -> None:
    """The table is exact and the board shows the grouped figures."""
    stored(app)
    assert shown(client) == live(app)


def _token(client: Any, url: str) -> str:
    return client.get(url).get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]


def test_every_change_through_pages_and_api_keeps_the_board_right(
    app: Any, users: dict[str, Any], api_as: Any, status_id: Any
) -> None:
    admin, seller, lister = users["crm_admin"], users["salesperson"], users["salesperson_lists"]
    api = api_as(admin)
    board = login(app.test_client(), admin)
    ids = []
    for n, (owner, status, value) in enumerate([(seller, "new", "1500.50"), (seller, "negotiation", "99.99"),
                                                (lister, "new", None), (admin, "acquired", "0.01"), (admin, "new", "250")]):
        body = {"name": f"Totale {n} Srl", "status_id": status_id(status), "owner_id": owner.id}
        if value is not None:
            body["estimated_value"] = value
        created = api.post("/leads/", json=body)
        assert created.status_code == 201, created.json
        ids.append(created.json["id"])
    check(app, board)
    for change in ({"estimated_value": "2000.10"}, {"estimated_value": None}, {"owner_id": lister.id},
                   {"status_id": status_id("negotiation"), "estimated_value": "12.34", "owner_id": admin.id}):
        assert api.patch(f"/leads/{ids[0]}", json=change).status_code == 200
        check(app, board)
    assert api.patch(f"/leads/{ids[1]}", json={"name": "Solo il nome Srl"}).status_code == 200
    check(app, board)
    # A move on the board, by the owner.
    mover = login(app.test_client(), seller)
    headers = {"X-CSRFToken": _token(mover, "/leads/pipeline"), "Accept": "application/json"}
    moved = mover.post(f"/leads/{ids[1]}/status", data={"status_id": status_id("acquired")}, headers=headers)
    assert moved.status_code == 200 and moved.json["ok"]
    check(app, board)
    # A refused move changes nothing.
    refused = mover.post(f"/leads/{ids[1]}/status", data={"status_id": status_id("lost")}, headers=headers)
    assert refused.status_code == 422
    check(app, board)
    # Conversion of the acquired lead.
    assert api.patch(f"/leads/{ids[3]}", json={"vat_number": VALID_PIVA}).status_code == 200
    assert api.post(f"/leads/{ids[3]}/convert", json={}).status_code == 201
    check(app, board)
    # Deleted through the API and through the page.
    assert api.delete(f"/leads/{ids[2]}").status_code == 204
    check(app, board)
    token = _token(board, f"/leads/{ids[4]}")
    assert board.post(f"/leads/{ids[4]}/delete", data={"csrf_token": token}).status_code == 302
    check(app, board)
    assert sum(count for count, _total in shown(board).values()) == 3


def test_the_form_keeps_the_board_right(app: Any, users: dict[str, Any], status_id: Any) -> None:
    admin = users["crm_admin"]
    client = login(app.test_client(), admin)
    token = _token(client, "/leads/new")
    base = {"csrf_token": token, "name": "Modulo Srl", "legal_country": "IT", "owner_id": users["salesperson"].id}
    created = client.post("/leads/new", data={**base, "status_id": status_id("new"), "estimated_value": "1.234,50"})
    assert created.status_code == 302
    check(app, client)
    edited = client.post(f"{created.headers['Location']}/edit",
                         data={**base, "status_id": status_id("lost"), "lost_reason": "Prezzo", "estimated_value": "10",
                               "owner_id": admin.id})
    assert edited.status_code == 302
    check(app, client)
    assert shown(client)[status_id("lost")] == (1, Decimal("10.00"))


def test_imports_keep_the_board_right(app: Any, users: dict[str, Any], status_id: Any) -> None:
    client = login(app.test_client(), users["crm_admin"])
    first = (
        "Ragione sociale;P.IVA;Stato;Valore stimato\n"
        f"Importata Srl;{VALID_PIVA};new;1.500,50\n"
        "Sbagliata Srl;00743110158;new;10\n"
        "Senza valore Srl;;negotiation;\n"
    )
    import_file(client, first.encode(), assignee=users["salesperson"].id)
    check(app, client)
    assert shown(client)[status_id("new")] == (1, Decimal("1500.50"))
    again = f"Ragione sociale;P.IVA;Stato;Valore stimato\nImportata Srl;{VALID_PIVA};negotiation;200\n"
    import_file(client, again.encode(), on_duplicate="update")
    check(app, client)
    assert shown(client)[status_id("negotiation")] == (2, Decimal("200.00"))


def test_bulk_statements_keep_the_totals(app: Any, users: dict[str, Any], add_lead: Any, status_id: Any) -> None:
    from sportello import session
    from sportello_leads.models import Lead

    seller, lister, admin = users["salesperson"], users["salesperson_lists"], users["crm_admin"]
    ids = [add_lead(f"Massa {n}", (seller, lister)[n % 2], ("new", "negotiation")[n % 3 == 0], estimated_value=n * 10)
           for n in range(12)]
    client = login(app.test_client(), admin)
    check(app, client)
    with app.app_context():
        session.execute(update(Lead).where(Lead.owner_id == seller.id).values(owner_id=admin.id))
        session.commit()
    check(app, client)
    with app.app_context():
        session.execute(update(Lead).where(Lead.status_id == status_id("new")).values(status_id=status_id("acquired"),
                                                                                      estimated_value=Decimal("7.50")))
        session.execute(update(Lead).where(Lead.id == ids[0]).values(name="Rinominata"))
        session.commit()
    check(app, client)
    with app.app_context():
        session.execute(update(Lead), [{"id": ids[1], "status_id": status_id("lost")}, {"id": ids[2], "estimated_value": None}])
        session.execute(delete(Lead).where(Lead.id.in_(ids[3:6])))
        session.commit()
    check(app, client)
    with app.app_context():
        session.execute(delete(Lead).where(Lead.owner_id == lister.id))
        session.rollback()  # a statement rolled back takes its totals with it
    check(app, client)
    assert sum(count for count, _total in shown(client).values()) == 9


def test_stale_copies_of_a_lead_count_it_once(app: Any, users: dict[str, Any], add_lead: Any, status_id: Any) -> None:
    """Two users change the same lead from copies loaded before either change."""
    from sportello_leads.models import Lead

    lead_id = add_lead("Contesa Srl", users["salesperson"], estimated_value=100)
    gone_id = add_lead("Sparita Srl", users["salesperson"], estimated_value=5)
    sessions = app.extensions["sportello"].db.sessions
    with app.app_context(), sessions() as first, sessions() as second:
        mine, theirs = first.get(Lead, lead_id), second.get(Lead, lead_id)
        mine.status_id, mine.estimated_value = status_id("negotiation"), Decimal("300")
        first.commit()
        theirs.status_id, theirs.owner_id = status_id("acquired"), users["crm_admin"].id
        second.commit()
        doomed, moved = first.get(Lead, gone_id), second.get(Lead, gone_id)
        moved.status_id = status_id("negotiation")
        second.commit()
        first.delete(doomed)
        first.commit()
    client = login(app.test_client(), users["crm_admin"])
    check(app, client)
    assert shown(client)[status_id("acquired")] == (1, Decimal("300.00"))


def test_status_and_owner_set_through_relationships(app: Any, users: dict[str, Any], add_lead: Any, status_id: Any) -> None:
    from sportello import session
    from sportello.core.identity import User
    from sportello_leads.models import Lead, Status

    lead_id = add_lead("Relazione Srl", users["salesperson"], estimated_value=70)
    with app.app_context():
        lead = session.get(Lead, lead_id)
        lead.status = session.get(Status, status_id("negotiation"))
        lead.owner = session.get(User, users["crm_admin"].id)
        session.commit()
    client = login(app.test_client(), users["crm_admin"])
    check(app, client)
    assert shown(client, owner=users["crm_admin"].id)[status_id("negotiation")] == (1, Decimal("70.00"))


def test_concurrent_moves_leave_the_totals_exact(app: Any, users: dict[str, Any], add_lead: Any, status_id: Any) -> None:
    if app.extensions["sportello"].db.backend != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter (SQLite has one writer at a time)")
    from sportello_leads.models import Lead

    owners = [users["salesperson"], users["salesperson_lists"], users["crm_admin"]]
    ids = [add_lead(f"Conteso {n}", owners[n % 3], estimated_value=n * 100) for n in range(6)]
    statuses = [status_id(code) for code in ("new", "negotiation", "acquired")]
    sessions = app.extensions["sportello"].db.sessions
    start = threading.Barrier(20)
    failures: list[BaseException] = []

    def work(seed: int) -> None:
        chance = random.Random(seed)
        try:
            with app.app_context():
                start.wait(timeout=30)
                for _ in range(15):
                    with sessions() as session:
                        lead = session.get(Lead, chance.choice(ids))
                        lead.status_id = chance.choice(statuses)
                        if chance.random() < 0.3:
                            lead.owner_id = chance.choice(owners).id
                        if chance.random() < 0.3:
                            lead.estimated_value = Decimal(chance.randint(0, 10_000)) / 100
                        session.commit()
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            failures.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    check(app, login(app.test_client(), users["crm_admin"]))


def test_the_board_reads_the_totals_only_when_they_answer(app: Any, users: dict[str, Any], add_lead: Any, status_id: Any) -> None:
    """With the table damaged on purpose, the boards that read it show the damage; the
    others (a restricted user, a filter the totals do not hold) group the leads."""
    from sportello import session

    seller, lister, admin = users["salesperson"], users["salesperson_lists"], users["crm_admin"]
    add_lead("Mia Srl", seller, estimated_value=10)
    add_lead("Altrui Srl", admin, "negotiation", estimated_value=20)
    with app.app_context():
        session.execute(text("UPDATE leads_total SET lead_count = lead_count + 40, value_total = value_total + 1000"))
        session.commit()
    new, negotiation = status_id("new"), status_id("negotiation")
    for user in (admin, lister):  # every lead in their lists
        damaged = shown(login(app.test_client(), user))
        assert damaged[new] == (41, Decimal("1010.00")) and damaged[negotiation] == (41, Decimal("1020.00"))
    admin_board = login(app.test_client(), admin)
    assert shown(admin_board, owner=seller.id)[new] == (41, Decimal("1010.00"))
    assert shown(admin_board, owner=seller.id)[negotiation] == (0, Decimal("0"))
    assert shown(admin_board, source=1) == {s: (0, Decimal("0.00")) for s in live(app)}
    assert shown(admin_board, q="srl") == live(app)
    assert shown(admin_board, tag="fiera") == {s: (0, Decimal("0.00")) for s in live(app)}
    assert shown(login(app.test_client(), seller)) == live(app, owner=seller)
    assert admin_board.get("/leads/pipeline?owner=someone").status_code == 400


def test_who_sees_every_lead(app: Any, users: dict[str, Any]) -> None:
    from flask_login import login_user
    from sportello_leads.totals import unrestricted

    expected = {"system_admin": True, "crm_admin": True, "salesperson_lists": True, "salesperson": False,
                "project_manager": False, "assignee": False}
    with app.test_request_context("/leads/pipeline"):
        for code, sees_all in expected.items():
            login_user(users[code])
            assert unrestricted(users[code]) is sees_all, code


def test_recount_repairs_a_damaged_table(app: Any, users: dict[str, Any], add_lead: Any, status_id: Any,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from sportello import session
    from sportello.core.cli import cli

    add_lead("Uno Srl", users["salesperson"], estimated_value=Decimal("10.50"))
    add_lead("Due Srl", users["crm_admin"], "acquired", estimated_value=Decimal("4"))
    with app.app_context():
        session.execute(text("DELETE FROM leads_total WHERE lead_count = 1 AND value_total = 4"))
        session.execute(text("UPDATE leads_total SET lead_count = 7"))
        session.commit()
    client = login(app.test_client(), users["crm_admin"])
    assert shown(client) != live(app)
    monkeypatch.setenv("SPORTELLO_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("SPORTELLO_PLUGINS", "companies,leads")
    assert "recount" in CliRunner().invoke(cli, ["leads", "--help"]).output
    result = CliRunner().invoke(cli, ["leads", "recount"])
    assert result.exit_code == 0, result.output
    assert "2 leads" in result.output
    check(app, client)
    assert shown(client)[status_id("acquired")] == (1, Decimal("4.00"))


def test_board_queries_stay_fixed_with_the_totals(app: Any, users: dict[str, Any], add_lead: Any) -> None:
    seller = users["salesperson"]
    admin = login(app.test_client(), users["crm_admin"])
    own = login(app.test_client(), seller)
    add_lead("Primo", seller, estimated_value=1)
    urls = [(admin, "/leads/pipeline"), (admin, f"/leads/pipeline?owner={seller.id}"), (own, "/leads/pipeline")]
    for client, url in urls:
        count_list_queries(app, client, url, counts=True)
    few = [count_list_queries(app, client, url, counts=True) for client, url in urls]
    for n in range(30):
        add_lead(f"Altro {n}", (seller, users["crm_admin"])[n % 2], ("new", "negotiation", "acquired")[n % 3], estimated_value=n)
    many = [count_list_queries(app, client, url, counts=True) for client, url in urls]
    assert few == many and max(many) <= 12
    check(app, admin)
