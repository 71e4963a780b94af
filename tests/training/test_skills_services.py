"""Services of the skills area: assessments (validation, append-only history, current level), certifications
(validation, reminders through the outbox), target profiles and gaps, who can train whom, training hours."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coopnum.core.errors import DomainError
from coopnum.core.models import AuditLog, OutboxMail
from coopnum.training.models import (
    AttendanceSignature,
    Certification,
    CertificationKind,
    EvidenceKind,
    ParticipantRole,
    PersonKind,
    SignatureMethod,
)
from coopnum.training.services import certifications, matrix, people, profiles
from tests import days, factories
from tests.training import factories_training as ft


@pytest.fixture
def ref(session):
    return ft.skills(session)


@pytest.fixture
def coordinator(session):
    return factories.user(session, roles=["coordinator"], full_name="Claire Coord")


# --- assessments ----------------------------------------------------------------------------------------------------

def test_an_assessment_is_validated_in_french(session, ref, coordinator, now):
    p = ft.person(session, full_name="Léa Externe")
    with pytest.raises(DomainError, match="entre 0 et 8") as exc:
        people.record_assessment(session, coordinator, p, ref["4.2"], level=9, evidence_kind="trainer", now=now)
    assert exc.value.field == "level"
    with pytest.raises(DomainError, match="entre 0 et 1"):
        people.record_assessment(session, coordinator, p, ref["CCP1"], level=2, evidence_kind="trainer", now=now)
    with pytest.raises(DomainError, match="futur") as exc:
        people.record_assessment(session, coordinator, p, ref["4.2"], level=3, evidence_kind="trainer",
                                 assessed_on=days.days(1), now=now)
    assert exc.value.field == "assessed_on"
    with pytest.raises(DomainError, match="preuve"):
        people.record_assessment(session, coordinator, p, ref["4.2"], level=3, evidence_kind="rumeur", now=now)
    with pytest.raises(DomainError, match="trop longue"):
        people.record_assessment(session, coordinator, p, ref["4.2"], level=3, evidence_kind="trainer",
                                 evidence="x" * 501, now=now)
    ref["4.2"].active = False
    with pytest.raises(DomainError, match="plus proposée"):
        people.record_assessment(session, coordinator, p, ref["4.2"], level=3, evidence_kind="trainer", now=now)


def test_history_is_append_only_and_the_current_level_is_the_latest_by_date_then_record(session, ref, coordinator,
                                                                                       now):
    p = ft.person(session, full_name="Léa Externe")
    old = people.record_assessment(session, coordinator, p, ref["4.2"], level=5, evidence_kind="pix_result",
                                   assessed_on=days.days(-10), now=now)
    # recorded later but dated earlier: does not supersede
    people.record_assessment(session, coordinator, p, ref["4.2"], level=2, evidence_kind="trainer",
                             assessed_on=days.days(-20), now=now)
    assert people.current_levels(session, [p.id]) == {(p.id, ref["4.2"].id): 5}
    # same day: the later record wins (a correction)
    people.record_assessment(session, coordinator, p, ref["4.2"], level=4, evidence_kind="trainer",
                             assessed_on=days.days(-10), evidence="correction", now=now)
    assert people.current_levels(session, [p.id]) == {(p.id, ref["4.2"].id): 4}
    lines = people.history(session, p.id)
    assert [h.assessment.level for h in lines] == [4, 5, 2]
    assert lines[0].assessor == "Claire Coord" and lines[1].assessment.id == old.id
    assert old.level == 5  # never edited
    # level 0: no longer held (absent from the current levels), still in the history
    people.record_assessment(session, coordinator, p, ref["4.2"], level=0, evidence_kind="trainer", now=now)
    assert people.current_levels(session, [p.id]) == {}
    assert len(people.history(session, p.id)) == 4
    audits = session.execute(select(func.count()).select_from(AuditLog).where(
        AuditLog.object_type == "SkillAssessment")).scalar_one()
    assert audits == 4


def test_a_self_assessment_is_marked_so(session, ref, now):
    mediator = factories.user(session, roles=["mediator"])
    me = people.person_for_user(session, mediator)
    row = people.record_assessment(session, mediator, me, ref["2.1"], level=4, evidence_kind="trainer", now=now)
    assert row.evidence_kind == EvidenceKind.SELF


def test_a_person_for_every_mediator_and_coordinator(session, coordinator):
    mediator = factories.user(session, roles=["mediator"])
    factories.user(session, roles=["member"])
    assert people.ensure_staff_people(session) == 2
    assert people.person_for_user(session, mediator, create=False).kind == PersonKind.STAFF
    assert people.ensure_staff_people(session) == 0


def test_create_and_edit_a_person(session, coordinator, now):
    with pytest.raises(DomainError, match="nom"):
        people.create_person(session, coordinator, full_name=" ", now=now)
    p = people.create_person(session, coordinator, full_name="Karim Benali", kind="external",
                             email="Karim@Example.org", organisation="CCAS", now=now)
    assert p.email == "karim@example.org"
    people.update_person(session, coordinator, p, full_name="Karim B.", kind="cnfs", email=None, now=now)
    assert (p.full_name, p.kind, p.email) == ("Karim B.", "cnfs", None)


# --- certifications -------------------------------------------------------------------------------------------------

def test_a_certification_is_validated(session, coordinator, now):
    p = ft.person(session)
    with pytest.raises(DomainError, match="précéder") as exc:
        certifications.add_certification(session, coordinator, p, kind="pix", name="Pix", obtained_on=days.days(-5),
                                         expires_on=days.days(-6), now=now)
    assert exc.value.field == "expires_on"
    with pytest.raises(DomainError, match="futur"):
        certifications.add_certification(session, coordinator, p, kind="pix", name="Pix", obtained_on=days.days(2),
                                         now=now)
    with pytest.raises(DomainError, match="inconnu"):
        certifications.add_certification(session, coordinator, p, kind="nobel", name="X", obtained_on=days.TODAY,
                                         now=now)
    cert = certifications.add_certification(session, coordinator, p, kind="psc1", name="PSC1",
                                            obtained_on=days.days(-100), expires_on=days.days(10), now=now)
    assert certifications.status(cert, days.TODAY, 60) == "soon"
    assert certifications.status(cert, days.days(11), 60) == "expired"
    assert certifications.status(cert, days.days(-100), 60) == "valid"


def _cert(session, person, expires_in: int) -> Certification:
    cert = Certification(person_id=person.id, kind=CertificationKind.PIX, name="Certification Pix",
                         obtained_on=days.days(-900), expires_on=days.days(expires_in))
    session.add(cert)
    session.flush()
    return cert


def _mails(session):
    return list(session.execute(select(OutboxMail).where(OutboxMail.kind == certifications.MAIL_KIND)
                                .order_by(OutboxMail.id)).scalars())


def test_reminders_at_60_then_15_days_once_each_even_run_twice_a_day(session, coordinator, travel):
    mediator = factories.user(session, roles=["mediator"], email="lea@example.org")
    person = people.person_for_user(session, mediator)
    cert = _cert(session, person, 70)
    session.commit()

    def run(at):
        travel.move_to(at)
        queued, _missing = certifications.send_reminders(session, now=at, base_url="http://x")
        session.commit()
        return queued

    assert run(days.NOW) == 0  # 70 days: not yet
    assert run(days.NOW + timedelta(days=10)) == 1  # 60 days
    assert run(days.NOW + timedelta(days=10, hours=6)) == 0  # the same day, again
    assert run(days.NOW + timedelta(days=11)) == 0  # the next day
    assert run(days.NOW + timedelta(days=55)) == 1  # 15 days
    assert run(days.NOW + timedelta(days=55, hours=5)) == 0
    assert run(days.NOW + timedelta(days=80)) == 0  # expired: no more
    mails = _mails(session)
    assert len(mails) == 2 and mails[0].recipients == "lea@example.org"
    assert "expire dans 60 jours" in mails[0].subject and "expire dans 15 jours" in mails[1].subject
    assert "http://x/training/people/" in mails[0].body
    session.refresh(cert)
    assert cert.reminders_sent == 2


def test_a_late_certification_gets_one_reminder_and_the_coordinators_when_nobody_has_an_email(session, coordinator,
                                                                                              now):
    external = ft.person(session, full_name="Sans Courriel")
    _cert(session, external, 5)
    assert certifications.send_reminders(session, now=now) == (1, 0)
    assert certifications.send_reminders(session, now=now) == (0, 0)
    assert [m.recipients for m in _mails(session)] == [coordinator.email]


def test_renewing_starts_the_reminders_again(session, coordinator, now):
    p = ft.person(session, email="p@example.org")
    cert = _cert(session, p, 10)
    certifications.send_reminders(session, now=now)
    assert cert.reminders_sent == 2
    certifications.update_certification(session, coordinator, cert, kind="pix", name=cert.name,
                                        obtained_on=days.TODAY, expires_on=days.days(3 * 365), now=now)
    assert cert.reminders_sent == 0


def test_the_reminder_mail_leaves_through_the_outbox(app, session, smtp_server, now):
    from coopnum.core.jobs import run_job

    p = ft.person(session, email="p@example.org", full_name="Paul Personne")
    _cert(session, p, 30)
    session.commit()
    assert "1 rappel" in run_job(app, "training.certification_reminders")
    assert "0 rappel" in run_job(app, "training.certification_reminders")
    assert len(smtp_server) == 1
    assert smtp_server[0]["To"] == "p@example.org"
    assert "Paul Personne" in smtp_server[0]["Subject"]


# --- profiles, gaps, who can train whom, hours -----------------------------------------------------------------------

def test_gaps_against_a_profile(session, ref, coordinator, now):
    profile = profiles.create_profile(session, coordinator, name="CNFS — socle", now=now)
    profiles.update_profile(session, coordinator, profile, name=profile.name,
                            levels={ref["4.2"].id: 3, ref["1.1"].id: 2, ref["CCP1"].id: 1}, now=now)
    with pytest.raises(DomainError, match="entre 0 et 1"):
        profiles.set_levels(session, profile, {ref["CCP1"].id: 3})
    p = ft.person(session, kind=PersonKind.CNFS, target_profile_id=profile.id)
    ft.assess(session, p, ref["4.2"], 1)
    ft.assess(session, p, ref["1.1"], 4)
    found = {g.skill.code: (g.current, g.required, g.missing) for g in profiles.gaps(session, [p])[p.id]}
    assert found == {"4.2": (1, 3, 2), "CCP1": (0, 1, 1)}
    profiles.update_profile(session, coordinator, profile, name=profile.name, levels={ref["CCP1"].id: 0}, now=now)
    assert {g.skill.code for g in profiles.gaps(session, [p])[p.id]} == {"4.2"}


def test_who_can_train_whom(session, ref, coordinator, now):
    profile = profiles.create_profile(session, coordinator, name="Socle", now=now)
    profiles.set_levels(session, profile, {ref["4.2"].id: 6})
    expert = ft.person(session, full_name="Experte")
    advanced = ft.person(session, full_name="Avancé")
    learner = ft.person(session, full_name="Apprenant", target_profile_id=profile.id)
    ft.assess(session, expert, ref["4.2"], 7)
    ft.assess(session, advanced, ref["4.2"], 5)
    ft.assess(session, learner, ref["4.2"], 2)
    who = matrix.who_can_train(session, ref["4.2"])
    assert who.threshold == 5
    assert [(t.full_name, lv) for t, lv in who.trainers] == [("Experte", 7), ("Avancé", 5)]
    assert len(who.learners) == 1 and who.learners[0].learner.id == learner.id
    # level 5 is not enough for a learner aiming at 6
    assert [t.full_name for t, _lv in who.learners[0].trainers] == ["Experte"]
    assert matrix.trainer_level(ref["CCP1"]) == 1


def test_training_hours_per_person_and_year_from_signatures(session, ref):
    trainer = ft.person(session, full_name="Formatrice")
    trainee = ft.person(session, full_name="Stagiaire")
    this_year = ft.training(session, day=days.TODAY - timedelta(days=1) if days.TODAY.month > 1 or days.TODAY.day > 1
                            else days.TODAY, trainers=[trainer], trainees=[trainee])
    last_year = ft.training(session, day=days.year_start(-1) + timedelta(days=40), trainers=[trainer],
                            trainees=[trainee], afternoon=False)

    def sign(half_day, person, role):
        session.add(AttendanceSignature(half_day_id=half_day.id, person_id=person.id, role=role,
                                        method=SignatureMethod.PAPER, signed_at=days.NOW))

    am, pm = this_year.half_days
    sign(am, trainee, ParticipantRole.TRAINEE)
    sign(pm, trainee, ParticipantRole.TRAINEE)
    sign(am, trainer, ParticipantRole.TRAINER)
    sign(last_year.half_days[0], trainee, ParticipantRole.TRAINEE)
    session.flush()
    year = this_year.half_days[0].day.year
    hours = matrix.hours(session, year)
    assert hours[trainee.id].trainee_minutes == 210 + 210 and hours[trainee.id].trainee_hours == 7.0
    assert hours[trainer.id].trainer_minutes == 210 and hours[trainer.id].trainee_minutes == 0
    assert matrix.hours(session, year - 1)[trainee.id].trainee_minutes == 210


def test_the_dashboard_lists_what_expires_within_the_setting(session, coordinator, now):
    from coopnum.core import settings

    p = ft.person(session, email="p@example.org")
    soon, later, expired = _cert(session, p, 20), _cert(session, p, 50), _cert(session, p, -3)
    rows, within = certifications.dashboard_rows(session, days.TODAY)
    assert within == 60 and [(c.id, st) for c, _p, st in rows] == [(expired.id, "expired"), (soon.id, "soon"),
                                                                     (later.id, "soon")]
    settings.set_value(session, coordinator, "training.certification_reminder_days", 30, now=now)
    rows, within = certifications.dashboard_rows(session, days.TODAY)
    assert within == 30 and [c.id for c, _p, _st in rows] == [expired.id, soon.id]


def test_the_cooperative_adds_edits_and_deactivates_its_own_skills(session, ref, coordinator, now):
    from coopnum.core.errors import Conflict
    from coopnum.training.services import framework

    skill = framework.create_skill(session, coordinator, code="AIDANTS-CONNECT", title="Aidants Connect",
                                   max_level=1, now=now)
    assert skill.framework == "custom"
    with pytest.raises(Conflict):
        framework.create_skill(session, coordinator, code="aidants-connect", title="Doublon", now=now)
    with pytest.raises(DomainError, match="code"):
        framework.create_skill(session, coordinator, code="a b", title="Espace", now=now)
    framework.update_skill(session, coordinator, skill, code="AC", title="Aidants Connect (habilitation)",
                           max_level=2, active=False, now=now)
    assert (skill.code, skill.max_level, skill.active) == ("AC", 2, False)
    assert skill not in framework.skills(session)
    # a reference skill keeps its code and levels
    framework.update_skill(session, coordinator, ref["1.1"], title="Recherche et veille", code="X", max_level=1,
                           now=now)
    assert (ref["1.1"].code, ref["1.1"].max_level, ref["1.1"].title) == ("1.1", 8, "Recherche et veille")
    assert framework.ensure_framework(session) == 0
