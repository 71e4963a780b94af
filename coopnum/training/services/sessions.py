"""Training sessions: plan (create, edit) a peer training in half-days with its trainers and trainees, cancel it,
mark it held, record the levels reached by its trainees.

Planning checks availability: a trainer or trainee who is a user and has a mission session or an absence over a
half-day is a *warning* (``Unavailable``: the coordinator may save anyway with ``confirm=True``); a person already in
another (not cancelled) training over the same time is *refused* (``Conflict``). Every change writes the audit log
and increases ``sequence`` (the iCalendar SEQUENCE of the trainings' events)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import select

from coopnum.core import audit, clock
from coopnum.core.errors import Conflict, DomainError, NotFound
from coopnum.training.models import (
    AttendanceSignature,
    EvidenceKind,
    HalfDay,
    Participant,
    ParticipantRole,
    Person,
    Skill,
    SkillAssessment,
    TrainingHalfDay,
    TrainingSession,
    TrainingSkill,
    TrainingStatus,
)

DEFAULT_TIMES = {HalfDay.MORNING: (time(9, 0), time(12, 30)), HalfDay.AFTERNOON: (time(13, 30), time(17, 0))}
PERIOD_LABELS = {HalfDay.MORNING: "matin", HalfDay.AFTERNOON: "après-midi"}
MAX_HALF_DAYS = 20
MAX_PARTICIPANTS = 60


class Unavailable(DomainError):
    """Some participants have a mission session or an absence over the training: save again with ``confirm``."""

    code = "unavailable"
    status = 409


@dataclass
class HalfDayInput:
    day: date
    period: str  # HalfDay
    start: time | None = None  # Paris wall-clock time; the period's default when None
    end: time | None = None


@dataclass
class TrainingInput:
    title: str
    half_days: list[HalfDayInput]
    trainer_ids: list[int]  # person ids
    trainee_ids: list[int] = field(default_factory=list)
    skills: list[tuple[int, int | None]] = field(default_factory=list)  # (skill id, target level)
    description: str = ""
    place_id: int | None = None
    location: str = ""
    materials: str = ""


@dataclass(frozen=True)
class Slot:
    day: date
    period: str
    starts_at: datetime
    ends_at: datetime


def period_label(period: str) -> str:
    return PERIOD_LABELS.get(period, period)


def half_day_label(hd) -> str:
    return f"{hd.day.strftime('%d/%m/%Y')} {period_label(hd.period)}"


# --- validation -----------------------------------------------------------------------------------------------------

def _slots(items: list[HalfDayInput]) -> list[Slot]:
    if not items:
        raise DomainError("Indiquez au moins une demi-journée.", field="half_days")
    if len(items) > MAX_HALF_DAYS:
        raise DomainError(f"Une formation compte au plus {MAX_HALF_DAYS} demi-journées.", field="half_days")
    slots, seen = [], set()
    for item in items:
        if item.period not in {p.value for p in HalfDay}:
            raise DomainError("Demi-journée inconnue : choisissez matin ou après-midi.", field="half_days")
        period = HalfDay(item.period)
        if (item.day, period) in seen:
            raise DomainError(f"La demi-journée du {item.day.strftime('%d/%m/%Y')} {period_label(period)} est "
                              "indiquée deux fois.", field="half_days")
        seen.add((item.day, period))
        default_start, default_end = DEFAULT_TIMES[period]
        start, end = item.start or default_start, item.end or default_end
        if end <= start:
            raise DomainError(f"Le {item.day.strftime('%d/%m/%Y')} {period_label(period)} : l'heure de fin doit "
                              "suivre l'heure de début.", field="half_days")
        slots.append(Slot(item.day, period, clock.paris_datetime(item.day, start),
                          clock.paris_datetime(item.day, end)))
    slots.sort(key=lambda s: s.starts_at)
    for a, b in zip(slots, slots[1:], strict=False):
        if b.starts_at < a.ends_at:
            raise DomainError(f"Les demi-journées du {a.day.strftime('%d/%m/%Y')} se chevauchent.",
                              field="half_days")
    return slots


def _people(session, ids: list[int], field_name: str) -> list[Person]:
    ids = list(dict.fromkeys(int(i) for i in ids))
    if len(ids) > MAX_PARTICIPANTS:
        raise DomainError("Trop de participants.", field=field_name)
    found = {p.id: p for p in session.execute(select(Person).where(Person.id.in_(ids))).scalars()} if ids else {}
    missing = [i for i in ids if i not in found]
    if missing:
        raise DomainError("Personne introuvable.", field=field_name)
    return [found[i] for i in ids]


def _skills(session, items: list[tuple[int, int | None]]) -> list[tuple[Skill, int | None]]:
    result, seen = [], set()
    for skill_id, level in items:
        skill = session.get(Skill, int(skill_id))
        if skill is None:
            raise DomainError("Compétence introuvable.", field="skills")
        if skill.id in seen:
            continue
        seen.add(skill.id)
        if level is not None and not 1 <= level <= skill.max_level:
            raise DomainError(f"Niveau visé de « {skill.title} » : entre 1 et {skill.max_level}.", field="skills")
        result.append((skill, level))
    return result


def _check_place(session, place_id: int | None) -> None:
    if place_id is None:
        return
    from coopnum.organisations.models import Place

    if session.get(Place, place_id) is None:
        raise DomainError("Lieu introuvable.", field="place_id")


# --- availability -----------------------------------------------------------------------------------------------------

def overlapping_trainings(session, person_ids: list[int], slots: list[Slot], *,
                          exclude_training_id: int | None = None) -> list[str]:
    """The other (not cancelled) trainings of these people over these slots, as French sentences."""
    if not person_ids or not slots:
        return []
    lo, hi = min(s.starts_at for s in slots), max(s.ends_at for s in slots)
    q = (select(TrainingHalfDay, TrainingSession, Participant)
         .join(TrainingSession, TrainingSession.id == TrainingHalfDay.training_id)
         .join(Participant, Participant.training_id == TrainingSession.id)
         .where(Participant.person_id.in_(person_ids), TrainingSession.status != TrainingStatus.CANCELLED,
                TrainingHalfDay.starts_at < hi, TrainingHalfDay.ends_at > lo))
    if exclude_training_id is not None:
        q = q.where(TrainingSession.id != exclude_training_id)
    found = []
    for hd, training, participant in session.execute(q).all():
        if any(hd.starts_at < s.ends_at and s.starts_at < hd.ends_at for s in slots):
            name = participant.person.full_name if participant.person else f"n° {participant.person_id}"
            found.append(f"{name} suit déjà la formation « {training.title} » le {half_day_label(hd)}.")
    return sorted(set(found))


def availability_conflicts(session, people: list[Person], slots: list[Slot]) -> list[str]:
    """Mission sessions (assignments) and absences of the users among ``people`` over the slots."""
    from coopnum.missions.models import Absence, Assignment, MissionSession

    users = {p.user_id: p for p in people if p.user_id is not None}
    if not users or not slots:
        return []
    lo, hi = min(s.starts_at for s in slots), max(s.ends_at for s in slots)
    found: list[str] = []

    def over(start, end) -> Slot | None:
        return next((s for s in slots if start < s.ends_at and s.starts_at < end), None)

    rows = session.execute(
        select(MissionSession, Assignment.user_id).join(Assignment, Assignment.session_id == MissionSession.id)
        .where(Assignment.user_id.in_(list(users)), MissionSession.start < hi, MissionSession.end > lo,
               MissionSession.status != "cancelled")).all()
    for ms, user_id in rows:
        slot = over(ms.start, ms.end)
        if slot is not None:
            local = clock.to_paris(ms.start).strftime("%H:%M")
            found.append(f"{users[user_id].full_name} a une séance « {ms.mission.title} » le "
                         f"{slot.day.strftime('%d/%m/%Y')} à {local}.")
    for absence in session.execute(select(Absence).where(Absence.user_id.in_(list(users)), Absence.start < hi,
                                                         Absence.end > lo)).scalars():
        slot = over(absence.start, absence.end)
        if slot is not None:
            found.append(f"{users[absence.user_id].full_name} est absent·e le {slot.day.strftime('%d/%m/%Y')} "
                         f"{period_label(slot.period)}.")
    return sorted(set(found))


# --- planning ---------------------------------------------------------------------------------------------------------

def _validate(session, data: TrainingInput, *, exclude_training_id: int | None, confirm: bool):
    title = (data.title or "").strip()
    if not title:
        raise DomainError("Indiquez le sujet de la formation.", field="title")
    if len(title) > 200:
        raise DomainError("Sujet trop long (200 caractères au plus).", field="title")
    if len(data.description or "") > 20_000 or len(data.materials or "") > 1000 or len(data.location or "") > 300:
        raise DomainError("Texte trop long.", field="description")
    slots = _slots(data.half_days)
    trainers = _people(session, data.trainer_ids, "trainer_ids")
    trainees = _people(session, data.trainee_ids, "trainee_ids")
    if not trainers:
        raise DomainError("Indiquez au moins un·e formateur·rice.", field="trainer_ids")
    both = {p.id for p in trainers} & {p.id for p in trainees}
    if both:
        raise DomainError("Une même personne ne peut pas être formatrice et stagiaire de la formation.",
                          field="trainee_ids")
    skills = _skills(session, data.skills)
    _check_place(session, data.place_id)
    people = trainers + trainees
    overlaps = overlapping_trainings(session, [p.id for p in people], slots, exclude_training_id=exclude_training_id)
    if overlaps:
        raise Conflict("Formations qui se chevauchent : " + " ".join(overlaps), field="half_days")
    warnings = availability_conflicts(session, people, slots)
    if warnings and not confirm:
        raise Unavailable("Disponibilités : " + " ".join(warnings)
                          + " Cochez « Enregistrer malgré tout » pour confirmer.", field="confirm",
                          details={"conflicts": warnings})
    return title, slots, trainers, trainees, skills


def _snapshot(training: TrainingSession) -> dict:
    return {"title": training.title, "status": training.status, "place_id": training.place_id,
            "location": training.location,
            "half_days": [f"{hd.day.isoformat()} {hd.period}" for hd in training.half_days],
            "participants": sorted(f"{p.role}:{p.person_id}" for p in training.participants)}


def _signed_half_days(session, training: TrainingSession) -> set[int]:
    ids = [hd.id for hd in training.half_days if hd.id is not None]
    if not ids:
        return set()
    return set(session.execute(select(AttendanceSignature.half_day_id)
                               .where(AttendanceSignature.half_day_id.in_(ids))).scalars())


def _signers(session, training: TrainingSession) -> set[int]:
    ids = [hd.id for hd in training.half_days if hd.id is not None]
    if not ids:
        return set()
    return set(session.execute(select(AttendanceSignature.person_id)
                               .where(AttendanceSignature.half_day_id.in_(ids))).scalars())


def _apply(session, training: TrainingSession, data: TrainingInput, validated) -> None:
    title, slots, trainers, trainees, skills = validated
    training.title = title
    training.description = (data.description or "").strip()
    training.place_id = data.place_id
    training.location = (data.location or "").strip()
    training.materials = (data.materials or "").strip()
    signed = _signed_half_days(session, training)
    wanted = {(s.day, s.period): s for s in slots}
    for hd in list(training.half_days):
        slot = wanted.pop((hd.day, hd.period), None)
        if slot is None:
            if hd.id in signed:
                raise DomainError(f"La demi-journée du {half_day_label(hd)} est déjà émargée : elle ne peut pas "
                                  "être retirée.", field="half_days")
            training.half_days.remove(hd)
        else:
            hd.starts_at, hd.ends_at = slot.starts_at, slot.ends_at
    for slot in wanted.values():
        training.half_days.append(TrainingHalfDay(day=slot.day, period=slot.period, starts_at=slot.starts_at,
                                                  ends_at=slot.ends_at))
    roles = {p.id: ParticipantRole.TRAINER for p in trainers} | {p.id: ParticipantRole.TRAINEE for p in trainees}
    signers = _signers(session, training)
    for participant in list(training.participants):
        role = roles.pop(participant.person_id, None)
        if role is None:
            if participant.person_id in signers:
                raise DomainError(f"{participant.person.full_name} a déjà émargé : cette personne ne peut pas être "
                                  "retirée de la formation.", field="trainee_ids")
            training.participants.remove(participant)
        else:
            participant.role = role
    for person_id, role in roles.items():
        training.participants.append(Participant(person_id=person_id, role=role))
    current = {ts.skill_id: ts for ts in session.execute(
        select(TrainingSkill).where(TrainingSkill.training_id == training.id)).scalars()}
    for skill, level in skills:
        row = current.pop(skill.id, None)
        if row is None:
            session.add(TrainingSkill(training_id=training.id, skill_id=skill.id, target_level=level))
        else:
            row.target_level = level
    for row in current.values():
        session.delete(row)
    session.flush()


def create_training(session, data: TrainingInput, *, actor, now: datetime, confirm: bool = False) -> TrainingSession:
    validated = _validate(session, data, exclude_training_id=None, confirm=confirm)
    training = TrainingSession(title=validated[0], created_by_id=getattr(actor, "id", None), sequence=0)
    session.add(training)
    session.flush()
    _apply(session, training, data, validated)
    audit.record(session, actor, "training.create", training, summary=f"Formation « {training.title} » planifiée",
                 after=_snapshot(training), now=now)
    return training


def update_training(session, training: TrainingSession, data: TrainingInput, *, actor, now: datetime,
                    confirm: bool = False) -> TrainingSession:
    if training.status == TrainingStatus.CANCELLED:
        raise DomainError("Cette formation est annulée : elle ne peut plus être modifiée.")
    before = _snapshot(training)
    validated = _validate(session, data, exclude_training_id=training.id, confirm=confirm)
    _apply(session, training, data, validated)
    training.sequence = (training.sequence or 0) + 1
    audit.record(session, actor, "training.update", training, summary=f"Formation « {training.title} » modifiée",
                 before=before, after=_snapshot(training), now=now)
    return training


def cancel_training(session, training: TrainingSession, reason: str, *, actor, now: datetime) -> TrainingSession:
    reason = (reason or "").strip()
    if training.status == TrainingStatus.CANCELLED:
        raise Conflict("Cette formation est déjà annulée.")
    if training.status == TrainingStatus.HELD:
        raise DomainError("Cette formation a eu lieu : elle ne peut plus être annulée.")
    if not reason:
        raise DomainError("Indiquez le motif de l'annulation.", field="reason")
    if len(reason) > 300:
        raise DomainError("Motif trop long (300 caractères au plus).", field="reason")
    training.status = TrainingStatus.CANCELLED
    training.cancel_reason = reason
    training.sequence = (training.sequence or 0) + 1
    audit.record(session, actor, "training.cancel", training, summary=f"Formation « {training.title} » annulée : "
                 f"{reason}", now=now)
    return training


def mark_held(session, training: TrainingSession, *, actor, now: datetime) -> TrainingSession:
    if training.status != TrainingStatus.PLANNED:
        raise Conflict("Seule une formation prévue peut être marquée comme réalisée.")
    if not training.half_days or now < training.half_days[0].starts_at:
        raise DomainError("La formation n'a pas encore commencé.")
    training.status = TrainingStatus.HELD
    training.sequence = (training.sequence or 0) + 1
    audit.record(session, actor, "training.held", training, summary=f"Formation « {training.title} » réalisée",
                 now=now)
    return training


def training_skills(session, training: TrainingSession) -> list[tuple[Skill, int | None]]:
    rows = session.execute(select(Skill, TrainingSkill.target_level).join(TrainingSkill,
                           TrainingSkill.skill_id == Skill.id).where(TrainingSkill.training_id == training.id)
                           .order_by(Skill.framework, Skill.position, Skill.code)).all()
    return [(s, level) for s, level in rows]


def record_levels(session, training: TrainingSession, levels: dict[tuple[int, int], int], *, actor,
                  now: datetime) -> list[SkillAssessment]:
    """The levels reached by trainees at the end of a training: ``{(person_id, skill_id): level}`` (0 or missing:
    nothing recorded). Append-only assessments with evidence "training" linked to the training."""
    if training.status == TrainingStatus.CANCELLED:
        raise DomainError("Cette formation est annulée.")
    trainees = {p.person_id: p.person for p in training.participants if p.role == ParticipantRole.TRAINEE}
    skills = {s.id: s for s, _level in training_skills(session, training)}
    day = clock.paris_today(now)
    rows = []
    for (person_id, skill_id), level in sorted(levels.items()):
        if not level:
            continue
        if person_id not in trainees:
            raise DomainError("Cette personne n'est pas stagiaire de la formation.", field="levels")
        skill = skills.get(skill_id)
        if skill is None:
            raise DomainError("Cette compétence n'est pas travaillée par la formation.", field="levels")
        if not 1 <= level <= skill.max_level:
            raise DomainError(f"Niveau de « {skill.title} » : entre 1 et {skill.max_level}.", field="levels")
        rows.append(SkillAssessment(person_id=person_id, skill_id=skill_id, level=level, assessed_on=day,
                                    evidence_kind=EvidenceKind.TRAINING, training_session_id=training.id,
                                    evidence=f"Formation « {training.title} »"[:500],
                                    assessed_by_id=getattr(actor, "id", None), created_at=now))
    if not rows:
        raise DomainError("Indiquez au moins un niveau atteint.", field="levels")
    session.add_all(rows)
    audit.record(session, actor, "training.levels", training,
                 summary=f"Niveaux atteints en fin de formation « {training.title} » : {len(rows)}", now=now)
    return rows


def participant_of(training: TrainingSession, person_id: int) -> Participant | None:
    return next((p for p in training.participants if p.person_id == person_id), None)


def get_training(session, training_id: int) -> TrainingSession:
    training = session.get(TrainingSession, training_id)
    if training is None:
        raise NotFound("Formation introuvable.")
    return training
