"""Fixtures of the projects plugin's tests: companies and projects enabled."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sportello.testing import ApiClient, login

PLUGINS = ["companies", "projects"]


@pytest.fixture
def sportello_plugins() -> list[str]:
    return PLUGINS


@pytest.fixture
def app(make_app: Callable[..., Any]) -> Any:
    return make_app(plugins=PLUGINS)


@pytest.fixture
def api_as(app: Any) -> Callable[[Any], ApiClient]:
    """``api_as(user)``: an API client signed in as ``user``."""
    return lambda user: ApiClient(login(app.test_client(), user))


@pytest.fixture
def world(app: Any, users: dict[str, Any]) -> dict[str, Any]:
    """Two companies (one of the salesperson, one not), a project of the project manager
    on each ... see below; returns ids by key."""
    from datetime import date

    from sportello_companies.models import Company

    from sportello import Actor, acting_as, session
    from sportello_projects.models import Activity, Attachment, Event, Project

    pm, assignee, sales = users["project_manager"], users["assignee"], users["salesperson"]
    admin = users["crm_admin"]
    with app.app_context(), acting_as(Actor(user_id=None, channel="test")):
        ours = Company(name="Ours Srl", name_key="ours srl", salesperson_id=sales.id)
        theirs = Company(name="Theirs Spa", name_key="theirs spa", salesperson_id=admin.id)
        session.add_all([ours, theirs])
        session.flush()
        p_pm = Project(code="P-PM", title="Zeta managed", company_id=ours.id, manager_id=pm.id, description="")
        p_other = Project(code="P-OT", title="Omega other", company_id=theirs.id, manager_id=admin.id, description="")
        p_group = Project(code="P-GR", title="Kappa group", company_id=theirs.id, manager_id=admin.id, description="")
        session.add_all([p_pm, p_other, p_group])
        session.flush()
        p_group.members = [session.get(type(pm), assignee.id)]

        def act(title: str, project: Project, **kw: Any) -> Activity:
            a = Activity(title=title, company_id=project.company_id, project_id=project.id, owner_id=admin.id,
                         description="", closing_note="", kind="task", state="open", **kw)
            session.add(a)
            return a

        a_pm = act("Alpha of pm", p_pm, planned_end=date(2030, 1, 10))
        a_direct = act("Bravo assigned", p_other, assignee_id=assignee.id)
        a_group = act("Charlie group", p_group, assigned_to_group=True)
        a_none = act("Delta nobody", p_other)
        session.flush()
        att = Attachment(activity_id=a_direct.id, name="note.txt", content_type="text/plain", size=5, data=b"hello")
        ev = Event(title="Echo meeting", company_id=ours.id, project_id=p_pm.id, owner_id=pm.id, place="",
                   description="", starts_at=__import__("sportello").utcnow(), ends_at=__import__("sportello").utcnow())
        session.add_all([att, ev])
        session.commit()
        return {"ours": ours.id, "theirs": theirs.id, "p_pm": p_pm.id, "p_other": p_other.id, "p_group": p_group.id,
                "a_pm": a_pm.id, "a_direct": a_direct.id, "a_group": a_group.id, "a_none": a_none.id,
                "attachment": att.id, "event": ev.id}
