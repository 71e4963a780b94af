"""Tables of the activities domain: activity reports (CRA), beneficiaries and the editable reference lists.

Enumerated values of activities are the national tool's identifiers (``coopnum.activities.cra_reference``), so an
export needs no translation table; labels come from the editable reference lists
(``coopnum.activities.services.reference_lists``)."""

import datetime as _dt
from datetime import date
from typing import Optional

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, Relationship

from coopnum.core.db import fk
from coopnum.core.models import IdMixin, TimestampMixin, User


class Activity(IdMixin, TimestampMixin, table=True):
    """One activity report (CRA): an individual accompaniment or a collective workshop.

    Fields follow the national tool (values of ``cra_reference``). ``participants`` counts everyone; the known ones
    are linked through ``ActivityBeneficiary``, the rest are anonymous. For an anonymous individual accompaniment,
    ``beneficiary_*`` hold the optional minimal data of that person."""

    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_mediator_id_date", "mediator_id", "date"),
        Index("ix_activities_convention_id_date", "convention_id", "date"),
    )

    mediator_id: int = Field(sa_column=fk("users.id", "RESTRICT", nullable=False, index=False))
    session_id: int | None = Field(
        default=None, sa_column=fk("sessions.id", "SET NULL")
    )
    convention_id: int | None = Field(
        default=None, sa_column=fk("conventions.id", "SET NULL", index=False)
    )
    place_id: int | None = Field(
        default=None, sa_column=fk("places.id", "SET NULL")
    )
    date: _dt.date = Field(index=True)
    kind: str = Field(max_length=20, index=True)  # type_activite: Individuel | Collectif
    duration_minutes: int
    place_type: str = Field(max_length=20)  # type_lieu
    commune: str = Field(default="", max_length=120)  # for Domicile / Autre
    commune_insee: str | None = Field(default=None, max_length=5)
    commune_postal_code: str | None = Field(default=None, max_length=5)
    materiel: list[str] = Field(default_factory=list, sa_type=JSON)
    thematiques: list[str] = Field(default_factory=list, sa_type=JSON)
    thematiques_demarche: list[str] = Field(default_factory=list, sa_type=JSON)
    precisions_demarche: str = Field(default="", max_length=200)
    autonomie: str | None = Field(default=None, max_length=40)  # individual only
    oriented: bool = Field(default=False)  # bénéficiaire réorienté
    structure_redirection: str | None = Field(default=None, max_length=60)
    workshop_title: str = Field(default="", max_length=200)  # collective only
    workshop_level: str | None = Field(default=None, max_length=20)
    participants: int = Field(default=1)
    beneficiary_genre: str | None = Field(default=None, max_length=20)
    beneficiary_tranche_age: str | None = Field(default=None, max_length=30)
    beneficiary_statut_social: str | None = Field(default=None, max_length=40)
    beneficiary_commune: str = Field(default="", max_length=120)
    beneficiary_commune_insee: str | None = Field(default=None, max_length=5)
    beneficiary_postal_code: str | None = Field(default=None, max_length=5)
    notes: str = Field(default="")  # "Notes supplémentaires": no sensitive data (GDPR)
    created_by_id: int | None = Field(
        default=None, sa_column=fk("users.id", "SET NULL", index=False)
    )

    mediator: Optional["User"] = Relationship(
        sa_relationship_kwargs={"lazy": "joined", "foreign_keys": "[Activity.mediator_id]"}
    )
    beneficiary_links: list["ActivityBeneficiary"] = Relationship(
        back_populates="activity", sa_relationship_kwargs={"cascade": "all, delete-orphan", "lazy": "selectin"}
    )

    @property
    def anonymous_participants(self) -> int:
        return max(self.participants - len(self.beneficiary_links), 0)


class Beneficiary(IdMixin, TimestampMixin, table=True):
    """A followed person, with minimal data only (GDPR): an optional name to recognise them, gender, age band,
    social status, commune. Erased on request or after the retention period without activity."""

    __tablename__ = "beneficiaries"

    mediator_id: int = Field(
        sa_column=fk("users.id", "RESTRICT", nullable=False)
    )
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    name_key: str = Field(default="", max_length=200, index=True)  # normalised name, for duplicate detection
    birth_year: int | None = Field(default=None)
    genre: str | None = Field(default=None, max_length=20)
    tranche_age: str | None = Field(default=None, max_length=30)
    statut_social: str | None = Field(default=None, max_length=40)
    commune: str = Field(default="", max_length=120)
    commune_insee: str | None = Field(default=None, max_length=5)
    postal_code: str | None = Field(default=None, max_length=5)
    last_activity_on: date | None = Field(default=None, index=True)

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or f"Bénéficiaire n° {self.id}"


class ActivityBeneficiary(IdMixin, table=True):
    """A known beneficiary taking part in an activity."""

    __tablename__ = "activity_beneficiaries"
    __table_args__ = (UniqueConstraint("activity_id", "beneficiary_id"),)

    activity_id: int = Field(
        sa_column=fk("activities.id", "CASCADE", nullable=False)
    )
    beneficiary_id: int = Field(
        sa_column=fk("beneficiaries.id", "CASCADE", nullable=False)
    )

    activity: Optional["Activity"] = Relationship(back_populates="beneficiary_links")
    beneficiary: Optional["Beneficiary"] = Relationship(sa_relationship_kwargs={"lazy": "joined"})


class ReferenceItem(IdMixin, TimestampMixin, table=True):
    """An entry of an editable reference list (themes, redirection structures…). Rows override the national
    defaults of ``cra_reference`` (label, order, active) or add local entries (``national`` false)."""

    __tablename__ = "reference_items"
    __table_args__ = (UniqueConstraint("list_name", "value"),)

    list_name: str = Field(max_length=50, index=True)
    value: str = Field(max_length=60)
    label: str = Field(max_length=200)
    position: int = Field(default=0)
    active: bool = Field(default=True)
    national: bool = Field(default=True)
