"""Demo: the framework, a person for every mediator, the coordinator and a few members (3–4 mediators hosted as
CNFS), a year of assessments (Pix results, trainers' assessments) at realistic levels, the target profile
« CNFS — socle » assigned to the CNFS, certifications of every mediator (Pix, CCP1 for some, PSC1 for a few) and one
certification expiring next month. Written through the services."""

from datetime import date, datetime, timedelta

from sqlalchemy import select

from coopnum.core import clock
from coopnum.training.models import CertificationKind, EvidenceKind, PersonKind, Skill
from coopnum.training.services import certifications, framework, people, profiles

CNFS_PROFILE = {"1.1": 3, "2.1": 3, "3.1": 2, "4.1": 3, "4.2": 3, "5.1": 3, "CCP1": 1}


def _years_ago(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def seed(session, ctx, now: datetime) -> None:
    rng = ctx.rng
    today = clock.paris_today(now)
    framework.ensure_framework(session)
    skills = {s.code: s for s in session.execute(select(Skill).where(Skill.framework != "custom")).scalars()}
    pix = [s for s in skills.values() if s.framework == "pix"]
    actor = ctx.coordinator
    coordinator_person = people.person_for_user(session, ctx.coordinator) if ctx.coordinator else None

    own = framework.create_skill(session, actor, code="AIDANTS-CONNECT", title="Habilitation Aidants Connect : "
                                 "réaliser une démarche en ligne pour le compte d'une personne", max_level=1,
                                 description="Formation et habilitation Aidants Connect de la structure.", now=now)

    profile = profiles.create_profile(session, actor, name="CNFS — socle",
                                      description="Ce qu'un·e conseiller·e numérique accueilli·e doit maîtriser.",
                                      now=now)
    profiles.update_profile(session, actor, profile, name=profile.name, description=profile.description,
                            levels={skills[c].id: lv for c, lv in CNFS_PROFILE.items()}, now=now)

    mediators = [people.person_for_user(session, u) for u in ctx.mediators]
    cnfs = mediators[:4] if len(mediators) >= 6 else mediators[:max(1, len(mediators) // 2)]
    for person in cnfs:
        people.update_person(session, actor, person, full_name=person.full_name, kind=PersonKind.CNFS,
                             email=person.email, organisation=person.organisation, target_profile_id=profile.id,
                             notes="Conseiller·e numérique France Services accueilli·e", now=now)
    # ctx.members also lists the mediators (members of the cooperative too): the members who are not employees
    members = [people.person_for_user(session, u) for u in ctx.members if u not in ctx.mediators][:4]
    people.create_person(session, actor, full_name="Karim Benali", kind=PersonKind.EXTERNAL,
                         email="karim.benali@ccas.example.org", organisation="CCAS partenaire", now=now)

    _assess(session, actor, rng, today, skills, pix, own, mediators, members, cnfs, coordinator_person, now)
    _certify(session, actor, rng, today, mediators, cnfs, now)
    session.flush()


def _assess(session, actor, rng, today, skills, pix, own, mediators, members, cnfs, coordinator_person, now) -> None:
    """A year of assessments: a Pix campaign about a year ago, trainers' assessments since, a second campaign."""
    for index, person in enumerate(mediators + members + ([coordinator_person] if coordinator_person else [])):
        is_member = person in members
        base = {s.code: rng.randint(1, 3) if is_member else rng.randint(2, 5) for s in pix}
        first = today - timedelta(days=330 + rng.randint(0, 30))
        for s in pix:
            people.record_assessment(session, actor, person, s, level=base[s.code],
                                     evidence_kind=EvidenceKind.PIX_RESULT, assessed_on=first,
                                     evidence=f"Pix, campagne de positionnement : niveau {base[s.code]}", now=now)
        for s in rng.sample(pix, 5):
            on = first + timedelta(days=rng.randint(60, 300))
            level = min(6, base[s.code] + rng.randint(0, 2))
            people.record_assessment(session, actor, person, s, level=level, evidence_kind=EvidenceKind.TRAINER,
                                     assessed_on=on, evidence=f"Observation en atelier ({actor.full_name})",
                                     now=now)
        if person in cnfs or (not is_member and index % 3 == 0):
            people.record_assessment(session, actor, person, skills["CCP1"], level=1,
                                     evidence_kind=EvidenceKind.OTHER, assessed_on=first - timedelta(days=90),
                                     evidence="CCP1 obtenu (jury du titre professionnel)", now=now)
        if index % 4 == 1:
            people.record_assessment(session, actor, person, own, level=1, evidence_kind=EvidenceKind.TRAINING,
                                     assessed_on=first + timedelta(days=45),
                                     evidence="Formation Aidants Connect suivie", now=now)


def _certify(session, actor, rng, today, mediators, cnfs, now) -> None:
    """Certifications: Pix for every mediator, CCP1 for some, PSC1 for a few; one expires next month."""
    for index, person in enumerate(mediators):
        obtained = today - timedelta(days=200 + 97 * index % 800)
        expires = _years_ago(obtained, -3)
        certifications.add_certification(session, actor, person, kind=CertificationKind.PIX,
                                         name=f"Certification Pix (score {rng.randint(280, 620)})",
                                         obtained_on=obtained, expires_on=expires, issuer="Pix",
                                         reference=f"P-{rng.randint(100000, 999999)}", now=now)
        if person in cnfs or index % 3 == 0:
            certifications.add_certification(session, actor, person, kind=CertificationKind.CCP1,
                                             name="CCP1 — Accompagner différents publics vers l'autonomie",
                                             obtained_on=obtained - timedelta(days=120), issuer="Ministère du Travail",
                                             now=now)
        if index % 3 == 1:
            psc1_on = today - timedelta(days=rng.randint(100, 600))
            certifications.add_certification(session, actor, person, kind=CertificationKind.PSC1,
                                             name="PSC1 — Prévention et secours civiques", obtained_on=psc1_on,
                                             expires_on=psc1_on + timedelta(days=3 * 365),
                                             issuer="Croix-Rouge française", now=now)
    if mediators:
        # the one expiring next month (a PSC1 obtained three years ago, renewed every three years)
        next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        expires = next_month + timedelta(days=14)
        certifications.add_certification(session, actor, mediators[-1], kind=CertificationKind.PSC1,
                                         name="PSC1 — Prévention et secours civiques",
                                         obtained_on=_years_ago(expires, 3), expires_on=expires,
                                         issuer="Protection civile", reference="PSC1-2023-0412", now=now)
