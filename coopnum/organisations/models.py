"""Tables of the organisations domain: organisations and their contacts, places, the service catalogue,
conventions (with their services) and requests for services from authorities."""

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Optional

from sqlalchemy import JSON, Column, ForeignKeyConstraint, Numeric, Text, UniqueConstraint
from sqlmodel import Field, Relationship

from coopnum.core.db import fk
from coopnum.core.models import IdMixin, TimestampMixin, User


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
    # Chorus Pro (public buyers): the references of every invoice to this organisation, unless its convention has
    # its own (coopnum.organisations.services.chorus checks them).
    chorus_service_code: str | None = Field(default=None, max_length=100)
    chorus_engagement_number: str | None = Field(default=None, max_length=50)
    chorus_engagement_required: bool = Field(default=False)  # no invoice without an engagement number
    # The INSEE codes of the communes of its territory, separated by spaces (an EPCI's member communes): its
    # conventions' missions may take place there (coopnum.missions.services.availability.place_allowed).
    territory: str = Field(default="", sa_type=Text)

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
        sa_column=fk("organisations.id", "CASCADE", nullable=False)
    )
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    job_title: str = Field(default="", max_length=150)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=30)
    receives_invoices: bool = Field(default=False)
    receives_reports: bool = Field(default=False)
    user_id: int | None = Field(
        default=None, sa_column=fk("users.id", "SET NULL")
    )

    organisation: Optional["Organisation"] = Relationship(back_populates="contacts")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Place(IdMixin, TimestampMixin, table=True):
    """A mediation place (lieu de médiation numérique), with the fields of the national LaMednum schema."""

    __tablename__ = "places"

    organisation_id: int | None = Field(
        default=None, sa_column=fk("organisations.id", "SET NULL")
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


class VatRegime(StrEnum):
    STANDARD = "standard"  # TVA 20 %
    FRANCHISE = "franchise"  # TVA non applicable, art. 293 B du CGI
    TRAINING_EXEMPT = "training_exempt"  # exonération de TVA, art. 261-4-4°-a du CGI (organisme de formation)

    @property
    def rate_basis_points(self) -> int:
        """VAT rate in hundredths of a percent (2000 = 20 %)."""
        return 2000 if self is VatRegime.STANDARD else 0


class ServiceUnit(StrEnum):
    HOUR = "hour"
    SESSION = "session"
    MONTH = "month"
    PERSON = "person"
    DAY = "day"
    FLAT = "flat"


class ServiceCategory(StrEnum):
    PERMANENCE = "permanence"
    WORKSHOP = "workshop"
    PRO_TRAINING = "pro_training"
    ASSOCIATION_SUPPORT = "association_support"
    CNFS_HOSTING = "cnfs_hosting"
    EQUIPMENT_LENDING = "equipment_lending"
    OTHER = "other"


class Service(IdMixin, TimestampMixin, table=True):
    """An entry of the cooperative's service catalogue ("bouquet de services")."""

    __tablename__ = "services"

    code: str = Field(max_length=30, unique=True)
    name: str = Field(max_length=200)
    category: str = Field(default=ServiceCategory.PERMANENCE, max_length=30, index=True)
    description: str = Field(default="")
    audience: str = Field(default="", max_length=300)
    unit: str = Field(default=ServiceUnit.HOUR, max_length=20)
    unit_price_cents: int = Field(default=0)  # excl. VAT
    vat_regime: str = Field(default=VatRegime.STANDARD, max_length=20)
    active: bool = Field(default=True)


class ConventionStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    ENDED = "ended"


class PricingMode(StrEnum):
    HOURLY = "hourly"  # unit_price_cents per hour delivered
    PER_SESSION = "per_session"  # unit_price_cents per session held
    MONTHLY_FLAT = "monthly_flat"  # monthly_fee_cents per month
    PER_WORKSHOP = "per_workshop"  # unit_price_cents per workshop held


class VolumeUnit(StrEnum):
    HOURS = "hours"
    SESSIONS = "sessions"


class Convention(IdMixin, TimestampMixin, table=True):
    """The contract with an organisation: period, services, volume, price, VAT regime, Chorus Pro data."""

    __tablename__ = "conventions"

    organisation_id: int = Field(
        sa_column=fk("organisations.id", "RESTRICT", nullable=False)
    )
    reference: str = Field(max_length=40, unique=True)
    title: str = Field(max_length=200)
    start_date: date
    end_date: date
    status: str = Field(default=ConventionStatus.DRAFT, max_length=20, index=True)
    pricing_mode: str = Field(default=PricingMode.HOURLY, max_length=20)
    unit_price_cents: int | None = Field(default=None)  # per hour / session / workshop, excl. VAT
    monthly_fee_cents: int | None = Field(default=None)  # flat monthly fee, excl. VAT
    volume_unit: str = Field(default=VolumeUnit.HOURS, max_length=20)
    contracted_volume: Decimal = Field(default=Decimal("0"), sa_column=Column(Numeric(10, 2), nullable=False))
    vat_regime: str = Field(default=VatRegime.STANDARD, max_length=20)
    payment_terms_days: int = Field(default=30)
    # The late-penalty rate it sets, a yearly rate in hundredths of a percent (art. L441-10 C. com.: at least three
    # times the legal interest rate); None: the legal default (ECB rate + 10 points). Never for a public buyer,
    # whose rate the law fixes (ECB rate + 8 points, art. R2192-31 CCP).
    penalty_rate_bp: int | None = Field(default=None)
    chorus_buyer_siret: str | None = Field(default=None, max_length=14)
    chorus_service_code: str | None = Field(default=None, max_length=100)
    chorus_engagement_number: str | None = Field(default=None, max_length=50)
    signed_on: date | None = Field(default=None)
    signed_file_name: str | None = Field(default=None, max_length=255)
    signed_file_path: str | None = Field(default=None, max_length=255)  # relative to the uploads folder
    signed_file_sha256: str | None = Field(default=None, max_length=64)
    notes: str = Field(default="")
    # the activity report lists the equipment lent or reserved for each session (some funders ask for it)
    report_equipment: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})

    organisation: Optional["Organisation"] = Relationship(sa_relationship_kwargs={"lazy": "joined"})
    services: list["ConventionService"] = Relationship(
        back_populates="convention", sa_relationship_kwargs={"cascade": "all, delete-orphan", "lazy": "selectin"}
    )


class ConventionService(IdMixin, table=True):
    """A catalogue service included in a convention, with an optional negotiated price."""

    __tablename__ = "convention_services"
    __table_args__ = (UniqueConstraint("convention_id", "service_id"),)

    convention_id: int = Field(
        sa_column=fk("conventions.id", "CASCADE", nullable=False)
    )
    service_id: int = Field(
        sa_column=fk("services.id", "RESTRICT", nullable=False)
    )
    unit_price_cents: int | None = Field(default=None)

    convention: Optional["Convention"] = Relationship(back_populates="services")
    service: Optional["Service"] = Relationship(sa_relationship_kwargs={"lazy": "joined"})


# The user ↔ organisation link (an authority contact's organisation): core's users.organisation_id, whose foreign key
# this domain declares.
User.__table__.append_constraint(ForeignKeyConstraint(
    ["organisation_id"], ["organisations.id"], ondelete="SET NULL", info={"domain": "organisations"}))
