"""REST API of companies, their contact persons and their communications (/api/v1/companies)."""

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
    Unit,
    User,
    api_list,
    page_schema,
    session,
    utcnow,
    visible,
)
from sportello import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import load_only, raiseload

from .models import KINDS, Communication, Company, Contact
from .services import may_assign_anyone, record_communication, save_company
from .validation import LEGAL_BASES, TEXT_FIELDS, clean_company, clean_contact

blueprint = ApiBlueprint(
    "companies_api", __name__, url_prefix="/companies",
    description="Companies with their Italian registry data, contact persons and communications log.",
)



def _text(longest: int, **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(max=max(longest, 30)), **kwargs)


class CompanySchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata={"description": "Ragione sociale."})
    vat_number = fields.String(allow_none=True, metadata={"description": "Partita IVA (or a foreign VAT number), checked."})
    tax_code = fields.String(allow_none=True, metadata={"description": "Codice fiscale: 11 digits or 16 characters, checked."})
    public_administration = fields.Boolean()
    legal_street = _text(TEXT_FIELDS["legal_street"])
    legal_postcode = _text(TEXT_FIELDS["legal_postcode"])
    legal_city = _text(TEXT_FIELDS["legal_city"])
    legal_province = _text(TEXT_FIELDS["legal_province"])
    legal_country = _text(TEXT_FIELDS["legal_country"])
    op_street = _text(TEXT_FIELDS["op_street"])
    op_postcode = _text(TEXT_FIELDS["op_postcode"])
    op_city = _text(TEXT_FIELDS["op_city"])
    op_province = _text(TEXT_FIELDS["op_province"])
    op_country = _text(TEXT_FIELDS["op_country"])
    pec = _text(TEXT_FIELDS["pec"])
    sdi_code = _text(TEXT_FIELDS["sdi_code"])
    pa_code = _text(TEXT_FIELDS["pa_code"])
    phone = _text(TEXT_FIELDS["phone"])
    email = _text(TEXT_FIELDS["email"])
    website = _text(TEXT_FIELDS["website"])
    sector = _text(TEXT_FIELDS["sector"])
    notes = _text(TEXT_FIELDS["notes"])
    unit_id = fields.Integer(allow_none=True)
    salesperson_id = fields.Integer(allow_none=True, metadata={"description": "Chosen only by users who see every company; others get themselves."})
    tags = fields.Method("dump_tags", deserialize="load_tags", metadata={"description": "Tag names."})
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    def dump_tags(self, company: Company) -> list[str]:
        return [tag.name for tag in company.tags]

    def load_tags(self, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            from marshmallow import ValidationError

            raise ValidationError("A list of tag names.")
        return value


class CompanyChangeSchema(CompanySchema):
    """The fields of a company to change (all optional)."""


class CompanyRowSchema(Schema):
    """A company in lists: the columns the list shows."""

    id = fields.Integer()
    name = fields.String()
    vat_number = fields.String(allow_none=True)
    tax_code = fields.String(allow_none=True)
    legal_city = fields.String()
    legal_province = fields.String()
    email = fields.String()
    sector = fields.String()
    salesperson_id = fields.Integer(allow_none=True)
    unit_id = fields.Integer(allow_none=True)
    updated_at = fields.DateTime()


class ContactSchema(Schema):
    id = fields.Integer(dump_only=True)
    company_id = fields.Integer(dump_only=True)
    first_name = fields.String(validate=validate.Length(max=100))
    last_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = fields.String(validate=validate.Length(max=120))
    email = fields.String(validate=validate.Length(max=254))
    phone = fields.String(validate=validate.Length(max=32))
    mobile = fields.String(validate=validate.Length(max=32))
    notes = fields.String()
    consent_marketing = fields.Boolean()
    consent_date = fields.Date(allow_none=True)
    legal_basis = fields.String(validate=validate.OneOf(["", *LEGAL_BASES]))
    updated_at = fields.DateTime(dump_only=True)


class ContactChangeSchema(ContactSchema):
    """The fields of a contact person to change (all optional)."""


class CommunicationSchema(Schema):
    id = fields.Integer(dump_only=True)
    company_id = fields.Integer(dump_only=True)
    contact_id = fields.Integer(allow_none=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS), metadata={"description": "email and sms are sent at once."})
    direction = fields.String(load_default="out", validate=validate.OneOf(["out", "in"]))
    recipient = fields.String(load_default="", validate=validate.Length(max=254),
                              metadata={"description": "Empty: the contact's (else the company's) address or number."})
    subject = fields.String(load_default="", validate=validate.Length(max=200))
    body = fields.String(load_default="")
    occurred_at = fields.DateTime(load_default=None, metadata={"description": "For calls and others; sent messages get the sending time."})
    status = fields.String(dump_only=True, metadata={"description": "sent, failed (see failure_reason) or recorded."})
    failure_reason = fields.String(dump_only=True)
    user_id = fields.Integer(dump_only=True)


def _unprocessable(errors: dict[str, str]) -> None:
    abort(422, message="The data is not valid.", errors={"json": {k: [v] for k, v in errors.items()}})


def _company(company_id: int, action: str = "read") -> Company:
    if not current_user.can("companies.view"):
        abort(403, message="Your profile cannot see companies.")
    company = session.scalar(visible(select(Company), current_user, action).where(Company.id == company_id))
    if company is None:
        if action != "read" and session.scalar(visible(select(Company.id), current_user, "read").where(Company.id == company_id)):
            abort(403, message="You may see this company but not change it.")
        abort(404, message="No such company.")
    return company


def _need(code: str) -> None:
    if not current_user.can(code):
        abort(403, message=f"Your profile lacks the permission {code}.")


# --------------------------------------------------------------------------- contacts and communications of an owner
# A company, or another plugin's record with contacts and a log of the same shape (a
# lead): ``model`` is the owner's model of contacts or communications, ``owner_key`` the
# name of its column pointing at the owner. Each owner checks its own permissions first.


def list_owner_contacts(owner: Any, args: dict[str, Any], model: Any, owner_key: str, filters: dict[str, Filter]) -> Any:
    statement = visible(select(model), current_user, "read").where(getattr(model, owner_key) == owner.id)
    return api_list(statement, args, sorts={"id": model.id, "last_name": model.last_name}, default_sort="last_name",
                    id_column=model.id, filters=filters)


def add_contact(owner: Any, data: dict[str, Any], model: Any, owner_key: str) -> Any:
    values, errors = clean_contact(data)
    if errors:
        _unprocessable(errors)
    contact = model(**{owner_key: owner.id}, **values)
    session.add(contact)
    owner.updated_at = utcnow()
    session.commit()
    return contact


def visible_contact(model: Any, contact_id: int, action: str) -> Any:
    contact = session.scalar(visible(select(model), current_user, action).where(model.id == contact_id))
    if contact is None:
        abort(404, message="No such contact.")
    return contact


def change_contact(contact: Any, data: dict[str, Any]) -> Any:
    values, errors = clean_contact(data)
    if errors:
        _unprocessable(errors)
    for key, value in values.items():
        setattr(contact, key, value)
    session.commit()
    return contact


def list_owner_communications(owner: Any, args: dict[str, Any], model: Any, owner_key: str) -> Any:
    statement = visible(select(model), current_user, "read").where(getattr(model, owner_key) == owner.id)
    return api_list(statement, args, sorts={"id": model.id, "occurred_at": model.occurred_at},
                    default_sort="-occurred_at", id_column=model.id,
                    filters={"kind": Filter(model.kind, "eq"), "status": Filter(model.status, "eq")})


def check_communication(data: dict[str, Any]) -> None:
    """422 when the text, or an e-mail's subject, is missing."""
    if data["kind"] in ("email", "sms", "other") and not data.get("body"):
        _unprocessable({"body": str(_l("Write the text."))})
    if data["kind"] == "email" and not data.get("subject"):
        _unprocessable({"subject": str(_l("Write the subject of the e-mail."))})


def visible_communication(model: Any, communication_id: int) -> Any:
    entry = session.scalar(visible(select(model), current_user, "read").where(model.id == communication_id))
    if entry is None:
        abort(404, message="No such communication.")
    return entry


def _check_refs(values: dict[str, Any]) -> dict[str, str]:
    errors = {}
    if values.get("salesperson_id") is not None and session.get(User, values["salesperson_id"]) is None:
        errors["salesperson_id"] = "No such user."
    if values.get("unit_id") is not None and session.get(Unit, values["unit_id"]) is None:
        errors["unit_id"] = "No such unit."
    return errors


COMPANY_SORTS = {"id": Company.id, "name": Company.name_key, "city": Company.legal_city, "updated_at": Company.updated_at}
COMPANY_FILTERS = {
    "name": Filter(Company.name, "contains"),
    "vat_number": Filter(Company.vat_number, "eq", lambda v: v.strip().upper()),
    "tax_code": Filter(Company.tax_code, "eq", lambda v: v.strip().upper()),
    "email": Filter(Company.email, "contains"),
    "city": Filter(Company.legal_city, "contains"),
    "province": Filter(Company.legal_province, "eq", lambda v: v.strip().upper()),
    "sector": Filter(Company.sector, "eq"),
    "salesperson_id": Filter(Company.salesperson_id, "eq", int),
    "unit_id": Filter(Company.unit_id, "eq", int),
    "updated_since": Filter(Company.updated_at, "gte", datetime.fromisoformat),
}
ROW_COLUMNS = (Company.id, Company.name, Company.name_key, Company.vat_number, Company.tax_code, Company.legal_city,
               Company.legal_province, Company.email, Company.sector, Company.salesperson_id, Company.unit_id, Company.updated_at)


@blueprint.route("/")
@blueprint.arguments(ListArgs, location="query")
@blueprint.response(200, page_schema(CompanyRowSchema))
def list_companies(args: dict[str, Any]) -> Any:
    """Companies the user may see in lists. Filters: name, email, city (contains);
    vat_number, tax_code, province, sector, salesperson_id, unit_id (equal); updated_since.
    Sorts: id, name, city, updated_at."""
    _need("companies.view")
    statement = visible(select(Company).options(load_only(*ROW_COLUMNS), raiseload("*")), current_user, "list")
    return api_list(statement, args, sorts=COMPANY_SORTS, default_sort="name", id_column=Company.id, filters=COMPANY_FILTERS)


@blueprint.route("/", methods=["POST"])
@blueprint.arguments(CompanySchema)
@blueprint.response(201, CompanySchema)
def create_company(data: dict[str, Any]) -> Any:
    """Create a company; partita IVA, codice fiscale, CAP, province, PEC and SdI codes are checked (422 with messages)."""
    _need("companies.create")
    tags = data.pop("tags", [])
    values, errors = clean_company(data)
    extra = {k: data[k] for k in ("public_administration", "unit_id", "salesperson_id") if k in data}
    errors.update(_check_refs(extra))
    if errors:
        _unprocessable(errors)
    return save_company(None, {**values, **extra}, tags, current_user)


@blueprint.route("/<int:company_id>")
@blueprint.response(200, CompanySchema)
def get_company(company_id: int) -> Any:
    """One company (404 when the user may not open it)."""
    return _company(company_id)


@blueprint.route("/<int:company_id>", methods=["PATCH"])
@blueprint.arguments(CompanyChangeSchema(partial=True))
@blueprint.response(200, CompanySchema)
def update_company(data: dict[str, Any], company_id: int) -> Any:
    """Change some fields of a company."""
    _need("companies.edit")
    company = _company(company_id, "update")
    tags = data.pop("tags", None)
    current = {field: getattr(company, field) for field in TEXT_FIELDS}
    values, errors = clean_company({**current, **data})
    extra = {k: data[k] for k in ("public_administration", "unit_id", "salesperson_id") if k in data}
    errors.update(_check_refs(extra))
    if errors:
        _unprocessable(errors)
    if "salesperson_id" in extra and not may_assign_anyone(current_user) and extra["salesperson_id"] != company.salesperson_id:
        abort(403, message="Only administrators change the salesperson of a company.")
    return save_company(company, {**values, **extra}, tags, current_user)


@blueprint.route("/<int:company_id>", methods=["DELETE"])
@blueprint.response(204)
def delete_company(company_id: int) -> None:
    """Delete a company with its contacts and communications."""
    _need("companies.delete")
    company = _company(company_id, "delete")
    session.delete(company)
    session.commit()


# --------------------------------------------------------------------------- contacts


@blueprint.route("/<int:company_id>/contacts/")
@blueprint.arguments(ListArgs, location="query")
@blueprint.response(200, page_schema(ContactSchema))
def list_contacts(args: dict[str, Any], company_id: int) -> Any:
    """Contact persons of a company. Filters: name, email (contains). Sorts: id, last_name."""
    company = _company(company_id)
    return list_owner_contacts(company, args, Contact, "company_id",
                               {"name": Filter(Contact.last_name, "contains"), "email": Filter(Contact.email, "contains")})


@blueprint.route("/<int:company_id>/contacts/", methods=["POST"])
@blueprint.arguments(ContactSchema)
@blueprint.response(201, ContactSchema)
def create_contact(data: dict[str, Any], company_id: int) -> Any:
    """Add a contact person to a company."""
    _need("companies.edit")
    company = _company(company_id, "update")
    return add_contact(company, data, Contact, "company_id")


def _contact(contact_id: int, action: str) -> Contact:
    _need("companies.view")
    return visible_contact(Contact, contact_id, action)


@blueprint.route("/contacts/<int:contact_id>")
@blueprint.response(200, ContactSchema)
def get_contact(contact_id: int) -> Any:
    """One contact person."""
    return _contact(contact_id, "read")


@blueprint.route("/contacts/<int:contact_id>", methods=["PATCH"])
@blueprint.arguments(ContactChangeSchema(partial=True))
@blueprint.response(200, ContactSchema)
def update_contact(data: dict[str, Any], contact_id: int) -> Any:
    """Change a contact person."""
    _need("companies.edit")
    return change_contact(_contact(contact_id, "update"), data)


@blueprint.route("/contacts/<int:contact_id>", methods=["DELETE"])
@blueprint.response(204)
def delete_contact(contact_id: int) -> None:
    """Remove a contact person."""
    _need("companies.edit")
    session.delete(_contact(contact_id, "delete"))
    session.commit()


# --------------------------------------------------------------------------- communications


@blueprint.route("/<int:company_id>/communications/")
@blueprint.arguments(ListArgs, location="query")
@blueprint.response(200, page_schema(CommunicationSchema))
def list_communications(args: dict[str, Any], company_id: int) -> Any:
    """The communications log of a company. Filters: kind, status. Sorts: occurred_at, id."""
    company = _company(company_id)
    return list_owner_communications(company, args, Communication, "company_id")


@blueprint.route("/<int:company_id>/communications/", methods=["POST"])
@blueprint.arguments(CommunicationSchema)
@blueprint.response(201, CommunicationSchema)
def create_communication(data: dict[str, Any], company_id: int) -> Any:
    """Log a communication; an e-mail or SMS is sent now and answers with status sent or
    failed (with failure_reason): a failed one is kept."""
    _need("companies.edit")
    company = _company(company_id, "update")
    check_communication(data)
    return record_communication(company, data, current_user)


@blueprint.route("/communications/<int:communication_id>")
@blueprint.response(200, CommunicationSchema)
def get_communication(communication_id: int) -> Any:
    """One communication (the log is append-only: no change or removal)."""
    _need("companies.view")
    return visible_communication(Communication, communication_id)
