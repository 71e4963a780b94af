"""Planning a training: half-days and their default times, availability warnings (mission sessions, absences),
overlapping trainings refused, edit, cancel, held, the audit log and the iCalendar sequence, the levels reached."""

import re
from datetime import time

import pytest
from sqlalchemy import select

from coopnum.core.errors import Conflict, DomainError
from coopnum.core.models import AuditLog
from coopnum.missions.models import Absence
from coopnum.training.models import (
    AttendanceSignature,
    EvidenceKind,
    SignatureMethod,
    SkillAssessment,
    TrainingSession,
    TrainingStatus,
)
from coopnum.training.services import sessions as services
from tests import days, factories
from tests.training import factories_training as ft

DAY = days.days(9)


def _input(trainers, trainees=(), *, title="Protéger ses données", half_days=None, skills=()):
    return services.TrainingInput(
        title=title, trainer_ids=[p.id for p in trainers], trainee_ids=[p.id for p in trainees],
        half_days=half_days if half_days is not None else [services.HalfDayInput(DAY, "am"),
                                                           services.HalfDayInput(DAY, "pm")],
        skills=list(skills))


@pytest.fixture
def people(session, users):
    return {"trainer": ft.person(session, user=users["mediator"]), "trainee": ft.person(session, user=users["member"]),
            "external": ft.person(session, full_name="Karim Extérieur")}


def test_create_with_default_times_audit_and_skills(session, users, people, now):
    ref = ft.skills(session)
    training = services.create_training(
        session, _input([people["trainer"]], [people["trainee"], people["external"]],
                        skills=[(ref["4.2"].id, 3)]), actor=users["coordinator"], now=now)
    am, pm = training.half_days
    assert (am.period, am.starts_at, am.ends_at) == ("am", days.at(DAY, 9), days.at(DAY, 12, 30))
    assert (pm.period, pm.starts_at, pm.ends_at) == ("pm", days.at(DAY, 13, 30), days.at(DAY, 17))
    assert sorted((p.role, p.person_id) for p in training.participants) == sorted(
        [("trainer", people["trainer"].id), ("trainee", people["trainee"].id), ("trainee", people["external"].id)])
    assert [(s.code, level) for s, level in services.training_skills(session, training)] == [("4.2", 3)]
    assert training.sequence == 0 and training.status == TrainingStatus.PLANNED
    log = session.execute(select(AuditLog).where(AuditLog.action == "training.create")).scalar_one()
    assert log.object_id == str(training.id) or log.object_id == training.id


def test_custom_times_and_bad_half_days(session, users, people, now):
    custom = [services.HalfDayInput(DAY, "am", time(8, 30), time(12, 0))]
    training = services.create_training(session, _input([people["trainer"]], half_days=custom),
                                        actor=users["coordinator"], now=now)
    assert training.half_days[0].starts_at == days.at(DAY, 8, 30)
    for wrong, message in (([], "au moins une demi-journée"),
                           ([services.HalfDayInput(DAY, "am"), services.HalfDayInput(DAY, "am")], "deux fois"),
                           ([services.HalfDayInput(DAY, "xx")], "matin ou après-midi"),
                           ([services.HalfDayInput(DAY, "pm", time(15, 0), time(14, 0))], "l'heure de fin")):
        with pytest.raises(DomainError, match=message):
            services.create_training(session, _input([people["trainer"]], half_days=wrong),
                                     actor=users["coordinator"], now=now)


def test_trainer_required_and_not_both_roles(session, users, people, now):
    with pytest.raises(DomainError, match="au moins un·e formateur·rice"):
        services.create_training(session, _input([], [people["trainee"]]), actor=users["coordinator"], now=now)
    with pytest.raises(DomainError, match="formatrice et stagiaire"):
        services.create_training(session, _input([people["trainer"]], [people["trainer"]]),
                                 actor=users["coordinator"], now=now)


def test_mission_session_and_absence_warn_then_confirm(session, users, people, now):
    org = factories.organisation(session)
    place = factories.place(session, organisation=org)
    mission = factories.mission(session, convention=factories.convention(session, organisation=org), place=place,
                                title="Permanence de Loudun")
    ms = factories.mission_session(session, mission=mission, start=days.at(DAY, 10), end=days.at(DAY, 12))
    factories.assignment(session, mission_session=ms, user=users["mediator"])
    session.add(Absence(user_id=users["member"].id, start=days.at(DAY, 13), end=days.at(DAY, 18)))
    session.flush()
    data = _input([people["trainer"]], [people["trainee"], people["external"]])
    with pytest.raises(services.Unavailable) as exc:
        services.create_training(session, data, actor=users["coordinator"], now=now)
    conflicts = exc.value.details["conflicts"]
    trainer_name, trainee_name = users["mediator"].full_name, users["member"].full_name
    assert any(c.startswith(f"{trainer_name} a une séance « Permanence de Loudun »") and "à 10:00" in c
               for c in conflicts), conflicts
    assert any(c.startswith(f"{trainee_name} est absent·e") and "après-midi" in c for c in conflicts), conflicts
    assert len(conflicts) == 2
    assert "Enregistrer malgré tout" in exc.value.message
    training = services.create_training(session, data, actor=users["coordinator"], now=now, confirm=True)
    assert len(training.half_days) == 2
    # a morning only: the absence of the afternoon is no conflict any more
    morning = _input([people["external"]], [people["trainee"]], title="Autre",
                     half_days=[services.HalfDayInput(days.days(20), "am")])
    services.create_training(session, morning, actor=users["coordinator"], now=now)


def test_overlapping_trainings_refused_even_confirmed(session, users, people, now):
    first = services.create_training(session, _input([people["trainer"]], [people["trainee"]]),
                                     actor=users["coordinator"], now=now)
    other_trainer = ft.person(session, full_name="Lucie Autre")
    clash = _input([other_trainer], [people["trainee"]], title="Autre sujet",
                   half_days=[services.HalfDayInput(DAY, "pm", time(16, 0), time(18, 0))])
    with pytest.raises(Conflict, match="suit déjà la formation « Protéger ses données »"):
        services.create_training(session, clash, actor=users["coordinator"], now=now, confirm=True)
    # the next day, or once the first one is cancelled: accepted
    services.cancel_training(session, first, "Formateur malade", actor=users["coordinator"], now=now)
    services.create_training(session, clash, actor=users["coordinator"], now=now)


def test_update_bumps_sequence_and_keeps_signed_half_days(session, users, people, now, travel):
    training = services.create_training(session, _input([people["trainer"]], [people["trainee"]]),
                                        actor=users["coordinator"], now=now)
    # editing itself is no overlap
    later = _input([people["trainer"]], [people["trainee"], people["external"]], title="Protéger ses données (v2)")
    services.update_training(session, training, later, actor=users["coordinator"], now=now)
    assert training.sequence == 1 and training.title == "Protéger ses données (v2)"
    assert len(training.participants) == 3
    am = training.half_days[0]
    session.add(AttendanceSignature(half_day_id=am.id, person_id=people["trainee"].id, role="trainee",
                                    method=SignatureMethod.SCREEN, signed_at=am.starts_at,
                                    signature_png=ft.signature_png()))
    session.flush()
    with pytest.raises(DomainError, match="déjà émargée"):
        services.update_training(session, training, _input([people["trainer"]], [people["trainee"]],
                                 half_days=[services.HalfDayInput(DAY, "pm")]), actor=users["coordinator"], now=now)
    session.rollback()


def test_cancel_and_held(session, users, people, now, travel):
    training = services.create_training(session, _input([people["trainer"]], [people["trainee"]]),
                                        actor=users["coordinator"], now=now)
    with pytest.raises(DomainError, match="pas encore commencé"):
        services.mark_held(session, training, actor=users["coordinator"], now=now)
    with pytest.raises(DomainError, match="motif"):
        services.cancel_training(session, training, " ", actor=users["coordinator"], now=now)
    started = days.at(DAY, 17, 30)
    services.mark_held(session, training, actor=users["coordinator"], now=started)
    assert training.status == TrainingStatus.HELD and training.sequence == 1
    with pytest.raises(DomainError, match="a eu lieu"):
        services.cancel_training(session, training, "Trop tard", actor=users["coordinator"], now=started)
    other = services.create_training(session, _input([people["trainer"]], title="Autre",
                                     half_days=[services.HalfDayInput(days.days(30), "am")]),
                                     actor=users["coordinator"], now=now)
    services.cancel_training(session, other, "Salle indisponible", actor=users["coordinator"], now=now)
    assert other.status == TrainingStatus.CANCELLED and other.cancel_reason == "Salle indisponible"
    assert other.sequence == 1
    actions = set(session.execute(select(AuditLog.action)).scalars())
    assert {"training.create", "training.held", "training.cancel"} <= actions


def test_record_levels(session, users, people, now):
    ref = ft.skills(session)
    training = services.create_training(session, _input([people["trainer"]], [people["trainee"]],
                                                         skills=[(ref["4.2"].id, 3)]),
                                        actor=users["coordinator"], now=now)
    rows = services.record_levels(session, training, {(people["trainee"].id, ref["4.2"].id): 3},
                                  actor=users["mediator"], now=now)
    assert [(r.person_id, r.skill_id, r.level, r.evidence_kind, r.training_session_id) for r in rows] == [
        (people["trainee"].id, ref["4.2"].id, 3, EvidenceKind.TRAINING, training.id)]
    assert session.execute(select(SkillAssessment).where(SkillAssessment.training_session_id == training.id)
                           ).scalar_one().assessed_by_id == users["mediator"].id
    with pytest.raises(DomainError, match="pas stagiaire"):
        services.record_levels(session, training, {(people["trainer"].id, ref["4.2"].id): 3},
                               actor=users["mediator"], now=now)
    with pytest.raises(DomainError, match="pas travaillée"):
        services.record_levels(session, training, {(people["trainee"].id, ref["1.1"].id): 3},
                               actor=users["mediator"], now=now)
    with pytest.raises(DomainError, match="entre 1 et 8"):
        services.record_levels(session, training, {(people["trainee"].id, ref["4.2"].id): 9},
                               actor=users["mediator"], now=now)


def test_views_plan_with_warning_then_confirm(client, session, users, people):
    from tests.conftest import login

    session.add(Absence(user_id=users["member"].id, start=days.at(DAY, 8), end=days.at(DAY, 18)))
    session.commit()
    login(client, users["coordinator"])
    form = {"title": "Sécuriser son smartphone", "day_1": DAY.isoformat(), "period_1": "am",
            "day_2": DAY.isoformat(), "period_2": "pm", "trainer_ids": [f"p{people['trainer'].id}"],
            "trainee_ids": [f"p{people['trainee'].id}", f"p{people['external'].id}"], "place_id": ""}
    first = client.post("/training/sessions/new", data=form)
    assert first.status_code == 400
    text = first.get_data(as_text=True)
    assert "est absent·e le" in text and "Enregistrer malgré tout" in text
    second = client.post("/training/sessions/new", data={**form, "confirm": "y"})
    assert second.status_code == 302, second.get_data(as_text=True)
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "Sécuriser son smartphone" in page and "Karim Extérieur" in page


def test_view_edit_prefilled_then_saved(client, session, users, people, now):
    from tests.conftest import login

    ref = ft.skills(session)
    training = services.create_training(session, _input([people["trainer"]], [people["trainee"]],
                                                         skills=[(ref["4.2"].id, 3)]),
                                        actor=users["coordinator"], now=now)
    session.commit()
    login(client, users["mediator"])  # the trainer may edit its training
    page = client.get(f"/training/sessions/{training.id}/edit").get_data(as_text=True)
    assert 'value="Protéger ses données"' in page and f'value="{DAY.isoformat()}"' in page
    checked = re.findall(r'<input ([^>]*)>', page)
    assert any(f'value="p{people["trainee"].id}"' in i and "checked" in i and 'name="trainee_ids"' in i
               for i in checked)
    assert not any(f'value="p{people["external"].id}"' in i and "checked" in i for i in checked)
    response = client.post(f"/training/sessions/{training.id}/edit", data={
        "title": "Protéger ses données personnelles", "day_1": DAY.isoformat(), "period_1": "pm",
        "trainer_ids": [f"p{people['trainer'].id}"], "trainee_ids": [f"p{people['external'].id}"],
        "skill_ids": [str(ref["4.2"].id)], "target_level": "4", "place_id": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    session.expire_all()
    assert training.title == "Protéger ses données personnelles" and training.sequence == 1
    assert [hd.period for hd in training.half_days] == ["pm"]
    assert {(p.role, p.person_id) for p in training.participants} == {("trainer", people["trainer"].id),
                                                                     ("trainee", people["external"].id)}
    assert [(s.code, level) for s, level in services.training_skills(session, training)] == [("4.2", 4)]
    client.post("/logout")
    login(client, users["member"])
    assert client.get(f"/training/sessions/{training.id}/edit").status_code == 403


def test_view_levels_reached(client, session, users, people, now):
    from tests.conftest import login

    ref = ft.skills(session)
    training = services.create_training(session, _input([people["trainer"]], [people["trainee"], people["external"]],
                                                         skills=[(ref["4.2"].id, 3), (ref["4.1"].id, 2)]),
                                        actor=users["coordinator"], now=now)
    session.commit()
    login(client, users["mediator"])
    page = client.get(f"/training/sessions/{training.id}/levels").get_data(as_text=True)
    assert f'name="level-{people["external"].id}-{ref["4.1"].id}"' in page
    response = client.post(f"/training/sessions/{training.id}/levels", data={
        f"level-{people['trainee'].id}-{ref['4.2'].id}": "3", f"level-{people['external'].id}-{ref['4.1'].id}": "2",
        f"level-{people['external'].id}-{ref['4.2'].id}": ""})
    assert response.status_code == 302
    rows = session.execute(select(SkillAssessment.person_id, SkillAssessment.skill_id, SkillAssessment.level)
                           .where(SkillAssessment.training_session_id == training.id)).all()
    assert sorted(rows) == sorted([(people["trainee"].id, ref["4.2"].id, 3), (people["external"].id, ref["4.1"].id, 2)])


def test_list_home_and_dashboard(client, session, users, people, now):
    from tests.conftest import login

    today = services.create_training(session, _input([people["trainer"]], [people["trainee"]], title="Atelier du jour",
                                     half_days=[services.HalfDayInput(days.TODAY, "am")]),
                                     actor=users["coordinator"], now=now)
    services.create_training(session, _input([people["trainer"]], [people["external"]], title="Sans le sociétaire",
                             half_days=[services.HalfDayInput(days.days(30), "am")]), actor=users["coordinator"],
                             now=now)
    session.commit()
    login(client, users["member"])
    listing = client.get("/training/sessions").get_data(as_text=True)
    assert "Atelier du jour" in listing and "Sans le sociétaire" not in listing  # a member: its own trainings
    home = client.get("/training/").get_data(as_text=True)
    sign_url = f"/training/sessions/half-days/{today.half_days[0].id}/sign"
    assert "À émarger maintenant" in home and sign_url in home
    assert sign_url in client.get("/").get_data(as_text=True)  # the dashboard's panel
    client.post("/logout")
    login(client, users["mediator"])
    listing = client.get("/training/sessions?status=upcoming&q=sociétaire").get_data(as_text=True)
    assert "Sans le sociétaire" in listing and "Atelier du jour" not in listing


def test_views_one_target_level_per_competence(client, session, users, people):
    """Each competence ticked on the form gets its own target level (the default level fills the others); a level
    beyond the competence's scale is refused next to the competences; the edit form shows the saved levels."""
    from tests.conftest import login

    ref = ft.skills(session)
    session.commit()
    login(client, users["coordinator"])
    form = {"title": "Données personnelles et démarches", "day_1": DAY.isoformat(), "period_1": "am",
            "trainer_ids": [f"p{people['trainer'].id}"], "trainee_ids": [f"p{people['trainee'].id}"],
            "place_id": "", "skill_ids": [ref["4.2"].id, ref["1.1"].id, ref["CCP1"].id],
            f"level-{ref['4.2'].id}": "4", f"level-{ref['CCP1'].id}": "3", "target_level": "2"}
    refused = client.post("/training/sessions/new", data=form)
    assert refused.status_code == 400
    assert "Niveau visé en CCP1 : un nombre entre 1 et 1." in refused.get_data(as_text=True)
    saved = client.post("/training/sessions/new", data={**form, f"level-{ref['CCP1'].id}": ""})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    training = session.execute(select(TrainingSession).where(
        TrainingSession.title == "Données personnelles et démarches")).scalar_one()
    levels = {s.code: level for s, level in services.training_skills(session, training)}
    assert levels == {"4.2": 4, "1.1": 2, "CCP1": 1}  # its own; the default; the default within the block's scale
    edit = client.get(f"/training/sessions/{training.id}/edit").get_data(as_text=True)
    assert f'name="level-{ref["4.2"].id}"' in edit and 'value="4"' in edit


def test_views_plan_from_a_suggestion_prefills_the_competence_and_trainees(client, session, users, people):
    from tests.conftest import login

    ref = ft.skills(session)
    session.commit()
    login(client, users["coordinator"])
    page = client.get(f"/training/sessions/new?skill_id={ref['4.2'].id}&level=3"
                      f"&trainee={people['trainee'].id}&trainee={people['external'].id}&trainee=999999")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    checked = [line for line in text.splitlines() if "checked" in line]
    assert any(f'value="{ref["4.2"].id}"' in line for line in checked)
    assert any(f'value="p{people["trainee"].id}"' in line for line in checked)
    assert any(f'value="p{people["external"].id}"' in line for line in checked)
    assert f'id="level-{ref["4.2"].id}" name="level-{ref["4.2"].id}" min="1" max="8" value="3"' in text
