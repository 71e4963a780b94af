"""The volume's peer trainings: one a month over the years the demo's year of trainings does not cover, a half-day
(a morning, 9:00–12:30, or else an afternoon, 14:00–17:30) of a topic of the demo's (its Pix competences), held, a
working mediator training one to five others; only mediators with neither a session nor leave that half-day take
part. The half-day is the first of the month's weekdays (taken in a random order), mornings before afternoons,
where two mediators are free: a few random draws would miss it when the mediators are few and busy. Each participant signs on screen
(one drawn signature per person), and after one training in two the trainees' levels are recorded."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import func, select

from coopnum.training.demo_sessions import TOPICS, _signature
from coopnum.training.models import (
    AttendanceSignature,
    EvidenceKind,
    HalfDay,
    Participant,
    ParticipantRole,
    SignatureMethod,
    Skill,
    SkillAssessment,
    SkillFramework,
    TrainingHalfDay,
    TrainingSession,
    TrainingSkill,
    TrainingStatus,
)
from coopnum.volume.bulk import Bulk, Period, add_months, paris

MORNING = (time(9), time(12, 30))
AFTERNOON = (time(14), time(17, 30))


def generate(bulk: Bulk, period: Period, ctx, working: list, free) -> None:
    """``free(user id, day, afternoon)``: whether a mediator can attend (the planner's)."""
    from coopnum.training.services import framework
    from coopnum.training.services.people import person_for_user

    session = bulk.session
    if len(working) < 2:
        return
    framework.ensure_framework(session)
    pix = {s.code: s.id for s in session.execute(select(Skill).where(Skill.framework == SkillFramework.PIX)).scalars()}
    people = {u.id: person_for_user(session, u) for u in working}
    session.flush()
    demo_start = session.execute(select(func.min(TrainingHalfDay.day))).scalar()
    stop = demo_start - timedelta(days=14) if demo_start else period.today - timedelta(days=14)
    rows = _Rows()
    signatures = {uid: _signature(ctx.rng, p.full_name) for uid, p in people.items()}
    month = period.first_month
    while month <= stop:
        _training(bulk, ctx, rows, month, stop, working, people, signatures, pix, free)
        month = add_months(month, 1)
    rows.write(bulk)


class _Rows:
    def __init__(self):
        self.trainings, self.skills, self.half_days, self.participants = [], [], [], []
        self.signatures, self.assessments = [], []

    def write(self, bulk: Bulk) -> None:
        bulk.insert(TrainingSession, self.trainings)
        bulk.insert(TrainingSkill, self.skills)
        bulk.insert(TrainingHalfDay, self.half_days)
        bulk.insert(Participant, self.participants)
        bulk.insert(AttendanceSignature, self.signatures)
        bulk.insert(SkillAssessment, self.assessments)


def _half_day(rng, month: date, stop: date, working, free) -> tuple[date, bool, list[int]] | None:
    """The month's training half-day and the mediators free then, or None when no half-day has two."""
    days = [month + timedelta(days=n) for n in range(31)]
    days = [d for d in days if d.month == month.month and d.weekday() < 5 and d <= stop]
    rng.shuffle(days)
    for afternoon in (False, True):
        for day in days:
            present = [u.id for u in working if free(u.id, day, afternoon)]
            if len(present) >= 2:
                return day, afternoon, present
    return None


def _training(bulk: Bulk, ctx, rows: _Rows, month: date, stop: date, working, people, signatures, pix,
              free) -> None:
    rng = ctx.rng
    found = _half_day(rng, month, stop, working, free)
    if found is None:
        return
    day, afternoon, present = found
    rng.shuffle(present)
    trainer, trainees = present[0], present[1:rng.randint(4, 6)]
    title, codes, description = TOPICS[(month.year * 12 + month.month) % len(TOPICS)]
    hours = AFTERNOON if afternoon else MORNING
    start, end = paris(day, hours[0]), paris(day, hours[1])
    tid, hid = bulk.next_id(TrainingSession), bulk.next_id(TrainingHalfDay)
    planned = start - timedelta(days=21)
    place = ctx.places[(month.month + month.year) % len(ctx.places)] if ctx.places else None
    rows.trainings.append({"id": tid, "title": title, "description": description,
                           "place_id": place.id if place else None, "location": "", "materials": "",
                           "status": TrainingStatus.HELD, "cancel_reason": "", "sequence": 1,
                           "created_by_id": ctx.coordinator.id, "created_at": planned, "updated_at": end})
    skills = [(pix[c], rng.randint(2, 4)) for c in codes if c in pix]
    rows.skills += [{"training_id": tid, "skill_id": sid, "target_level": level} for sid, level in skills]
    rows.half_days.append({"id": hid, "training_id": tid, "day": day, "period": HalfDay.AFTERNOON if afternoon else HalfDay.MORNING, "starts_at": start,
                           "ends_at": end})
    for uid in [trainer, *trainees]:
        role = ParticipantRole.TRAINER if uid == trainer else ParticipantRole.TRAINEE
        rows.participants.append({"training_id": tid, "person_id": people[uid].id, "role": role,
                                  "created_at": planned})
        if uid == trainer or rng.random() > 0.08:  # a trainee is absent now and then
            rows.signatures.append({
                "half_day_id": hid, "person_id": people[uid].id, "role": role, "method": SignatureMethod.SCREEN,
                "signed_at": start + timedelta(minutes=rng.randint(-15, 20)), "signature_png": signatures[uid],
                "scan_id": None, "recorded_by_id": uid, "ip": "192.0.2.10"})
    if skills and month.month % 2 == 0:
        rows.assessments += [{"person_id": people[uid].id, "skill_id": sid, "level": max(1, level - rng.randint(0, 1)),
                              "assessed_on": day, "evidence_kind": EvidenceKind.TRAINING,
                              "evidence": f"Formation « {title} »", "training_session_id": tid,
                              "assessed_by_id": trainer, "created_at": end + timedelta(hours=1)}
                             for uid in trainees for sid, level in skills]
