"""Flask-WTF forms of the pages; the checks live in the services and in companies'
validation, shared with the API."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from sportello import lazy_gettext as _l
from sportello_companies.forms import (
    CommunicationForm,
    CompanyForm,
    ContactForm,
    _optional_int,
    _strip,
)
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

__all__ = ["CommunicationForm", "ContactForm", "ConvertForm", "LeadForm"]


class LeadForm(CompanyForm):
    """The company's registry fields plus what a lead adds."""

    name = StringField(_l("Lead name (ragione sociale)"), filters=[_strip])
    status_id = SelectField(_l("Status"), coerce=_optional_int)
    contact_date = DateField(_l("Date of the future contact"), validators=[Optional()])
    lost_reason = TextAreaField(_l("Why it was lost"), filters=[_strip])
    source_id = SelectField(_l("Source"), coerce=_optional_int)
    owner_id = SelectField(_l("Owner (salesperson)"), coerce=_optional_int)
    estimated_value = StringField(_l("Estimated value (€)"), filters=[_strip])
    expected_close_date = DateField(_l("Expected close date"), validators=[Optional()])
    #: A lead has no unit nor salesperson of a company (its owner instead).
    unit_id = None
    salesperson_id = None

    def fill_lead_choices(self, statuses: list[Any], sources: list[Any], people: list[Any]) -> None:
        from .validation import SECTORS

        self.sector.choices = [SelectChoice("", "—")] + [SelectChoice(code, str(label)) for code, label in SECTORS.items()]
        self.status_id.choices = [SelectChoice(s.id, _l(s.name)) for s in statuses]
        self.source_id.choices = [SelectChoice(None, "—")] + [SelectChoice(s.id, _l(s.name)) for s in sources]
        self.owner_id.choices = [SelectChoice(p.id, p.name) for p in people]




class ConvertForm(FlaskForm):
    company_id = SelectField(_l("Company"), coerce=_optional_int)
