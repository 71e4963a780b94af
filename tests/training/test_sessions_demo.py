"""The demo of trainings: a year of held peer trainings with drawn signatures, one half-day on paper with its scan,
levels recorded after some, and one training next week (deterministic: the same seed gives the same data)."""

import random

from sqlalchemy import func, select

from coopnum.demo import DemoContext
from coopnum.training import demo_sessions
from coopnum.training.models import (
    AttendanceScan,
    AttendanceSignature,
    EvidenceKind,
    SkillAssessment,
    TrainingSession,
    TrainingStatus,
)
from tests import days, factories


def _count(session, stmt) -> int:
    return session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()


def test_demo_trainings(session, users):
    mediators = [factories.user(session, roles=["mediator"], full_name=f"Médiatrice {i}") for i in range(5)]
    members = [factories.user(session, roles=["member"], full_name=f"Sociétaire {i}") for i in range(4)]
    places = [factories.place(session) for _ in range(2)]
    ctx = DemoContext(rng=random.Random(7), now=days.NOW, coordinator=users["coordinator"], mediators=mediators,
                      members=members, places=places)
    demo_sessions.seed(session, ctx, days.NOW)
    trainings = session.execute(select(TrainingSession)).scalars().all()
    assert len(trainings) == 12
    held = [t for t in trainings if t.status == TrainingStatus.HELD]
    planned = [t for t in trainings if t.status == TrainingStatus.PLANNED]
    assert len(held) == 11 and len(planned) == 1
    assert 0 < (planned[0].half_days[0].day - days.TODAY).days <= 14
    assert all(t.half_days[-1].ends_at < days.NOW for t in held)
    assert all(len(t.participants) >= 4 for t in trainings)
    assert _count(session, select(AttendanceScan)) == 1
    paper = _count(session, select(AttendanceSignature).where(AttendanceSignature.method == "paper"))
    screen = session.execute(select(AttendanceSignature).where(AttendanceSignature.method == "screen")).scalars().all()
    assert paper >= 3 and len(screen) > 40
    assert all(s.signature_png.startswith(b"\x89PNG") for s in screen)
    assert _count(session, select(SkillAssessment).where(SkillAssessment.evidence_kind == EvidenceKind.TRAINING)) > 5
