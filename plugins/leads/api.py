"""REST API of leads, their contacts and communications, and the conversion
(/api/v1/leads)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_login import current_user
from flask_smorest import abort
from marshmallow import Schema, fields, validate
from sportello import (
    ApiBlueprint,
    Filter,
    ListArgs,
    api_list,
    page_schema,
    session,
    visible,
)
from sportello_companies.api import CommunicationSchema as CompanyCommunicationSchema
from sportello_companies.api import CompanySchema
from sportello_companies.api import ContactSchema as CompanyContactSchema
from sportello_companies.api import (
    add_contact,
    change_contact,
    check_communication,
    list_owner_communications,
    list_owner_contacts,
    visible_communication,
    visible_contact,
)
from sqlalchemy import select
from sqlalchemy.orm import load_only, raiseload

from .models import Communication, Contact, Lead
from .services import (
    ConversionError,
    convert,
    record_communication,
    save_lead,
    validate_lead,
)
from .validation import TEXT_FIELDS, clean_company

blueprint = ApiBlueprint("leads_api", __name__, url_prefix="/leads",
                         description="Leads with their registry data, pipeline status, contacts, communications and conversion.")


class LeadSchema(CompanySchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata={"description": "Ragione sociale."})
    salesperson_id = None
    unit_id = None
    status_id = fields.Integer(required=True, metadata={"description": "A status of the configurable list."})
    status_code = fields.String(dump_only=True, attribute="status.code")
    source_id = fields.Integer(allow_none=True)
    owner_id = fields.Integer(metadata={"description": "A user holding leads.create; chosen only by users who see every lead."})
    contact_date = fields.Date(allow_none=True, metadata={"description": "Needed by 'contact in the future'; not in the past."})
    lost_reason = fields.String(metadata={"description": "Needed by 'lost'."})
    estimated_value = fields.Decimal(allow_none=True, as_string=True, places=2, validate=validate.Range(min=0))
    expected_close_date = fields.Date(allow_none=True)
    converted_company_id = fields.Integer(dump_only=True, allow_none=True)
    converted_at = fields.DateTime(dump_only=True, allow_none=True)
    acquired_notified_at = fields.DateTime(dump_only=True, allow_none=True)


class LeadChangeSchema(LeadSchema):
    """The fields of a lead to change (all optional)."""


class LeadRowSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    vat_number = fields.String(allow_none=True)
    legal_city = fields.String()
    status_id = fields.Integer()
    source_id = fields.Integer(allow_none=True)
    owner_id = fields.Integer()
    estimated_value = fields.Decimal(as_string=True, allow_none=True)
    expected_close_date = fields.Date(allow_none=True)
    contact_date = fields.Date(allow_none=True)
    converted_company_id = fields.Integer(allow_none=True)
    updated_at = fields.DateTime()


class LeadContactSchema(CompanyContactSchema):
    company_id = None
    lead_id = fields.Integer(dump_only=True)


class LeadContactChangeSchema(LeadContactSchema):
    """The fields of a contact person to change (all optional)."""


class LeadCommunicationSchema(CompanyCommunicationSchema):
    company_id = None
    lead_id = fields.Integer(dump_only=True)


class LeadConvertSchema(Schema):
    company_id = fields.Integer(load_default=None, allow_none=True,
                                metadata={"description": "An existing company with the same partita IVA; empty: a new company."})


def _unprocessable(errors: dict[str, str]) -> None:
    abort(422, message="The data is not valid.", errors={"json": {k: [v] for k, v in errors.items()}})


def _need(code: str) -> None:
    if not current_user.can(code):
        abort(403, message=f"Your profile lacks the permission {code}.")


def _lead(lead_id: int, action: str = "read") -> Lead:
    _need("leads.view")
    lead = session.scalar(visible(select(Lead), current_user, action).where(Lead.id == lead_id))
    if lead is None:
        if action != "read" and session.scalar(visible(select(Lead.id), current_user, "read").where(Lead.id == lead_id)):
            abort(403, message="You may see this lead but not change it.")
        abort(404, message="No such lead.")
    return lead


SORTS = {"id": Lead.id, "name": Lead.name_key, "updated_at": Lead.updated_at}
FILTERS = {
    "name": Filter(Lead.name, "contains"),
    "vat_number": Filter(Lead.vat_number, "eq", lambda v: v.strip().upper()),
    "status_id": Filter(Lead.status_id, "in", int),
    "source_id": Filter(Lead.source_id, "eq", int),
    "owner_id": Filter(Lead.owner_id, "eq", int),
    "city": Filter(Lead.legal_city, "contains"),
    "updated_since": Filter(Lead.updated_at, "gte", datetime.fromisoformat),
}
ROW_COLUMNS = (Lead.id, Lead.name, Lead.name_key, Lead.vat_number, Lead.legal_city, Lead.status_id, Lead.source_id,
               Lead.owner_id, Lead.estimated_value, Lead.expected_close_date, Lead.contact_date,
               Lead.converted_company_id, Lead.updated_at)
EXTRA = ("public_administration", "status_id", "source_id", "owner_id", "contact_date", "lost_reason",
         "estimated_value", "expected_close_date")


@blueprint.route("/")
@blueprint.arguments(ListArgs, location="query")
@blueprint.response(200, page_schema(LeadRowSchema))
def list_leads(args: dict[str, Any]) -> Any:
    """Leads the user may see in lists. Filters: name, city (contains); vat_number,
    source_id, owner_id (equal); status_id (comma-separated); updated_since. Sorts: id, name, updated_at."""
    _need("leads.view")
    statement = visible(select(Lead).options(load_only(*ROW_COLUMNS), raiseload("*")), current_user, "list")
    return api_list(statement, args, sorts=SORTS, default_sort="-updated_at", id_column=Lead.id, filters=FILTERS)


@blueprint.route("/", methods=["POST"])
@blueprint.arguments(LeadSchema)
@blueprint.response(201, LeadSchema)
def create_lead(data: dict[str, Any]) -> Any:
    """Create a lead; registry data is checked like a company's, the status rules apply
    (a future contact needs a date not in the past, a lost lead a reason), the owner must
    hold leads.create."""
    _need("leads.create")
    tags = data.pop("tags", [])
    values, errors = clean_company({k: v for k, v in data.items() if k in TEXT_FIELDS})
    extra = {k: data[k] for k in EXTRA if k in data}
    errors.update(validate_lead(None, extra, current_user))
    if errors:
        _unprocessable(errors)
    return save_lead(None, {**values, **extra}, tags, current_user)


@blueprint.route("/<int:lead_id>")
@blueprint.response(200, LeadSchema)
def get_lead(lead_id: int) -> Any:
    """One lead (404 when the user may not open it)."""
    return _lead(lead_id)


@blueprint.route("/<int:lead_id>", methods=["PATCH"])
@blueprint.arguments(LeadChangeSchema(partial=True))
@blueprint.response(200, LeadSchema)
def update_lead(data: dict[str, Any], lead_id: int) -> Any:
    """Change some fields of a lead (a status change emits the same events as the pages)."""
    _need("leads.edit")
    lead = _lead(lead_id, "update")
    tags = data.pop("tags", None)
    current = {field: getattr(lead, field) for field in TEXT_FIELDS}
    values, errors = clean_company({**current, **{k: v for k, v in data.items() if k in TEXT_FIELDS}})
    extra = {k: data[k] for k in EXTRA if k in data}
    errors.update(validate_lead(lead, extra, current_user))
    if errors:
        _unprocessable(errors)
    return save_lead(lead, {**values, **extra}, tags, current_user)


@blueprint.route("/<int:lead_id>", methods=["DELETE"])
@blueprint.response(204)
def delete_lead(lead_id: int) -> None:
    """Delete a lead with its contacts and communications."""
    _need("leads.delete")
    session.delete(_lead(lead_id, "delete"))
    session.commit()


@blueprint.route("/<int:lead_id>/convert", methods=["POST"])
@blueprint.arguments(LeadConvertSchema)
@blueprint.response(201, CompanySchema)
def convert_lead(data: dict[str, Any], lead_id: int) -> Any:
    """Convert an acquired lead into a company (or attach it to the existing company with
    the same partita IVA): contacts, communications and other modules' records move over
    in one transaction. 409 when the lead is already converted or not acquired."""
    _need("leads.convert")
    lead = _lead(lead_id, "update")
    try:
        return convert(lead, current_user, data.get("company_id"))
    except ConversionError as error:
        abort(409, message=str(error))


# --------------------------------------------------------------------------- contacts


@blueprint.route("/<int:lead_id>/contacts/")
@blueprint.arguments(ListArgs, location="query")
@blueprint.response(200, page_schema(LeadContactSchema))
def list_contacts(args: dict[str, Any], lead_id: int) -> Any:
    """Contact persons of a lead. Sorts: id, last_name."""
    lead = _lead(lead_id)
    return list_owner_contacts(lead, args, Contact, "lead_id", {"name": Filter(Contact.last_name, "contains")})


@blueprint.route("/<int:lead_id>/contacts/", methods=["POST"])
@blueprint.arguments(LeadContactSchema)
@blueprint.response(201, LeadContactSchema)
def create_contact(data: dict[str, Any], lead_id: int) -> Any:
    """Add a contact person to a lead."""
    _need("leads.edit")
    lead = _lead(lead_id, "update")
    return add_contact(lead, data, Contact, "lead_id")


def _contact(contact_id: int, action: str) -> Contact:
    _need("leads.view")
    return visible_contact(Contact, contact_id, action)


@blueprint.route("/contacts/<int:contact_id>")
@blueprint.response(200, LeadContactSchema)
def get_contact(contact_id: int) -> Any:
    """One contact person of a lead."""
    return _contact(contact_id, "read")


@blueprint.route("/contacts/<int:contact_id>", methods=["PATCH"])
@blueprint.arguments(LeadContactChangeSchema(partial=True))
@blueprint.response(200, LeadContactSchema)
def update_contact(data: dict[str, Any], contact_id: int) -> Any:
    """Change a contact person."""
    _need("leads.edit")
    return change_contact(_contact(contact_id, "update"), data)


@blueprint.route("/contacts/<int:contact_id>", methods=["DELETE"])
@blueprint.response(204)
def delete_contact(contact_id: int) -> None:
    """Remove a contact person."""
    _need("leads.edit")
    session.delete(_contact(contact_id, "delete"))
    session.commit()


# --------------------------------------------------------------------------- communications


@blueprint.route("/<int:lead_id>/communications/")
@blueprint.arguments(ListArgs, location="query")
@blueprint.response(200, page_schema(LeadCommunicationSchema))
def list_communications(args: dict[str, Any], lead_id: int) -> Any:
    """The communications log of a lead. Filters: kind, status. Sorts: occurred_at, id."""
    lead = _lead(lead_id)
    return list_owner_communications(lead, args, Communication, "lead_id")


@blueprint.route("/<int:lead_id>/communications/", methods=["POST"])
@blueprint.arguments(LeadCommunicationSchema)
@blueprint.response(201, LeadCommunicationSchema)
def create_communication(data: dict[str, Any], lead_id: int) -> Any:
    """Log a communication; an e-mail or SMS is sent now (status sent or failed)."""
    _need("leads.edit")
    lead = _lead(lead_id, "update")
    check_communication(data)
    return record_communication(lead, data, current_user)


@blueprint.route("/communications/<int:communication_id>")
@blueprint.response(200, LeadCommunicationSchema)
def get_communication(communication_id: int) -> Any:
    """One communication of a lead."""
    _need("leads.view")
    return visible_communication(Communication, communication_id)
