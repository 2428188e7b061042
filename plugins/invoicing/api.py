"""REST API of quotes, invoices and payments (/api/v1/invoicing), with the actions
accept (a quote), issue (an invoice) and register payment."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response
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
from sportello import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from . import services
from .models import QUOTE_STATES, Invoice, Payment, Quote
from .money import NATURES

blueprint = ApiBlueprint(
    "invoicing_api", __name__, url_prefix="/invoicing",
    description="Quotes, invoices (TD01) and credit notes (TD04), instalments and payments.",
)


class LineSchema(Schema):
    description = fields.String(required=True)
    quantity = fields.Decimal(load_default=None, as_string=True, metadata={"description": "Positive; up to 3 decimals."})
    unit = fields.String(load_default="")
    unit_price = fields.Decimal(required=True, as_string=True)
    discount_percent = fields.Decimal(load_default=None, as_string=True)
    vat_rate = fields.Decimal(required=True, as_string=True, metadata={"description": "22, 10, 5, 4 or 0."})
    vat_nature = fields.String(load_default="", validate=validate.OneOf(["", *NATURES]),
                               metadata={"description": "FatturaPA Natura, required when vat_rate is 0."})
    withholding = fields.Boolean(load_default=False)
    total = fields.Decimal(dump_only=True, as_string=True)


class QuoteSchema(Schema):
    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True, metadata={"description": "Yearly, e.g. P-2026-0001."})
    title = fields.String(validate=validate.Length(max=200))
    company_id = fields.Integer(allow_none=True)
    project_id = fields.Integer(allow_none=True, metadata={"description": "A project (commessa) of the same company, when the projects module is enabled."})
    lead_id = fields.Integer(allow_none=True, metadata={
        "description": "With the leads plugin: a lead the user may change, for a quote without company_id; kept when "
                       "the lead is converted (company_id is then set)."})
    salesperson_id = fields.Integer(metadata={"description": "Salespeople may only give themselves."})
    created_by_id = fields.Integer(dump_only=True)
    date = fields.Date()
    valid_until = fields.Date()
    state = fields.String(dump_only=True)
    notes = fields.String()
    terms = fields.String()
    lines = fields.List(fields.Nested(LineSchema))
    taxable_total = fields.Decimal(dump_only=True, as_string=True)
    vat_total = fields.Decimal(dump_only=True, as_string=True)
    total = fields.Decimal(dump_only=True, as_string=True)
    updated_at = fields.DateTime(dump_only=True)


class QuoteChangeSchema(QuoteSchema):
    """The fields of a quote to change (all optional)."""


class QuoteStateSchema(Schema):
    state = fields.String(required=True, validate=validate.OneOf(QUOTE_STATES))


class InstalmentSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    days = fields.Integer()
    due_date = fields.Date()
    amount = fields.Decimal(as_string=True)
    paid_amount = fields.Decimal(as_string=True)


class PaymentSchema(Schema):
    id = fields.Integer(dump_only=True)
    invoice_id = fields.Integer(dump_only=True)
    instalment_id = fields.Integer(load_default=None, metadata={"description": "Empty: the first instalment still due."})
    date = fields.Date(load_default=None)
    amount = fields.Decimal(required=True, as_string=True)
    method = fields.String(load_default=None)
    note = fields.String(load_default="")


class InvoiceSchema(Schema):
    id = fields.Integer(dump_only=True)
    document_type = fields.String(validate=validate.OneOf(["TD01", "TD04"]))
    number = fields.String(dump_only=True)
    date = fields.Date()
    state = fields.String(dump_only=True, metadata={"description": "draft, issued, partly_paid, paid (overdue: see overdue)."})
    overdue = fields.Method("dump_overdue", dump_only=True)
    company_id = fields.Integer()
    quote_id = fields.Integer(dump_only=True)
    related_invoice_id = fields.Integer(dump_only=True)
    customer = fields.Dict(dump_only=True, metadata={"description": "The customer's data frozen at issue."})
    notes = fields.String()
    withholding_rate = fields.Decimal(allow_none=True, as_string=True)
    withholding_type = fields.String()
    withholding_reason = fields.String()
    stamp_duty_charged = fields.Boolean()
    split_payment = fields.Boolean()
    reverse_charge = fields.Boolean()
    cig = fields.String()
    cup = fields.String()
    order_reference = fields.String()
    order_date = fields.Date(allow_none=True)
    payment_terms = fields.String(metadata={"description": "Days from the invoice date, e.g. 30/60/90."})
    payment_method = fields.String()
    iban = fields.String()
    lines = fields.List(fields.Nested(LineSchema))
    taxable_total = fields.Decimal(dump_only=True, as_string=True)
    vat_total = fields.Decimal(dump_only=True, as_string=True)
    stamp_duty = fields.Decimal(dump_only=True, as_string=True)
    withholding_amount = fields.Decimal(dump_only=True, as_string=True)
    total = fields.Decimal(dump_only=True, as_string=True)
    amount_due = fields.Decimal(dump_only=True, as_string=True)
    paid_total = fields.Decimal(dump_only=True, as_string=True)
    instalments = fields.List(fields.Nested(InstalmentSchema), dump_only=True)
    payments = fields.List(fields.Nested(PaymentSchema), dump_only=True)

    def dump_overdue(self, invoice: Invoice) -> bool:
        return invoice.state_on(date.today()) == "overdue"


class InvoiceChangeSchema(InvoiceSchema):
    """The fields of a draft invoice to change (all optional)."""


class InvoiceRowSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    document_type = fields.String()
    date = fields.Date()
    state = fields.String()
    company_id = fields.Integer()
    total = fields.Decimal(as_string=True)
    amount_due = fields.Decimal(as_string=True)
    paid_total = fields.Decimal(as_string=True)


def _need(code: str) -> None:
    if not current_user.can(code):
        abort(403, message=_("Your profile lacks the permission %(code)s.", code=code))


def _refused(refused: services.Refused) -> None:
    session.rollback()
    abort(422, message=refused.message, errors={"json": {k: [v] for k, v in refused.errors.items()}})


def _lines(data: dict[str, Any]) -> None:
    if "lines" in data:
        data["lines"] = [{k: v for k, v in line.items() if v is not None} for line in data["lines"]]


def _quote(quote_id: int, action: str = "read") -> Quote:
    _need("invoicing.quote_view")
    quote = session.scalar(visible(select(Quote), current_user, action).where(Quote.id == quote_id))
    if quote is None:
        abort(404, message=_("No such quote."))
    return quote


def _invoice(invoice_id: int, action: str = "read") -> Invoice:
    _need("invoicing.invoice_view")
    invoice = session.scalar(visible(select(Invoice), current_user, action).where(Invoice.id == invoice_id))
    if invoice is None:
        abort(404, message=_("No such invoice."))
    return invoice


QUOTE_FILTERS = {"state": Filter(Quote.state, "eq"), "company_id": Filter(Quote.company_id, "eq", int),
                 "lead_id": Filter(Quote.lead_id, "eq", int), "salesperson_id": Filter(Quote.salesperson_id, "eq", int),
                 "from": Filter(Quote.date, "gte", date.fromisoformat), "to": Filter(Quote.date, "lte", date.fromisoformat)}
INVOICE_FILTERS = {"state": Filter(Invoice.state, "eq"), "company_id": Filter(Invoice.company_id, "eq", int),
                   "document_type": Filter(Invoice.document_type, "eq"),
                   "salesperson_id": Filter(Invoice.salesperson_id, "eq", int),
                   "from": Filter(Invoice.date, "gte", date.fromisoformat), "to": Filter(Invoice.date, "lte", date.fromisoformat)}


@blueprint.route("/quotes/")
@blueprint.arguments(ListArgs, location="query")
@blueprint.response(200, page_schema(QuoteSchema))
def list_quotes(args: dict[str, Any]) -> Any:
    """Quotes the user may see. Filters: state, company_id, lead_id, salesperson_id, from, to. Sorts: id, date, number, total."""
    _need("invoicing.quote_view")
    statement = visible(select(Quote).options(selectinload(Quote.lines)), current_user, "list")
    return api_list(statement, args, sorts={"id": Quote.id, "date": Quote.date, "number": Quote.number, "total": Quote.total},
                    default_sort="-date", id_column=Quote.id, filters=QUOTE_FILTERS)


@blueprint.route("/quotes/", methods=["POST"])
@blueprint.arguments(QuoteSchema)
@blueprint.response(201, QuoteSchema)
def create_quote(data: dict[str, Any]) -> Any:
    """Create a quote (draft) with its lines; a salesperson only on their companies and for themselves."""
    _need("invoicing.quote_create")
    _lines(data)
    try:
        return services.save_quote(None, data, current_user)
    except services.Refused as refused:
        _refused(refused)


@blueprint.route("/quotes/<int:quote_id>")
@blueprint.response(200, QuoteSchema)
def get_quote(quote_id: int) -> Any:
    """One quote (404 when the user may not open it)."""
    return _quote(quote_id)


@blueprint.route("/quotes/<int:quote_id>", methods=["PATCH"])
@blueprint.arguments(QuoteChangeSchema(partial=True))
@blueprint.response(200, QuoteSchema)
def update_quote(data: dict[str, Any], quote_id: int) -> Any:
    """Change a draft or sent quote (lines replaced when given)."""
    _need("invoicing.quote_edit")
    quote = _quote(quote_id, "update")
    _lines(data)
    try:
        return services.save_quote(quote, data, current_user)
    except services.Refused as refused:
        _refused(refused)


@blueprint.route("/quotes/<int:quote_id>/state", methods=["POST"])
@blueprint.arguments(QuoteStateSchema)
@blueprint.response(200, QuoteSchema)
def change_quote_state(data: dict[str, Any], quote_id: int) -> Any:
    """Move a quote to sent, rejected, expired or back to draft (accepted: see /accept)."""
    _need("invoicing.quote_edit")
    try:
        return services.set_quote_state(_quote(quote_id, "update"), data["state"], current_user)
    except services.Refused as refused:
        _refused(refused)


@blueprint.route("/quotes/<int:quote_id>/accept", methods=["POST"])
@blueprint.response(200, QuoteSchema)
def accept_quote(quote_id: int) -> Any:
    """Accept a quote (emits invoicing.quote_accepted)."""
    _need("invoicing.quote_accept")
    try:
        return services.set_quote_state(_quote(quote_id, "update"), "accepted", current_user)
    except services.Refused as refused:
        _refused(refused)


@blueprint.route("/quotes/<int:quote_id>/invoice", methods=["POST"])
@blueprint.response(201, InvoiceSchema)
def invoice_quote(quote_id: int) -> Any:
    """Make a draft invoice from an accepted quote (lines copied, quote linked)."""
    _need("invoicing.invoice_issue")
    try:
        return services.invoice_from_quote(_quote(quote_id), current_user)
    except services.Refused as refused:
        _refused(refused)


@blueprint.route("/quotes/<int:quote_id>/pdf")
@blueprint.response(200)
def quote_pdf(quote_id: int) -> Any:
    """The quote as PDF."""
    from .pdf import quote_pdf as render

    return Response(render(_quote(quote_id)), mimetype="application/pdf")


@blueprint.route("/invoices/")
@blueprint.arguments(ListArgs, location="query")
@blueprint.response(200, page_schema(InvoiceRowSchema))
def list_invoices(args: dict[str, Any]) -> Any:
    """Invoices and credit notes. Filters: state, company_id, document_type, salesperson_id, from, to. Sorts: id, date, number, total."""
    _need("invoicing.invoice_view")
    return api_list(visible(select(Invoice), current_user, "list"), args,
                    sorts={"id": Invoice.id, "date": Invoice.date, "number": Invoice.number, "total": Invoice.total},
                    default_sort="-date", id_column=Invoice.id, filters=INVOICE_FILTERS)


@blueprint.route("/invoices/", methods=["POST"])
@blueprint.arguments(InvoiceSchema)
@blueprint.response(201, InvoiceSchema)
def create_invoice(data: dict[str, Any]) -> Any:
    """Create a draft invoice or credit note from scratch (issue it with /issue)."""
    _need("invoicing.invoice_issue")
    _lines(data)
    try:
        return services.save_invoice(None, data, current_user)
    except services.Refused as refused:
        _refused(refused)


@blueprint.route("/invoices/<int:invoice_id>")
@blueprint.response(200, InvoiceSchema)
def get_invoice(invoice_id: int) -> Any:
    """One invoice with its lines, instalments and payments."""
    return _invoice(invoice_id)


@blueprint.route("/invoices/<int:invoice_id>", methods=["PATCH"])
@blueprint.arguments(InvoiceChangeSchema(partial=True))
@blueprint.response(200, InvoiceSchema)
def update_invoice(data: dict[str, Any], invoice_id: int) -> Any:
    """Change a draft (an issued invoice answers 422: only a credit note corrects it)."""
    _need("invoicing.invoice_issue")
    invoice = _invoice(invoice_id, "update")
    _lines(data)
    try:
        return services.save_invoice(invoice, data, current_user)
    except services.Refused as refused:
        _refused(refused)


@blueprint.route("/invoices/<int:invoice_id>/issue", methods=["POST"])
@blueprint.response(200, InvoiceSchema)
def issue_invoice(invoice_id: int) -> Any:
    """Issue a draft: next number of its sequence, customer data frozen, instalments created."""
    _need("invoicing.invoice_issue")
    try:
        return services.issue(_invoice(invoice_id, "update").id, current_user)
    except services.Refused as refused:
        _refused(refused)


@blueprint.route("/invoices/<int:invoice_id>/credit-note", methods=["POST"])
@blueprint.response(201, InvoiceSchema)
def credit_note(invoice_id: int) -> Any:
    """A draft credit note (TD04) copying an issued invoice's lines."""
    _need("invoicing.invoice_issue")
    try:
        return services.credit_note_for(_invoice(invoice_id, "update"), current_user)
    except services.Refused as refused:
        _refused(refused)


@blueprint.route("/invoices/<int:invoice_id>/payments", methods=["POST"])
@blueprint.arguments(PaymentSchema)
@blueprint.response(201, PaymentSchema)
def register_payment(data: dict[str, Any], invoice_id: int) -> Any:
    """Record a payment against an instalment (more than the amount still due: 422)."""
    _need("invoicing.payment_register")
    try:
        return services.register_payment(_invoice(invoice_id, "update"), data, current_user)
    except services.Refused as refused:
        _refused(refused)


@blueprint.route("/invoices/<int:invoice_id>/payments")
@blueprint.response(200, PaymentSchema(many=True))
def list_payments(invoice_id: int) -> Any:
    """The payments of an invoice."""
    invoice = _invoice(invoice_id)
    return list(session.scalars(visible(select(Payment), current_user, "read").where(Payment.invoice_id == invoice.id)
                                .order_by(Payment.date, Payment.id)))


@blueprint.route("/invoices/<int:invoice_id>/pdf")
@blueprint.response(200)
def invoice_pdf(invoice_id: int) -> Any:
    """The invoice as PDF."""
    from .pdf import invoice_pdf as render

    return Response(render(_invoice(invoice_id)), mimetype="application/pdf")
