"""Tables of the leads plugin: leads with the registry data of a company, their
configurable statuses and sources, tags, contact persons and communications log."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sportello import Model, TimestampMixin, utcnow
from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

lead_tag = Table(
    "leads_lead_tag",
    Model.metadata,
    Column("lead_id", Integer, ForeignKey("leads_lead.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", Integer, ForeignKey("leads_tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class LeadStatus(Model):
    """A status of the pipeline (configurable list). ``code`` is stable; the flags give
    the rules: a date needed (contact in the future), a reason needed (lost), won
    (acquired: the notice and the conversion)."""

    __tablename__ = "leads_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    needs_date: Mapped[bool] = mapped_column(default=False)
    needs_reason: Mapped[bool] = mapped_column(default=False)
    is_won: Mapped[bool] = mapped_column(default=False)
    is_lost: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)


class LeadSource(Model):
    """Where a lead came from (configurable list: web, fair, referral, campaign, ...)."""

    __tablename__ = "leads_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class LeadTag(Model):
    """A label shared by leads (normalised: one row per name)."""

    __tablename__ = "leads_tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)


class Lead(TimestampMixin, Model):
    """A lead: a prospective customer with the registry data of a company."""

    __tablename__ = "leads_lead"
    __entity__ = "leads.lead"
    __attachments__ = True
    __table_args__ = (
        Index("ix_leads_lead_owner_updated", "owner_id", "updated_at", "id"),
        Index("ix_leads_lead_owner_status_updated", "owner_id", "status_id", "updated_at", "id"),
        Index("ix_leads_lead_status_updated", "status_id", "updated_at", "id"),
        Index("ix_leads_lead_updated", "updated_at", "id"),
        Index("ix_leads_lead_status_value", "status_id", "estimated_value"),
        Index("ix_leads_lead_owner_status_value", "owner_id", "status_id", "estimated_value"),
        Index("ix_leads_lead_name_key", "name_key", "id"),
        Index("ix_leads_lead_vat_number", "vat_number"),
        Index("ix_leads_lead_source", "source_id", "id"),
        Index("ix_leads_lead_contact_date", "contact_date"),
        Index("ix_leads_lead_converted_company", "converted_company_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    vat_number: Mapped[str | None] = mapped_column(String(30))
    tax_code: Mapped[str | None] = mapped_column(String(16))
    public_administration: Mapped[bool] = mapped_column(default=False)
    legal_street: Mapped[str] = mapped_column(String(200), default="")
    legal_postcode: Mapped[str] = mapped_column(String(10), default="")
    legal_city: Mapped[str] = mapped_column(String(120), default="")
    legal_province: Mapped[str] = mapped_column(String(2), default="")
    legal_country: Mapped[str] = mapped_column(String(2), default="IT")
    op_street: Mapped[str] = mapped_column(String(200), default="")
    op_postcode: Mapped[str] = mapped_column(String(10), default="")
    op_city: Mapped[str] = mapped_column(String(120), default="")
    op_province: Mapped[str] = mapped_column(String(2), default="")
    op_country: Mapped[str] = mapped_column(String(2), default="")
    pec: Mapped[str] = mapped_column(String(254), default="")
    sdi_code: Mapped[str] = mapped_column(String(7), default="")
    pa_code: Mapped[str] = mapped_column(String(6), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(254), default="")
    sector: Mapped[str] = mapped_column(String(40), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    status_id: Mapped[int] = mapped_column(ForeignKey("leads_status.id"))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("leads_source.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    #: The date of "contact in the future" (a deadline of the owner).
    contact_date: Mapped[date | None] = mapped_column()
    #: Why the lead was lost.
    lost_reason: Mapped[str] = mapped_column(Text, default="")
    estimated_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    expected_close_date: Mapped[date | None] = mapped_column()
    converted_company_id: Mapped[int | None] = mapped_column(ForeignKey("companies_company.id", ondelete="SET NULL"))
    converted_at: Mapped[datetime | None] = mapped_column()
    #: Set the first time the lead is acquired: the notice goes out once.
    acquired_notified_at: Mapped[datetime | None] = mapped_column()
    search_text: Mapped[str] = mapped_column(Text, default="")

    __audit_ignore__ = frozenset({"search_text"})

    status: Mapped[LeadStatus] = relationship(lazy="joined")
    source: Mapped[LeadSource | None] = relationship(lazy="joined")
    tags: Mapped[list[LeadTag]] = relationship(secondary=lead_tag, order_by=LeadTag.name)
    owner = relationship("User", foreign_keys=[owner_id])
    converted_company = relationship("Company", foreign_keys=[converted_company_id])


class LeadTotal(Model):
    """The board's running totals: per status and owner, how many leads and the sum of
    their estimated values (a lead without a value counts as zero). Derived data, kept by
    :mod:`.totals` in the transaction of every write of a lead; ``sportello leads
    recount`` rebuilds it from the leads."""

    __tablename__ = "leads_total"
    __audit__ = False

    status_id: Mapped[int] = mapped_column(ForeignKey("leads_status.id", ondelete="CASCADE"), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), primary_key=True)
    lead_count: Mapped[int] = mapped_column(BigInteger, default=0)
    value_total: Mapped[Decimal] = mapped_column(Numeric(20, 2), default=Decimal("0"))


class LeadContact(TimestampMixin, Model):
    """Another person at the lead (beside the lead's own e-mail and phone)."""

    __tablename__ = "leads_contact"
    __entity__ = "leads.contact"
    __table_args__ = (Index("ix_leads_contact_lead", "lead_id", "last_name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads_lead.id", ondelete="CASCADE"))
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    mobile: Mapped[str] = mapped_column(String(32), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    consent_marketing: Mapped[bool] = mapped_column(default=False)
    consent_date: Mapped[date | None] = mapped_column()
    legal_basis: Mapped[str] = mapped_column(String(60), default="")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


KINDS = ("email", "sms", "call", "other")
STATUSES = ("sending", "sent", "failed", "recorded")


class LeadCommunication(Model):
    """One entry of a lead's communications log (e-mail and SMS really sent)."""

    __tablename__ = "leads_communication"
    __entity__ = "leads.communication"
    __table_args__ = (Index("ix_leads_communication_lead", "lead_id", "occurred_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads_lead.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("leads_contact.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10))
    direction: Mapped[str] = mapped_column(String(8), default="out")
    recipient: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="recorded")
    failure_reason: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contact: Mapped[LeadContact | None] = relationship(lazy="joined")
    author = relationship("User", foreign_keys=[user_id])


#: Short names used by the rest of the plugin.
Status, Source, Tag, Contact, Communication = LeadStatus, LeadSource, LeadTag, LeadContact, LeadCommunication

#: Registry fields copied onto the company at conversion.
REGISTRY_FIELDS = (
    "name", "name_key", "vat_number", "tax_code", "public_administration", "legal_street", "legal_postcode",
    "legal_city", "legal_province", "legal_country", "op_street", "op_postcode", "op_city", "op_province",
    "op_country", "pec", "sdi_code", "pa_code", "phone", "email", "website", "sector", "notes",
)
SEARCHED = ("name", "vat_number", "tax_code", "email", "legal_city")


def search_text_of(lead: Lead) -> str:
    return " ".join(str(getattr(lead, column) or "") for column in SEARCHED).lower()


@event.listens_for(Lead, "before_insert")
@event.listens_for(Lead, "before_update")
def _keep_search_text(_mapper: Any, _connection: Any, lead: Lead) -> None:
    lead.search_text = search_text_of(lead)


# Last: the running totals listen to the writes of Lead, defined above.
from . import totals as _totals  # noqa: E402,F401
