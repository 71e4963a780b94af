"""Peer training: the skills framework (Pix, the blocks of the title "Médiateur numérique", the cooperative's own
skills), people and their assessed levels (an append-only history), certifications, target profiles, the skills a
service of the catalogue requires, training sessions in half-days with their trainers and trainees, and the
attendance signed per half-day.

Legal records are append-only: an assessment is never edited (a new one supersedes it: the current level of a person
in a skill is its latest assessment), a signature is never changed nor deleted (``coopnum.training.immutability``)."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, Relationship

from coopnum.core import clock
from coopnum.core.db import UTCDateTime, fk
from coopnum.core.models import IdMixin, TimestampMixin

# --- the skills framework -------------------------------------------------------------------------------------------

class SkillFramework(StrEnum):
    PIX = "pix"  # the CRCN / Pix framework: 5 domains, 16 competences, levels 1–8
    TITLE = "title"  # the blocks of the professional title "Médiateur numérique" (CCP1…): level 1 = acquired
    CUSTOM = "custom"  # the cooperative's own skills


class Skill(IdMixin, TimestampMixin, table=True):
    """A competence that people are assessed on and that trainings and services refer to."""

    __tablename__ = "skills"
    __table_args__ = (UniqueConstraint("framework", "code"),)

    framework: str = Field(max_length=20, index=True)  # SkillFramework
    code: str = Field(max_length=20)  # "4.2", "CCP1", "AIDANTS-CONNECT"
    title: str = Field(max_length=300)
    domain_code: str = Field(default="", max_length=20)  # "4"
    domain_title: str = Field(default="", max_length=200)  # "Protection et sécurité"
    max_level: int = Field(default=8)  # Pix: 8; a block of the title: 1 (acquired)
    description: str = Field(default="", sa_type=Text)
    external_id: str = Field(default="", max_length=40)  # the Pix competence id ("recsvLz0W2ShyfD63")
    position: int = Field(default=0)
    active: bool = Field(default=True)


# --- people, levels, certifications, target profiles ----------------------------------------------------------------

class PersonKind(StrEnum):
    STAFF = "staff"  # an employee of the cooperative (mediator, coordinator)
    CNFS = "cnfs"  # a Conseiller numérique France Services hosted by the cooperative
    MEMBER = "member"  # a member of the cooperative (not an employee)
    EXTERNAL = "external"  # someone from outside (a partner's agent, a volunteer)


class TargetProfile(IdMixin, TimestampMixin, table=True):
    """The levels a kind of person should reach (e.g. "CNFS — socle": 4.2 at level 3, CCP1 acquired…)."""

    __tablename__ = "target_profiles"

    name: str = Field(max_length=200, unique=True)
    description: str = Field(default="", max_length=1000)
    active: bool = Field(default=True)


class TargetProfileSkill(IdMixin, table=True):
    __tablename__ = "target_profile_skills"
    __table_args__ = (UniqueConstraint("profile_id", "skill_id"),)

    profile_id: int = Field(sa_column=fk("target_profiles.id", "CASCADE", nullable=False))
    skill_id: int = Field(sa_column=fk("skills.id", "RESTRICT", nullable=False))
    level: int


class Person(IdMixin, TimestampMixin, table=True):
    """Someone trained or training: a user of the application (mediators, the coordinator, members with an account),
    a member without an account, or an external person."""

    __tablename__ = "training_people"

    user_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", unique=True))
    member_id: int | None = Field(default=None, sa_column=fk("members.id", "SET NULL"))
    kind: str = Field(default=PersonKind.STAFF, max_length=20, index=True)  # PersonKind
    full_name: str = Field(max_length=200, index=True)
    email: str | None = Field(default=None, max_length=254)
    organisation: str = Field(default="", max_length=200)  # for external people
    target_profile_id: int | None = Field(default=None, sa_column=fk("target_profiles.id", "SET NULL"))
    active: bool = Field(default=True)
    notes: str = Field(default="", max_length=1000)


class EvidenceKind(StrEnum):
    PIX_RESULT = "pix_result"  # a Pix profile / campaign result
    PIX_CERTIFICATION = "pix_certification"
    TRAINER = "trainer"  # a trainer's assessment (after a training, an observation)
    TRAINING = "training"  # attended a training session aiming at this level
    SELF = "self"  # self-assessment (shown as such)
    OTHER = "other"


class SkillAssessment(IdMixin, table=True):
    """A person's level in a skill on a date, with its evidence (append-only: the latest one is the current level;
    level 0 records that a level is no longer held)."""

    __tablename__ = "skill_assessments"
    __table_args__ = (Index("ix_skill_assessments_person_skill_on", "person_id", "skill_id", "assessed_on"),)

    person_id: int = Field(sa_column=fk("training_people.id", "CASCADE", nullable=False, index=False))
    skill_id: int = Field(sa_column=fk("skills.id", "RESTRICT", nullable=False))
    level: int
    assessed_on: date
    evidence_kind: str = Field(max_length=30)  # EvidenceKind
    evidence: str = Field(default="", max_length=500)  # "Pix, campagne du 12/03 : 3", "Évaluation de C. Martin"
    training_session_id: int | None = Field(default=None, sa_column=fk("training_sessions.id", "SET NULL"))
    assessed_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False)


class CertificationKind(StrEnum):
    PIX = "pix"  # Certification Pix (valid 3 years for many employers)
    CCP1 = "ccp1"  # a block of the title "Médiateur numérique"
    CCP2 = "ccp2"
    CCP3 = "ccp3"
    TITLE = "title"  # the whole professional title "Médiateur numérique" (formerly REMN)
    PSC1 = "psc1"  # first aid
    OTHER = "other"


class Certification(IdMixin, TimestampMixin, table=True):
    """A certification held by a person, with its expiry (reminders before it)."""

    __tablename__ = "certifications"

    person_id: int = Field(sa_column=fk("training_people.id", "CASCADE", nullable=False))
    kind: str = Field(max_length=20)  # CertificationKind
    name: str = Field(max_length=200)  # "Certification Pix (score 512)"
    obtained_on: date
    expires_on: date | None = Field(default=None, index=True)
    issuer: str = Field(default="", max_length=200)
    reference: str = Field(default="", max_length=100)  # the certificate's number / verification code
    notes: str = Field(default="", max_length=1000)
    reminders_sent: int = Field(default=0)
    last_reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))


class ServiceSkillRequirement(IdMixin, table=True):
    """A service of the catalogue requires a skill at a level: assigning a mediator to a session of a mission of that
    service shows who meets it and warns (without blocking) when the chosen mediator does not."""

    __tablename__ = "service_skill_requirements"
    __table_args__ = (UniqueConstraint("service_id", "skill_id"),)

    service_id: int = Field(sa_column=fk("services.id", "CASCADE", nullable=False))
    skill_id: int = Field(sa_column=fk("skills.id", "RESTRICT", nullable=False))
    level: int


# --- training sessions and attendance -------------------------------------------------------------------------------

class TrainingStatus(StrEnum):
    PLANNED = "planned"
    HELD = "held"  # took place: certificates can be issued
    CANCELLED = "cancelled"


class TrainingSession(IdMixin, TimestampMixin, table=True):
    """A peer training (formation entre pairs), held in one or more half-days."""

    __tablename__ = "training_sessions"

    title: str = Field(max_length=200)  # the topic
    description: str = Field(default="", sa_type=Text)  # objectives, programme
    place_id: int | None = Field(default=None, sa_column=fk("places.id", "SET NULL"))
    location: str = Field(default="", max_length=300)  # when not a place of the application (or "visio")
    materials: str = Field(default="", max_length=1000)  # what to bring, what is lent
    status: str = Field(default=TrainingStatus.PLANNED, max_length=20, index=True)
    cancel_reason: str = Field(default="", max_length=300)
    sequence: int = Field(default=0)  # iCalendar SEQUENCE, increased at every change
    created_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))

    half_days: list["TrainingHalfDay"] = Relationship(
        back_populates="training", sa_relationship_kwargs={"order_by": "TrainingHalfDay.starts_at",
                                                           "cascade": "all, delete-orphan", "lazy": "selectin"})
    participants: list["Participant"] = Relationship(
        back_populates="training", sa_relationship_kwargs={"cascade": "all, delete-orphan", "lazy": "selectin"})


class TrainingSkill(IdMixin, table=True):
    """A competence a training works on, and the level it aims at."""

    __tablename__ = "training_skills"
    __table_args__ = (UniqueConstraint("training_id", "skill_id"),)

    training_id: int = Field(sa_column=fk("training_sessions.id", "CASCADE", nullable=False))
    skill_id: int = Field(sa_column=fk("skills.id", "RESTRICT", nullable=False))
    target_level: int | None = None


class HalfDay(StrEnum):
    MORNING = "am"
    AFTERNOON = "pm"


class TrainingHalfDay(IdMixin, table=True):
    """A half-day of a training: the unit of attendance (each trainee and the trainer sign it)."""

    __tablename__ = "training_half_days"
    __table_args__ = (UniqueConstraint("training_id", "day", "period"),)

    training_id: int = Field(sa_column=fk("training_sessions.id", "CASCADE", nullable=False))
    day: date
    period: str = Field(max_length=2)  # HalfDay
    starts_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    ends_at: datetime = Field(sa_type=UTCDateTime, nullable=False)

    training: TrainingSession | None = Relationship(back_populates="half_days")

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class ParticipantRole(StrEnum):
    TRAINER = "trainer"
    TRAINEE = "trainee"


class Participant(IdMixin, table=True):
    """A trainer or a trainee of a training."""

    __tablename__ = "training_participants"
    __table_args__ = (UniqueConstraint("training_id", "person_id"),)

    training_id: int = Field(sa_column=fk("training_sessions.id", "CASCADE", nullable=False))
    person_id: int = Field(sa_column=fk("training_people.id", "RESTRICT", nullable=False))
    role: str = Field(max_length=20)  # ParticipantRole
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False)

    training: TrainingSession | None = Relationship(back_populates="participants")
    person: Person | None = Relationship(sa_relationship_kwargs={"lazy": "joined"})


class SignatureMethod(StrEnum):
    SCREEN = "screen"  # drawn on a phone or tablet
    PAPER = "paper"  # signed on the printed sheet, recorded from its uploaded scan


class AttendanceScan(IdMixin, table=True):
    """The scan of a signed paper sheet of a half-day."""

    __tablename__ = "attendance_scans"

    half_day_id: int = Field(sa_column=fk("training_half_days.id", "RESTRICT", nullable=False))
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)
    uploaded_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    uploaded_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))


class AttendanceSignature(IdMixin, table=True):
    """A person's signature of a half-day (immutable: never updated nor deleted; one per person and half-day)."""

    __tablename__ = "attendance_signatures"
    __table_args__ = (UniqueConstraint("half_day_id", "person_id"),)

    half_day_id: int = Field(sa_column=fk("training_half_days.id", "RESTRICT", nullable=False, index=False))
    person_id: int = Field(sa_column=fk("training_people.id", "RESTRICT", nullable=False))
    role: str = Field(max_length=20)  # ParticipantRole
    method: str = Field(max_length=20)  # SignatureMethod
    signed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    signature_png: bytes | None = Field(default=None, sa_column=Column(LargeBinary))  # drawn on screen
    scan_id: int | None = Field(default=None, sa_column=fk("attendance_scans.id", "RESTRICT"))  # signed on paper
    recorded_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))
    ip: str | None = Field(default=None, max_length=45)
