"""Training objects for tests, written as rows (the services are tested on their own): the framework, people, an
assessment, a certification, a target profile, a planned training with two half-days (the mediator as trainer, the
member as trainee), a requirement of the world's service. ``training_world`` feeds the access test; each area adds
its objects in its own function."""

from datetime import timedelta

from coopnum.training.models import (
    Certification,
    CertificationKind,
    EvidenceKind,
    HalfDay,
    Participant,
    ParticipantRole,
    Person,
    PersonKind,
    ServiceSkillRequirement,
    Skill,
    SkillAssessment,
    TargetProfile,
    TargetProfileSkill,
    TrainingHalfDay,
    TrainingSession,
    TrainingSkill,
)
from coopnum.training.services import framework
from coopnum.training.services.people import person_for_user
from tests import days


def skills(session) -> dict[str, Skill]:
    """The reference framework, by code ("4.2", "CCP1")."""
    from sqlalchemy import select

    framework.ensure_framework(session)
    return {s.code: s for s in session.execute(select(Skill)).scalars()}


def person(session, *, user=None, full_name="Personne Externe", kind=PersonKind.EXTERNAL, **kwargs) -> Person:
    if user is not None:
        return person_for_user(session, user)
    row = Person(full_name=full_name, kind=kind, **kwargs)
    session.add(row)
    session.flush()
    return row


def assess(session, who: Person, skill: Skill, level: int, *, on=None, evidence_kind=EvidenceKind.TRAINER,
           evidence="", by=None) -> SkillAssessment:
    row = SkillAssessment(person_id=who.id, skill_id=skill.id, level=level, assessed_on=on or days.TODAY,
                          evidence_kind=evidence_kind, evidence=evidence, assessed_by_id=by.id if by else None)
    session.add(row)
    session.flush()
    return row


def training(session, *, title="Sécuriser ses comptes en ligne", day=None, trainers=(), trainees=(), skills=(),
             place_id=None, afternoon=True) -> TrainingSession:
    day = day or days.days(7)
    row = TrainingSession(title=title, place_id=place_id)
    session.add(row)
    session.flush()
    row.half_days.append(TrainingHalfDay(day=day, period=HalfDay.MORNING, starts_at=days.at(day, 9),
                                         ends_at=days.at(day, 12, 30)))
    if afternoon:
        row.half_days.append(TrainingHalfDay(day=day, period=HalfDay.AFTERNOON, starts_at=days.at(day, 13, 30),
                                             ends_at=days.at(day, 17)))
    for p in trainers:
        row.participants.append(Participant(person_id=p.id, role=ParticipantRole.TRAINER))
    for p in trainees:
        row.participants.append(Participant(person_id=p.id, role=ParticipantRole.TRAINEE))
    for s in skills:
        session.add(TrainingSkill(training_id=row.id, skill_id=s.id, target_level=3))
    session.flush()
    return row


def training_world(session, users, world: dict) -> dict:
    """One object of each kind, tied to the access test's users and world."""
    ids = _base_world(session, users, world)
    ids.update(_skills_world(session, users, world, ids))
    ids.update(_sessions_world(session, users, world, ids))
    ids.update(_planning_world(session, users, world, ids))
    return ids


def _skills_world(session, users, world, ids) -> dict:
    """Skills area: a certification of the mediator (that the member may not edit)."""
    cert = Certification(person_id=ids["mediator_person"], kind=CertificationKind.PSC1, name="PSC1",
                         obtained_on=days.TODAY - timedelta(days=300), expires_on=days.TODAY + timedelta(days=400))
    session.add(cert)
    session.flush()
    return {"mediator_certification": cert.id}


def signature_png(seed: int = 0) -> bytes:
    """A small drawn signature (a PNG made with Pillow)."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (120, 40), "white")
    draw = ImageDraw.Draw(image)
    draw.line([(5, 30), (30 + seed % 20, 8), (60, 32), (110, 10 + seed % 15)], fill="black", width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _sessions_world(session, users, world, ids) -> dict:
    """A held training of two weeks ago (the mediator trains the member and the external person): the morning signed
    on screen by the mediator and the member, the external person's on paper from a scan."""
    from coopnum.training.models import AttendanceScan, AttendanceSignature, SignatureMethod, TrainingStatus

    mediator, member, external = (session.get(Person, ids[k]) for k in ("mediator_person", "member_person",
                                                                         "external_person"))
    held = training(session, title="Bien démarrer avec Pix", day=days.TODAY - timedelta(days=14), afternoon=False,
                    trainers=[mediator], trainees=[member, external])
    held.status = TrainingStatus.HELD
    hd = held.half_days[0]
    scan = AttendanceScan(half_day_id=hd.id, filename="feuille.pdf", content_type="application/pdf",
                          data=b"%PDF-1.4 scan", sha256="0" * 64, uploaded_at=hd.ends_at)
    session.add(scan)
    session.flush()
    for who, role in ((mediator, ParticipantRole.TRAINER), (member, ParticipantRole.TRAINEE)):
        session.add(AttendanceSignature(half_day_id=hd.id, person_id=who.id, role=role, method=SignatureMethod.SCREEN,
                                        signed_at=hd.starts_at, signature_png=signature_png(who.id)))
    session.add(AttendanceSignature(half_day_id=hd.id, person_id=external.id, role=ParticipantRole.TRAINEE,
                                    method=SignatureMethod.PAPER, signed_at=hd.ends_at, scan_id=scan.id))
    session.flush()
    return {"held_training": held.id, "held_half_day": hd.id, "scan": scan.id}


def _planning_world(session, users, world, ids) -> dict:
    return {}


def _base_world(session, users, world: dict) -> dict:
    ref = skills(session)
    mediator = person(session, user=users["mediator"])
    member = person(session, user=users["member"])
    coordinator = person(session, user=users["coordinator"])
    external = person(session, full_name="Karim Extérieur", organisation="CCAS de Loudun")
    assess(session, mediator, ref["4.2"], 4, on=days.TODAY - timedelta(days=30), by=users["coordinator"])
    cert = Certification(person_id=member.id, kind=CertificationKind.PIX, name="Certification Pix",
                         obtained_on=days.TODAY - timedelta(days=700), expires_on=days.TODAY + timedelta(days=20))
    profile = TargetProfile(name="CNFS — socle")
    session.add_all([cert, profile])
    session.flush()
    session.add(TargetProfileSkill(profile_id=profile.id, skill_id=ref["4.2"].id, level=3))
    course = training(session, trainers=[mediator], trainees=[member, external], skills=[ref["4.2"]],
                      place_id=world.get("own_place"))
    requirement = ServiceSkillRequirement(service_id=world["service"], skill_id=ref["4.2"].id, level=3)
    session.add(requirement)
    session.flush()
    return {"skill": ref["4.2"].id, "mediator_person": mediator.id, "member_person": member.id,
            "coordinator_person": coordinator.id, "external_person": external.id, "certification": cert.id,
            "profile": profile.id, "training": course.id, "half_day": course.half_days[0].id,
            "requirement": requirement.id}
