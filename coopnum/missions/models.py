"""Missions domain tables: organisations (clients and partners), their contacts, mediation places."""

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Optional

from sqlalchemy import JSON, Column, ForeignKey, Integer, Numeric
from sqlmodel import Field, Relationship

from coopnum.core.models import IdMixin, TimestampMixin


class OrganisationKind(StrEnum):
    COMMUNE = "commune"
    EPCI = "epci"
    DEPARTEMENT = "departement"
    REGION = "region"
    CCAS = "ccas"
    FRANCE_SERVICES = "france_services"
    STATE = "state"
    ASSOCIATION = "association"
    COMPANY = "company"
    OTHER = "other"

    @property
    def is_public(self) -> bool:
        return self in {
            OrganisationKind.COMMUNE,
            OrganisationKind.EPCI,
            OrganisationKind.DEPARTEMENT,
            OrganisationKind.REGION,
            OrganisationKind.CCAS,
            OrganisationKind.FRANCE_SERVICES,
            OrganisationKind.STATE,
        }


class Organisation(IdMixin, TimestampMixin, table=True):
    """A client or partner of the cooperative: commune, EPCI, département, CCAS, association, company…"""

    __tablename__ = "organisations"

    name: str = Field(max_length=200, index=True)
    kind: str = Field(default=OrganisationKind.COMMUNE, max_length=30, index=True)
    siret: str | None = Field(default=None, max_length=14, index=True)
    rna: str | None = Field(default=None, max_length=10)
    vat_number: str | None = Field(default=None, max_length=20)
    insee_code: str | None = Field(default=None, max_length=5)
    address: str = Field(default="", max_length=300)
    address_complement: str = Field(default="", max_length=300)
    postal_code: str = Field(default="", max_length=5)
    city: str = Field(default="", max_length=120)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=30)
    website: str | None = Field(default=None, max_length=300)
    notes: str = Field(default="")
    archived: bool = Field(default=False)

    contacts: list["Contact"] = Relationship(
        back_populates="organisation", sa_relationship_kwargs={"cascade": "all, delete-orphan", "order_by": "Contact.last_name"}
    )
    places: list["Place"] = Relationship(back_populates="organisation")

    @property
    def siren(self) -> str | None:
        return self.siret[:9] if self.siret else None

    @property
    def is_public(self) -> bool:
        return OrganisationKind(self.kind).is_public


class Contact(IdMixin, TimestampMixin, table=True):
    """A person of an organisation (interlocuteur); may be given an ``authority`` login."""

    __tablename__ = "contacts"

    organisation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    job_title: str = Field(default="", max_length=150)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=30)
    receives_invoices: bool = Field(default=False)
    receives_reports: bool = Field(default=False)
    user_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), index=True)
    )

    organisation: Optional["Organisation"] = Relationship(back_populates="contacts")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Place(IdMixin, TimestampMixin, table=True):
    """A mediation place (lieu de médiation numérique), with the fields of the national LaMednum schema."""

    __tablename__ = "places"

    organisation_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    )
    name: str = Field(max_length=200, index=True)  # nom
    pivot: str | None = Field(default=None, max_length=14)  # SIRET/RNA of the structure; defaults to the organisation's
    address: str = Field(max_length=300)  # adresse
    address_complement: str = Field(default="", max_length=300)
    postal_code: str = Field(max_length=5)
    city: str = Field(max_length=120)  # commune
    insee_code: str | None = Field(default=None, max_length=5)
    latitude: Decimal | None = Field(default=None, sa_column=Column(Numeric(9, 6)))
    longitude: Decimal | None = Field(default=None, sa_column=Column(Numeric(9, 6)))
    typologie: list[str] = Field(default_factory=list, sa_type=JSON)
    telephone: str | None = Field(default=None, max_length=20)
    courriels: list[str] = Field(default_factory=list, sa_type=JSON)
    site_web: list[str] = Field(default_factory=list, sa_type=JSON)
    horaires: str = Field(default="", max_length=500)  # OSM opening_hours
    presentation_resume: str = Field(default="", max_length=280)
    presentation_detail: str = Field(default="")
    itinerance: list[str] = Field(default_factory=list, sa_type=JSON)
    structure_parente: str = Field(default="", max_length=200)
    services: list[str] = Field(default_factory=list, sa_type=JSON)
    publics_specifiquement_adresses: list[str] = Field(default_factory=list, sa_type=JSON)
    prise_en_charge_specifique: list[str] = Field(default_factory=list, sa_type=JSON)
    frais_a_charge: list[str] = Field(default_factory=list, sa_type=JSON)
    dispositif_programmes_nationaux: list[str] = Field(default_factory=list, sa_type=JSON)
    formations_labels: list[str] = Field(default_factory=list, sa_type=JSON)
    autres_formations_labels: str = Field(default="", max_length=500)
    modalites_acces: list[str] = Field(default_factory=list, sa_type=JSON)
    modalites_accompagnement: list[str] = Field(default_factory=list, sa_type=JSON)
    fiche_acces_libre: str | None = Field(default=None, max_length=300)
    prise_rdv: str | None = Field(default=None, max_length=300)
    published: bool = Field(default=True)  # included in the open-data export
    archived: bool = Field(default=False)

    organisation: Optional["Organisation"] = Relationship(back_populates="places")

    @property
    def date_maj(self) -> date:
        return self.updated_at.date()
