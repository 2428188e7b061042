"""Notifications: rules edited by administrators, default rules, recipients resolved per
record and checked against visibility, e-mail and SMS delivery, retries, the deadline
scan, and the notice pages."""

from __future__ import annotations

import base64
import threading
from datetime import UTC, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import pytest
from sportello.core.jobs import DONE, Job, run_job
from sportello.core.notify.models import FAILED, QUEUED, SENT, Notice, NotificationRule
from sportello.core.notify.send import send_notice
from sportello.core.notify.service import SEND, scan_deadlines
from sportello.testing import ApiClient, csrf_token_of, free_port, login
from sqlalchemy import select

BASE_URL = "http://crm.example.test"


@pytest.fixture
def app(make_app: Any, example_plugins: list[str]) -> Any:
    return make_app(plugins=example_plugins)


def rules(app: Any) -> list[tuple[str, list[str], str, int, bool]]:
    with app.app_context():
        from sportello import session

        return [
            (r.trigger, list(r.recipients), r.channel, r.days_ahead, r.active)
            for r in session.scalars(select(NotificationRule).order_by(NotificationRule.id)).unique()
        ]


def add_rule(app: Any, trigger: str, recipients: list[str], channel: str = "email", **values: Any) -> int:
    with app.app_context():
        from sportello import session

        kind = "deadline" if trigger.endswith("_due") else "event"
        rule = NotificationRule(trigger=trigger, trigger_type=kind, recipients=recipients, channel=channel, **values)
        session.add(rule)
        session.commit()
        return rule.id


def disable_default_rules(app: Any) -> None:
    with app.app_context():
        from sportello import session

        for rule in session.scalars(select(NotificationRule)).unique():
            rule.active = False
        session.commit()


def notices(app: Any) -> list[Notice]:
    with app.app_context():
        from sportello import session

        found = list(session.scalars(select(Notice).order_by(Notice.id)).unique())
        session.expunge_all()
        return found


def set_user(app: Any, user: Any, **values: Any) -> None:
    with app.app_context():
        from sportello import session
        from sportello.core.identity import User

        row = session.get(User, user.id)
        for name, value in values.items():
            setattr(row, name, value)
        session.commit()


def write_note(app: Any, user: Any, **data: Any) -> dict[str, Any]:
    response = ApiClient(login(app.test_client(), user)).post("/notes/", json={"title": "Preventivo", **data})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


# ---------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------


def test_default_rules_come_from_the_plugins_once_and_deletions_persist(app: Any) -> None:
    assert rules(app) == [
        ("example.note_created", ["owner"], "email", 0, True),
        ("example.note_due", ["owner"], "email", 2, True),
    ]
    from sportello.core.setup import prepare_database

    with app.app_context():
        from sportello import session

        rule = session.scalars(select(NotificationRule).where(NotificationRule.trigger == "example.note_due")).unique().one()
        session.delete(rule)
        changed = session.scalars(select(NotificationRule)).unique().one()
        changed.channel = "sms"
        session.commit()
        prepare_database(app)
    assert rules(app) == [("example.note_created", ["owner"], "sms", 0, True)]


def test_admin_creates_edits_and_deletes_rules_and_others_may_not(app: Any, users: dict[str, Any]) -> None:
    admin = login(app.test_client(), users["system_admin"])
    page = admin.get("/admin/notifications").get_data(as_text=True)
    assert "Note written" in page and "Note due" in page
    assert "/admin/notifications" in admin.get("/").get_data(as_text=True)  # the menu entry
    token = csrf_token_of(admin)

    # a wrong form keeps what was typed and marks the fields
    wrong = admin.post("/admin/notifications/new", data={
        "csrf_token": token, "trigger": "example.note_due", "channel": "sms", "days_ahead": "999", "active": "y",
    })
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 200
    assert "Between 0 and 365 days." in html and 'value="999"' in html and "is-invalid" in html

    none_chosen = admin.post("/admin/notifications/new", data={
        "csrf_token": token, "trigger": "example.note_due", "channel": "sms", "days_ahead": "3", "active": "y",
    }).get_data(as_text=True)
    assert "Choose at least one kind of recipient, or a person." in none_chosen

    created = admin.post("/admin/notifications/new", data={
        "csrf_token": token, "trigger": "example.note_due", "recipients": ["crm_admins", "project_manager"],
        "fixed_user_id": str(users["assignee"].id), "channel": "sms", "days_ahead": "3", "active": "y",
    })
    assert created.status_code == 302
    with app.app_context():
        from sportello import session

        rule = session.scalars(select(NotificationRule).order_by(NotificationRule.id.desc())).unique().first()
        assert (rule.trigger, rule.trigger_type, rule.recipients, rule.fixed_user_id, rule.channel, rule.days_ahead) == (
            "example.note_due", "deadline", ["project_manager", "crm_admins"], users["assignee"].id, "sms", 3)
        rule_id = rule.id
    form = admin.get(f"/admin/notifications/{rule_id}").get_data(as_text=True)
    assert 'value="crm_admins" checked' in form

    edited = admin.post(f"/admin/notifications/{rule_id}", data={
        "csrf_token": token, "trigger": "example.note_created", "recipients": ["owner"], "channel": "email",
        "days_ahead": "5",
    })
    assert edited.status_code == 302
    assert ("example.note_created", ["owner"], "email", 0, False) in rules(app)  # unchecked: inactive; events: 0 days

    assert admin.post(f"/admin/notifications/{rule_id}/delete", data={"csrf_token": token}).status_code == 302
    assert len(rules(app)) == 2

    seller = login(app.test_client(), users["crm_admin"])
    assert seller.get("/admin/notifications").status_code == 403
    assert seller.get("/admin/notices").status_code == 403
    assert seller.post("/admin/notifications/new", data={"csrf_token": csrf_token_of(seller)}).status_code == 403


# ---------------------------------------------------------------------------
# Events by e-mail
# ---------------------------------------------------------------------------


def test_event_emails_the_right_people_in_their_language_with_the_link(
    make_app: Any, example_plugins: list[str], smtp_server: Any, users: Any = None,
) -> None:
    app = make_app(plugins=example_plugins, **smtp_server.config(), BASE_URL=BASE_URL)
    from sportello.core.users import create_user

    with app.app_context():
        seller = create_user(email="venditore@example.test", name="Venditore", profile_code="salesperson",
                             password="correct-horse-battery", language="it")
        boss = create_user(email="boss@example.test", name="Boss", profile_code="crm_admin", password=None, language="en")
        gone = create_user(email="gone@example.test", name="Gone", profile_code="crm_admin", password=None, language="en")
        gone.active = False
        helper = create_user(email="helper@example.test", name="Helper", profile_code="assignee", password=None, language="en")
        from sportello import session

        session.commit()
    add_rule(app, "example.note_created", ["crm_admins", "assignee"])

    note = write_note(app, seller, assignee_id=helper.id)

    sent = {message["To"]: message for message in smtp_server.messages}
    # the owner (default rule, in Italian) and the active CRM admin; not the inactive one,
    # not the assignee, whose profile cannot open notes
    assert sorted(sent) == ["boss@example.test", "venditore@example.test"]
    link = f"{BASE_URL}/notes/{note['id']}"
    italian = sent["venditore@example.test"]
    italian_text = italian.get_body(("plain",)).get_content()
    assert "Buongiorno Venditore," in italian_text and link in italian_text
    assert "Preventivo" in italian["Subject"]
    english = sent["boss@example.test"]
    english_text = english.get_body(("plain",)).get_content()
    assert "Hello Boss," in english_text and link in english_text
    assert english["Subject"] == "Note written: Preventivo"
    assert f'href="{link}"' in english.get_body(("html",)).get_content()

    found = notices(app)
    assert sorted((n.user_id, n.state) for n in found) == sorted([(seller.id, SENT), (boss.id, SENT)])
    assert all(n.sent_at is not None and n.attempts == 1 for n in found)
    assert not any(n.user_id in (helper.id, gone.id) for n in found)


def test_a_notice_is_created_once_per_key(app: Any, users: dict[str, Any]) -> None:
    from sportello.core.events import EventRecord
    from sportello.core.notify.service import notify_event

    disable_default_rules(app)
    add_rule(app, "example.note_created", ["owner"])
    write_note(app, users["salesperson"])
    assert len(notices(app)) == 1
    with app.app_context():
        from sportello import session

        event = session.scalars(select(EventRecord)).one().as_event()
        assert notify_event(event) == []  # the same event again: nothing new
    assert len(notices(app)) == 1


# ---------------------------------------------------------------------------
# SMS through an HTTP gateway
# ---------------------------------------------------------------------------


class Gateway:
    """An SMS gateway on loopback that records what it is sent and answers ``status``."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                parts = urlsplit(self.path)
                gateway.requests.append({
                    "method": self.command, "path": parts.path, "query": parse_qs(parts.query), "form": parse_qs(body),
                    "authorization": self.headers.get("Authorization"),
                })
                self.send_response(gateway.status)
                self.end_headers()
                self.wfile.write(b"ok")

            do_GET = _record
            do_POST = _record

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def configure_sms(app: Any, **values: Any) -> None:
    with app.app_context():
        from sportello import session
        from sportello.core.settings_store import save_section, settings_sections

        save_section(session, settings_sections()["sms"], values)
        session.commit()


def test_sms_goes_through_the_gateway_with_its_parameters_and_credentials(make_app: Any, example_plugins: list[str],
                                                                          users: Any = None) -> None:
    app = make_app(plugins=example_plugins, BASE_URL=BASE_URL)
    from sportello.core.users import create_user

    with app.app_context():
        seller = create_user(email="sms@example.test", name="Sms", profile_code="salesperson",
                             password="correct-horse-battery", language="en", phone="+39 333 1234567")
        other = create_user(email="nophone@example.test", name="No Phone", profile_code="crm_admin", password=None,
                            language="en")
    disable_default_rules(app)
    add_rule(app, "example.note_created", ["owner", "crm_admins"], channel="sms")
    with Gateway() as gateway:
        configure_sms(app, url=gateway.url, method="POST", number_param="dest", text_param="msg",
                      extra_params="sender=Sportello\nroute = premium", username="acme", password="s3cret", token="")
        note = write_note(app, seller)
        assert len(gateway.requests) == 1
        call = gateway.requests[0]
        assert call["method"] == "POST" and call["path"] == "/send"
        assert call["form"]["dest"] == ["+39 333 1234567"]
        assert call["form"]["sender"] == ["Sportello"] and call["form"]["route"] == ["premium"]
        assert call["form"]["msg"][0].startswith("Note written: Preventivo")
        assert call["form"]["msg"][0].endswith(f"{BASE_URL}/notes/{note['id']}")
        assert call["authorization"] == "Basic " + base64.b64encode(b"acme:s3cret").decode()

        configure_sms(app, method="GET", token="tok-123")
        write_note(app, seller)
        call = gateway.requests[1]
        assert call["method"] == "GET" and call["query"]["dest"] == ["+39 333 1234567"]
        assert call["query"]["sender"] == ["Sportello"] and call["authorization"] == "Bearer tok-123"

        gateway.status = 503
        write_note(app, seller)
    by_user: dict[int, list[Notice]] = {}
    for notice in notices(app):
        by_user.setdefault(notice.user_id, []).append(notice)
    assert [n.state for n in by_user[seller.id]] == [SENT, SENT, FAILED]
    assert "answered 503" in by_user[seller.id][2].error
    assert all(n.state == FAILED and "has no mobile phone number" in n.error for n in by_user[other.id])


# ---------------------------------------------------------------------------
# Failures, retries, exactly once
# ---------------------------------------------------------------------------


def test_smtp_down_fails_with_the_reason_then_delivers_exactly_once(
    make_app: Any, example_plugins: list[str], smtp_server: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    closed = free_port()  # nobody listens there
    app = make_app(plugins=example_plugins, SMTP_HOST="127.0.0.1", SMTP_PORT=closed, SMTP_SECURITY="none",
                   BASE_URL=BASE_URL)
    from sportello.core.users import create_user

    with app.app_context():
        seller = create_user(email="owner@example.test", name="Owner", profile_code="salesperson",
                             password="correct-horse-battery", language="en")
    write_note(app, seller)
    [notice] = notices(app)
    assert notice.state == FAILED and notice.attempts == 1
    assert f"SMTP server 127.0.0.1:{closed} failed" in notice.error
    with app.app_context():
        from sportello import session

        job = session.scalars(select(Job).where(Job.function == SEND)).one()
        assert job.state == QUEUED and job.attempts == 1  # the job retries with back-off
        job_id = job.id

        app.config.update(smtp_server.config())  # SMTP is back
        import sportello.core.jobs as jobs_module

        later = jobs_module.utcnow() + timedelta(minutes=5)
        monkeypatch.setattr(jobs_module, "utcnow", lambda: later)
        assert run_job(job_id) == DONE
        assert run_job(job_id) is None
        assert send_notice(notice.id) == "skipped"  # a second worker finds it sent
    [notice] = notices(app)
    assert (notice.state, notice.attempts, notice.error) == (SENT, 2, None)
    assert [m["To"] for m in smtp_server.messages] == ["owner@example.test"]


def test_last_failed_attempt_leaves_the_notice_failed_and_the_admin_retries_it(
    make_app: Any, example_plugins: list[str], smtp_server: Any, users: Any = None,
) -> None:
    app = make_app(plugins=example_plugins, SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    from sportello.core.users import create_user

    with app.app_context():
        from sportello import session

        admin = create_user(email="root@example.test", name="Root", profile_code="system_admin",
                            password="correct-horse-battery", language="en")
        for job in session.scalars(select(Job)):
            job.max_attempts = 1
        session.commit()
    write_note(app, admin)
    with app.app_context():
        from sportello import session

        job = session.scalars(select(Job).where(Job.function == SEND)).one()
        assert job.state in (QUEUED, "failed")
    [notice] = notices(app)
    assert notice.state == FAILED
    app.config.update(smtp_server.config())
    client = login(app.test_client(), admin)
    log = client.get("/admin/notices?state=failed").get_data(as_text=True)
    assert "Preventivo" in log and "failed" in log.lower() and "Retry" in log
    assert client.post(f"/admin/notices/{notice.id}/retry", data={"csrf_token": csrf_token_of(client)}).status_code == 302
    [notice] = notices(app)
    assert notice.state == SENT
    assert len(smtp_server.messages) == 1


# ---------------------------------------------------------------------------
# Deadlines
# ---------------------------------------------------------------------------


def test_deadline_scan_twice_notifies_once_within_the_days_ahead(app: Any, users: dict[str, Any]) -> None:
    note = write_note(app, users["salesperson"])
    with app.app_context():
        from sportello import session
        from sportello_example.models import Note

        for notice in session.scalars(select(Notice)):  # the event's notice is not the subject here
            session.delete(notice)
        session.commit()
        due = session.get(Note, note["id"]).created_at.date() + timedelta(days=7)
        assert scan_deadlines(due - timedelta(days=3)) == []  # the default rule warns 2 days ahead
        first = scan_deadlines(due - timedelta(days=2))
        assert [(n.trigger, n.user_id, n.due) for n in first] == [("example.note_due", users["salesperson"].id, due)]
        assert scan_deadlines(due - timedelta(days=2)) == []  # same day again: nothing new
        assert scan_deadlines(due) == []  # the same deadline, once
        assert scan_deadlines(due + timedelta(days=1)) == []  # past due
    assert [(n.trigger, n.record_id) for n in notices(app)] == [("example.note_due", note["id"])]


def test_deadline_scan_runs_daily_from_the_periodic_ticker(app: Any) -> None:
    from datetime import datetime

    from sportello.core.periodic import tick

    assert "core.scan_deadlines@2026-11-23" in tick(app, now=datetime(2026, 11, 23, 7, 0, tzinfo=UTC))


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------


def test_admin_log_filters_and_users_see_only_their_own_notices(app: Any, users: dict[str, Any]) -> None:
    add_rule(app, "example.note_created", ["crm_admins"])
    write_note(app, users["salesperson"], title="Della venditrice")
    admin = login(app.test_client(), users["system_admin"])
    log = admin.get("/admin/notices").get_data(as_text=True)
    assert log.count("Della venditrice") == 2 and "Crm Admin" in log and "Salesperson" in log
    only_admin = admin.get(f"/admin/notices?user={users['crm_admin'].id}&channel=email").get_data(as_text=True)
    assert only_admin.count("Della venditrice") == 1
    assert "Della venditrice" not in admin.get("/admin/notices?state=sent").get_data(as_text=True)  # no SMTP: failed
    assert admin.get("/admin/notices?cursor=garbage").status_code == 400

    own = login(app.test_client(), users["salesperson"]).get("/account/notices")
    html = own.get_data(as_text=True)
    assert own.status_code == 200 and html.count("Della venditrice") == 1 and "/account/notices" in html
    nobody = login(app.test_client(), users["assignee"]).get("/account/notices").get_data(as_text=True)
    assert "Della venditrice" not in nobody and "No notices yet" in nobody


def test_notice_abandoned_by_a_dead_worker_is_never_sent_twice(make_app: Any, example_plugins: list[str], smtp_server: Any,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import timedelta

    import sportello.core.notify.send as send_module
    from sportello.core.notify.models import FAILED, SENDING, Notice
    from sportello.core.notify.send import send_notice

    app = make_app(plugins=example_plugins, **smtp_server.config())
    from sportello.core.users import create_user

    with app.app_context():
        from sportello import session

        owner = create_user(email="owner@rossi.it", name="Owner", profile_code="system_admin", password="password-123", language="en")
        notice = Notice(key="dead-worker", trigger="example.note_created", entity="example.note", record_id=1,
                        title="Nota", url="/notes/1", user_id=owner.id, channel="email", state=SENDING,
                        claimed_at=send_module.utcnow())
        session.add(notice)
        session.commit()
        assert send_notice(notice.id) == "skipped"  # another worker holds it: hands off
        session.refresh(notice)
        assert notice.state == SENDING
        later = send_module.utcnow() + timedelta(hours=1)
        monkeypatch.setattr(send_module, "utcnow", lambda: later)
        assert send_notice(notice.id) == "skipped"  # the holder died long ago
        session.refresh(notice)
        assert notice.state == FAILED
        assert "may or may not have been delivered" in notice.error
    assert smtp_server.messages == []


def test_messages_sent_by_hand_use_the_same_channels(make_app: Any, smtp_server: Any) -> None:
    from sportello import ChannelError, send_email_message, send_sms_message

    app = make_app(**smtp_server.config())
    with Gateway() as gateway:
        configure_sms(app, url=gateway.url, method="GET", number_param="to", text_param="text", extra_params="",
                      username="", password="", token="t0k")
        with app.app_context():
            send_email_message("cliente@rossi.it", "Offerta", "Gentile cliente, ...", "<p>Gentile cliente, ...</p>")
            send_sms_message("+39 333 7654321", "La chiamo domani")
            with pytest.raises(ChannelError, match="no phone number"):
                send_sms_message("  ", "x")
        assert [m["To"] for m in smtp_server.messages] == ["cliente@rossi.it"]
        assert gateway.requests[0]["query"]["to"] == ["+39 333 7654321"]
        assert gateway.requests[0]["authorization"] == "Bearer t0k"
    refused = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    with refused.app_context(), pytest.raises(ChannelError):
        send_email_message("cliente@rossi.it", "Offerta", "...")
