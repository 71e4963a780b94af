"""The skills matrix: people (rows) × competences (columns, grouped by domain) with their current levels, the gaps
against each person's target profile, who can train whom, and the training hours per person and year.

**Who can train whom** (for one competence): a person *can train* in a competence when its current level is at
least ``trainer_level(skill)`` — level 5 (« avancé » in the CRCN: guides others) for a Pix competence, the skill's
maximum for a skill with fewer levels (a block of the title: acquired) — and at least the level the learner aims at.
The *learners* are the people below the level their target profile requires in that competence.

**Training hours**: the minutes of the half-days a person signed (attendance signatures), as trainee and as
trainer, per calendar year of the half-day."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from coopnum.training.models import AttendanceSignature, ParticipantRole, Person, Skill, TrainingHalfDay
from coopnum.training.services import framework, profiles
from coopnum.training.services.people import current_levels, people_stmt

TRAINER_LEVEL = 5


def trainer_level(skill: Skill) -> int:
    """The level from which a person can train others in ``skill``."""
    return min(TRAINER_LEVEL, skill.max_level)


@dataclass
class Hours:
    trainee_minutes: int = 0
    trainer_minutes: int = 0

    @property
    def trainee_hours(self) -> float:
        return round(self.trainee_minutes / 60, 2)

    @property
    def trainer_hours(self) -> float:
        return round(self.trainer_minutes / 60, 2)


def hours(session, year: int, person_ids: list[int] | None = None) -> dict[int, Hours]:
    """{person_id: Hours} of the half-days of ``year`` each person signed (one query)."""
    stmt = (select(AttendanceSignature.person_id, AttendanceSignature.role, TrainingHalfDay.starts_at,
                   TrainingHalfDay.ends_at)
            .join(TrainingHalfDay, TrainingHalfDay.id == AttendanceSignature.half_day_id)
            .where(TrainingHalfDay.day >= date(year, 1, 1), TrainingHalfDay.day <= date(year, 12, 31)))
    if person_ids is not None:
        stmt = stmt.where(AttendanceSignature.person_id.in_(person_ids))
    result: dict[int, Hours] = defaultdict(Hours)
    for person_id, role, starts_at, ends_at in session.execute(stmt).all():
        minutes = int((ends_at - starts_at).total_seconds() // 60)
        if role == ParticipantRole.TRAINER:
            result[person_id].trainer_minutes += minutes
        else:
            result[person_id].trainee_minutes += minutes
    return dict(result)


@dataclass
class Matrix:
    people: list[Person]
    skills: list[Skill]
    domains: list[tuple[str, str, list[Skill]]]
    levels: dict[tuple[int, int], int]
    required: dict[int, dict[int, int]]  # person_id → {skill_id: required level}
    hours: dict[int, Hours]
    year: int
    profile_names: dict[int, str] = field(default_factory=dict)

    def level(self, person: Person, skill: Skill) -> int:
        return self.levels.get((person.id, skill.id), 0)

    def target(self, person: Person, skill: Skill) -> int | None:
        return self.required.get(person.id, {}).get(skill.id)

    def gap(self, person: Person, skill: Skill) -> int:
        target = self.target(person, skill)
        return max(0, target - self.level(person, skill)) if target else 0

    def gaps_count(self, person: Person) -> int:
        return sum(1 for s in self.skills if self.gap(person, s) > 0)


def build(session, *, kind: str | None = None, profile_id: int | None = None, frameworks: tuple[str, ...] = (),
          year: int, q: str = "") -> Matrix:
    """The matrix of the active people (filtered by kind, profile or name) and the active skills (of
    ``frameworks``, all when empty): a constant number of queries whatever the size."""
    people = list(session.execute(people_stmt(q, kind=kind, profile_id=profile_id)).scalars())
    skills = [s for s in framework.skills(session) if not frameworks or s.framework in frameworks]
    person_ids = [p.id for p in people]
    levels = current_levels(session, person_ids, [s.id for s in skills]) if people and skills else {}
    by_profile = profiles.required_levels(session, {p.target_profile_id for p in people if p.target_profile_id})
    required = {p.id: by_profile.get(p.target_profile_id, {}) for p in people if p.target_profile_id}
    names = {pr.id: pr.name for pr in profiles.profiles(session)}
    return Matrix(people=people, skills=skills, domains=framework.by_domain(skills), levels=levels,
                  required=required, hours=hours(session, year, person_ids) if people else {}, year=year,
                  profile_names=names)


@dataclass
class Pairing:
    learner: Person
    level: int
    target: int
    trainers: list[tuple[Person, int]]


@dataclass
class WhoTrains:
    skill: Skill
    threshold: int
    trainers: list[tuple[Person, int]]  # (person, level), highest first
    learners: list[Pairing]


def who_can_train(session, skill: Skill) -> WhoTrains:
    """For one competence: the people who can train in it, the learners (below their target) and, for each
    learner, the trainers whose level reaches both the threshold and the learner's target."""
    people = list(session.execute(people_stmt()).scalars())
    levels = current_levels(session, [p.id for p in people], [skill.id]) if people else {}
    threshold = trainer_level(skill)
    trainers = sorted(((p, levels.get((p.id, skill.id), 0)) for p in people
                       if levels.get((p.id, skill.id), 0) >= threshold), key=lambda t: (-t[1], t[0].full_name))
    required = profiles.required_levels(session, {p.target_profile_id for p in people if p.target_profile_id})
    learners = []
    for p in people:
        target = required.get(p.target_profile_id, {}).get(skill.id) if p.target_profile_id else None
        level = levels.get((p.id, skill.id), 0)
        if target and level < target:
            learners.append(Pairing(p, level, target, [(t, lv) for t, lv in trainers
                                                       if t.id != p.id and lv >= target]))
    return WhoTrains(skill, threshold, trainers, learners)


def xlsx(matrix: Matrix, labels: dict) -> bytes:
    """The matrix as an XLSX workbook: one row per person (name, kind, profile, hours), one column per competence
    (its current level, « 2 → 4 » when below the target), and a sheet of the gaps."""
    import io

    from openpyxl import Workbook

    from coopnum.core.spreadsheet import xlsx_cell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(str(labels["sheet"]))
    ws.append([str(labels["name"]), str(labels["kind"]), str(labels["profile"]), str(labels["trainee_hours"]),
               str(labels["trainer_hours"])] + [f"{s.code} {s.title}" for s in matrix.skills])
    for p in matrix.people:
        h = matrix.hours.get(p.id, Hours())
        row = [p.full_name, str(labels["kinds"].get(p.kind, p.kind)),
               matrix.profile_names.get(p.target_profile_id, "") if p.target_profile_id else "",
               h.trainee_hours, h.trainer_hours]
        for s in matrix.skills:
            level, target = matrix.level(p, s), matrix.target(p, s)
            row.append(f"{level} → {target}" if target and level < target else level)
        ws.append([xlsx_cell(ws, v) if v != "" else None for v in row])
    gaps = wb.create_sheet(str(labels["gaps_sheet"]))
    gaps.append([str(labels["name"]), str(labels["skill"]), str(labels["current"]), str(labels["target"]),
                 str(labels["missing"])])
    for p in matrix.people:
        for s in matrix.skills:
            if matrix.gap(p, s):
                gaps.append([xlsx_cell(gaps, p.full_name), xlsx_cell(gaps, f"{s.code} {s.title}"),
                             matrix.level(p, s), matrix.target(p, s), matrix.gap(p, s)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
