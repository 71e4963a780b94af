"""The documents of a training (WeasyPrint PDFs): the émargement sheet (every half-day × participant, each cell
with the drawn signature and its time, "signé sur papier" with the scan it was recorded from, or empty; blank for
paper signing) and the certificat de réalisation of a trainee (the OPCO model: organisme with SIRET and numéro de
déclaration d'activité, the trainee, the action, its objectives, dates, the duration realised — the half-days the
trainee signed —, the nature of the action, the place, the coordinator's name and the date)."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from datetime import datetime

from flask import render_template
from flask_babel import force_locale

from coopnum.core import clock, formats, settings
from coopnum.core.errors import DomainError
from coopnum.core.signature import data_url
from coopnum.training.models import ParticipantRole, Person, TrainingSession, TrainingStatus
from coopnum.training.services import attendance
from coopnum.training.services.sessions import period_label, training_skills

COMPANY_KEYS = ("name", "legal_form", "address", "postal_code", "city", "siret", "training_declaration", "email",
                "phone")


def company(session) -> dict:
    return {key: settings.get(session, f"company.{key}") for key in COMPANY_KEYS}


def place_text(session, training: TrainingSession) -> str:
    from coopnum.organisations.models import Place

    return place_label(session.get(Place, training.place_id) if training.place_id is not None else None, training)


def place_label(place, training: TrainingSession) -> str:
    """Where a training takes place: its place's name and address, else the location typed in."""
    if place is not None:
        parts = [place.name, place.address, f"{place.postal_code} {place.city}".strip()]
        return ", ".join(p for p in parts if p)
    return training.location or ""


def _pdf(template: str, **context) -> bytes:
    from weasyprint import HTML

    with force_locale("fr"):
        html = render_template(template, **context)
    return HTML(string=html).write_pdf()


def hours(minutes: int) -> str:
    """« 3 h 30 » (core.formats.hours: the documents are French)."""
    return formats.hours(int(minutes), "fr")


def _people(training: TrainingSession) -> list[tuple[str, Person]]:
    rows = [(p.role, p.person) for p in training.participants if p.person is not None]
    return sorted(rows, key=lambda r: (r[0] != ParticipantRole.TRAINER, r[1].full_name.lower()))


def sheet_pdf(session, training: TrainingSession, *, blank: bool = False) -> bytes:
    """The émargement sheet: one table per half-day (blank: no signature, to print for paper signing)."""
    signed = {} if blank else attendance.signatures_of(session, training)
    images = {key: data_url(s.signature_png) for key, s in signed.items() if s.signature_png}
    return _pdf("training/sessions/pdf/sheet.html", training=training, people=_people(training), signed=signed,
                images=images, company=company(session), place=place_text(session, training), blank=blank,
                skills=training_skills(session, training), period_label=period_label, to_paris=clock.to_paris,
                hours=hours)


def certified_minutes(session, training: TrainingSession, person: Person) -> int:
    """The minutes a trainee realised; refuses when no certificate can be issued."""
    if training.status != TrainingStatus.HELD:
        raise DomainError("Le certificat de réalisation n'est délivré que pour une formation réalisée.")
    participant = next((p for p in training.participants if p.person_id == person.id), None)
    if participant is None or participant.role != ParticipantRole.TRAINEE:
        raise DomainError(f"{person.full_name} n'est pas stagiaire de cette formation.")
    minutes = attendance.signed_minutes(session, training, person.id)
    if minutes <= 0:
        raise DomainError(f"{person.full_name} n'a émargé aucune demi-journée : pas de certificat de réalisation.")
    return minutes


def certificate_pdf(session, training: TrainingSession, person: Person, *, signer_name: str, now: datetime) -> bytes:
    minutes = certified_minutes(session, training, person)
    signed = attendance.signatures_of(session, training)
    attended = [hd for hd in training.half_days if (hd.id, person.id) in signed]
    trainers = [p.person.full_name for p in training.participants
                if p.role == ParticipantRole.TRAINER and p.person is not None]
    return _pdf("training/sessions/pdf/certificate.html", training=training, person=person,
                company=company(session), place=place_text(session, training), duration=hours(minutes),
                first=training.half_days[0].day, last=training.half_days[-1].day, attended=attended,
                skills=training_skills(session, training), trainers=trainers, signer_name=signer_name,
                issued_on=clock.paris_today(now), period_label=period_label)


def certified_trainees(session, training: TrainingSession) -> list[Person]:
    if training.status != TrainingStatus.HELD:
        return []
    signed = {pid for (_hd, pid) in attendance.signatures_of(session, training)}
    return [p.person for p in training.participants
            if p.role == ParticipantRole.TRAINEE and p.person is not None and p.person_id in signed]


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "document"


def certificates_zip(session, training: TrainingSession, *, signer_name: str, now: datetime) -> bytes:
    people = certified_trainees(session, training)
    if not people:
        raise DomainError("Aucun certificat à délivrer pour cette formation.")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for person in people:
            archive.writestr(f"certificat-{training.id}-{slug(person.full_name)}.pdf",
                             certificate_pdf(session, training, person, signer_name=signer_name, now=now))
    return buffer.getvalue()
