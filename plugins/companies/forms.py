"""Flask-WTF forms of the pages. Field checks live in :mod:`.validation`, shared with
the API; the forms only carry the values and show the messages next to each field."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from sportello import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from .validation import SECTORS


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _optional_int(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


class CompanyForm(FlaskForm):
    name = StringField(_l("Company name (ragione sociale)"), filters=[_strip])
    vat_number = StringField(_l("Partita IVA / VAT number"), filters=[_strip],
                             description=_l("11 digits for Italy; foreign numbers are checked for the country of the legal address."))
    tax_code = StringField(_l("Codice fiscale"), filters=[_strip],
                           description=_l("11 digits, or the 16 characters of a sole trader."))
    public_administration = BooleanField(_l("Public administration"))
    legal_street = StringField(_l("Street and number"), filters=[_strip])
    legal_postcode = StringField(_l("CAP"), filters=[_strip])
    legal_city = StringField(_l("City"), filters=[_strip])
    legal_province = StringField(_l("Province"), filters=[_strip])
    legal_country = StringField(_l("Country"), filters=[_strip], default="IT")
    op_street = StringField(_l("Street and number"), filters=[_strip])
    op_postcode = StringField(_l("CAP"), filters=[_strip])
    op_city = StringField(_l("City"), filters=[_strip])
    op_province = StringField(_l("Province"), filters=[_strip])
    op_country = StringField(_l("Country"), filters=[_strip])
    pec = StringField(_l("PEC"), filters=[_strip])
    sdi_code = StringField(_l("Codice destinatario SdI"), filters=[_strip], description=_l("7 characters."))
    pa_code = StringField(_l("PA office code"), filters=[_strip], description=_l("6 characters, for public administrations."))
    phone = StringField(_l("Phone"), filters=[_strip])
    email = StringField(_l("E-mail"), filters=[_strip])
    website = StringField(_l("Website"), filters=[_strip])
    sector = SelectField(_l("Sector"), validate_choice=False, default="")
    tags = StringField(_l("Tags"), filters=[_strip], description=_l("Separated by commas."))
    unit_id = SelectField(_l("Organisational unit"), coerce=_optional_int)
    salesperson_id = SelectField(_l("Salesperson"), coerce=_optional_int)
    notes = TextAreaField(_l("Notes"), filters=[_strip])

    def fill_choices(self, units: list[Any], people: list[Any]) -> None:
        self.sector.choices = [SelectChoice("", "—")] + [SelectChoice(code, str(label)) for code, label in SECTORS.items()]
        self.unit_id.choices = [SelectChoice(None, "—")] + [SelectChoice(u.id, u.name) for u in units]
        self.salesperson_id.choices = [SelectChoice(None, "—")] + [SelectChoice(p.id, p.name) for p in people]


class ContactForm(FlaskForm):
    first_name = StringField(_l("First name"), filters=[_strip])
    last_name = StringField(_l("Surname"), filters=[_strip])
    role = StringField(_l("Role"), filters=[_strip])
    email = StringField(_l("E-mail"), filters=[_strip])
    phone = StringField(_l("Phone"), filters=[_strip])
    mobile = StringField(_l("Mobile phone"), filters=[_strip])
    notes = TextAreaField(_l("Notes"), filters=[_strip])
    consent_marketing = BooleanField(_l("Agrees to marketing communications"))
    consent_date = DateField(_l("Consent date"), validators=[Optional()])
    legal_basis = SelectField(_l("Legal basis"), validate_choice=False, default="")

    def fill_choices(self) -> None:
        from .validation import LEGAL_BASES

        self.legal_basis.choices = [SelectChoice("", "—")] + [SelectChoice(code, str(label)) for code, label in LEGAL_BASES.items()]


class CommunicationForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[SelectChoice("email", _l("E-mail")), SelectChoice("sms", _l("SMS")), SelectChoice("call", _l("Phone call")), SelectChoice("other", _l("Other"))])
    direction = SelectField(_l("Direction"), choices=[SelectChoice("out", _l("Outgoing")), SelectChoice("in", _l("Incoming"))])
    contact_id = SelectField(_l("Contact person"), coerce=_optional_int)
    recipient = StringField(_l("Recipient"), filters=[_strip],
                            description=_l("E-mail address or mobile number; empty: the contact's, else the company's."))
    subject = StringField(_l("Subject"), filters=[_strip])
    body = TextAreaField(_l("Text"), filters=[_strip])
