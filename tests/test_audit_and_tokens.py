"""The audit log, API tokens and the "who can see what" page, as people use them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from sportello.core.audit import AuditEntry
from sportello.core.db import utcnow
from sportello.core.tokens import TOKEN_PREFIX, ApiToken, digest, new_secret
from sportello.testing import ApiClient, login


@pytest.fixture
def app(make_app: Any, example_plugins: list[str]) -> Any:
    return make_app(plugins=example_plugins)


def audit_rows(app: Any, entity: str) -> list[AuditEntry]:
    with app.app_context():
        from sportello import session

        return list(session.scalars(select(AuditEntry).where(AuditEntry.entity == entity).order_by(AuditEntry.id)))


def make_token(app: Any, user: Any, expires_in: timedelta | None = None) -> tuple[str, int]:
    with app.app_context():
        from sportello import session

        secret = new_secret(TOKEN_PREFIX)
        token = ApiToken(user_id=user.id, name="Integrazione ERP", token_hash=digest(secret), hint=secret[:8],
                         expires_at=utcnow() + expires_in if expires_in else None)
        session.add(token)
        session.commit()
        return secret, token.id


def test_every_write_is_audited_with_who_and_how(app: Any, users: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    seller = users["salesperson"]
    api = ApiClient(login(app.test_client(), seller))
    note_id = api.post("/notes/", json={"title": "Visita cliente", "body": "Martedì"}).json["id"]
    created = audit_rows(app, "example.note")[-1]
    assert (created.action, created.actor_id, created.channel, created.record_id) == ("create", seller.id, "api", str(note_id))
    assert created.changes["title"] == [None, "Visita cliente"]
    assert created.address == "127.0.0.1"

    with app.app_context():
        from sportello import session
        from sportello_example.models import Note

        note = session.get(Note, note_id)
        note.title = "Visita cliente Rossi"
        session.commit()
        session.delete(note)
        session.commit()
    update, delete = audit_rows(app, "example.note")[-2:]
    assert update.action == "update" and update.changes == {"title": ["Visita cliente", "Visita cliente Rossi"]}
    assert update.channel == "system"
    assert delete.action == "delete" and delete.changes["body"] == ["Martedì", None]

    monkeypatch.setenv("SPORTELLO_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("SPORTELLO_PLUGINS", "example,example_extra")
    CliRunner().invoke(
        __import__("sportello.core.cli", fromlist=["cli"]).cli,
        ["user", "create", "--email", "nuovo@rossi.it", "--name", "Nuovo", "--password", "password-123", "--profile", "assignee"],
    )
    user_created = audit_rows(app, "core_user")[-1]
    assert user_created.channel == "cli" and user_created.changes["email"] == [None, "nuovo@rossi.it"]
    assert user_created.changes["password_hash"] == [None, "***"]  # secrets are never written to the log


def test_audit_page_filters_and_history_tab_follows_visibility(app: Any, users: dict[str, Any]) -> None:
    seller, other = users["salesperson"], users["crm_admin"]
    mine = ApiClient(login(app.test_client(), seller)).post("/notes/", json={"title": "Mia"}).json["id"]
    theirs = ApiClient(login(app.test_client(), other)).post("/notes/", json={"title": "Sua"}).json["id"]
    seller_client = login(app.test_client(), seller)
    assert "Mia" in seller_client.get(f"/history/example.note/{mine}").get_data(as_text=True)
    assert seller_client.get(f"/history/example.note/{theirs}").status_code == 404
    assert f'hx-get="/history/example.note/{mine}"' in seller_client.get(f"/notes/{mine}").get_data(as_text=True)
    assert seller_client.get("/admin/audit").status_code == 403
    admin = login(app.test_client(), users["system_admin"])
    page = admin.get(f"/admin/audit?user={seller.id}&entity=example.note").get_data(as_text=True)
    assert "Mia" in page and "Sua" not in page
    assert "No changes found" in admin.get("/admin/audit?entity=example.note&start=2001-01-01&end=2001-01-02").get_data(as_text=True)


def test_bearer_token_acts_with_the_users_rights(app: Any, users: dict[str, Any]) -> None:
    seller = users["salesperson"]
    ApiClient(login(app.test_client(), users["crm_admin"])).post("/notes/", json={"title": "Non tua"})
    secret, token_id = make_token(app, seller)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    created = client.post("/api/v1/notes/", json={"title": "Via API"}, headers=headers)  # no CSRF token needed
    assert created.status_code == 201
    assert [n["title"] for n in client.get("/api/v1/notes/", headers=headers).json["items"]] == ["Via API"]
    assert client.get("/api/v1/me", headers=headers).json["email"] == seller.email
    entry = audit_rows(app, "example.note")[-1]
    assert (entry.actor_id, entry.token_id, entry.channel) == (seller.id, token_id, "api")
    assert client.get("/", headers=headers).status_code == 302  # tokens open the API only
    with app.app_context():
        from sportello import session

        assert session.get(ApiToken, token_id).last_used_at is not None
        assert secret not in str(session.execute(select(ApiToken.token_hash, ApiToken.hint)).all())


@pytest.mark.parametrize("state", ["unknown", "revoked", "expired"])
def test_bad_tokens_get_a_json_401(app: Any, users: dict[str, Any], state: str) -> None:
    secret, token_id = make_token(app, users["salesperson"], expires_in=timedelta(seconds=-1) if state == "expired" else None)
    if state == "revoked":
        with app.app_context():
            from sportello import session

            session.get(ApiToken, token_id).revoked_at = utcnow()
            session.commit()
    if state == "unknown":
        secret = new_secret(TOKEN_PREFIX)
    response = app.test_client().get("/api/v1/notes/", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["detail"] == "The API token is not valid: it is unknown, expired or revoked."
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_cookie_sessions_still_need_the_csrf_token_on_the_api(app: Any, users: dict[str, Any]) -> None:
    client = login(app.test_client(), users["salesperson"])
    assert client.post("/api/v1/notes/", json={"title": "x"}).status_code == 400


def test_restrictions_are_anded_and_explained(app: Any, users: dict[str, Any]) -> None:
    seller = users["salesperson"]
    api = ApiClient(login(app.test_client(), seller))
    protected = api.post("/notes/", json={"title": "Protected"}).json["id"]
    mine = api.post("/notes/", json={"title": "Normale"}).json["id"]
    theirs = ApiClient(login(app.test_client(), users["crm_admin"])).post("/notes/", json={"title": "Altrui"}).json["id"]
    with app.app_context():
        from sportello import session, visible
        from sportello_example.models import Note

        deletable = set(session.scalars(visible(select(Note.id), seller, "delete")))
        assert deletable == {mine}
        assert set(session.scalars(visible(select(Note.id), users["system_admin"], "delete"))) == {mine, theirs}
    admin = login(app.test_client(), users["system_admin"])
    html = admin.get(f"/admin/access-check?user={seller.id}&entity=example.note&record={protected}").get_data(as_text=True)
    assert "Scope &#39;own&#39; on notes: notes the user wrote" in html
    assert "a restriction excludes it: Notes titled &#39;Protected&#39; are never deleted" in html
    refused = admin.get(f"/admin/access-check?user={seller.id}&entity=example.note&record={theirs}").get_data(as_text=True)
    assert "none of the rules that grant access matches this record" in refused
    assignee = admin.get(f"/admin/access-check?user={users['assignee'].id}&entity=example.note&record={mine}").get_data(as_text=True)
    assert "no rule of any enabled module grants this action" in assignee
    missing = admin.get(f"/admin/access-check?user={seller.id}&entity=example.note&record=99999").get_data(as_text=True)
    assert "There is no record example.note #99999." in missing
    assert login(app.test_client(), seller).get("/admin/access-check").status_code == 403
