"""Pages of invoicing: quote and invoice lists (filters, keyset "load more", CSV/XLSX
export), record pages with their actions, forms with lines, PDFs, the quotes, invoices and
payments tabs of the company page and the quotes tab of the lead page."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sportello import (
    Filter,
    InvalidQuery,
    RecordTab,
    SearchResult,
    User,
    apply_filters,
    csv_response,
    each_row,
    paginate,
    parse_sort,
    requires,
    session,
    utcnow,
    visible,
    xlsx_response,
)
from sportello import gettext as _
from sportello import lazy_gettext as _l
from sportello import lazy_pgettext
from sportello_companies.models import Company
from sqlalchemy import and_, exists, func, or_, select

from . import services
from .models import DOCUMENT_TYPES, Instalment, Invoice, Payment, Quote
from .money import NATURES, PAYMENT_METHODS, VAT_RATES, vat_summary

blueprint = Blueprint("invoicing", __name__, url_prefix="/invoicing", template_folder="templates",
                      static_folder="static", static_url_path="/static")
#: Invoice pages have a blueprint of their own, so that the menu highlights "Invoices" on them.
invoices_blueprint = Blueprint("invoicing_invoices", __name__, url_prefix="/invoicing")

PAGE_SIZE = 50
QUOTE_STATE_LABELS = {"draft": _l("Draft"), "sent": _l("Sent"), "accepted": _l("Accepted"), "rejected": lazy_pgettext("quote state", "Rejected"),
                      "expired": _l("Expired")}
INVOICE_STATE_LABELS = {"draft": _l("Draft"), "issued": _l("Issued"), "partly_paid": _l("Partly paid"),
                        "paid": _l("Paid"), "overdue": _l("Overdue")}
BLANK_LINES = 3


def _day(text: str) -> date:
    return date.fromisoformat(text)


QUOTE_FILTERS = {
    "state": Filter(Quote.state, "eq"),
    "company": Filter(Quote.company_id, "eq", int),
    "salesperson": Filter(Quote.salesperson_id, "eq", int),
    "from": Filter(Quote.date, "gte", _day),
    "to": Filter(Quote.date, "lte", _day),
}
QUOTE_SORTS = {"date": Quote.date, "number": Quote.number, "total": Quote.total}
QUOTE_COLUMNS = (Quote.id, Quote.number, Quote.title, Quote.date, Quote.valid_until, Quote.state, Quote.total,
                 Quote.taxable_total, Quote.vat_total, Quote.salesperson_id, Quote.company_id, Quote.lead_id,
                 User.name.label("salesperson_name"))


def overdue_clause(today: date) -> Any:
    return and_(Invoice.state.in_(("issued", "partly_paid")), exists().where(
        Instalment.invoice_id == Invoice.id, Instalment.due_date < today, Instalment.paid_amount < Instalment.amount))


def _invoice_state_filter(value: str) -> Any:
    if value == "overdue":
        return overdue_clause(date.today())
    if value in ("issued", "partly_paid"):
        return and_(Invoice.state == value, ~overdue_clause(date.today()))
    return Invoice.state == value


INVOICE_FILTERS = {
    "company": Filter(Invoice.company_id, "eq", int),
    "salesperson": Filter(Invoice.salesperson_id, "eq", int),
    "type": Filter(Invoice.document_type, "eq"),
    "from": Filter(Invoice.date, "gte", _day),
    "to": Filter(Invoice.date, "lte", _day),
}
INVOICE_SORTS = {"date": Invoice.date, "number": Invoice.number, "total": Invoice.total}
INVOICE_COLUMNS = (Invoice.id, Invoice.number, Invoice.document_type, Invoice.date, Invoice.state, Invoice.total,
                   Invoice.amount_due, Invoice.paid_total, Invoice.taxable_total, Invoice.vat_total,
                   Invoice.salesperson_id, Invoice.company_id, Company.name.label("company_name"),
                   User.name.label("salesperson_name"))


def _filter_args(keys: tuple[str, ...]) -> dict[str, str]:
    return {k: request.args[k] for k in keys if request.args.get(k)}


def _people() -> list[Any]:
    return list(session.execute(select(User.id, User.name).where(User.active.is_(True)).order_by(User.name, User.id)))


def _companies() -> list[Any]:
    return list(session.execute(visible(select(Company.id, Company.name), current_user, "list").order_by(Company.name_key, Company.id)))


# --------------------------------------------------------------------------- quotes list


def _with_customer(columns: tuple[Any, ...], user: Any) -> Any:
    """``select(*columns)`` of quotes with ``customer_name``: the company's name, or the
    lead's for a quote still only on a lead (when the leads plugin is enabled)."""
    lead = services.lead_model()
    name = Company.name if lead is None else func.coalesce(Company.name, lead.name)
    statement = select(*columns, name.label("customer_name")).outerjoin(Company, Company.id == Quote.company_id)
    if lead is not None:
        statement = statement.outerjoin(lead, lead.id == Quote.lead_id)
    return visible(statement, user, "list"), name


def _quote_statement(columns: tuple[Any, ...]) -> Any:
    statement, customer = _with_customer(columns, current_user)
    statement = statement.outerjoin(User, User.id == Quote.salesperson_id)
    text = (request.args.get("q") or "").strip()
    if text:
        like = f"%{text.lower()}%"
        statement = statement.where(or_(Quote.number.ilike(like), Quote.title.ilike(like), customer.ilike(like)))
    return apply_filters(statement, request.args, QUOTE_FILTERS)


@blueprint.route("/quotes/")
@requires("invoicing.quote_view")
def quotes() -> Any:
    try:
        _name, column, descending = parse_sort(request.args.get("sort") or "-date", QUOTE_SORTS, "date")
        page = paginate(session, _quote_statement(QUOTE_COLUMNS), sort_column=column, id_column=Quote.id,
                        descending=descending, limit=PAGE_SIZE, cursor=request.args.get("cursor"), scalars=False)
    except (InvalidQuery, ValueError):
        abort(400)
    args = _filter_args(("q", "state", "company", "salesperson", "from", "to", "sort"))
    more_url = url_for("invoicing.quotes", **args, cursor=page.next_cursor) if page.next_cursor else None
    if request.headers.get("HX-Request") and request.args.get("cursor"):
        return render_template("invoicing/_quote_rows.html", page=page, more_url=more_url, labels=QUOTE_STATE_LABELS)
    return render_template("invoicing/quotes.html", page=page, more_url=more_url, args=args, labels=QUOTE_STATE_LABELS,
                           filtered=any(k != "sort" for k in args), people=_people(), companies=_companies(),
                           first_page=not request.args.get("cursor"))


#: (field, column heading) of the exports: headings are lazy, written in the language of the user who exports.
QUOTE_EXPORT = [("number", _l("Number")), ("date", _l("Date")), ("valid_until", _l("Valid until")),
                ("customer_name", _l("Customer")), ("title", _l("Subject")), ("state", _l("State")),
                ("taxable_total", _l("Taxable")), ("vat_total", _l("VAT")), ("total", _l("Total")),
                ("salesperson_name", _l("Salesperson"))]
INVOICE_EXPORT = [("number", _l("Number")), ("document_type", _l("Document type")), ("date", _l("Date")),
                  ("company_name", _l("Customer")), ("state", _l("State")), ("taxable_total", _l("Taxable")),
                  ("vat_total", _l("VAT")), ("total", _l("Document total")), ("amount_due", _l("Amount due")),
                  ("paid_total", _l("Received")), ("salesperson_name", _l("Salesperson"))]


def _chunks(statement: Any, column: Any, id_column: Any, descending: bool) -> Any:
    return each_row(session, statement, sort_column=column, id_column=id_column, descending=descending)


def _cell(row: Any, field: str) -> Any:
    value = getattr(row, field)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if field == "state":
        labels = {**QUOTE_STATE_LABELS, **INVOICE_STATE_LABELS}
        return str(labels.get(value, value))
    return "" if value is None else value


def _csv_cell(row: Any, field: str) -> Any:
    """Amounts with a decimal comma, as Italian spreadsheets read CSV."""
    value = _cell(row, field)
    return str(value).replace(".", ",") if field.endswith(("total", "due")) else value


def _export(rows: Any, fields: list[tuple[str, Any]], name: str, sheet: str, kind: str) -> Response:
    """The export as CSV or XLSX: ``name`` starts the file name, ``sheet`` names the XLSX sheet."""
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    if kind == "xlsx":
        return xlsx_response(rows, fields, _cell, f"{name}-{stamp}.xlsx", sheet)
    return csv_response(rows, fields, _csv_cell, f"{name}-{stamp}.csv")


@blueprint.route("/quotes/export.<any(csv, xlsx):kind>")
@requires("invoicing.quote_export")
def quotes_export(kind: str) -> Response:
    try:
        _name, column, descending = parse_sort(request.args.get("sort") or "-date", QUOTE_SORTS, "date")
        statement = _quote_statement(QUOTE_COLUMNS)
    except (InvalidQuery, ValueError):
        abort(400)
    return _export(_chunks(statement, column, Quote.id, descending), QUOTE_EXPORT, _("quotes"), _("Quotes"), kind)


# --------------------------------------------------------------------------- one quote


def _quote_or_404(quote_id: int, action: str = "read") -> Quote:
    quote = session.scalar(visible(select(Quote), current_user, action).where(Quote.id == quote_id))
    if quote is None:
        abort(404)
    return quote


@blueprint.route("/quotes/<int:quote_id>")
@requires("invoicing.quote_view")
def quote(quote_id: int) -> str:
    record = _quote_or_404(quote_id)
    invoice_id = None
    if current_user.can("invoicing.invoice_view"):
        invoice_id = session.scalar(visible(select(Invoice.id), current_user, "read").where(Invoice.quote_id == record.id))
    return render_template("invoicing/quote.html", quote=record, summary=vat_summary(record.lines),
                           labels=QUOTE_STATE_LABELS, transitions=services.QUOTE_TRANSITIONS[record.state],
                           natures=NATURES, invoice_id=invoice_id, lead=services.lead_of(record),
                           project=_project_of(record))


def _project_of(record: Quote) -> Any:
    """The quote's project, when the projects plugin is enabled and the user sees it."""
    project = services.project_model()
    if project is None or record.project_id is None:
        return None
    return session.scalar(visible(select(project), current_user, "list").where(project.id == record.project_id))


def _lines_from_form() -> list[dict[str, Any]]:
    form = request.form
    columns = ("description", "quantity", "unit", "unit_price", "discount_percent", "vat_rate", "vat_nature")
    values = {c: form.getlist(f"line_{c}") for c in columns}
    marked = set(form.getlist("line_withholding"))
    lines = []
    for n in range(len(values["description"])):
        line = {c: (values[c][n] if n < len(values[c]) else "") for c in columns}
        if not any(str(v).strip() for k, v in line.items() if k not in ("vat_rate", "quantity", "discount_percent")):
            continue  # an empty row of the form
        line["withholding"] = str(n) in marked
        lines.append(line)
    return lines


def _form_lines(record: Any) -> list[dict[str, Any]]:
    if request.method == "POST":
        lines = _lines_from_form()
    else:
        lines = [{"description": l.description, "quantity": l.quantity.normalize(), "unit": l.unit,
                  "unit_price": l.unit_price.normalize(), "discount_percent": l.discount_percent.normalize(),
                  "vat_rate": l.vat_rate.normalize(), "vat_nature": l.vat_nature, "withholding": l.withholding}
                 for l in (record.lines if record else [])]
    return lines + [{"quantity": "1", "vat_rate": "22", "discount_percent": "0"} for _ in range(BLANK_LINES)]


def _quote_form(record: Quote | None) -> Any:
    errors: dict[str, str] = {}
    if request.method == "POST":
        from flask_wtf.csrf import validate_csrf

        validate_csrf(request.form.get("csrf_token"))
        data = {k: request.form.get(k, "") for k in ("title", "date", "valid_until", "notes", "terms")}
        data["company_id"] = request.form.get("company_id", type=int)
        for key in ("lead_id", "project_id"):  # only when the form offers them
            if key in request.form:
                data[key] = request.form.get(key, type=int)
        data["salesperson_id"] = request.form.get("salesperson_id", type=int) or current_user.id
        data["lines"] = _lines_from_form()
        try:
            saved = services.save_quote(record, data, current_user)
        except services.Refused as refused:
            session.rollback()
            errors = refused.errors
            flash(refused.message, "danger")
        else:
            flash(_("Quote %(number)s saved.", number=saved.number), "success")
            return redirect(url_for("invoicing.quote", quote_id=saved.id))
    may_choose = services.may_see_all_quotes(current_user)
    companies = visible(select(Company.id, Company.name), current_user, "read").order_by(Company.name_key)
    if not may_choose:
        companies = companies.where(Company.salesperson_id == current_user.id)
    companies = list(session.execute(companies))
    preset_company = request.args.get("company_id", type=int)
    chosen = request.form.get("company_id", type=int) if request.method == "POST" else (
        record.company_id if record else preset_company)
    return render_template(
        "invoicing/quote_form.html", quote=record, errors=errors, lines=_form_lines(record),
        companies=companies, people=_people() if may_choose else [],
        values=request.form if request.method == "POST" else None, natures=NATURES, rates=VAT_RATES,
        preset_company=preset_company, preset_lead=request.args.get("lead_id", type=int),
        leads=_leads_for_form(record), projects=_projects_for_form(companies, chosen),
    ), (422 if errors else 200)


def _leads_for_form(record: Quote | None) -> list[Any] | None:
    """The leads a quote may be made on (those the user may change, not yet converted);
    None when the form has no lead to offer (no leads plugin, or a quote on a company)."""
    lead = services.lead_model()
    if lead is None or (record is not None and record.company_id is not None):
        return None
    wanted = lead.converted_company_id.is_(None)
    if record is not None and record.lead_id is not None:
        wanted = or_(wanted, lead.id == record.lead_id)
    return list(session.execute(visible(select(lead.id, lead.name), current_user, "update").where(wanted)
                                .order_by(lead.name_key, lead.id)))


def _projects_for_form(companies: list[Any], chosen: int | None) -> list[Any] | None:
    """The projects offered on the quote form, with their company's name for grouping:
    those of the chosen company, or of every company of the form. None without projects."""
    names = {c.id: c.name for c in companies}
    ids = [chosen] if chosen in names else list(names)
    statement = services.projects_for_quote(current_user, ids)
    if statement is None:
        return None
    project = services.project_model()
    rows = session.execute(statement.with_only_columns(project.id, project.code, project.title, project.company_id)
                           .order_by(project.company_id, project.code))
    return [{"id": r.id, "label": f"{r.code} · {r.title}", "company": names.get(r.company_id, "")} for r in rows]


@blueprint.route("/quotes/new", methods=["GET", "POST"])
@requires("invoicing.quote_create")
def quote_new() -> Any:
    return _quote_form(None)


@blueprint.route("/quotes/<int:quote_id>/edit", methods=["GET", "POST"])
@requires("invoicing.quote_edit")
def quote_edit(quote_id: int) -> Any:
    record = _quote_or_404(quote_id, "update")
    if record.state not in ("draft", "sent"):
        flash(_("Quote %(number)s is %(state)s and can no longer be changed.", number=record.number,
                state=QUOTE_STATE_LABELS[record.state]), "warning")
        return redirect(url_for("invoicing.quote", quote_id=record.id))
    return _quote_form(record)


@blueprint.route("/quotes/<int:quote_id>/state", methods=["POST"])
@requires("invoicing.quote_edit")
def quote_state(quote_id: int) -> Any:
    from flask_wtf.csrf import validate_csrf

    record = _quote_or_404(quote_id, "update")
    validate_csrf(request.form.get("csrf_token"))
    try:
        services.set_quote_state(record, request.form.get("state", ""), current_user)
    except services.Refused as refused:
        session.rollback()
        flash(refused.message, "danger")
    else:
        flash(_("Quote %(number)s is now %(state)s.", number=record.number, state=QUOTE_STATE_LABELS[record.state]), "success")
    return redirect(url_for("invoicing.quote", quote_id=record.id))


@blueprint.route("/quotes/<int:quote_id>/pdf")
@requires("invoicing.quote_view")
def quote_pdf(quote_id: int) -> Response:
    from .pdf import quote_pdf as render

    record = _quote_or_404(quote_id)
    return Response(render(record), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="preventivo-{record.number}.pdf"'})


@blueprint.route("/quotes/<int:quote_id>/email", methods=["POST"])
@requires("invoicing.quote_edit")
def quote_email(quote_id: int) -> Any:
    """Send the quote's PDF by e-mail to the customer, kept as a communication of the company
    (or of the lead, for a quote on a lead)."""
    from flask_wtf.csrf import validate_csrf

    from .pdf import quote_pdf as render

    record = _quote_or_404(quote_id, "update")
    validate_csrf(request.form.get("csrf_token"))
    customer = services.customer_of(record)
    if customer is None:
        flash(_("This quote has no customer to send it to."), "danger")
        return redirect(url_for("invoicing.quote", quote_id=record.id))
    if record.company is not None:
        from sportello_companies.services import record_communication
    else:
        from sportello_leads.services import record_communication  # the leads plugin is enabled: the quote has a lead
    subject = _("Quote %(number)s", number=record.number)
    body = (request.form.get("body") or "").strip() or _(
        "Good morning,\nplease find attached our quote %(number)s.\n\nBest regards,\n%(name)s",
        number=record.number, name=current_user.name)
    attachment = (f"preventivo-{record.number}.pdf", "application/pdf", render(record))
    entry = record_communication(customer, {"kind": "email", "recipient": request.form.get("recipient", ""),
                                            "subject": subject, "body": body}, current_user, [attachment])
    if entry.status != "sent":
        flash(_("The quote was not sent: %(reason)s", reason=entry.failure_reason), "danger")
    else:
        if record.state == "draft":
            services.set_quote_state(record, "sent", current_user)
        flash(_("Quote %(number)s sent to %(to)s.", number=record.number, to=entry.recipient), "success")
    return redirect(url_for("invoicing.quote", quote_id=record.id))


# --------------------------------------------------------------------------- invoices list


def _invoice_statement(columns: tuple[Any, ...]) -> Any:
    statement = visible(select(*columns).join(Company, Company.id == Invoice.company_id)
                        .outerjoin(User, User.id == Invoice.salesperson_id), current_user, "list")
    text = (request.args.get("q") or "").strip()
    if text:
        like = f"%{text.lower()}%"
        statement = statement.where(or_(Invoice.number.ilike(like), Company.name.ilike(like)))
    state = request.args.get("state")
    if state:
        if state not in INVOICE_STATE_LABELS:
            raise InvalidQuery("state")
        statement = statement.where(_invoice_state_filter(state))
    return apply_filters(statement, request.args, INVOICE_FILTERS)


@invoices_blueprint.route("/invoices/")
@requires("invoicing.invoice_view")
def invoices() -> Any:
    try:
        _name, column, descending = parse_sort(request.args.get("sort") or "-date", INVOICE_SORTS, "date")
        page = paginate(session, _invoice_statement(INVOICE_COLUMNS), sort_column=column, id_column=Invoice.id,
                        descending=descending, limit=PAGE_SIZE, cursor=request.args.get("cursor"), scalars=False)
    except (InvalidQuery, ValueError):
        abort(400)
    args = _filter_args(("q", "state", "type", "company", "salesperson", "from", "to", "sort"))
    more_url = url_for("invoicing_invoices.invoices", **args, cursor=page.next_cursor) if page.next_cursor else None
    overdue = _overdue_ids([row.id for row in page.items])
    context = {"page": page, "more_url": more_url, "labels": INVOICE_STATE_LABELS, "overdue": overdue, "types": DOCUMENT_TYPES}
    if request.headers.get("HX-Request") and request.args.get("cursor"):
        return render_template("invoicing/_invoice_rows.html", **context)
    return render_template("invoicing/invoices.html", args=args, filtered=any(k != "sort" for k in args),
                           people=_people(), companies=_companies(), first_page=not request.args.get("cursor"), **context)


def _overdue_ids(ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(session.scalars(select(Invoice.id).where(Invoice.id.in_(ids), overdue_clause(date.today()))))


@invoices_blueprint.route("/invoices/export.<any(csv, xlsx):kind>")
@requires("invoicing.invoice_export")
def invoices_export(kind: str) -> Response:
    try:
        _name, column, descending = parse_sort(request.args.get("sort") or "-date", INVOICE_SORTS, "date")
        statement = _invoice_statement(INVOICE_COLUMNS)
    except (InvalidQuery, ValueError):
        abort(400)
    return _export(_chunks(statement, column, Invoice.id, descending), INVOICE_EXPORT, _("invoices"), _("Invoices"), kind)


# --------------------------------------------------------------------------- one invoice


def _invoice_or_404(invoice_id: int, action: str = "read") -> Invoice:
    invoice = session.scalar(visible(select(Invoice), current_user, action).where(Invoice.id == invoice_id))
    if invoice is None:
        abort(404)
    return invoice


@invoices_blueprint.route("/invoices/<int:invoice_id>")
@requires("invoicing.invoice_view")
def invoice(invoice_id: int) -> str:
    record = _invoice_or_404(invoice_id)
    credit_notes = list(session.scalars(visible(select(Invoice), current_user, "read")
                                        .where(Invoice.related_invoice_id == record.id).order_by(Invoice.id)))
    return render_template("invoicing/invoice.html", invoice=record, summary=vat_summary(record.lines),
                           labels=INVOICE_STATE_LABELS, state=record.state_on(date.today()), natures=NATURES,
                           methods=PAYMENT_METHODS, types=DOCUMENT_TYPES, credit_notes=credit_notes, today=date.today(),
                           seller_missing=record.state == "draft" and not services.seller_snapshot().get("vat_number"))


def _invoice_form(record: Invoice | None) -> Any:
    errors: dict[str, str] = {}
    if request.method == "POST":
        from flask_wtf.csrf import validate_csrf

        validate_csrf(request.form.get("csrf_token"))
        keys = ("date", "notes", "withholding_rate", "withholding_type", "withholding_reason", "cig", "cup",
                "order_reference", "order_date", "payment_terms", "payment_method", "iban", "document_type")
        data: dict[str, Any] = {k: request.form.get(k, "") for k in keys}
        data["company_id"] = request.form.get("company_id", type=int)
        for flag in services.FLAGS:
            data[flag] = bool(request.form.get(flag))
        data["lines"] = _lines_from_form()
        try:
            saved = services.save_invoice(record, data, current_user)
        except services.Refused as refused:
            session.rollback()
            errors = refused.errors
            flash(refused.message, "danger")
        else:
            flash(_("Draft saved: check it and issue it to give it its number."), "success")
            return redirect(url_for("invoicing_invoices.invoice", invoice_id=saved.id))
    return render_template(
        "invoicing/invoice_form.html", invoice=record, errors=errors, lines=_form_lines(record),
        companies=_companies(), values=request.form if request.method == "POST" else None, natures=NATURES,
        rates=VAT_RATES, methods=PAYMENT_METHODS, types=DOCUMENT_TYPES,
        preset_company=request.args.get("company_id", type=int),
    ), (422 if errors else 200)


@invoices_blueprint.route("/invoices/new", methods=["GET", "POST"])
@requires("invoicing.invoice_issue")
def invoice_new() -> Any:
    return _invoice_form(None)


@invoices_blueprint.route("/invoices/<int:invoice_id>/edit", methods=["GET", "POST"])
@requires("invoicing.invoice_issue")
def invoice_edit(invoice_id: int) -> Any:
    record = _invoice_or_404(invoice_id, "update")
    if record.state != "draft":
        flash(_("Invoice %(number)s is issued and cannot be changed: issue a credit note to correct it.",
                number=record.number), "warning")
        return redirect(url_for("invoicing_invoices.invoice", invoice_id=record.id)), 303
    return _invoice_form(record)


def _action(invoice_id: int | None, run: Any, done: Any, failed_to: str | None = None) -> Any:
    from flask_wtf.csrf import validate_csrf

    validate_csrf(request.form.get("csrf_token"))
    try:
        result = run()
    except services.Refused as refused:
        session.rollback()
        flash(refused.message + (" " + " ".join(refused.errors.values()) if refused.errors else ""), "danger")
        return redirect(failed_to or url_for("invoicing_invoices.invoice", invoice_id=invoice_id))
    return done(result)


@invoices_blueprint.route("/quotes/<int:quote_id>/invoice", methods=["POST"])
@requires("invoicing.invoice_issue")
def invoice_from_quote(quote_id: int) -> Any:
    record = _quote_or_404(quote_id)

    def done(invoice: Invoice) -> Any:
        flash(_("Draft invoice made from quote %(number)s: check it and issue it.", number=record.number), "success")
        return redirect(url_for("invoicing_invoices.invoice", invoice_id=invoice.id))

    return _action(None, lambda: services.invoice_from_quote(record, current_user), done,
                   url_for("invoicing.quote", quote_id=record.id))


@invoices_blueprint.route("/invoices/<int:invoice_id>/issue", methods=["POST"])
@requires("invoicing.invoice_issue")
def invoice_issue(invoice_id: int) -> Any:
    record = _invoice_or_404(invoice_id, "update")

    def done(invoice: Invoice) -> Any:
        flash(_("Issued as number %(number)s.", number=invoice.number), "success")
        return redirect(url_for("invoicing_invoices.invoice", invoice_id=invoice.id))

    return _action(record.id, lambda: services.issue(record.id, current_user), done)


@invoices_blueprint.route("/invoices/<int:invoice_id>/credit-note", methods=["POST"])
@requires("invoicing.invoice_issue")
def invoice_credit_note(invoice_id: int) -> Any:
    record = _invoice_or_404(invoice_id, "update")

    def done(note: Invoice) -> Any:
        flash(_("Draft credit note made: adjust the lines to what is credited, then issue it."), "success")
        return redirect(url_for("invoicing_invoices.invoice", invoice_id=note.id))

    return _action(record.id, lambda: services.credit_note_for(record, current_user), done)


@invoices_blueprint.route("/invoices/<int:invoice_id>/delete", methods=["POST"])
@requires("invoicing.invoice_issue")
def invoice_delete(invoice_id: int) -> Any:
    from flask_wtf.csrf import validate_csrf

    record = _invoice_or_404(invoice_id, "delete")
    validate_csrf(request.form.get("csrf_token"))
    if record.state != "draft":
        flash(_("An issued invoice is never deleted: issue a credit note to correct it."), "danger")
        return redirect(url_for("invoicing_invoices.invoice", invoice_id=record.id))
    session.delete(record)
    session.commit()
    flash(_("Draft deleted."), "success")
    return redirect(url_for("invoicing_invoices.invoices"))


@invoices_blueprint.route("/invoices/<int:invoice_id>/payments", methods=["POST"])
@requires("invoicing.payment_register")
def invoice_payment(invoice_id: int) -> Any:
    record = _invoice_or_404(invoice_id, "update")
    data = {k: request.form.get(k, "") for k in ("instalment_id", "amount", "date", "method", "note")}

    def done(payment: Payment) -> Any:
        flash(_("Payment recorded."), "success")
        return redirect(url_for("invoicing_invoices.invoice", invoice_id=record.id) + "#payments")

    return _action(record.id, lambda: services.register_payment(record, data, current_user), done)


@invoices_blueprint.route("/invoices/<int:invoice_id>/pdf")
@requires("invoicing.invoice_view")
def invoice_pdf(invoice_id: int) -> Response:
    from .pdf import invoice_pdf as render

    record = _invoice_or_404(invoice_id)
    name = (record.number or f"bozza-{record.id}").replace("/", "-").replace(" ", "")
    return Response(render(record), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="fattura-{name}.pdf"'})


# --------------------------------------------------------------------------- company tabs


def _company_or_404(company_id: int) -> Company:
    company = session.scalar(visible(select(Company), current_user, "read").where(Company.id == company_id))
    if company is None:
        abort(404)
    return company


@blueprint.route("/companies/<int:company_id>/quotes")
@requires("invoicing.quote_view")
def company_quotes(company_id: int) -> str:
    company = _company_or_404(company_id)
    rows = list(session.scalars(visible(select(Quote), current_user, "list").where(Quote.company_id == company.id)
                                .order_by(Quote.date.desc(), Quote.id.desc()).limit(100)))
    return render_template("invoicing/_company_quotes.html", company=company, rows=rows, labels=QUOTE_STATE_LABELS)


@blueprint.route("/companies/<int:company_id>/invoices")
@requires("invoicing.invoice_view")
def company_invoices(company_id: int) -> str:
    company = _company_or_404(company_id)
    rows = list(session.scalars(visible(select(Invoice), current_user, "list").where(Invoice.company_id == company.id)
                                .order_by(Invoice.date.desc(), Invoice.id.desc()).limit(100)))
    return render_template("invoicing/_company_invoices.html", company=company, rows=rows, labels=INVOICE_STATE_LABELS,
                           today=date.today(), types=DOCUMENT_TYPES)


@blueprint.route("/companies/<int:company_id>/payments")
@requires("invoicing.invoice_view")
def company_payments(company_id: int) -> str:
    company = _company_or_404(company_id)
    rows = list(session.execute(
        visible(select(Payment, Invoice.number, Invoice.id.label("invoice_id")).join(Invoice, Invoice.id == Payment.invoice_id),
                current_user, "list").where(Invoice.company_id == company.id)
        .order_by(Payment.date.desc(), Payment.id.desc()).limit(200)))
    return render_template("invoicing/_company_payments.html", company=company, rows=rows, methods=PAYMENT_METHODS)


def _count(statement: Any) -> int:
    """How many rows a (visible) statement gives: one COUNT query."""
    return session.scalar(select(func.count()).select_from(statement.subquery())) or 0


def company_tabs(company: Company, user: Any) -> list[RecordTab]:
    """The quotes, invoices and payments tabs of a company page, with their counts."""
    tabs = []
    if user.can("invoicing.quote_view"):
        count = _count(visible(select(Quote.id), user, "list").where(Quote.company_id == company.id))
        tabs.append(RecordTab("quotes", _l("Quotes"), url_for("invoicing.company_quotes", company_id=company.id),
                              count=count, order=30))
    if user.can("invoicing.invoice_view"):
        count = _count(visible(select(Invoice.id), user, "list").where(Invoice.company_id == company.id))
        tabs.append(RecordTab("invoices", _l("Invoices"), url_for("invoicing.company_invoices", company_id=company.id),
                              count=count, order=31))
        count = _count(visible(select(Payment.id), user, "list").join(Invoice, Invoice.id == Payment.invoice_id)
                       .where(Invoice.company_id == company.id))
        tabs.append(RecordTab("payments", _l("Payments"), url_for("invoicing.company_payments", company_id=company.id),
                              count=count, order=32))
    return tabs


def lead_tabs(lead: Any, user: Any) -> list[RecordTab]:
    """The quotes tab of a lead page, with the count of the lead's quotes the user sees."""
    if not user.can("invoicing.quote_view"):
        return []
    count = _count(visible(select(Quote.id), user, "list").where(Quote.lead_id == lead.id))
    return [RecordTab("quotes", _l("Quotes"), url_for("invoicing.lead_quotes", lead_id=lead.id), count=count, order=30)]


@blueprint.route("/leads/<int:lead_id>/quotes")
@requires("invoicing.quote_view")
def lead_quotes(lead_id: int) -> str:
    lead_model = services.lead_model()
    if lead_model is None:
        abort(404)
    lead = session.scalar(visible(select(lead_model), current_user, "read").where(lead_model.id == lead_id))
    if lead is None:
        abort(404)
    rows = list(session.scalars(visible(select(Quote), current_user, "list").where(Quote.lead_id == lead.id)
                                .order_by(Quote.date.desc(), Quote.id.desc()).limit(100)))
    may_create = (current_user.can("invoicing.quote_create") and lead.converted_company_id is None
                  and session.scalar(visible(select(lead_model.id), current_user, "update")
                                     .where(lead_model.id == lead.id)) is not None)
    return render_template("invoicing/_lead_quotes.html", lead=lead, rows=rows, labels=QUOTE_STATE_LABELS,
                           may_create=may_create)


# --------------------------------------------------------------------------- search


def search_results(user: Any, text: str, limit: int) -> list[SearchResult]:
    text = text.strip()
    if not text:
        return []
    like = f"%{text.lower()}%"
    found = []
    if user.can("invoicing.quote_view"):
        statement, _name = _with_customer((Quote.id, Quote.number, Quote.title), user)
        rows = session.execute(statement.where(or_(Quote.number.ilike(like), Quote.title.ilike(like)))
                               .order_by(Quote.date.desc(), Quote.id.desc()).limit(limit))
        for row in rows:
            detail = " · ".join(part for part in (row.title, row.customer_name) if part)
            found.append(SearchResult(row.number, url_for("invoicing.quote", quote_id=row.id), _l("Quote"), detail,
                                      score=2.0 if row.number.lower() == text.lower() else 1.0))
    if user.can("invoicing.invoice_view"):
        rows = session.execute(
            visible(select(Invoice.id, Invoice.number, Company.name).join(Company, Company.id == Invoice.company_id),
                    user, "list").where(Invoice.number != "", Invoice.number.ilike(like))
            .order_by(Invoice.date.desc(), Invoice.id.desc()).limit(limit))
        for row in rows:
            found.append(SearchResult(row.number, url_for("invoicing_invoices.invoice", invoice_id=row.id), _l("Invoice"), row.name,
                                      score=2.0 if row.number.lower() == text.lower() else 1.0))
    return found
