"""Pages of the leads plugin: the list (search, filters, sort, keyset "load more",
CSV/XLSX export), the pipeline board, the lead page, the forms of leads, contacts and
communications, the move of a card and the conversion with its preview."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
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
    User,
    apply_filters,
    call_hooks,
    count_attachments,
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
from sportello_companies.views import (
    delete_contact,
    owner_communication_form,
    owner_contact,
    owner_contact_form,
    resend_communication,
)
from sqlalchemy import func, select, union_all
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from .forms import ConvertForm, LeadForm
from .models import Communication, Contact, Lead, Source, Status, Tag, lead_tag
from .services import (
    ConversionError,
    change_status,
    check_convertible,
    companies_with_vat,
    convert,
    may_assign_anyone,
    owners,
    parse_value,
    record_communication,
    save_lead,
    sources,
    statuses,
    validate_lead,
)
from .totals import board as board_totals
from .validation import SECTORS, TEXT_FIELDS, clean_company

blueprint = Blueprint(
    "leads", __name__, url_prefix="/leads", template_folder="templates",
    static_folder="static", static_url_path="/static",
)

PAGE_SIZE = 50
BOARD_CARDS = 50
TIMELINE_LIMIT = 100
SORTS = {"name": Lead.name_key, "updated": Lead.updated_at, "value": func.coalesce(Lead.estimated_value, 0),
         "close": func.coalesce(Lead.expected_close_date, date(9999, 12, 31))}
FILTERS = {
    "owner": Filter(Lead.owner_id, "eq", int),
    "status": Filter(Lead.status_id, "eq", int),
    "source": Filter(Lead.source_id, "eq", int),
    "province": Filter(Lead.legal_province, "eq", lambda v: v.strip().upper()),
}
LIST_COLUMNS = (
    Lead.id, Lead.name, Lead.name_key, Lead.vat_number, Lead.legal_city, Lead.legal_province, Lead.owner_id,
    Lead.status_id, Lead.source_id, Lead.estimated_value, Lead.expected_close_date, Lead.contact_date,
    Lead.converted_company_id, Lead.updated_at, User.name.label("owner_name"), Status.name.label("status_name"),
    Status.code.label("status_code"), Source.name.label("source_name"),
)
#: (field, column heading): headings are lazy, written in the language of the user who exports.
EXPORT_FIELDS = [
    ("name", _l("Company name")), ("vat_number", _l("VAT number")), ("tax_code", _l("Tax code")),
    ("legal_street", _l("Address")), ("legal_postcode", _l("Postcode")), ("legal_city", _l("City")),
    ("legal_province", _l("Province")), ("legal_country", _l("Country")), ("pec", _l("PEC")),
    ("sdi_code", _l("SdI recipient code")), ("phone", _l("Phone")), ("email", _l("E-mail")),
    ("website", _l("Website")), ("sector", _l("Sector")), ("status_name", _l("Status")), ("source_name", _l("Source")),
    ("owner_name", _l("Salesperson")), ("estimated_value", _l("Estimated value")),
    ("expected_close_date", _l("Expected close")), ("contact_date", _l("Follow-up date")),
    ("updated_at", _l("Updated on")),
]
BOARD_COLUMNS = (Lead.id, Lead.name, Lead.status_id, Lead.owner_id, Lead.estimated_value, Lead.contact_date,
                 Lead.expected_close_date, Lead.updated_at, User.name.label("owner_name"))
EVENT_LABELS = {"leads.created": _l("Lead created"), "leads.status_changed": _l("Lead status changed"),
                "leads.acquired": _l("Lead acquired"), "leads.converted": _l("Lead converted into a company")}


def _joined(columns: tuple[Any, ...]) -> Any:
    return (select(*columns).join(Status, Status.id == Lead.status_id).outerjoin(Source, Source.id == Lead.source_id)
            .outerjoin(User, User.id == Lead.owner_id))


def _filtered(statement: Any) -> Any:
    text = (request.args.get("q") or "").strip()
    if text:
        statement = statement.where(Lead.search_text.contains(text.lower(), autoescape=True))
    tag = (request.args.get("tag") or "").strip().lower()
    if tag:
        statement = statement.where(Lead.id.in_(
            select(lead_tag.c.lead_id).join(Tag, Tag.id == lead_tag.c.tag_id).where(Tag.name == tag)))
    return apply_filters(statement, request.args, FILTERS)


def _list_statement(columns: tuple[Any, ...]) -> Any:
    """The leads the user may see in lists, searched and filtered by the query string."""
    return _filtered(visible(_joined(columns), current_user, "list"))


def _sort() -> tuple[str, Any, bool]:
    name, column, descending = parse_sort(request.args.get("sort"), SORTS, "updated")
    if name == "updated" and "sort" not in request.args:
        descending = True
    return name, column, descending


def _filter_args(*extra: str) -> dict[str, str]:
    keys = ("q", "owner", "status", "source", "tag", "province", *extra)
    return {k: request.args[k] for k in keys if request.args.get(k)}


def _can_open(row: Any) -> bool:
    """Whether a listed row links to its page (the LIST scope opens only the user's own)."""
    return current_user.scope("leads") != Scope.LIST or row.owner_id == current_user.id


def _choices() -> dict[str, Any]:
    return {
        "owners": list(session.execute(select(User.id, User.name).where(User.active.is_(True)).order_by(User.name, User.id))),
        "statuses": statuses(), "sources": sources(),
        "tags": list(session.scalars(select(Tag.name).order_by(Tag.name))),
    }


@blueprint.route("/")
@requires("leads.view")
def index() -> Any:
    try:
        _name, sort_column, descending = _sort()
        page = paginate(session, _list_statement(LIST_COLUMNS), sort_column=sort_column, id_column=Lead.id,
                        descending=descending, limit=PAGE_SIZE, cursor=request.args.get("cursor"), scalars=False)
    except (InvalidQuery, ValueError):
        abort(400)
    args = _filter_args("sort")
    more_url = url_for("leads.index", **args, cursor=page.next_cursor) if page.next_cursor else None
    if request.headers.get("HX-Request") and request.args.get("cursor"):
        return render_template("leads/_rows.html", page=page, more_url=more_url, can_open=_can_open)
    filtered = any(k in args for k in ("q", "owner", "status", "source", "tag", "province"))
    return render_template("leads/index.html", page=page, more_url=more_url, args=args, filtered=filtered,
                           can_open=_can_open, sort=request.args.get("sort") or "-updated",
                           first_page=not request.args.get("cursor"), **_choices())


# --------------------------------------------------------------------------- export


def _export_rows() -> Any:
    try:
        _name, sort_column, descending = _sort()
    except InvalidQuery:
        abort(400)
    columns = tuple(getattr(Lead, f) for f, _label in EXPORT_FIELDS if hasattr(Lead, f)) + (
        Lead.id, Lead.name_key, User.name.label("owner_name"), Status.name.label("status_name"),
        Source.name.label("source_name"))
    return each_row(session, _list_statement(columns), sort_column=sort_column, id_column=Lead.id,
                    descending=descending)


def _cell(row: Any, field: str) -> Any:
    value = getattr(row, field)
    if field == "sector" and value:
        return str(SECTORS.get(value, value))
    if field in ("status_name", "source_name") and value:
        return _(value)
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return float(value)
    return "" if value is None else value


def _export_name(ext: str) -> str:
    name = _("leads")  # the file name in the user's language
    return f"{name}-{utcnow().strftime('%Y%m%d-%H%M')}.{ext}"


def _csv_cell(row: Any, field: str) -> Any:
    """Numbers with a decimal comma, as Italian spreadsheets read CSV."""
    value = _cell(row, field)
    return str(value).replace(".", ",") if isinstance(value, float) else value


@blueprint.route("/export.csv")
@requires("leads.export")
def export_csv() -> Response:
    return csv_response(_export_rows(), EXPORT_FIELDS, _csv_cell, _export_name("csv"))


@blueprint.route("/export.xlsx")
@requires("leads.export")
def export_xlsx() -> Response:
    return xlsx_response(_export_rows(), EXPORT_FIELDS, _cell, _export_name("xlsx"), _("Leads"))


# --------------------------------------------------------------------------- pipeline


@blueprint.route("/pipeline")
@requires("leads.view")
def pipeline() -> Any:
    """The kanban board: a column per status with its count and total estimated value
    (one query: the running totals when the user sees every lead and filters at most by
    owner or status, else grouped over the visible leads) and its most recently changed
    cards (one query)."""
    args = _filter_args()
    try:
        totals = board_totals(args, current_user)
        if totals is None:
            base = _filtered(visible(select(Lead.status_id), current_user, "list"))
            totals = {row.status_id: row for row in session.execute(
                base.with_only_columns(Lead.status_id, func.count(Lead.id).label("count"),
                                       func.coalesce(func.sum(Lead.estimated_value), 0).label("total"))
                .group_by(Lead.status_id))}
        columns = statuses()
        # One query: per column, its most recently changed cards (each part walks the
        # (status, updated_at, id) index and stops after BOARD_CARDS rows).
        parts = [
            _filtered(visible(_joined(BOARD_COLUMNS), current_user, "list")).where(Lead.status_id == column.id)
            .order_by(Lead.updated_at.desc(), Lead.id.desc()).limit(BOARD_CARDS).subquery()
            for column in columns
        ]
        cards = session.execute(union_all(*(select(part) for part in parts))).all() if parts else []
    except (InvalidQuery, ValueError):
        abort(400)
    by_status: dict[int, list[Any]] = {}
    for card in cards:
        by_status.setdefault(card.status_id, []).append(card)
    return render_template("leads/pipeline.html", columns=columns, totals=totals, cards=by_status, args=args,
                           filtered=bool(args), limit=BOARD_CARDS, can_open=_can_open,
                           can_move=current_user.can("leads.edit"), **_choices())


@blueprint.route("/<int:lead_id>/status", methods=["POST"])
@requires("leads.edit")
def move(lead_id: int) -> Any:
    """A card dropped on another column (or the status form): same rules and events as
    the lead form. Answers JSON to scripts, a redirect to forms."""
    from flask_wtf.csrf import validate_csrf

    lead = _lead_or_404(lead_id, "update")
    validate_csrf(request.headers.get("X-CSRFToken") or request.form.get("csrf_token"))
    try:
        status_id = int(request.form.get("status_id") or "")
    except ValueError:
        abort(400)
    extra: dict[str, Any] = {}
    if request.form.get("contact_date"):
        try:
            extra["contact_date"] = date.fromisoformat(request.form["contact_date"])
        except ValueError:
            abort(400)
    if request.form.get("lost_reason"):
        extra["lost_reason"] = request.form["lost_reason"].strip()
    saved, errors = change_status(lead, status_id, current_user, extra)
    wants_json = request.accept_mimetypes.best == "application/json"
    if errors:
        message = " ".join(errors.values())
        session.rollback()
        if wants_json:
            form_url = url_for("leads.edit", lead_id=lead_id, status=status_id)
            return jsonify({"ok": False, "message": message, "form_url": form_url}), 422
        flash(message, "danger")
        return redirect(url_for("leads.edit", lead_id=lead_id, status=status_id))
    if wants_json:
        return jsonify({"ok": True, "status_id": saved.status_id, "message": _("Lead moved.")})
    flash(_("Status of %(name)s changed.", name=saved.name), "success")
    return redirect(url_for("leads.detail", lead_id=lead_id))


# --------------------------------------------------------------------------- one lead


def _lead_or_404(lead_id: int, action: str = "read") -> Lead:
    lead = session.scalar(visible(select(Lead), current_user, action).where(Lead.id == lead_id))
    if lead is None:
        abort(404)
    return lead


def _timeline(lead: Lead) -> list[dict[str, Any]]:
    communications = session.scalars(
        visible(select(Communication), current_user, "read").where(Communication.lead_id == lead.id)
        .options(selectinload(Communication.author)).order_by(Communication.occurred_at.desc(), Communication.id.desc())
        .limit(TIMELINE_LIMIT))
    events = list(session.scalars(
        select(EventRecord).where(EventRecord.entity == "leads.lead", EventRecord.record_id == lead.id)
        .order_by(EventRecord.occurred_at.desc(), EventRecord.id.desc()).limit(TIMELINE_LIMIT)))
    items = [{"kind": "communication", "at": c.occurred_at, "item": c} for c in communications]
    ids = {e.actor_id for e in events if e.actor_id}
    actors = dict(session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
    items += [{"kind": "event", "at": e.occurred_at, "item": e, "actor": actors.get(e.actor_id)} for e in events]
    items.sort(key=lambda i: (i["at"], i["kind"] == "communication"), reverse=True)
    return items[:TIMELINE_LIMIT]


def _allowed(lead: Lead, action: str) -> bool:
    return session.scalar(visible(select(Lead.id), current_user, action).where(Lead.id == lead.id)) is not None


@blueprint.route("/<int:lead_id>")
@requires("leads.view")
def detail(lead_id: int) -> str:
    lead = _lead_or_404(lead_id)
    plugins = current_app.extensions["sportello"].plugins
    tabs = sorted(plugins.collect("record_tabs", entity="leads.lead", record=lead, user=current_user), key=lambda t: t.order)
    contacts = list(session.scalars(visible(select(Contact), current_user, "read")
                                    .where(Contact.lead_id == lead.id).order_by(Contact.last_name, Contact.id)))
    can_edit = current_user.can("leads.edit") and _allowed(lead, "update")
    can_delete = current_user.can("leads.delete") and _allowed(lead, "delete")
    can_convert = (current_user.can("leads.convert") and can_edit and lead.status.is_won
                   and lead.converted_company_id is None)
    return render_template("leads/detail.html", lead=lead, tabs=tabs, contacts=contacts, timeline=_timeline(lead),
                           can_edit=can_edit, can_delete=can_delete, can_convert=can_convert, sectors=SECTORS,
                           event_labels=EVENT_LABELS, statuses=statuses())


def _form_values(form: LeadForm, lead: Lead | None) -> tuple[dict[str, Any], dict[str, str]]:
    data = {field: getattr(form, field).data for field in TEXT_FIELDS}
    values, errors = clean_company(data)
    values["public_administration"] = bool(form.public_administration.data)
    values["status_id"] = form.status_id.data
    values["source_id"] = form.source_id.data
    values["contact_date"] = form.contact_date.data
    values["lost_reason"] = form.lost_reason.data or ""
    values["expected_close_date"] = form.expected_close_date.data
    values["estimated_value"], error = parse_value(form.estimated_value.data)
    if error:
        errors["estimated_value"] = error
    if may_assign_anyone(current_user):
        values["owner_id"] = form.owner_id.data
    errors.update(validate_lead(lead, values, current_user))
    return values, errors


def _lead_form(lead: Lead | None) -> Any:
    form = LeadForm(obj=lead) if lead else LeadForm()
    people = owners() if may_assign_anyone(current_user) else [current_user if lead is None else lead.owner]
    form.fill_lead_choices(statuses(), sources(), [p for p in people if p is not None])
    if lead is not None and not isinstance(form.tags.data, str):
        form.tags.data = ", ".join(t.name for t in lead.tags)
    if request.method == "GET":
        if lead:
            form.tags.data = ", ".join(t.name for t in lead.tags)
            form.estimated_value.data = "" if lead.estimated_value is None else str(lead.estimated_value)
            if request.args.get("status", "").isdigit():
                form.status_id.data = int(request.args["status"])
        else:
            form.owner_id.data = current_user.id
            form.legal_country.data = "IT"
    if not may_assign_anyone(current_user):
        form.owner_id.render_kw = {"disabled": True}
        form.owner_id.data = lead.owner_id if lead else current_user.id
    if form.is_submitted():
        form.validate()
        values, errors = _form_values(form, lead)
        for name in ("contact_date", "expected_close_date"):
            if getattr(form, name).errors:
                errors[name] = str(_("Write a valid date."))
        form_errors = {k: v for k, v in form.errors.items() if k not in ("contact_date", "expected_close_date", "status_id",
                                                                        "source_id", "owner_id")}
        if not errors and not form_errors:
            tags = form.tags.data if isinstance(form.tags.data, str) else ",".join(t.name for t in form.tags.data or [])
            saved = save_lead(lead, values, tags.split(","), current_user)
            flash(_("Lead %(name)s saved.", name=saved.name), "success")
            return redirect(url_for("leads.detail", lead_id=saved.id))
        for field, message in errors.items():
            getattr(form, field).errors = [*getattr(form, field).errors, message]
        flash(_("Some fields need a correction: see the messages next to them."), "danger")
        return render_template("leads/form.html", form=form, lead=lead, statuses=statuses()), 422
    return render_template("leads/form.html", form=form, lead=lead, statuses=statuses())


@blueprint.route("/new", methods=["GET", "POST"])
@requires("leads.create")
def new() -> Any:
    return _lead_form(None)


@blueprint.route("/<int:lead_id>/edit", methods=["GET", "POST"])
@requires("leads.edit")
def edit(lead_id: int) -> Any:
    return _lead_form(_lead_or_404(lead_id, "update"))


@blueprint.route("/<int:lead_id>/delete", methods=["POST"])
@requires("leads.delete")
def delete(lead_id: int) -> Any:
    from flask_wtf.csrf import validate_csrf

    lead = _lead_or_404(lead_id, "delete")
    validate_csrf(request.form.get("csrf_token"))
    name = lead.name
    session.delete(lead)
    session.commit()
    flash(_("Lead %(name)s deleted with its contacts and communications.", name=name), "success")
    return redirect(url_for("leads.index"))


# --------------------------------------------------------------------------- conversion


@blueprint.route("/<int:lead_id>/convert", methods=["GET", "POST"])
@requires("leads.convert")
def convert_lead(lead_id: int) -> Any:
    """The preview (GET) and the conversion (POST): a new company, or the existing one
    with the same partita IVA chosen here."""
    lead = _lead_or_404(lead_id, "update")
    form = ConvertForm()
    matches = companies_with_vat(lead)
    form.company_id.choices = [SelectChoice(None, _("Create a new company"))] + [
        SelectChoice(c.id, f"{c.name} · P.IVA {c.vat_number}") for c in matches]
    problem = None
    try:
        check_convertible(lead)
    except ConversionError as error:
        problem = str(error)
    if request.method == "POST" and form.validate_on_submit():
        if problem:
            flash(problem, "danger")
            return redirect(url_for("leads.detail", lead_id=lead.id))
        moved: list[str] = []
        try:
            company = convert(lead, current_user, form.company_id.data, moved=moved)
        except ConversionError as error:
            flash(str(error), "danger")
            return redirect(url_for("leads.detail", lead_id=lead_id))
        if moved:
            flash(_("Lead converted: %(name)s is now a company. Moved over: %(moved)s.", name=company.name,
                    moved=", ".join(moved)), "success")
        else:
            flash(_("Lead converted: %(name)s is now a company.", name=company.name), "success")
        return redirect(url_for("companies.detail", company_id=company.id))
    contacts = session.scalar(select(func.count(Contact.id)).where(Contact.lead_id == lead.id))
    communications = session.scalar(select(func.count(Communication.id)).where(Communication.lead_id == lead.id))
    attachments = count_attachments(lead)
    others = call_hooks("leads_conversion_preview", lead=lead)
    if request.method == "GET" and matches:
        form.company_id.data = matches[0].id
    return render_template("leads/convert.html", lead=lead, form=form, matches=matches, problem=problem,
                           contacts=contacts, communications=communications, attachments=attachments,
                           others=others, sectors=SECTORS)


# --------------------------------------------------------------------------- contacts


def _detail(lead: Lead, part: str) -> str:
    return url_for("leads.detail", lead_id=lead.id) + part


@blueprint.route("/<int:lead_id>/contacts/new", methods=["GET", "POST"])
@requires("leads.edit")
def contact_new(lead_id: int) -> Any:
    lead = _lead_or_404(lead_id, "update")
    return owner_contact_form(lead, None, Contact, "lead_id", _detail(lead, "#contacts"), "leads/contact_form.html", lead=lead)


@blueprint.route("/<int:lead_id>/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@requires("leads.edit")
def contact_edit(lead_id: int, contact_id: int) -> Any:
    lead = _lead_or_404(lead_id, "update")
    contact = owner_contact(lead, Contact, "lead_id", contact_id, "update")
    return owner_contact_form(lead, contact, Contact, "lead_id", _detail(lead, "#contacts"), "leads/contact_form.html", lead=lead)


@blueprint.route("/<int:lead_id>/contacts/<int:contact_id>/delete", methods=["POST"])
@requires("leads.edit")
def contact_delete(lead_id: int, contact_id: int) -> Any:
    lead = _lead_or_404(lead_id, "update")
    contact = owner_contact(lead, Contact, "lead_id", contact_id, "delete")
    return delete_contact(contact, _detail(lead, "#contacts"))


# --------------------------------------------------------------------------- communications


@blueprint.route("/<int:lead_id>/communications/new", methods=["GET", "POST"])
@requires("leads.edit")
def communication_new(lead_id: int) -> Any:
    lead = _lead_or_404(lead_id, "update")
    return owner_communication_form(
        lead, Contact, "lead_id", record_communication, _detail(lead, "#timeline"), "leads/communication_form.html",
        recipient_help=_("E-mail address or mobile number; empty: the contact's, else the lead's."), lead=lead)


@blueprint.route("/<int:lead_id>/communications/<int:communication_id>/resend", methods=["POST"])
@requires("leads.edit")
def communication_resend(lead_id: int, communication_id: int) -> Any:
    lead = _lead_or_404(lead_id, "update")
    return resend_communication(lead, Communication, "lead_id", communication_id, _detail(lead, "#timeline"))



# --------------------------------------------------------------------------- configurable lists


@blueprint.route("/settings/lists", methods=["GET", "POST"])
@requires("leads.settings")
def lists() -> Any:
    """The statuses and the sources: rename, reorder, switch off, add. The codes of the
    seeded entries stay (the rules use the flags, never the names)."""
    import re

    from flask_wtf.csrf import validate_csrf

    if request.method == "POST":
        validate_csrf(request.form.get("csrf_token"))
        kind = request.form.get("kind")
        model = Status if kind == "status" else Source if kind == "source" else None
        if model is None:
            abort(400)
        name = (request.form.get("name") or "").strip()[:80]
        try:
            position = int(request.form.get("position") or 0)
        except ValueError:
            position = 0
        if not name:
            flash(_("Write the name."), "danger")
            return redirect(url_for("leads.lists")), 303
        item_id = request.form.get("id")
        if item_id:
            item = session.get(model, int(item_id)) if item_id.isdigit() else None
            if item is None:
                abort(404)
        else:
            code = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:40] or "item"
            if session.scalar(select(model.id).where(model.code == code)) is not None:
                flash(_("An entry with this name exists already."), "danger")
                return redirect(url_for("leads.lists")), 303
            item = model(code=code)
            session.add(item)
        item.name, item.position = name, position
        item.active = bool(request.form.get("active")) or not item_id
        if model is Status:
            item.needs_date = bool(request.form.get("needs_date"))
            item.needs_reason = bool(request.form.get("needs_reason"))
            item.is_won = bool(request.form.get("is_won"))
            item.is_lost = bool(request.form.get("is_lost"))
        session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("leads.lists"))
    return render_template(
        "leads/lists.html",
        statuses=list(session.scalars(select(Status).order_by(Status.position, Status.id))),
        sources=list(session.scalars(select(Source).order_by(Source.position, Source.id))),
    )
