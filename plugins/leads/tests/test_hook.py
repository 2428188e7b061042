"""Other plugins move their records in the conversion's transaction (``leads_converted``);
a failure there undoes the whole conversion."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from sportello.testing import ApiClient, login
from sqlalchemy import select

PLUGIN = '''
from sportello import PluginInfo, hookimpl

PLUGIN = PluginInfo(name="{name}", title="Quotes stub", version="1.0.0", requires=["leads"], core=">=1.0,<2")
SEEN = []


@hookimpl
def leads_converted(lead, company):
    SEEN.append((lead.id, company.id))
    if "{fail}" == "yes":
        raise RuntimeError("the quotes could not be moved")
    return ["quotes moved"]
'''


def _stub(tmp_path: Path, plugin_distribution: Any, name: str, fail: str) -> Any:
    package = tmp_path / f"sportello_{name}"
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent(PLUGIN.format(name=name, fail=fail)))
    plugin_distribution(name, package)
    import importlib

    return importlib.import_module(f"sportello_{name}")


def _acquired_lead(app: Any) -> tuple[Any, int]:
    from sportello import session
    from sportello.core.users import create_user
    from sportello_leads.models import Lead, Status

    with app.app_context():
        admin = create_user(email="crm@hook.it", name="Crm", profile_code="crm_admin", password="password-123", language="en")
        status = session.scalar(select(Status.id).where(Status.code == "acquired"))
        lead = Lead(name="Gancio Srl", name_key="gancio srl", owner_id=admin.id, status_id=status)
        session.add(lead)
        session.commit()
        return admin, lead.id


def test_the_hook_runs_in_the_conversion(make_app: Any, tmp_path: Path, plugin_distribution: Any) -> None:
    stub = _stub(tmp_path, plugin_distribution, "quotesok", "no")
    app = make_app(plugins=["companies", "leads", "quotesok"])
    admin, lead = _acquired_lead(app)
    api = ApiClient(login(app.test_client(), admin, password="password-123"))
    company = api.post(f"/leads/{lead}/convert", json={}).json["id"]
    assert stub.SEEN == [(lead, company)]


def test_a_failing_hook_changes_nothing(make_app: Any, tmp_path: Path, plugin_distribution: Any) -> None:
    _stub(tmp_path, plugin_distribution, "quotesko", "yes")
    app = make_app(plugins=["companies", "leads", "quotesko"])
    admin, lead = _acquired_lead(app)
    client = app.test_client()
    client.application.config["PROPAGATE_EXCEPTIONS"] = False
    api = ApiClient(login(client, admin, password="password-123"))
    assert api.post(f"/leads/{lead}/convert", json={}).status_code == 500
    from sportello import session
    from sportello_companies.models import Company
    from sportello_leads.models import Lead

    with app.app_context():
        assert session.scalars(select(Company)).all() == []
        assert session.scalar(select(Lead.converted_company_id).where(Lead.id == lead)) is None
