"""Tables of the companies plugin: companies, their tags, contact persons and the
communications log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sportello import Model, TimestampMixin, utcnow
from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

company_tag = Table(
    "companies_company_tag",
    Model.metadata,
    Column("company_id", Integer, ForeignKey("companies_company.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", Integer, ForeignKey("companies_tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(Model):
    """A label shared by companies (normalised: one row per name)."""

    __tablename__ = "companies_tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)


class Company(TimestampMixin, Model):
    """A company (azienda) with its Italian registry data."""

    __tablename__ = "companies_company"
    __entity__ = "companies.company"
    __attachments__ = True
    __table_args__ = (
        Index("ix_companies_company_salesperson_updated", "salesperson_id", "updated_at", "id"),
        Index("ix_companies_company_salesperson_name", "salesperson_id", "name_key", "id"),
        Index("ix_companies_company_name_key", "name_key", "id"),
        Index("ix_companies_company_updated", "updated_at", "id"),
        Index("ix_companies_company_city", "legal_city", "id"),
        Index("ix_companies_company_vat_number", "vat_number"),
        Index("ix_companies_company_tax_code", "tax_code"),
        Index("ix_companies_company_province", "legal_province", "id"),
        Index("ix_companies_company_unit", "unit_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: The name lowercased with spaces collapsed: sort key and duplicate-detection key.
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
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("core_unit.id"))
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    #: What the search box looks into, lowercased in one column (kept by the model): one
    #: trigram index on PostgreSQL serves "contains" searches over all of it.
    search_text: Mapped[str] = mapped_column(Text, default="")

    __audit_ignore__ = frozenset({"search_text"})

    tags: Mapped[list[Tag]] = relationship(secondary=company_tag, order_by=Tag.name)
    salesperson = relationship("User", foreign_keys=[salesperson_id])
    unit = relationship("Unit", foreign_keys=[unit_id])


class Contact(TimestampMixin, Model):
    """A person at a company. The consent fields are for the privacy plugin."""

    __tablename__ = "companies_contact"
    __entity__ = "companies.contact"
    __table_args__ = (Index("ix_companies_contact_company", "company_id", "last_name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies_company.id", ondelete="CASCADE"))
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


#: Kinds of communication; e-mail and SMS are really sent.
KINDS = ("email", "sms", "call", "other")
#: Status of a communication: sent, failed (with the reason), or recorded (call, other).
STATUSES = ("sending", "sent", "failed", "recorded")


class Communication(Model):
    """One entry of a company's communications log."""

    __tablename__ = "companies_communication"
    __entity__ = "companies.communication"
    __table_args__ = (Index("ix_companies_communication_company", "company_id", "occurred_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies_company.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("companies_contact.id", ondelete="SET NULL"))
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

    contact: Mapped[Contact | None] = relationship(lazy="joined")
    author = relationship("User", foreign_keys=[user_id])


SEARCHED = ("name", "vat_number", "tax_code", "email", "legal_city")


def search_text_of(company: Company) -> str:
    """The lowercased text the search matches: name, partita IVA, CF, e-mail and city."""
    return " ".join(str(getattr(company, column) or "") for column in SEARCHED).lower()


@event.listens_for(Company, "before_insert")
@event.listens_for(Company, "before_update")
def _keep_search_text(_mapper: Any, _connection: Any, company: Company) -> None:
    company.search_text = search_text_of(company)
