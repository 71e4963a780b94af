"""Attendance signed per half-day: on screen (a PNG drawn on a phone or tablet, with its timestamp) or on a printed
sheet whose scan is uploaded. A signature is immutable (``coopnum.training.immutability``), one per person and
half-day (the unique constraint: a second one, even concurrent, is refused), and only the person's own act
(``access.can_sign_for``).

When may a half-day be signed? From ``EARLY`` (30 minutes) before it starts — people sign on arrival — until the end of
its Paris calendar day (a trainee who forgot signs at the end of the afternoon or in the evening); later, only the
paper sheet and its scan record attendance."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from coopnum.core import audit, clock, formats
from coopnum.core.errors import Conflict, DomainError, Forbidden
from coopnum.core.signature import read_signature
from coopnum.training import access
from coopnum.training.models import (
    AttendanceScan,
    AttendanceSignature,
    Person,
    SignatureMethod,
    TrainingHalfDay,
    TrainingSession,
    TrainingStatus,
)
from coopnum.training.services.sessions import half_day_label, participant_of

EARLY = timedelta(minutes=30)
SCAN_MAX_BYTES = 10 * 1024 * 1024
SCAN_TYPES = ((b"%PDF-", "application/pdf", "pdf"), (b"\xff\xd8\xff", "image/jpeg", "jpg"),
              (b"\x89PNG\r\n\x1a\n", "image/png", "png"))
ALREADY_SIGNED = "{name} a déjà émargé la demi-journée du {half_day} : une signature ne se refait pas."


def signing_window(half_day: TrainingHalfDay) -> tuple[datetime, datetime]:
    """[opens, closes) of on-screen signing: 30 minutes before the start until the end of the Paris day."""
    return half_day.starts_at - EARLY, clock.paris_day_bounds(half_day.day)[1]


def is_open(half_day: TrainingHalfDay, now: datetime) -> bool:
    opens, closes = signing_window(half_day)
    return opens <= now < closes


def signature_of(session, half_day_id: int, person_id: int) -> AttendanceSignature | None:
    return session.execute(select(AttendanceSignature).where(AttendanceSignature.half_day_id == half_day_id,
                                                             AttendanceSignature.person_id == person_id)
                           ).scalar_one_or_none()


def signatures_of(session, training: TrainingSession) -> dict[tuple[int, int], AttendanceSignature]:
    """{(half_day_id, person_id): signature} of a training."""
    ids = [hd.id for hd in training.half_days]
    if not ids:
        return {}
    rows = session.execute(select(AttendanceSignature).where(AttendanceSignature.half_day_id.in_(ids))).scalars()
    return {(s.half_day_id, s.person_id): s for s in rows}


def _insert(session, row: AttendanceSignature, person: Person, half_day: TrainingHalfDay) -> AttendanceSignature:
    """Insert in a savepoint: a concurrent signature that committed first turns into a French Conflict."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(ALREADY_SIGNED.format(name=person.full_name, half_day=half_day_label(half_day))) from exc
    return row


def _check_participant(training: TrainingSession, person: Person):
    participant = participant_of(training, person.id)
    if participant is None:
        raise DomainError(f"{person.full_name} ne participe pas à cette formation.", field="person_id")
    if training.status == TrainingStatus.CANCELLED:
        raise DomainError("Cette formation est annulée.")
    return participant


def sign(session, half_day: TrainingHalfDay, person: Person, *, actor, now: datetime, png, ip: str | None = None
         ) -> AttendanceSignature:
    """``person`` signs ``half_day`` on screen (``png``: PNG bytes or a data URL)."""
    training = half_day.training or session.get(TrainingSession, half_day.training_id)
    participant = _check_participant(training, person)
    if not access.can_sign_for(actor, person, training):
        raise Forbidden("Vous ne pouvez pas signer pour une autre personne : chacun·e signe pour soi.")
    opens, closes = signing_window(half_day)
    if now < opens:
        raise DomainError(f"L'émargement du {half_day_label(half_day)} ouvre à "
                          f"{clock.to_paris(opens).strftime('%H:%M')}.")
    if now >= closes:
        raise DomainError(f"L'émargement à l'écran du {half_day_label(half_day)} est clos : utilisez la feuille "
                          "papier et son scan.")
    image = read_signature(png)
    if image is None:
        raise DomainError("Signez dans le cadre avant d'enregistrer.", field="signature")
    if signature_of(session, half_day.id, person.id) is not None:
        raise Conflict(ALREADY_SIGNED.format(name=person.full_name, half_day=half_day_label(half_day)))
    row = AttendanceSignature(half_day_id=half_day.id, person_id=person.id, role=participant.role,
                              method=SignatureMethod.SCREEN, signed_at=now, signature_png=image,
                              recorded_by_id=getattr(actor, "id", None), ip=(ip or None) and ip[:45])
    _insert(session, row, person, half_day)
    audit.record(session, actor, "training.sign", row, summary=f"{person.full_name} émarge la formation "
                 f"« {training.title} » ({half_day_label(half_day)})", ip=ip, now=now)
    return row


def _scan_type(data: bytes) -> tuple[str, str]:
    for magic, content_type, ext in SCAN_TYPES:
        if data.startswith(magic):
            return content_type, ext
    raise DomainError("Le scan doit être un PDF, un JPEG ou un PNG.", field="scan")


def upload_scan(session, half_day: TrainingHalfDay, *, filename: str, data: bytes, actor, now: datetime
                ) -> AttendanceScan:
    """Store the scan of the signed paper sheet of a half-day (PDF, JPEG or PNG, 10 Mo at most, by its bytes)."""
    training = half_day.training or session.get(TrainingSession, half_day.training_id)
    if training.status == TrainingStatus.CANCELLED:
        raise DomainError("Cette formation est annulée.")
    if not data:
        raise DomainError("Choisissez le fichier du scan.", field="scan")
    if len(data) > SCAN_MAX_BYTES:
        raise DomainError("Le scan dépasse 10 Mo.", field="scan")
    content_type, ext = _scan_type(data)
    if now < half_day.starts_at - EARLY:
        raise DomainError("Cette demi-journée n'a pas encore commencé.", field="scan")
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or f"emargement.{ext}"
    scan = AttendanceScan(half_day_id=half_day.id, filename=name, content_type=content_type, data=data,
                          sha256=hashlib.sha256(data).hexdigest(), uploaded_at=now,
                          uploaded_by_id=getattr(actor, "id", None))
    session.add(scan)
    session.flush()
    audit.record(session, actor, "training.scan", scan, summary=f"Scan de la feuille d'émargement du "
                 f"{half_day_label(half_day)} (« {training.title} »)", now=now)
    return scan


def record_paper(session, half_day: TrainingHalfDay, scan: AttendanceScan, person_ids: list[int], *, actor,
                 now: datetime) -> list[AttendanceSignature]:
    """The people who signed the paper sheet of ``scan`` (ticked by a trainer or the staff, who upload it)."""
    training = half_day.training or session.get(TrainingSession, half_day.training_id)
    if scan.half_day_id != half_day.id:
        raise DomainError("Ce scan n'est pas celui de cette demi-journée.", field="scan_id")
    if not person_ids:
        raise DomainError("Cochez les personnes qui ont signé la feuille.", field="person_ids")
    rows = []
    for person_id in dict.fromkeys(person_ids):
        person = session.get(Person, int(person_id))
        if person is None:
            raise DomainError("Personne introuvable.", field="person_ids")
        participant = _check_participant(training, person)
        if signature_of(session, half_day.id, person.id) is not None:
            raise Conflict(ALREADY_SIGNED.format(name=person.full_name, half_day=half_day_label(half_day)))
        row = AttendanceSignature(half_day_id=half_day.id, person_id=person.id, role=participant.role,
                                  method=SignatureMethod.PAPER, signed_at=scan.uploaded_at, scan_id=scan.id,
                                  recorded_by_id=getattr(actor, "id", None))
        rows.append(_insert(session, row, person, half_day))
    audit.record(session, actor, "training.paper", scan, summary=f"Émargement papier du {half_day_label(half_day)} "
                 f"(« {training.title} ») : {formats.count(len(rows), 'signature', 'signatures')}", now=now)
    return rows


def signed_minutes(session, training: TrainingSession, person_id: int) -> int:
    """The duration a person attended: the sum of the half-days it signed."""
    signed = signatures_of(session, training)
    return sum(hd.minutes for hd in training.half_days if (hd.id, person_id) in signed)


def _half_days_of(user_or_person, now: datetime, until: datetime):
    """The half-days of the trainings (not cancelled) a person takes part in, starting from a day before ``now``
    until ``until``, the soonest first, each with its training (its collections left unloaded) and whether the
    person signed it; ``user_or_person``: ``Person.user_id == …`` or ``Person.id == …``."""
    from coopnum.training.models import Participant

    signed = (select(AttendanceSignature.id).where(AttendanceSignature.half_day_id == TrainingHalfDay.id,
                                                   AttendanceSignature.person_id == Participant.person_id)
              .exists())
    training = contains_eager(TrainingHalfDay.training)  # the panels show each one's title
    return (select(TrainingHalfDay, signed)
            .join(TrainingSession, TrainingSession.id == TrainingHalfDay.training_id)
            .join(Participant, Participant.training_id == TrainingSession.id)
            .join(Person, Person.id == Participant.person_id)
            .where(user_or_person, TrainingSession.status != TrainingStatus.CANCELLED,
                   TrainingHalfDay.starts_at >= now - timedelta(days=1), TrainingHalfDay.starts_at <= until)
            .options(training.lazyload(TrainingSession.half_days), training.lazyload(TrainingSession.participants))
            .order_by(TrainingHalfDay.starts_at, TrainingHalfDay.id))


def to_sign_now(session, person: Person, now: datetime) -> list[TrainingHalfDay]:
    """The half-days a person may sign on screen now and has not signed (one query)."""
    rows = session.execute(_half_days_of(Person.id == person.id, now, now + EARLY)).all()
    return [hd for hd, signed in rows if not signed and is_open(hd, now)]


def dashboard_half_days(session, user_id: int, now: datetime, *, days: int = 30,
                        limit: int = 5) -> tuple[list[TrainingHalfDay], list[TrainingHalfDay]]:
    """For the dashboard, in one query: (the half-days the user's person may sign on screen now and has not
    signed, the next ``limit`` half-days of its planned trainings in the next ``days`` days); two empty lists when
    the user has no person."""
    rows = session.execute(_half_days_of(Person.user_id == user_id, now, now + timedelta(days=days))).all()
    to_sign = [hd for hd, signed in rows if hd.starts_at <= now + EARLY and not signed and is_open(hd, now)]
    upcoming = [hd for hd, _signed in rows if hd.training.status == TrainingStatus.PLANNED and hd.starts_at >= now
                and hd.starts_at < now + timedelta(days=days)]
    return to_sign, upcoming[:limit]
