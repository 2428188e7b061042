"""Files attached to records: the tab, upload rules, downloads only for who may open the
record, removal, files following their record when it is deleted or moved."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import select

from sportello.core.audit import AuditEntry
from sportello.testing import ApiClient, csrf_token_of, login


@pytest.fixture
def app(make_app: Any, example_plugins: list[str]) -> Any:
    return make_app(plugins=example_plugins)


def new_note(app: Any, user: Any, title: str = "Contratto Rossi") -> int:
    return ApiClient(login(app.test_client(), user)).post("/notes/", json={"title": title}).json["id"]


def upload(client: Any, note_id: int, name: str, data: bytes, htmx: bool = True) -> Any:
    headers = {"X-CSRFToken": csrf_token_of(client)}
    if htmx:
        headers |= {"HX-Request": "true", "HX-Current-URL": f"http://localhost/notes/{note_id}"}
    return client.post(f"/attachments/example.note/{note_id}", headers=headers,
                       data={"file": (io.BytesIO(data), name), "next": f"/notes/{note_id}"},
                       content_type="multipart/form-data")


def attachment_ids(app: Any) -> list[int]:
    with app.app_context():
        from sportello import Attachment, session

        return list(session.scalars(select(Attachment.id).order_by(Attachment.id)))


def test_the_owner_attaches_downloads_and_removes_a_file(app: Any, users: dict[str, Any]) -> None:
    seller = users["salesperson"]
    note_id = new_note(app, seller)
    client = login(app.test_client(), seller)

    page = client.get(f"/notes/{note_id}").get_data(as_text=True)
    assert f"/attachments/example.note/{note_id}" in page  # the tab is on the record page
    empty = client.get(f"/attachments/example.note/{note_id}").get_data(as_text=True)
    assert "No files attached yet." in empty and 'type="file"' in empty

    answer = upload(client, note_id, "../../offerta firmata.pdf", b"%PDF-1.4 contratto")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "offerta firmata.pdf" in html and "../" not in html
    (file_id,) = attachment_ids(app)

    download = client.get(f"/attachments/file/{file_id}")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 contratto"
    assert download.headers["Content-Type"] == "application/pdf"
    assert "offerta%20firmata.pdf" in download.headers["Content-Disposition"]

    with app.app_context():
        from sportello import session

        entry = session.scalars(select(AuditEntry).where(AuditEntry.entity == "core.attachment")).first()
        assert entry.action == "create" and entry.actor_id == seller.id
        assert entry.changes["data"] == [None, "***"]  # the content is not copied into the log

    removed = client.post(f"/attachments/file/{file_id}/delete",
                          headers={"X-CSRFToken": csrf_token_of(client), "HX-Request": "true"})
    assert removed.status_code == 200 and "No files attached yet." in removed.get_data(as_text=True)
    assert attachment_ids(app) == []


def test_a_refused_file_says_why_and_stores_nothing(app: Any, users: dict[str, Any]) -> None:
    seller = users["salesperson"]
    note_id = new_note(app, seller)
    client = login(app.test_client(), seller)

    wrong_type = upload(client, note_id, "script.exe", b"MZ")
    assert wrong_type.status_code == 422
    assert "Files of this type cannot be attached" in wrong_type.get_data(as_text=True)

    app.config["ATTACHMENT_MAX_MB"] = 1
    too_big = upload(client, note_id, "scansione.pdf", b"x" * (1024 * 1024 + 1))
    assert too_big.status_code == 422 and "at most 1 MB" in too_big.get_data(as_text=True)

    empty = upload(client, note_id, "vuoto.pdf", b"")
    assert "Choose a file to attach." in empty.get_data(as_text=True)

    plain = upload(client, note_id, "script.exe", b"MZ", htmx=False)  # without scripts: back to the page
    assert plain.status_code == 302 and plain.headers["Location"].endswith(f"/notes/{note_id}#attachments")
    assert attachment_ids(app) == []


def test_configured_extensions_replace_the_built_in_list(app: Any, users: dict[str, Any]) -> None:
    seller = users["salesperson"]
    note_id = new_note(app, seller)
    client = login(app.test_client(), seller)
    app.config["ATTACHMENT_EXTENSIONS"] = ["dwg"]
    assert upload(client, note_id, "pianta.pdf", b"%PDF").status_code == 422
    assert upload(client, note_id, "pianta.dwg", b"AC1032").status_code == 200


def test_files_are_reachable_only_by_who_may_open_their_record(app: Any, users: dict[str, Any]) -> None:
    seller, admin, outsider = users["salesperson"], users["crm_admin"], users["assignee"]
    note_id = new_note(app, seller)
    upload(login(app.test_client(), seller), note_id, "offerta.pdf", b"%PDF")
    (file_id,) = attachment_ids(app)

    other_seller_note = new_note(app, admin, "Nota dell'amministratore")
    seller_client = login(app.test_client(), seller)
    assert seller_client.get(f"/attachments/example.note/{other_seller_note}").status_code == 404
    assert upload(seller_client, other_seller_note, "intruso.pdf", b"%PDF").status_code == 404

    outsider_client = login(app.test_client(), outsider)
    assert outsider_client.get(f"/attachments/file/{file_id}").status_code == 404
    assert outsider_client.get(f"/attachments/example.note/{note_id}").status_code == 404
    assert outsider_client.post(f"/attachments/file/{file_id}/delete",
                                headers={"X-CSRFToken": csrf_token_of(outsider_client)}).status_code == 404
    assert attachment_ids(app) == [file_id]

    assert login(app.test_client(), admin).get(f"/attachments/file/{file_id}").status_code == 200
    assert login(app.test_client(), admin).get("/attachments/nothing.here/1").status_code == 404


def test_deleting_a_record_deletes_its_files(app: Any, users: dict[str, Any]) -> None:
    seller = users["salesperson"]
    keep, drop = new_note(app, seller, "Tenere"), new_note(app, seller, "Eliminare")
    client = login(app.test_client(), seller)
    upload(client, keep, "a.pdf", b"%PDF a")
    upload(client, drop, "b.pdf", b"%PDF b")
    with app.app_context():
        from sportello import Attachment, session
        from sportello_example.models import Note

        session.delete(session.get(Note, drop))
        session.commit()
        assert [a.name for a in session.scalars(select(Attachment))] == ["a.pdf"]


def test_files_move_to_another_record(app: Any, users: dict[str, Any]) -> None:
    seller = users["salesperson"]
    source, target = new_note(app, seller, "Da"), new_note(app, seller, "A")
    client = login(app.test_client(), seller)
    upload(client, source, "uno.pdf", b"%PDF 1")
    upload(client, source, "due.pdf", b"%PDF 2")
    with app.app_context():
        from sportello import attachments_of, move_attachments, session
        from sportello_example.models import Note

        assert move_attachments(session.get(Note, source), session.get(Note, target)) == 2
        session.commit()
        assert attachments_of(session.get(Note, source)) == []
        assert sorted(a.name for a in attachments_of(session.get(Note, target))) == ["due.pdf", "uno.pdf"]
    assert "uno.pdf" in client.get(f"/attachments/example.note/{target}").get_data(as_text=True)


def test_the_api_lists_uploads_downloads_and_removes_files(app: Any, users: dict[str, Any]) -> None:
    seller, outsider = users["salesperson"], users["assignee"]
    note_id = new_note(app, seller)
    api = ApiClient(login(app.test_client(), seller))
    client = login(app.test_client(), seller)
    headers = {"X-CSRFToken": csrf_token_of(client)}
    created = client.post(f"/api/v1/attachments/example.note/{note_id}", headers=headers,
                          data={"file": (io.BytesIO(b"%PDF api"), "preventivo.pdf")}, content_type="multipart/form-data")
    assert created.status_code == 201, created.json
    assert created.json["name"] == "preventivo.pdf" and created.json["size"] == 8
    refused = client.post(f"/api/v1/attachments/example.note/{note_id}", headers=headers,
                          data={"file": (io.BytesIO(b"MZ"), "virus.exe")}, content_type="multipart/form-data")
    assert refused.status_code == 422 and "Files of this type cannot be attached" in refused.json["detail"]
    assert refused.mimetype == "application/problem+json"

    listed = api.get(f"/attachments/example.note/{note_id}").json
    assert [item["name"] for item in listed] == ["preventivo.pdf"]
    assert client.get(listed[0]["download_url"]).data == b"%PDF api"

    stranger = ApiClient(login(app.test_client(), outsider))
    assert stranger.get(f"/attachments/example.note/{note_id}").status_code == 404
    assert stranger.get(f"/attachments/files/{created.json['id']}").status_code == 404
    assert stranger.delete(f"/attachments/files/{created.json['id']}").status_code == 404

    assert api.delete(f"/attachments/files/{created.json['id']}").status_code == 204
    assert api.get(f"/attachments/example.note/{note_id}").json == []
    assert "/api/v1/attachments/{entity}/{record_id}" in api.get("/openapi.json").json["paths"]
