"""What the pages, the API and the demo do with quotes, invoices and payments.

Every function checks its input and refuses with :class:`Refused` (a message and the
errors by field) before changing anything, so a refusal leaves the database untouched.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import has_request_context, url_for
from sportello import Scope, SportelloError, User, emit, entity_models, get_setting, ngettext, session, visible
from sportello import gettext as _
from sqlalchemy import func, select

from .models import Counter, Instalment, Invoice, InvoiceLine, Payment, Quote, QuoteLine
from .money import PAYMENT_METHODS, ZERO, cents, check_line, to_decimal, totals

QUOTE_TRANSITIONS = {
    "draft": ("sent", "accepted", "rejected"),
    "sent": ("accepted", "rejected", "expired", "draft"),
    "expired": ("sent",),
    "rejected": (),
    "accepted": (),
}
CUSTOMER_FIELDS = ("name", "vat_number", "tax_code", "legal_street", "legal_postcode", "legal_city", "legal_province",
                   "legal_country", "pec", "sdi_code", "pa_code", "public_administration", "email")


class Refused(SportelloError):
    """An operation refused with a message for people and errors by field."""

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


def _url(endpoint: str, path: str, **values: Any) -> str:
    if has_request_context():
        return url_for(endpoint, **values)
    return path


# --------------------------------------------------------------------------- numbering


def next_number(sequence: str, year: int) -> int:
    """The next number of ``sequence`` in ``year``, in the caller's transaction.

    The counter row is created if missing (INSERT ... ON CONFLICT DO NOTHING) and then
    locked with SELECT ... FOR UPDATE: a concurrent issuer waits until this transaction
    commits or rolls back, so numbers are unique and without gaps (a rollback gives the
    number back)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(Counter).values(sequence=sequence, year=year, last=0).on_conflict_do_nothing())
    counter = session.scalar(
        select(Counter).where(Counter.sequence == sequence, Counter.year == year).with_for_update()
        .execution_options(populate_existing=True))
    counter.last += 1
    session.flush()
    return counter.last


def sequence_of(document_type: str) -> tuple[str, str]:
    """The sequence and the number format of a document type, from the settings."""
    if document_type == "TD04":
        return (get_setting("invoicing", "credit_note_sequence", "NC") or "NC",
                get_setting("invoicing", "credit_note_format", "NC {number}/{year}") or "NC {number}/{year}")
    return (get_setting("invoicing", "invoice_sequence", "FT") or "FT",
            get_setting("invoicing", "invoice_format", "{number}/{year}") or "{number}/{year}")


def format_number(pattern: str, number: int, year: int, sequence: str) -> str:
    """The printed number; a pattern without {number} falls back to "number/year" (a
    FatturaPA Numero needs a digit, check 00425)."""
    if "{number" not in pattern:
        return f"{number}/{year}"
    try:
        return pattern.format(number=number, year=year, sequence=sequence)
    except (KeyError, IndexError, ValueError):
        return f"{number}/{year}"


# --------------------------------------------------------------------------- quotes


def may_see_all_quotes(user: Any) -> bool:
    return user.scope("quotes") == Scope.ALL


def _company_for_quote(company_id: Any, user: Any) -> Any:
    from sportello_companies.models import Company

    statement = visible(select(Company), user, "read").where(Company.id == company_id)
    if not may_see_all_quotes(user):
        statement = statement.where(Company.salesperson_id == user.id)
    return session.scalar(statement)


def lead_model() -> Any:
    """The lead model when the leads plugin is enabled, else None (the plugin is optional)."""
    return entity_models().get("leads.lead")


def _lead_for_quote(lead_id: Any, user: Any) -> Any:
    """The lead ``lead_id`` if ``user`` may change it (a salesperson: their own leads)."""
    lead = lead_model()
    try:
        lead_id = int(lead_id)
    except (TypeError, ValueError):
        return None
    return session.scalar(visible(select(lead), user, "update").where(lead.id == lead_id))


def lead_of(quote: Quote) -> Any:
    """The lead of a quote: its registry data is the quote's customer, shown to whoever may
    open the quote (as the company's is), so it is read by id, not through the lead's rules."""
    lead = lead_model()
    if lead is None or quote.lead_id is None:
        return None
    return session.get(lead, quote.lead_id)


def customer_of(quote: Quote) -> Any:
    """The record whose registry data a quote is addressed to: its company, or its lead."""
    return quote.company if quote.company_id is not None else lead_of(quote)


def _active_user(user_id: Any) -> Any:
    try:
        return session.scalar(select(User.id).where(User.id == int(user_id), User.active.is_(True)))
    except (TypeError, ValueError):
        return None


def _clean_lines(raw_lines: Any, *, allow_negative: bool = False) -> tuple[list[dict[str, Any]], dict[str, str]]:
    errors: dict[str, str] = {}
    cleaned = []
    if not isinstance(raw_lines, list) or not raw_lines:
        return [], {"lines": _("Add at least one line.")}
    for index, raw in enumerate(raw_lines, 1):
        if not isinstance(raw, dict):
            errors[f"lines.{index}"] = _("A line is an object with description, quantity, unit_price, vat_rate.")
            continue
        values, line_errors = check_line(raw, allow_negative=allow_negative)
        for field, message in line_errors.items():
            errors[f"lines.{index}.{field}"] = _("Line %(index)s: %(message)s", index=index, message=message)
        cleaned.append(values)
    return cleaned, errors


def _parse_date(value: Any, field: str, errors: dict[str, str]) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[field] = _("Write the date as YYYY-MM-DD.")
        return None


def _set_lines(owner: Any, line_class: type, lines: list[dict[str, Any]]) -> None:
    owner.lines = [line_class(position=n, **values) for n, values in enumerate(lines, 1)]


def project_model() -> Any:
    """The project model when the projects plugin is enabled, else None."""
    return entity_models().get("projects.project")


def projects_for_quote(user: Any, company_ids: Any) -> Any:
    """The projects of ``company_ids`` that ``user`` sees (a salesperson sees their
    companies' projects in lists): what a quote may be linked to. None without the plugin."""
    project = project_model()
    if project is None:
        return None
    return visible(select(project), user, "list").where(project.company_id.in_(company_ids))


def _project_of_company(project_id: Any, company: Any, user: Any) -> bool:
    """Whether ``project_id`` is a project (of the projects plugin, when enabled) of
    ``company`` that ``user`` sees."""
    project = project_model()
    if project is None or company is None:
        return False
    try:
        project_id = int(project_id)
    except (TypeError, ValueError):
        return False
    statement = projects_for_quote(user, [company.id]).where(project.id == project_id)
    return session.scalar(statement.with_only_columns(project.id)) is not None


def _check_party(quote: Quote | None, company_id: Any, lead_id: Any, user: Any, errors: dict[str, str]) -> Any:
    """The company of a quote (None for a quote on a lead), after checking the company
    and the lead against what ``user`` may use; problems go to ``errors``."""
    company = None
    if company_id is not None and quote is not None and company_id == quote.company_id:
        company = quote.company  # unchanged: whoever may change the quote keeps its customer
    elif company_id is not None:
        company = _company_for_quote(company_id, user)
        if company is None:
            errors["company_id"] = _("You can make quotes only on companies you are responsible for.")
    if lead_id is None:
        if company_id is None:
            errors["company_id"] = _("Choose the company or the lead the quote is for.")
        return company
    changed = quote is None or lead_id != quote.lead_id or company_id != quote.company_id
    if lead_model() is None:
        if company_id is None or changed:
            errors["lead_id"] = _("Quotes on leads need the leads plugin, which is not enabled: make the quote on a company.")
        return company
    if not changed:
        return company
    lead = _lead_for_quote(lead_id, user)
    if lead is None:
        errors["lead_id"] = _("Lead not found among those you may change.")
    elif company is not None and lead.converted_company_id != company.id:
        errors["lead_id"] = _("A quote is on a company or on a lead: leave one of them empty.")
    return company


def save_quote(quote: Quote | None, data: dict[str, Any], user: Any, today: date | None = None) -> Quote:
    """Create (``quote`` None) or change a quote, checking who may do it."""
    today = today or date.today()
    errors: dict[str, str] = {}
    if quote is not None and quote.state not in ("draft", "sent"):
        raise Refused(_("Quote %(number)s is %(state)s and can no longer be changed.", number=quote.number,
                        state=state_label(quote.state)))
    company_id = data.get("company_id", quote.company_id if quote else None)
    lead_id = data.get("lead_id", quote.lead_id if quote else None)
    company = _check_party(quote, company_id, lead_id, user, errors)
    project_id = data.get("project_id", quote.project_id if quote else None)
    if project_id is not None and "company_id" not in errors and not _project_of_company(project_id, company, user):
        errors["project_id"] = _("Choose a project of the same company among those you see.")
    salesperson_id = data.get("salesperson_id") or (quote.salesperson_id if quote else user.id)
    if not may_see_all_quotes(user) and int(salesperson_id) != user.id:
        errors["salesperson_id"] = _("You can associate a quote only with yourself.")
    elif _active_user(salesperson_id) is None:
        errors["salesperson_id"] = _("No such active user.")
    quote_date = _parse_date(data.get("date"), "date", errors) or (quote.date if quote else today)
    valid_until = _parse_date(data.get("valid_until"), "valid_until", errors) or (
        quote.valid_until if quote else quote_date + timedelta(days=int(get_setting("invoicing", "quote_validity_days", 30) or 30)))
    if valid_until < quote_date:
        errors["valid_until"] = _("The validity date cannot be before the quote's date.")
    lines = None
    if "lines" in data or quote is None:
        lines, line_errors = _clean_lines(data.get("lines"))
        errors.update(line_errors)
    if errors:
        raise Refused(_("The quote was not saved: see the messages."), errors)
    creating = quote is None
    if creating:
        year = quote_date.year
        number = next_number("P", year)
        quote = Quote(year=year, sequence_number=number, number=f"P-{year}-{number:04d}", created_by_id=user.id, state="draft")
        session.add(quote)
    quote.company_id = company.id if company is not None else None
    quote.project_id = int(project_id) if project_id is not None else None
    quote.lead_id = int(lead_id) if lead_id is not None else None
    quote.salesperson_id = int(salesperson_id)
    quote.date, quote.valid_until = quote_date, valid_until
    for field in ("title", "notes", "terms"):
        if field in data:
            setattr(quote, field, str(data[field] or "").strip())
    if lines is not None:
        _set_lines(quote, QuoteLine, lines)
    result = totals(quote.lines, stamp_duty_applies=False)
    quote.taxable_total, quote.vat_total, quote.total = result.taxable, result.vat, result.total
    session.flush()
    if creating:
        emit("invoicing.quote_created", "invoicing.quote", quote.id, _quote_payload(quote))
    session.commit()
    return quote


def _quote_payload(quote: Quote) -> dict[str, Any]:
    return {"title": f"{quote.number} {quote.title}".strip(), "number": quote.number, "total": str(quote.total),
            "url": _url("invoicing.quote", f"/invoicing/quotes/{quote.id}", quote_id=quote.id),
            "recipients": {"owner": [quote.salesperson_id]}}


def state_label(state: str) -> str:
    """The translated name of a quote state, for messages."""
    labels = {"draft": _("draft"), "sent": _("sent"), "accepted": _("accepted"), "rejected": _("rejected"),
              "expired": _("expired")}
    return labels.get(state, state)


def set_quote_state(quote: Quote, state: str, user: Any, today: date | None = None) -> Quote:
    if state not in QUOTE_TRANSITIONS:
        raise Refused(_("Unknown state %(state)s.", state=repr(state)),
                      {"state": _("Use draft, sent, accepted, rejected or expired.")})
    if state not in QUOTE_TRANSITIONS[quote.state]:
        raise Refused(_("Quote %(number)s is %(state)s: it cannot become %(new)s.", number=quote.number,
                        state=state_label(quote.state), new=state_label(state)),
                      {"state": _("Not allowed from the current state.")})
    if state == "accepted" and not user.can("invoicing.quote_accept"):
        raise Refused(_("Your profile cannot accept quotes."))
    quote.state = state
    if state == "accepted":
        quote.accepted_at = today or date.today()
        emit("invoicing.quote_accepted", "invoicing.quote", quote.id, _quote_payload(quote))
    session.commit()
    return quote


def expire_quotes(today: date | None = None) -> int:
    """Put every sent quote whose validity date has passed into "expired", one by one
    through the ORM (so each change is audited), with the event invoicing.quote_expired.

    The daily periodic task; run by the system, so it reads every quote. Returns how
    many quotes expired."""
    today = today or _office_today()
    quotes = list(session.scalars(select(Quote).where(Quote.state == "sent", Quote.valid_until < today)
                                  .order_by(Quote.id)))
    for quote in quotes:
        quote.state = "expired"
        emit("invoicing.quote_expired", "invoicing.quote", quote.id, _quote_payload(quote))
    session.commit()
    return len(quotes)


def _office_today() -> date:
    from zoneinfo import ZoneInfo

    from flask import current_app
    from sportello import utcnow

    zone = ZoneInfo(current_app.config.get("DEFAULT_TIMEZONE") or "UTC")
    return utcnow().astimezone(zone).date()


def lead_quotes_preview(lead: Any) -> list[str]:
    """What the conversion of ``lead`` will move: "2 quotes move to the company.", or nothing."""
    count = session.scalar(select(func.count()).select_from(Quote).where(Quote.lead_id == lead.id)) or 0
    if not count:
        return []
    return [ngettext("%(num)d quote moves to the company.", "%(num)d quotes move to the company.", count)]


def move_lead_quotes(lead: Any, company: Any) -> list[str]:
    """The quotes of a converted lead go onto its company (``leads_converted``): they keep
    ``lead_id``, so the lead still lists them. Not committed: the conversion commits."""
    quotes = list(session.scalars(select(Quote).where(Quote.lead_id == lead.id).order_by(Quote.id)))
    for quote in quotes:
        quote.company_id = company.id
    session.flush()
    if not quotes:
        return []
    return [ngettext("%(num)d quote", "%(num)d quotes", len(quotes))]


# --------------------------------------------------------------------------- invoices


def customer_snapshot(company: Any) -> dict[str, Any]:
    return {field: getattr(company, field) for field in CUSTOMER_FIELDS}


def seller_snapshot() -> dict[str, Any]:
    names = ("seller_name", "seller_vat_number", "seller_tax_code", "seller_address", "seller_postcode", "seller_city",
             "seller_province", "seller_country", "seller_tax_regime", "seller_email", "seller_pec", "seller_phone",
             "seller_rea", "iban", "bank")
    data = {name.removeprefix("seller_"): get_setting("invoicing", name, "") or "" for name in names}
    data["name"] = data["name"] or get_setting("general", "organisation_name", "") or "Sportello"
    data["tax_regime"] = data["tax_regime"] or "RF01"
    data["country"] = data["country"] or "IT"
    return data


INVOICE_FIELDS = ("notes", "withholding_type", "withholding_reason", "cig", "cup", "order_reference",
                  "payment_terms", "payment_method", "iban")
FLAGS = ("stamp_duty_charged", "split_payment", "reverse_charge")


def parse_terms(text: str) -> list[int]:
    """"30/60/90" → [30, 60, 90]; "0" is immediate payment."""
    parts = [p for p in re.split(r"[/,;\s]+", str(text or "").strip()) if p]
    if not parts:
        raise ValueError(_("Write the payment days, such as 30 or 30/60/90."))
    days = []
    for part in parts:
        if not part.isdigit() or int(part) > 720:
            raise ValueError(_("The payment terms are days from the invoice date separated by /, such as 30/60/90."))
        days.append(int(part))
    if days != sorted(days) or len(set(days)) != len(days):
        raise ValueError(_("Write the payment days in increasing order, such as 30/60/90."))
    return days


def _check_invoice(values: dict[str, Any], lines: list[Any], company: Any, errors: dict[str, str]) -> None:
    try:
        parse_terms(values["payment_terms"])
    except ValueError as error:
        errors["payment_terms"] = str(error)
    if values["payment_method"] not in PAYMENT_METHODS:
        errors["payment_method"] = _("Choose a payment method: %(methods)s.",
                                      methods=", ".join(f"{k} {v}" for k, v in PAYMENT_METHODS.items()))
    if values["split_payment"] and values["reverse_charge"]:
        errors["split_payment"] = _("Split payment and reverse charge cannot be used together.")
    if values["reverse_charge"] and any(Decimal(l.vat_rate) != 0 or not l.vat_nature.startswith("N6") for l in lines):
        errors["reverse_charge"] = _("With reverse charge every line has VAT %(zero)s and a nature code N6.1 to N6.9.",
                                        zero="0%")
    if values["split_payment"] and "split_payment" not in errors and any(l.vat_nature.startswith("N6") for l in lines):
        errors["split_payment"] = _("Split payment does not apply to reverse-charge lines (N6).")
    rate = values.get("withholding_rate")
    if rate is not None and not (0 < rate < 100):
        errors["withholding_rate"] = _("The withholding rate is a percentage such as 20.")
    if rate and values["withholding_type"] not in ("RT01", "RT02", "RT03", "RT04", "RT05", "RT06"):
        errors["withholding_type"] = _("Choose the withholding type: RT01 natural persons, RT02 legal persons.")
    if rate and not any(l.withholding for l in lines):
        errors["withholding_rate"] = _("Mark the lines subject to the withholding tax.")
    if values["cig"] and not re.fullmatch(r"[A-Z0-9]{10}", values["cig"]):
        errors["cig"] = _("The CIG has 10 letters and digits.")
    if values["cup"] and not re.fullmatch(r"[A-Z0-9]{15}", values["cup"]):
        errors["cup"] = _("The CUP has 15 letters and digits.")
    if (values["cig"] or values["cup"]) and company is not None and not company.public_administration:
        errors["cig"] = _("CIG and CUP are for public administrations: this customer is not one.")


def _company_for_invoice(company_id: Any, user: Any) -> Any:
    from sportello_companies.models import Company

    return session.scalar(visible(select(Company), user, "read").where(Company.id == company_id))


def save_invoice(invoice: Invoice | None, data: dict[str, Any], user: Any, today: date | None = None) -> Invoice:
    """Create or change a draft invoice (an issued one is refused: only a credit note corrects it)."""
    today = today or date.today()
    if invoice is not None and invoice.state != "draft":
        raise Refused(_("Invoice %(number)s is issued and cannot be changed: issue a credit note to correct it.",
                        number=invoice.number))
    errors: dict[str, str] = {}
    company_id = data.get("company_id", invoice.company_id if invoice else None)
    company = _company_for_invoice(company_id, user) if company_id is not None else None
    if company is None:
        errors["company_id"] = _("Choose the customer (a company you may see).")
    document_type = data.get("document_type", invoice.document_type if invoice else "TD01")
    if document_type not in ("TD01", "TD04"):
        errors["document_type"] = _("The document type is TD01 (invoice) or TD04 (credit note).")
    values: dict[str, Any] = {}
    for field in INVOICE_FIELDS:
        default = getattr(invoice, field) if invoice else {"payment_terms": "30", "payment_method": "MP05"}.get(field, "")
        values[field] = str(data.get(field, default) or "").strip()
    for field in ("cig", "cup", "iban", "withholding_type", "withholding_reason", "payment_method"):
        values[field] = values[field].upper().replace(" ", "")
    for flag in FLAGS:
        default = getattr(invoice, flag) if invoice else (
            flag == "stamp_duty_charged" or (flag == "split_payment" and company is not None and company.public_administration))
        values[flag] = bool(data.get(flag, default))
    rate = data.get("withholding_rate", invoice.withholding_rate if invoice else None)
    try:
        values["withholding_rate"] = to_decimal(rate) if rate not in (None, "") else None
    except ValueError:
        errors["withholding_rate"] = _("The withholding rate is a percentage such as 20.")
        values["withholding_rate"] = None
    values["date"] = _parse_date(data.get("date"), "date", errors) or (invoice.date if invoice else today)
    values["order_date"] = _parse_date(data.get("order_date"), "order_date", errors) or (invoice.order_date if invoice else None)
    if "lines" in data or invoice is None:
        lines, line_errors = _clean_lines(data.get("lines"))
        errors.update(line_errors)
        line_objects = [InvoiceLine(position=n, **v) for n, v in enumerate(lines, 1)] if not line_errors else []
    else:
        line_objects = list(invoice.lines)
    if not errors:
        _check_invoice(values, line_objects, company, errors)
    if errors:
        raise Refused(_("The invoice was not saved: see the messages."), errors)
    if invoice is None:
        invoice = Invoice(state="draft", salesperson_id=company.salesperson_id)
        session.add(invoice)
    invoice.company_id, invoice.document_type = company.id, document_type
    for key, value in values.items():
        setattr(invoice, key, value)
    if "quote_id" in data:
        invoice.quote_id = data["quote_id"]
    if "related_invoice_id" in data:
        invoice.related_invoice_id = data["related_invoice_id"]
    if "lines" in data or not invoice.lines:
        invoice.lines = line_objects
    compute(invoice)
    session.commit()
    return invoice


def compute(invoice: Invoice) -> None:
    result = totals(invoice.lines, withholding_rate=invoice.withholding_rate, split_payment=invoice.split_payment,
                    stamp_duty_charged=invoice.stamp_duty_charged)
    invoice.taxable_total, invoice.vat_total = result.taxable, result.vat
    invoice.stamp_duty, invoice.withholding_amount = result.stamp_duty, result.withholding
    invoice.total, invoice.amount_due = result.total, result.amount_due


def invoice_from_quote(quote: Quote, user: Any, today: date | None = None) -> Invoice:
    if quote.state != "accepted":
        raise Refused(_("Quote %(number)s is %(state)s, not accepted: only an accepted quote becomes an invoice.",
                        number=quote.number, state=state_label(quote.state)))
    if quote.company_id is None:
        raise Refused(_("Quote %(number)s is on a lead: convert the lead into a company first.", number=quote.number))
    existing = session.scalar(select(Invoice.id).where(Invoice.quote_id == quote.id, Invoice.document_type == "TD01"))
    if existing is not None:
        raise Refused(_("Quote %(number)s already has an invoice.", number=quote.number))
    lines = [_line_dict(line) for line in quote.lines]
    return save_invoice(None, {"company_id": quote.company_id, "lines": lines, "quote_id": quote.id,
                               "notes": quote.notes}, user, today)


def _line_dict(line: Any) -> dict[str, Any]:
    return {f: getattr(line, f) for f in ("description", "quantity", "unit", "unit_price", "discount_percent",
                                          "vat_rate", "vat_nature", "withholding")}


def credit_note_for(invoice: Invoice, user: Any, today: date | None = None) -> Invoice:
    if invoice.document_type != "TD01" or invoice.state == "draft":
        raise Refused(_("A credit note corrects an issued invoice."))
    data = {f: getattr(invoice, f) for f in (*INVOICE_FIELDS, *FLAGS)}
    data.update(company_id=invoice.company_id, document_type="TD04", related_invoice_id=invoice.id,
                withholding_rate=invoice.withholding_rate, lines=[_line_dict(l) for l in invoice.lines],
                notes=f"Nota di credito a storno della fattura {invoice.number} del {invoice.date:%d/%m/%Y}.")
    return save_invoice(None, data, user, today)


def issue(invoice_id: int, user: Any, on: date | None = None) -> Invoice:
    """Give a draft its number, freeze the customer's data and create the instalments,
    all in one transaction (the counter row stays locked until the commit)."""
    invoice = session.scalar(select(Invoice).where(Invoice.id == invoice_id).with_for_update()
                             .execution_options(populate_existing=True))
    if invoice is None:
        raise Refused(_("No such invoice."))
    if invoice.state != "draft":
        raise Refused(_("Invoice %(number)s is already issued.", number=invoice.number))
    if not invoice.lines:
        raise Refused(_("An invoice needs at least one line."))
    company = invoice.company
    if company.public_administration and not company.pa_code:
        raise Refused(_("The customer is a public administration without its office code (codice univoco ufficio): add it to the "
                        "company first."))
    if not (company.vat_number or company.tax_code):
        raise Refused(_("The customer has neither partita IVA nor codice fiscale: add one to the company first."))
    if on is not None:
        invoice.date = on
    if invoice.date > date.today():
        raise Refused(_("An invoice cannot be dated in the future: the SdI refuses it (00403)."))
    related = invoice.related_invoice
    if invoice.document_type == "TD04" and related is not None and invoice.date < related.date:
        raise Refused(_("A credit note cannot be dated before the invoice %(number)s it corrects (00418).", number=related.number))
    sequence, pattern = sequence_of(invoice.document_type)
    year = invoice.date.year
    number = next_number(sequence, year)  # from here the sequence is locked until the commit
    later = session.scalar(select(Invoice.number).where(
        Invoice.sequence == sequence, Invoice.year == year, Invoice.sequence_number.is_not(None), Invoice.date > invoice.date)
        .order_by(Invoice.date.desc()).limit(1))
    if later is not None:
        raise Refused(_("Invoice %(number)s of the same sequence is dated later: numbers follow the dates, so issue this "
                        "one with today's date.", number=later))
    invoice.sequence, invoice.year, invoice.sequence_number = sequence, year, number
    invoice.number = format_number(pattern, number, year, sequence)
    invoice.customer = customer_snapshot(company)
    invoice.seller = seller_snapshot()
    if not invoice.iban:
        invoice.iban = invoice.seller.get("iban", "")
    invoice.issued_by_id = user.id if user is not None else None
    compute(invoice)
    invoice.instalments = build_instalments(invoice) if invoice.document_type == "TD01" else []
    invoice.state = "issued" if invoice.document_type == "TD01" and invoice.amount_due > 0 else "paid"
    if invoice.document_type == "TD04":
        invoice.state = "issued"
    session.commit()
    return invoice


def build_instalments(invoice: Invoice) -> list[Instalment]:
    days = parse_terms(invoice.payment_terms)
    share = cents(invoice.amount_due / len(days))
    result = []
    for n, day in enumerate(days, 1):
        amount = share if n < len(days) else invoice.amount_due - share * (len(days) - 1)
        result.append(Instalment(position=n, days=day, due_date=invoice.date + timedelta(days=day), amount=amount,
                                 paid_amount=ZERO))
    return result


def invoice_state_label(state: str) -> str:
    """The translated name of an invoice state, for messages."""
    labels = {"draft": _("draft"), "issued": _("issued"), "partly_paid": _("partly paid"), "paid": _("paid")}
    return labels.get(state, state)


def register_payment(invoice: Invoice, data: dict[str, Any], user: Any, today: date | None = None) -> Payment:
    """Record a payment against an instalment; more than the amount still due is refused."""
    today = today or date.today()
    locked = session.scalar(select(Invoice).where(Invoice.id == invoice.id).with_for_update()
                            .execution_options(populate_existing=True))
    if locked.state not in ("issued", "partly_paid") or locked.document_type != "TD01":
        raise Refused(_("Invoice %(number)s takes no payments: it is %(state)s.", number=locked.number or _("(draft)"),
                        state=invoice_state_label(locked.state)))
    errors: dict[str, str] = {}
    instalment = next((i for i in locked.instalments if str(i.id) == str(data.get("instalment_id"))), None)
    if instalment is None and not data.get("instalment_id"):
        instalment = next((i for i in locked.instalments if i.outstanding > 0), None)
    if instalment is None:
        errors["instalment_id"] = _("Choose one of the invoice's instalments.")
    try:
        amount = to_decimal(data.get("amount"))
    except ValueError:
        amount = None
        errors["amount"] = _("Write the amount received, such as 1220,00.")
    if amount is not None and (amount <= 0 or amount.as_tuple().exponent < -2):
        errors["amount"] = _("The amount is positive, in euro and cents.")
    paid_on = _parse_date(data.get("date"), "date", errors) or today
    if paid_on > today:
        errors["date"] = _("A payment cannot be in the future.")
    method = str(data.get("method") or locked.payment_method).upper()
    if method not in PAYMENT_METHODS:
        errors["method"] = _("Unknown payment method.")
    if not errors and amount > instalment.outstanding:
        errors["amount"] = _("The payment of € %(amount)s is more than the € %(due)s still due on instalment %(n)s.",
                             amount=f"{amount:.2f}", due=f"{instalment.outstanding:.2f}", n=instalment.position)
    if errors:
        session.rollback()
        raise Refused(_("The payment was not recorded: see the messages."), errors)
    payment = Payment(invoice_id=locked.id, instalment_id=instalment.id, date=paid_on, amount=amount, method=method,
                      note=str(data.get("note") or "")[:200], recorded_by_id=user.id if user is not None else None)
    session.add(payment)
    instalment.paid_amount += amount
    locked.paid_total += amount
    locked.state = "paid" if locked.paid_total >= locked.amount_due else "partly_paid"
    session.commit()
    return payment
