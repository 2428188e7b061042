"""Pages of the companies plugin: the list (search, filters, sort, keyset "load more",
CSV/XLSX export), the company page, the forms of companies, contacts and communications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sportello import (
    EventRecord,
    Filter,
    InvalidQuery,
    Scope,
    Unit,
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
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from .forms import CommunicationForm, CompanyForm, ContactForm
from .models import Communication, Company, Contact, Tag, company_tag
from .services import may_assign_anyone, record_communication, save_company, send
from .validation import PROVINCES, SECTORS, TEXT_FIELDS, clean_company, clean_contact

blueprint = Blueprint(
    "companies", __name__, url_prefix="/companies", template_folder="templates",
    static_folder="static", static_url_path="/static",
)

PAGE_SIZE = 50
TIMELINE_LIMIT = 100
SORTS = {"name": Company.name_key, "city": Company.legal_city, "updated": Company.updated_at}
FILTERS = {
    "salesperson": Filter(Company.salesperson_id, "eq", int),
    "province": Filter(Company.legal_province, "eq", lambda v: v.strip().upper()),
    "sector": Filter(Company.sector, "eq"),
    "unit": Filter(Company.unit_id, "eq", int),
}
#: The columns the list shows (and sorts on): nothing else is read.
LIST_COLUMNS = (
    Company.id, Company.name, Company.name_key, Company.vat_number, Company.legal_city, Company.legal_province,
    Company.sector, Company.salesperson_id, Company.updated_at, User.name.label("salesperson_name"),
)
#: (field, column heading): headings are lazy, written in the language of the user who exports.
EXPORT_FIELDS = [
    ("name", _l("Company name")), ("vat_number", _l("VAT number")), ("tax_code", _l("Tax code")),
    ("legal_street", _l("Address")), ("legal_postcode", _l("Postcode")), ("legal_city", _l("City")),
    ("legal_province", _l("Province")), ("legal_country", _l("Country")), ("pec", _l("PEC")),
    ("sdi_code", _l("SdI recipient code")), ("pa_code", _l("Public administration office code")),
    ("phone", _l("Phone")), ("email", _l("E-mail")), ("website", _l("Website")), ("sector", _l("Sector")),
    ("salesperson_name", _l("Salesperson")), ("updated_at", _l("Last updated")),
]


def _list_statement(columns: tuple[Any, ...]) -> Any:
    """The companies the user may see in lists, searched and filtered by the query string."""
    statement = visible(select(*columns).outerjoin(User, User.id == Company.salesperson_id), current_user, "list")
    text = (request.args.get("q") or "").strip()
    if text:
        statement = statement.where(Company.search_text.contains(text.lower(), autoescape=True))
    tag = (request.args.get("tag") or "").strip().lower()
    if tag:
        statement = statement.where(Company.id.in_(
            select(company_tag.c.company_id).join(Tag, Tag.id == company_tag.c.tag_id).where(Tag.name == tag)))
    return apply_filters(statement, request.args, FILTERS)


def _sort() -> tuple[str, Any, bool]:
    return parse_sort(request.args.get("sort"), SORTS, "name")


def _filter_args() -> dict[str, str]:
    keys = ("q", "salesperson", "province", "tag", "sector", "unit", "sort")
    return {k: request.args[k] for k in keys if request.args.get(k)}


def _salespeople() -> list[Any]:
    return list(session.execute(select(User.id, User.name).where(User.active.is_(True)).order_by(User.name, User.id)))


def _can_open(row: Any) -> bool:
    """Whether a listed row links to its page (the LIST scope opens only the user's own)."""
    return current_user.scope("companies") != Scope.LIST or row.salesperson_id == current_user.id


@blueprint.route("/")
@requires("companies.view")
def index() -> Any:
    try:
        sort_name, sort_column, descending = _sort()
        if sort_name == "updated" and "sort" not in request.args:
            descending = True
        page = paginate(session, _list_statement(LIST_COLUMNS), sort_column=sort_column, id_column=Company.id,
                        descending=descending, limit=PAGE_SIZE, cursor=request.args.get("cursor"), scalars=False)
    except InvalidQuery:
        abort(400)
    args = _filter_args()
    more_url = url_for("companies.index", **args, cursor=page.next_cursor) if page.next_cursor else None
    if request.headers.get("HX-Request") and request.args.get("cursor"):
        return render_template("companies/_rows.html", page=page, more_url=more_url, can_open=_can_open, sectors=SECTORS)
    filtered = any(k in args for k in ("q", "salesperson", "province", "tag", "sector", "unit"))
    return render_template(
        "companies/index.html", page=page, more_url=more_url, args=args, filtered=filtered, can_open=_can_open,
        sort=request.args.get("sort") or "name", salespeople=_salespeople(),
        units=list(session.execute(select(Unit.id, Unit.name).order_by(Unit.name))),
        tags=list(session.scalars(select(Tag.name).order_by(Tag.name))),
        provinces=sorted(PROVINCES), sectors=SECTORS, first_page=not request.args.get("cursor"),
    )


def _export_rows() -> Any:
    """Every row of the current filtered list, in the list's order, read in keyset chunks
    (each chunk its own short query: nothing stays open while the file streams)."""
    try:
        _name, sort_column, descending = _sort()
    except InvalidQuery:
        abort(400)
    columns = tuple(getattr(Company, f) for f, _label in EXPORT_FIELDS if hasattr(Company, f)) + (
        Company.id, User.name.label("salesperson_name"))
    if sort_column is Company.name_key:
        columns += (Company.name_key,)
    return each_row(session, _list_statement(columns), sort_column=sort_column, id_column=Company.id,
                    descending=descending)


def _cell(row: Any, field: str) -> Any:
    value = getattr(row, field)
    if field == "sector" and value:
        return str(SECTORS.get(value, value))
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return "" if value is None else value


def _export_name(ext: str) -> str:
    name = _("companies")  # the file name in the user's language
    return f"{name}-{utcnow().strftime('%Y%m%d-%H%M')}.{ext}"


@blueprint.route("/export.csv")
@requires("companies.export")
def export_csv() -> Response:
    return csv_response(_export_rows(), EXPORT_FIELDS, _cell, _export_name("csv"))


@blueprint.route("/export.xlsx")
@requires("companies.export")
def export_xlsx() -> Response:
    return xlsx_response(_export_rows(), EXPORT_FIELDS, _cell, _export_name("xlsx"), _("Companies"))


# --------------------------------------------------------------------------- one company


def _company_or_404(company_id: int, action: str = "read") -> Company:
    company = session.scalar(visible(select(Company), current_user, action).where(Company.id == company_id))
    if company is None:
        abort(404)
    return company


def _timeline(company: Company) -> list[dict[str, Any]]:
    """Communications and system events of the company, newest first."""
    communications = session.scalars(
        visible(select(Communication), current_user, "read").where(Communication.company_id == company.id)
        .options(selectinload(Communication.author)).order_by(Communication.occurred_at.desc(), Communication.id.desc())
        .limit(TIMELINE_LIMIT))
    events = session.scalars(
        select(EventRecord).where(EventRecord.entity == "companies.company", EventRecord.record_id == company.id)
        .order_by(EventRecord.occurred_at.desc(), EventRecord.id.desc()).limit(TIMELINE_LIMIT))
    items = [{"kind": "communication", "at": c.occurred_at, "item": c} for c in communications]
    actors = {}
    event_rows = list(events)
    ids = {e.actor_id for e in event_rows if e.actor_id}
    if ids:
        actors = dict(session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
    items += [{"kind": "event", "at": e.occurred_at, "item": e, "actor": actors.get(e.actor_id)} for e in event_rows]
    items.sort(key=lambda i: (i["at"], i["kind"] == "communication"), reverse=True)
    return items[:TIMELINE_LIMIT]


EVENT_LABELS = {"companies.created": _l("Company created"), "companies.updated": _l("Company updated")}


@blueprint.route("/<int:company_id>")
@requires("companies.view")
def detail(company_id: int) -> str:
    company = _company_or_404(company_id)
    plugins = current_app.extensions["sportello"].plugins
    tabs = sorted(plugins.collect("record_tabs", entity="companies.company", record=company, user=current_user),
                  key=lambda t: t.order)
    contacts = list(session.scalars(visible(select(Contact), current_user, "read")
                                    .where(Contact.company_id == company.id).order_by(Contact.last_name, Contact.id)))
    can_edit = current_user.can("companies.edit") and session.scalar(
        visible(select(Company.id), current_user, "update").where(Company.id == company.id)) is not None
    can_delete = current_user.can("companies.delete") and session.scalar(
        visible(select(Company.id), current_user, "delete").where(Company.id == company.id)) is not None
    return render_template("companies/detail.html", company=company, tabs=tabs, contacts=contacts,
                           timeline=_timeline(company), can_edit=can_edit, can_delete=can_delete, sectors=SECTORS,
                           event_labels=EVENT_LABELS)


def _form_values(form: CompanyForm) -> tuple[dict[str, Any], dict[str, str]]:
    data = {field: getattr(form, field).data for field in TEXT_FIELDS}
    values, errors = clean_company(data)
    values["public_administration"] = bool(form.public_administration.data)
    values["unit_id"] = form.unit_id.data
    values["salesperson_id"] = form.salesperson_id.data
    if values["pa_code"] == "" and values["public_administration"] and not values.get("sdi_code"):
        errors["pa_code"] = _("A public administration needs its office code (codice univoco ufficio).")
    return values, errors


def _company_form(company: Company | None) -> Any:
    form = CompanyForm(obj=company) if company else CompanyForm()
    form.fill_choices(list(session.scalars(select(Unit).order_by(Unit.name))), _salespeople())
    if request.method == "GET":
        if company:
            form.tags.data = ", ".join(t.name for t in company.tags)
        else:
            form.salesperson_id.data = current_user.id
            form.legal_country.data = "IT"
    if not may_assign_anyone(current_user):
        form.salesperson_id.render_kw = {"disabled": True}
        form.salesperson_id.data = company.salesperson_id if company else current_user.id
    if form.is_submitted():
        form.validate()
        values, errors = _form_values(form)
        if not errors and not form.errors:
            raw_tags = form.tags.data
            # a form sent without the tags field keeps the company's tags (WTForms fills it from the record)
            tags = raw_tags.split(",") if isinstance(raw_tags, str) else [tag.name for tag in company.tags] if company else []
            saved = save_company(company, values, tags, current_user)
            flash(_("Company %(name)s saved.", name=saved.name), "success")
            return redirect(url_for("companies.detail", company_id=saved.id))
        for field, message in errors.items():
            getattr(form, field).errors = [*getattr(form, field).errors, message]
        flash(_("Some fields need a correction: see the messages next to them."), "danger")
    return render_template("companies/form.html", form=form, company=company), 200 if request.method == "GET" or not form.errors else 422


@blueprint.route("/new", methods=["GET", "POST"])
@requires("companies.create")
def new() -> Any:
    return _company_form(None)


@blueprint.route("/<int:company_id>/edit", methods=["GET", "POST"])
@requires("companies.edit")
def edit(company_id: int) -> Any:
    return _company_form(_company_or_404(company_id, "update"))


@blueprint.route("/<int:company_id>/delete", methods=["POST"])
@requires("companies.delete")
def delete(company_id: int) -> Any:
    from flask_wtf.csrf import validate_csrf

    company = _company_or_404(company_id, "delete")
    validate_csrf(request.form.get("csrf_token"))
    name = company.name
    session.delete(company)
    session.commit()
    flash(_("Company %(name)s deleted with its contacts and communications.", name=name), "success")
    return redirect(url_for("companies.index"))


# --------------------------------------------------------------------------- contacts and communications of an owner
# A company, or another plugin's record with contacts and a log of the same shape (a
# lead): ``model`` is the owner's model of contacts or communications, ``owner_key`` the
# name of its column pointing at the owner, ``done`` the address to go back to. Each
# owner checks its permissions and finds the record first.


def owner_contact_form(owner: Any, contact: Any | None, model: Any, owner_key: str, done: str, template: str,
                       **context: Any) -> Any:
    form = ContactForm(obj=contact) if contact else ContactForm()
    form.fill_choices()
    if form.is_submitted():
        form.validate()
        data = {f: getattr(form, f).data or "" for f in ("first_name", "last_name", "role", "email", "phone", "mobile", "notes", "legal_basis")}
        values, errors = clean_contact(data)
        values["consent_marketing"] = bool(form.consent_marketing.data)
        values["consent_date"] = form.consent_date.data
        if not errors and not form.errors:
            if contact is None:
                contact = model(**{owner_key: owner.id}, **values)
                session.add(contact)
            else:
                for key, value in values.items():
                    setattr(contact, key, value)
            owner.updated_at = utcnow()
            session.commit()
            flash(_("Contact %(name)s saved.", name=contact.full_name), "success")
            return redirect(done)
        for field, message in errors.items():
            getattr(form, field).errors = [*getattr(form, field).errors, message]
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, contact=contact, **context), status


def owner_contact(owner: Any, model: Any, owner_key: str, contact_id: int, action: str) -> Any:
    """The owner's contact ``contact_id`` the user may ``action``, else 404."""
    contact = session.scalar(visible(select(model), current_user, action)
                             .where(model.id == contact_id, getattr(model, owner_key) == owner.id))
    if contact is None:
        abort(404)
    return contact


def delete_contact(contact: Any, done: str) -> Any:
    from flask_wtf.csrf import validate_csrf

    validate_csrf(request.form.get("csrf_token"))
    session.delete(contact)
    session.commit()
    flash(_("Contact removed."), "success")
    return redirect(done)


def owner_communication_form(owner: Any, model: Any, owner_key: str, record: Any, done: str, template: str,
                             recipient_help: str | None = None, **context: Any) -> Any:
    """The form of a new communication; ``record`` is the owner's record_communication."""
    contacts = list(session.scalars(select(model).where(getattr(model, owner_key) == owner.id).order_by(model.last_name)))
    form = CommunicationForm()
    form.contact_id.choices = [SelectChoice(None, "—")] + [SelectChoice(c.id, c.full_name) for c in contacts]
    if recipient_help is not None:
        form.recipient.description = recipient_help
    if request.method == "GET":
        form.kind.data = request.args.get("kind", "email")
    if form.validate_on_submit():
        kind = form.kind.data
        if kind in ("email", "sms", "other") and not form.body.data:
            form.body.errors = [_("Write the text.")]
        if kind == "email" and not form.subject.data:
            form.subject.errors = [_("Write the subject of the e-mail.")]
        if kind == "email" and form.recipient.data and "@" not in form.recipient.data:
            form.recipient.errors = [_("Write a valid e-mail address, such as name@example.com.")]
        if not (form.body.errors or form.subject.errors or form.recipient.errors):
            entry = record(owner, {
                "kind": kind, "direction": form.direction.data, "contact_id": form.contact_id.data,
                "recipient": form.recipient.data, "subject": form.subject.data, "body": form.body.data,
            }, current_user)
            flash_result(entry)
            return redirect(done)
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status


def flash_result(entry: Any) -> None:
    if entry.status == "sent":
        flash(_("Sent to %(to)s.", to=entry.recipient), "success")
    elif entry.status == "failed":
        flash(_("Not sent: %(reason)s The message is kept in the log; you can send it again.", reason=entry.failure_reason), "danger")
    else:
        flash(_("Communication recorded."), "success")


def resend_communication(owner: Any, model: Any, owner_key: str, communication_id: int, done: str) -> Any:
    """Send again the owner's failed e-mail or SMS ``communication_id``."""
    from flask_wtf.csrf import validate_csrf

    entry = session.scalar(visible(select(model), current_user, "update")
                           .where(model.id == communication_id, getattr(model, owner_key) == owner.id))
    if entry is None or entry.kind not in ("email", "sms") or entry.status == "sent":
        abort(404)
    validate_csrf(request.form.get("csrf_token"))
    send(entry)
    flash_result(entry)
    return redirect(done)


# --------------------------------------------------------------------------- contacts


def _detail(company: Company, part: str) -> str:
    return url_for("companies.detail", company_id=company.id) + part


@blueprint.route("/<int:company_id>/contacts/new", methods=["GET", "POST"])
@requires("companies.edit")
def contact_new(company_id: int) -> Any:
    company = _company_or_404(company_id, "update")
    return owner_contact_form(company, None, Contact, "company_id", _detail(company, "#contacts"),
                              "companies/contact_form.html", company=company)


@blueprint.route("/<int:company_id>/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@requires("companies.edit")
def contact_edit(company_id: int, contact_id: int) -> Any:
    company = _company_or_404(company_id, "update")
    contact = owner_contact(company, Contact, "company_id", contact_id, "update")
    return owner_contact_form(company, contact, Contact, "company_id", _detail(company, "#contacts"),
                              "companies/contact_form.html", company=company)


@blueprint.route("/<int:company_id>/contacts/<int:contact_id>/delete", methods=["POST"])
@requires("companies.edit")
def contact_delete(company_id: int, contact_id: int) -> Any:
    company = _company_or_404(company_id, "update")
    contact = owner_contact(company, Contact, "company_id", contact_id, "delete")
    return delete_contact(contact, _detail(company, "#contacts"))


# --------------------------------------------------------------------------- communications


@blueprint.route("/<int:company_id>/communications/new", methods=["GET", "POST"])
@requires("companies.edit")
def communication_new(company_id: int) -> Any:
    company = _company_or_404(company_id, "update")
    return owner_communication_form(company, Contact, "company_id", record_communication, _detail(company, "#timeline"),
                                     "companies/communication_form.html", company=company)


@blueprint.route("/<int:company_id>/communications/<int:communication_id>/resend", methods=["POST"])
@requires("companies.edit")
def communication_resend(company_id: int, communication_id: int) -> Any:
    company = _company_or_404(company_id, "update")
    return resend_communication(company, Communication, "company_id", communication_id, _detail(company, "#timeline"))
