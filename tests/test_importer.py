"""The generic importer, driven through the example plugin's notes target."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from sportello.core.cli import cli
from sportello.testing import csrf_token_of, login

PASSWORD = "password-123"


@pytest.fixture
def people(notes_app: Any) -> dict[str, Any]:
    from sportello.core.types import STANDARD_PROFILES
    from sportello.core.users import create_user

    with notes_app.app_context():
        return {
            code: create_user(email=f"{code}@example.com", name=code.title(), profile_code=code, password=PASSWORD, language="en")
            for code in STANDARD_PROFILES
        }


def signed_in(app: Any, user: Any) -> Any:
    client = login(app.test_client(), user, password=PASSWORD)
    client.csrf = csrf_token_of(client)
    return client


def upload(client: Any, content: bytes, name: str = "notes.csv", target: str = "example.note") -> Any:
    return client.post(f"/import/{target}", data={"csrf_token": client.csrf, "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def uploaded_id(response: Any) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/import/run/(\d+)/mapping", response.headers["Location"]).group(1))


def map_columns(client: Any, import_id: int, mapping: dict[int, str] | None = None) -> Any:
    if mapping is None:  # keep what the page proposes
        page = client.get(f"/import/run/{import_id}/mapping").get_data(as_text=True)
        data = {}
        for select_html in re.findall(r'<select[^>]*name="(column-\d+)"[^>]*>(.*?)</select>', page, re.S):
            chosen = re.search(r'<option value="([^"]*)" selected', select_html[1])
            data[select_html[0]] = chosen.group(1) if chosen else ""
    else:
        data = {f"column-{index}": name for index, name in mapping.items()}
    return client.post(f"/import/run/{import_id}/mapping", data={"csrf_token": client.csrf, **data})


def run(client: Any, import_id: int, on_duplicate: str = "skip", match: tuple[str, ...] = ("title",), assignee: int | None = None) -> Any:
    data: dict[str, Any] = {"csrf_token": client.csrf, "options": "1", "on_duplicate": on_duplicate, "match": list(match)}
    if assignee:
        data["assignee_id"] = str(assignee)
    return client.post(f"/import/run/{import_id}/run", data=data)


def full_import(client: Any, content: bytes, name: str = "notes.csv", **options: Any) -> int:
    import_id = uploaded_id(upload(client, content, name))
    assert map_columns(client, import_id).status_code == 302
    response = run(client, import_id, **options)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return import_id


def notes(app: Any) -> dict[str, Any]:
    from sportello_example.models import Note

    from sportello.core.db import current_session

    with app.app_context():
        return {note.title: note for note in current_session().scalars(select(Note))}


def report(app: Any, import_id: int) -> Any:
    from sportello.core.db import current_session
    from sportello.core.importer import ImportFile

    with app.app_context():
        return current_session().get(ImportFile, import_id)


# ---------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("Title,Text\nCaffè,Primo\nPerché,Secondo\n".encode(), "utf-8"),
        ("Title,Text\nCaffè,Primo\nPerché,Secondo\n".encode("utf-8-sig"), "utf-8-bom"),
        ("Title;Text\nCaffè;Primo\nPerché;Secondo\n".encode("cp1252"), "cp1252"),
        ("Title\tText\nCaffè\tPrimo\nPerché\tSecondo\n".encode(), "tab"),
    ],
)
def test_csv_encodings_and_delimiters(notes_app: Any, people: dict[str, Any], content: bytes, expected: str) -> None:
    admin = signed_in(notes_app, people["system_admin"])
    import_id = uploaded_id(upload(admin, content))
    page = admin.get(f"/import/run/{import_id}/mapping").get_data(as_text=True)
    if expected == "cp1252":
        assert "Windows-1252" in page
    assert map_columns(admin, import_id).status_code == 302
    preview = admin.get(f"/import/run/{import_id}/preview").get_data(as_text=True)
    assert "Caffè" in preview and "Perché" in preview
    assert run(admin, import_id).status_code == 302
    saved = notes(notes_app)
    assert saved["Caffè"].body == "Primo" and saved["Perché"].body == "Secondo"
    assert report(notes_app, import_id).created == 2


def test_xlsx_first_sheet(notes_app: Any, people: dict[str, Any]) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Titolo", "Testo", "Ignored"])
    sheet.append(["Da Excel", "Corpo", 12])
    sheet.append(["Numero", 42.0, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    admin = signed_in(notes_app, people["system_admin"])
    import_id = full_import(admin, buffer.getvalue(), "notes.xlsx")
    saved = notes(notes_app)
    assert saved["Da Excel"].body == "Corpo" and saved["Numero"].body == "42"
    assert report(notes_app, import_id).created == 2


def test_not_a_spreadsheet_and_bad_encoding(notes_app: Any, people: dict[str, Any]) -> None:
    admin = signed_in(notes_app, people["system_admin"])
    response = upload(admin, b"PK\x03\x04 this is no zip at all", "notes.xlsx")
    assert response.status_code == 400
    assert "not a spreadsheet" in response.get_data(as_text=True)
    response = upload(admin, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "picture.csv")
    assert response.status_code == 400 and "not a CSV or XLSX file" in response.get_data(as_text=True)
    response = upload(admin, "Title\n".encode() + b"\x81\x8d\x90", "notes.csv")
    assert response.status_code == 400 and "neither UTF-8 nor Windows-1252" in response.get_data(as_text=True)
    response = upload(admin, b"", "empty.csv")
    assert response.status_code == 400 and "empty" in response.get_data(as_text=True)


def test_missing_required_column_is_refused_before_running(notes_app: Any, people: dict[str, Any]) -> None:
    admin = signed_in(notes_app, people["system_admin"])
    import_id = uploaded_id(upload(admin, b"Heading,Text\nA,B\n"))
    response = map_columns(admin, import_id, {1: "body"})
    assert response.status_code == 400
    assert "The required field Title has no column" in response.get_data(as_text=True)
    response = run(admin, import_id)  # running without a mapping is refused too
    assert response.status_code == 400
    assert notes(notes_app) == {}
    # the same column twice
    response = map_columns(admin, import_id, {0: "title", 1: "title"})
    assert response.status_code == 400 and "both go to" in response.get_data(as_text=True)


def test_mapping_is_remembered_per_user_and_target(notes_app: Any, people: dict[str, Any]) -> None:
    admin = signed_in(notes_app, people["system_admin"])
    content = b"Heading,Words\nA,B\n"
    import_id = uploaded_id(upload(admin, content))
    assert map_columns(admin, import_id, {0: "title", 1: "body"}).status_code == 302
    again = uploaded_id(upload(admin, content))
    page = admin.get(f"/import/run/{again}/mapping").get_data(as_text=True)
    assert re.search(r'name="column-0".*?<option value="title" selected', page, re.S)
    assert re.search(r'name="column-1".*?<option value="body" selected', page, re.S)
    other = signed_in(notes_app, people["crm_admin"])
    fresh = uploaded_id(upload(other, content))
    assert '" selected' not in other.get(f"/import/run/{fresh}/mapping").get_data(as_text=True)


# ---------------------------------------------------------------------------
# Preview, duplicates, run
# ---------------------------------------------------------------------------


def test_preview_shows_row_errors_and_merge(notes_app: Any, people: dict[str, Any]) -> None:
    admin = signed_in(notes_app, people["system_admin"])
    full_import(admin, b"Title,Text\nExisting,old text\n")
    import_id = uploaded_id(upload(admin, b"Title,Text\ninvalid,x\n,empty title\n  EXISTING ,new text\nFresh,y\n"))
    map_columns(admin, import_id)
    page = admin.get(f"/import/run/{import_id}/preview").get_data(as_text=True)
    assert "A note cannot be titled &#39;invalid&#39;." in page
    assert "Required: the cell is empty." in page
    assert "Already there (same Title)." in page
    assert "old text" in page and "new text" in page
    # choices kept across a preview refresh
    page = admin.get(f"/import/run/{import_id}/preview", query_string={"options": "1", "on_duplicate": "update"}).get_data(as_text=True)
    assert 'value="update" id="dup-update" checked' in page
    assert "Already there" not in page  # no match key chosen: no duplicate detection


@pytest.mark.parametrize(("mode", "created", "updated", "skipped"), [("skip", 1, 0, 1), ("update", 1, 1, 0), ("create", 2, 0, 0)])
def test_duplicates(notes_app: Any, people: dict[str, Any], mode: str, created: int, updated: int, skipped: int) -> None:
    admin = signed_in(notes_app, people["system_admin"])
    full_import(admin, b"Title,Text\nExisting,old text\n")
    import_id = full_import(admin, b"Title,Text\nexisting,new text\nFresh,y\n", on_duplicate=mode)
    result = report(notes_app, import_id)
    assert (result.created, result.updated, result.skipped, result.rejected) == (created, updated, skipped, 0)
    from sportello_example.models import Note

    from sportello.core.db import current_session

    with notes_app.app_context():
        rows = current_session().scalars(select(Note).order_by(Note.id)).all()
        bodies = [note.body for note in rows if note.title.lower() == "existing"]
    assert bodies == {"skip": ["old text"], "update": ["new text"], "create": ["old text", "new text"]}[mode]


def test_job_progress_report_and_rejected_rows(notes_app: Any, people: dict[str, Any]) -> None:
    admin = signed_in(notes_app, people["system_admin"])
    lines = ["Title;Text;Extra"] + [f"Note {n};body {n};x{n}" for n in range(1, 1201)] + ["invalid;bad;keep me", ";no title;y"]
    import_id = full_import(admin, ("\n".join(lines) + "\n").encode())
    result = report(notes_app, import_id)
    assert result.state == "done"
    assert (result.total, result.done, result.created, result.rejected) == (1202, 1202, 1200, 2)
    from sportello.core.db import current_session
    from sportello.core.jobs import Job

    with notes_app.app_context():
        job = current_session().scalars(select(Job).where(Job.function.like("%run_import_job"))).one()
        assert job.state == "done" and job.kwargs == {"import_id": import_id}
    page = admin.get(f"/import/run/{import_id}").get_data(as_text=True)
    assert "Rejected rows" in page and "every 1s" not in page
    fragment = admin.get(f"/import/run/{import_id}/progress").get_data(as_text=True)
    assert "1,200" in fragment and "Download to fix" in fragment
    response = admin.get(f"/import/run/{import_id}/rejected.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Title", "Text", "Extra", "error"]
    assert rows[1][:3] == ["invalid", "bad", "keep me"] and "titled 'invalid'" in rows[1][3]
    assert rows[2][:3] == ["", "no title", "y"] and "Required" in rows[2][3]


def test_progress_polls_while_running(notes_app: Any, people: dict[str, Any]) -> None:
    from sportello.core.db import current_session
    from sportello.core.importer import ImportFile

    admin = signed_in(notes_app, people["system_admin"])
    import_id = uploaded_id(upload(admin, b"Title\nA\nB\n"))
    with notes_app.app_context():
        imported = current_session().get(ImportFile, import_id)
        imported.state, imported.total, imported.done = "running", 2, 1
        current_session().commit()
    fragment = admin.get(f"/import/run/{import_id}/progress").get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in fragment and "1 of 2 rows" in fragment


def test_resumes_after_a_failure_without_losing_rows(notes_app: Any, people: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from sportello.core.db import current_session
    from sportello.core.importer import ImportFile, service

    admin = signed_in(notes_app, people["system_admin"])
    import_id = uploaded_id(upload(admin, ("Title\n" + "\n".join(f"N{n}" for n in range(10)) + "\n").encode()))
    map_columns(admin, import_id)
    with notes_app.app_context():
        session = current_session()
        imported = session.get(ImportFile, import_id)
        service.start_run(session, imported, {"on_duplicate": "skip", "match_keys": ["title"], "assignee_id": people["system_admin"].id}, 10)
        session.commit()
        calls = {"n": 0}

        def fail_second(_imported: Any) -> None:
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("worker died")

        with pytest.raises(RuntimeError):
            service.execute(session, import_id, batch_size=3, on_batch=fail_second)
        session.rollback()
        assert session.get(ImportFile, import_id).done == 6
        service.execute(session, import_id, batch_size=3)
        result = session.get(ImportFile, import_id)
        assert (result.done, result.created, result.state) == (10, 10, "done")
    assert len(notes(notes_app)) == 10


# ---------------------------------------------------------------------------
# Audit, permissions, visibility, CLI
# ---------------------------------------------------------------------------


def test_audit_channel_is_import(notes_app: Any, people: dict[str, Any]) -> None:
    from sportello.core.audit import AuditEntry
    from sportello.core.db import current_session

    admin = signed_in(notes_app, people["system_admin"])
    full_import(admin, b"Title\nAudited\n")
    note = notes(notes_app)["Audited"]
    with notes_app.app_context():
        entries = current_session().scalars(
            select(AuditEntry).where(AuditEntry.entity == "example.note", AuditEntry.record_id == str(note.id))
        ).all()
    assert [(e.action, e.channel, e.actor_id) for e in entries] == [("create", "import", people["system_admin"].id)]


def test_permission_needed(notes_app: Any, people: dict[str, Any]) -> None:
    stranger = signed_in(notes_app, people["assignee"])
    assert stranger.get("/import/example.note").status_code == 403
    assert upload(stranger, b"Title\nX\n").status_code == 403
    assert "example.note" not in stranger.get("/import").get_data(as_text=True)
    admin = signed_in(notes_app, people["system_admin"])
    import_id = uploaded_id(upload(admin, b"Title\nX\n"))
    assert stranger.get(f"/import/run/{import_id}/mapping").status_code == 404  # someone else's import
    assert admin.get("/import/nothing.here").status_code == 404
    assert "/import/example.note" in admin.get("/import").get_data(as_text=True)
    assert "/import/example.note" in admin.get("/notes/").get_data(as_text=True)


def test_an_import_cannot_update_what_the_user_cannot_see(notes_app: Any, people: dict[str, Any]) -> None:
    admin = signed_in(notes_app, people["system_admin"])
    full_import(admin, b"Title,Text\nSecret,admin's\n")
    seller = signed_in(notes_app, people["salesperson"])
    import_id = full_import(seller, b"Title,Text\nSecret,overwritten\n", on_duplicate="update")
    result = report(notes_app, import_id)
    assert (result.updated, result.created) == (0, 1)  # not found, so created as the seller's own note
    from sportello_example.models import Note

    from sportello.core.db import current_session

    with notes_app.app_context():
        rows = current_session().scalars(select(Note).where(Note.title == "Secret").order_by(Note.id)).all()
        assert [(n.body, n.owner_id) for n in rows] == [("admin's", people["system_admin"].id), ("overwritten", people["salesperson"].id)]


def test_assignee_receives_created_records(notes_app: Any, people: dict[str, Any]) -> None:
    admin = signed_in(notes_app, people["system_admin"])
    full_import(admin, b"Title\nFor the seller\n", assignee=people["salesperson"].id)
    assert notes(notes_app)["For the seller"].owner_id == people["salesperson"].id


def test_cli_import(notes_app: Any, people: dict[str, Any], tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from sportello.core.cli import AppHolder

    holder = AppHolder()
    holder._app = notes_app
    path = tmp_path / "notes.csv"
    path.write_text("Heading;Words\nFrom CLI;body\ninvalid;x\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "example.note", str(path), "--mapping", "Heading=title", "--mapping", "Words=body",
                                      "--on-duplicate", "skip", "--user", people["system_admin"].email], obj=holder)
    assert result.exit_code == 0, result.output
    assert "created  1" in result.output and "rejected 1" in result.output and "row 3:" in result.output
    assert notes(notes_app)["From CLI"].body == "body"
    result = CliRunner().invoke(cli, ["import", "example.note", str(path), "--mapping", "Words=body", "--user", people["system_admin"].email], obj=holder)
    assert result.exit_code != 0
