"""Pages and API of the skills area: French form errors, who sees which person, certifications, the matrix and its
XLSX export, the API, the migration's reference data, the demo."""

import html
import io
from datetime import timedelta

from sqlalchemy import select

from coopnum.training.models import Certification, Person, SkillAssessment
from coopnum.training.services import people, profiles
from tests import days
from tests.conftest import login
from tests.training import factories_training as ft


def _people(session, users):
    ref = ft.skills(session)
    return ref, people.person_for_user(session, users["mediator"]), people.person_for_user(session, users["member"])


def test_the_coordinator_records_a_level_and_sees_french_errors(client, session, users):
    ref, mediator, _member = _people(session, users)
    session.commit()
    login(client, users["coordinator"])
    url = f"/training/people/{mediator.id}/assess"
    bad = client.post(url, data={"assess-skill_id": ref["CCP1"].id, "assess-level": 3,
                                 "assess-assessed_on": days.TODAY.isoformat(), "assess-evidence_kind": "trainer"})
    assert bad.status_code == 400
    assert "Le niveau est compris entre 0 et 1 pour cette compétence." in bad.get_data(as_text=True)
    future = client.post(url, data={"assess-skill_id": ref["4.2"].id, "assess-level": 3,
                                    "assess-assessed_on": days.days(3).isoformat(), "assess-evidence_kind": "trainer"})
    assert "ne peut pas être dans le futur" in future.get_data(as_text=True)
    ok = client.post(url, data={"assess-skill_id": ref["4.2"].id, "assess-level": 6,
                                "assess-assessed_on": days.TODAY.isoformat(), "assess-evidence_kind": "pix_result",
                                "assess-evidence": "Pix, campagne de mars"})
    assert ok.status_code == 302
    page = client.get(f"/training/people/{mediator.id}").get_data(as_text=True)
    assert "Pix, campagne de mars" in page and 'data-level="6"' in page
    rows = session.execute(select(SkillAssessment).where(SkillAssessment.person_id == mediator.id)).scalars().all()
    assert [(r.level, r.assessed_by_id) for r in rows] == [(6, users["coordinator"].id)]


def test_a_member_sees_only_its_own_page(client, session, users):
    _ref, mediator, member = _people(session, users)
    session.commit()
    login(client, users["member"])
    assert client.get(f"/training/people/{mediator.id}").status_code == 403
    me = client.get("/training/me")
    assert me.status_code == 302 and me.headers["Location"].endswith(f"/training/people/{member.id}")
    assert client.get(f"/training/people/{member.id}").status_code == 200
    assert client.get("/training/matrix").status_code == 403


def test_a_mediator_cannot_edit_someone_elses_certification(client, session, users, now):
    _ref, mediator, member = _people(session, users)
    cert = Certification(person_id=member.id, kind="pix", name="Certification Pix", obtained_on=days.days(-30))
    session.add(cert)
    session.commit()
    login(client, users["mediator"])
    assert client.get(f"/training/certifications/{cert.id}/edit").status_code == 403
    assert client.post(f"/training/certifications/{cert.id}/edit", data={"name": "X"}).status_code == 403
    assert client.post(f"/training/people/{member.id}/certifications",
                       data={"cert-kind": "pix", "cert-name": "X",
                             "cert-obtained_on": days.TODAY.isoformat()}).status_code == 403
    # its own: yes, and the expiry is checked in French
    bad = client.post(f"/training/people/{mediator.id}/certifications",
                      data={"cert-kind": "psc1", "cert-name": "PSC1", "cert-obtained_on": days.days(-5).isoformat(),
                            "cert-expires_on": days.days(-10).isoformat()})
    assert bad.status_code == 400
    assert "L'échéance ne peut pas précéder la date d'obtention." in html.unescape(bad.get_data(as_text=True))
    ok = client.post(f"/training/people/{mediator.id}/certifications",
                     data={"cert-kind": "psc1", "cert-name": "PSC1", "cert-obtained_on": days.days(-5).isoformat(),
                           "cert-expires_on": days.days(20).isoformat()})
    assert ok.status_code == 302
    dashboard = client.get("/").get_data(as_text=True)
    assert "Mes certifications" in dashboard and "PSC1" in dashboard


def test_the_matrix_shows_levels_gaps_and_who_can_train(client, session, users, now):
    ref, mediator, member = _people(session, users)
    profile = profiles.create_profile(session, None, name="Socle", now=now)
    profiles.set_levels(session, profile, {ref["4.2"].id: 3})
    member.target_profile_id = profile.id
    ft.assess(session, mediator, ref["4.2"], 6)
    ft.assess(session, member, ref["4.2"], 1)
    session.commit()
    login(client, users["mediator"])
    page = client.get(f"/training/matrix?skill_id={ref['4.2'].id}").get_data(as_text=True)
    assert 'data-skill="4.2" data-level="6"' in page
    assert "1 → 3" in page  # the gap, as text
    assert 'scope="colgroup"' in page and "Qui peut former qui" in page
    assert "Peuvent former" in page and mediator.full_name in page.split("data-trainers")[1]

    response = client.get("/training/matrix.xlsx")
    assert response.status_code == 200
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(response.data))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    col = next(i for i, v in enumerate(header) if v and v.startswith("4.2 "))
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    assert rows[mediator.full_name][col].value == 6
    assert rows[member.full_name][col].value == "1 → 3"
    gaps = wb.worksheets[1]
    assert [c.value for c in gaps[2]][2:] == [1, 3, 2]


def test_api_list_post_and_errors(client, session, users):
    from coopnum.core import clock, services

    ref, mediator, member = _people(session, users)
    token = services.create_token(session, users["coordinator"], users["coordinator"], "t", now=clock.now())[1]
    member_token = services.create_token(session, users["member"], users["member"], "t", now=clock.now())[1]
    session.commit()
    auth = {"Authorization": f"Bearer {token}"}
    skills = client.get("/api/v1/skills?framework=pix", headers=auth).get_json()
    assert len(skills) == 16 and skills[0]["code"] == "1.1"
    assert client.get("/api/v1/skills?framework=x", headers=auth).status_code == 422
    listed = client.get("/api/v1/people", headers=auth).get_json()
    assert mediator.id in {p["id"] for p in listed["items"]}
    url = f"/api/v1/people/{mediator.id}/skills"
    created = client.post(url, headers=auth, json={"skill_code": "4.2", "level": 5, "evidence_kind": "trainer",
                                                   "assessed_on": days.days(-2).isoformat()})
    assert created.status_code == 201 and created.get_json()["level"] == 5
    bad = client.post(url, headers=auth, json={"skill_id": ref["CCP1"].id, "level": 4, "evidence_kind": "trainer"})
    assert bad.status_code == 422 and "entre 0 et 1" in bad.get_json()["error"]["message"]
    assert client.post(url, headers=auth, json={"level": 4, "evidence_kind": "trainer"}).status_code == 422
    got = client.get(url, headers=auth).get_json()
    assert got["levels"] == [{"skill_id": ref["4.2"].id, "skill_code": "4.2", "framework": "pix", "level": 5}]
    assert got["history"][0]["evidence_kind"] == "trainer"
    member_auth = {"Authorization": f"Bearer {member_token}"}
    assert client.get(url, headers=member_auth).status_code == 403
    assert client.get(f"/api/v1/people/{member.id}/skills", headers=member_auth).status_code == 200
    assert client.post(url, headers=member_auth, json={}).status_code == 403
    assert client.get("/api/v1/people/999999/skills", headers=auth).status_code == 404
    assert client.post("/api/v1/people/999999/skills", headers=auth, json={}).status_code == 404


def test_the_migration_inserts_the_reference_skills(tmp_path):
    from sqlalchemy import text

    from coopnum.cli import upgrade_database
    from coopnum.core.db import make_engine

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        counts = dict(conn.execute(text("SELECT framework, count(*) FROM skills GROUP BY framework")).all())
        ccp1 = conn.execute(text("SELECT title FROM skills WHERE code = 'CCP1'")).scalar()
    engine.dispose()
    assert counts == {"pix": 16, "title": 3}
    assert ccp1.startswith("Accompagner différents publics vers l'autonomie")


def test_the_demo_has_one_certification_expiring_next_month(session, now):
    import random

    from coopnum.demo import DemoContext
    from coopnum.training import demo_skills
    from tests import factories

    ctx = DemoContext(rng=random.Random(1), now=now)
    ctx.coordinator = factories.user(session, roles=["coordinator"])
    ctx.mediators = [factories.user(session, roles=["mediator"]) for _ in range(6)]
    ctx.members = [factories.user(session, roles=["member"]) for _ in range(2)]
    demo_skills.seed(session, ctx, now)
    next_month = (days.TODAY.replace(day=1) + timedelta(days=32)).replace(day=1)
    soon = session.execute(select(Certification).where(Certification.expires_on >= next_month,
                                                       Certification.expires_on < (next_month + timedelta(days=32))
                                                       .replace(day=1))).scalars().all()
    assert len(soon) >= 1
    cnfs = session.execute(select(Person).where(Person.kind == "cnfs")).scalars().all()
    assert 3 <= len(cnfs) <= 4 and all(p.target_profile_id for p in cnfs)
    levels = people.current_levels(session)
    assert levels and all(0 < v <= 8 for v in levels.values())
    assert all(session.execute(select(Certification).where(Certification.person_id == people.person_for_user(
        session, u).id, Certification.kind == "pix")).first() for u in ctx.mediators)


def test_the_staff_manage_skills_people_and_profiles_from_the_pages(client, session, users):
    ref = ft.skills(session)
    session.commit()
    login(client, users["coordinator"])
    bad = client.post("/training/skills/new", data={"code": "a b", "title": "", "max_level": 9})
    text = html.unescape(bad.get_data(as_text=True))
    assert bad.status_code == 400 and "Indiquez l'intitulé." in text and "Entre 1 et 8." in text
    assert client.post("/training/skills/new", data={"code": "AIDANTS-CONNECT", "title": "Aidants Connect",
                                                     "max_level": 1}).status_code == 302
    assert "AIDANTS-CONNECT" in client.get("/training/skills").get_data(as_text=True)

    assert client.post("/training/profiles", data={"new-name": "CNFS — socle"}).status_code == 302
    profile = session.execute(select(profiles.TargetProfile)).scalar_one()
    assert client.post(f"/training/profiles/{profile.id}/levels",
                       data={"level-skill_id": ref["CCP1"].id, "level-level": 2}).status_code == 400
    assert client.post(f"/training/profiles/{profile.id}/levels",
                       data={"level-skill_id": ref["4.2"].id, "level-level": 3}).status_code == 302

    created = client.post("/training/people/new", data={"full_name": "Karim Benali", "kind": "cnfs",
                                                        "email": "karim@example.org",
                                                        "target_profile_id": str(profile.id)})
    assert created.status_code == 302
    karim = session.execute(select(Person).where(Person.full_name == "Karim Benali")).scalar_one()
    assert (karim.kind, karim.target_profile_id) == ("cnfs", profile.id)
    page = client.get(f"/training/people/{karim.id}").get_data(as_text=True)
    assert "CNFS — socle" in page and "il manque 3" in html.unescape(page)
    listed = client.get("/training/people?kind=cnfs").get_data(as_text=True)
    assert "Karim Benali" in listed
    assert "Karim Benali" not in client.get("/training/people?kind=external").get_data(as_text=True)
    assert client.post(f"/training/people/{karim.id}/edit", data={"full_name": "Karim B.", "kind": "external",
                                                                  "target_profile_id": "", "active": "y"}
                       ).status_code == 302
    client.get(f"/training/people/{karim.id}")  # shows the flash
    session.refresh(karim)
    assert (karim.full_name, karim.kind, karim.target_profile_id) == ("Karim B.", "external", None)
    # certifications: one expiring soon is listed
    assert client.post(f"/training/people/{karim.id}/certifications",
                       data={"cert-kind": "psc1", "cert-name": "PSC1", "cert-obtained_on": days.days(-700).isoformat(),
                             "cert-expires_on": days.days(12).isoformat()}).status_code == 302
    client.get(f"/training/people/{karim.id}")  # shows the flash
    assert 'data-expiring' in client.get("/training/certifications").get_data(as_text=True)
    assert "Karim B." in client.get("/training/certifications").get_data(as_text=True)
    assert "Karim B." in client.get("/").get_data(as_text=True)
