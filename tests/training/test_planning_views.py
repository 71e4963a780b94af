"""The skills meet planning in the pages: the session page's panel (staff only) shows who meets the competences the
session's service requires; assigning (or taking) a session as someone who lacks them warns and still assigns; the
API returns the warnings; the requirements page and the catalogue's service page add and remove requirements; the
suggestions page."""

import pytest
from sqlalchemy import select

from coopnum.core import clock, services
from coopnum.core.models import Role
from coopnum.missions.models import Assignment
from coopnum.training.models import ServiceSkillRequirement
from tests import days, factories
from tests.conftest import login, text_of
from tests.training import factories_training as ft

WARNING = "Attention : Paul Débutant n'a pas le niveau requis en 4.2 Protéger les données personnelles et la vie " \
          "privée (2/3)"


@pytest.fixture
def world(session, users):
    ref = ft.skills(session)
    org = factories.organisation(session)
    place = factories.place(session, organisation=org)
    service = factories.service(session, name="Aidants Connect")
    session.add(ServiceSkillRequirement(service_id=service.id, skill_id=ref["4.2"].id, level=3))
    mission = factories.mission(session, convention=factories.convention(session, organisation=org), place=place,
                                service_id=service.id, title="Démarches en ligne")
    ms = factories.mission_session(session, mission=mission, start=days.at(days.days(3), 9),
                                   end=days.at(days.days(3), 12))
    claire = factories.user(session, roles=[Role.MEDIATOR], full_name="Claire Experte")
    paul = factories.user(session, roles=[Role.MEDIATOR], full_name="Paul Débutant")
    ft.assess(session, ft.person(session, user=claire), ref["4.2"], 6)
    ft.assess(session, ft.person(session, user=paul), ref["4.2"], 2)
    session.commit()
    return {"ref": ref, "service": service, "mission": mission, "ms": ms, "claire": claire, "paul": paul}


def _row(page: str, name: str) -> str:
    start = page.index(name, page.index("data-training-meets"))
    return page[start:page.index("</tr>", start)]


def test_the_session_page_shows_who_meets_the_requirement_to_staff(client, users, world):
    login(client, users["coordinator"])
    page = text_of(client.get(f"/missions/sessions/{world['ms'].id}"))
    assert "data-training-meets" in page and "Compétences requises" in page
    assert "Protéger les données personnelles" in page and "niveau 3" in page
    assert "✓" in _row(page, "Claire Experte")
    assert "4.2 2/3" in _row(page, "Paul Débutant") and "✓" not in _row(page, "Paul Débutant")
    assert "4.2 0/3" in _row(page, users["mediator"].full_name)  # no Person: level 0


def test_a_mediator_does_not_see_the_panel(client, users, world):
    login(client, world["paul"])
    response = client.get(f"/missions/sessions/{world['ms'].id}")
    assert response.status_code == 200
    assert "data-training-meets" not in text_of(response)


def test_no_panel_for_a_service_without_requirements(client, session, users, world):
    session.execute(ServiceSkillRequirement.__table__.delete())
    session.commit()
    login(client, users["coordinator"])
    assert "data-training-meets" not in text_of(client.get(f"/missions/sessions/{world['ms'].id}"))


def test_assigning_a_lacking_mediator_warns_and_assigns(client, session, users, world):
    login(client, users["coordinator"])
    page = client.get(f"/missions/sessions/{world['ms'].id}")
    assert page.status_code == 200
    response = client.post(f"/missions/sessions/{world['ms'].id}/assign", data={"assign-user_id": world["paul"].id},
                           follow_redirects=True)
    page = text_of(response)
    assert "Paul Débutant est affecté·e à cette séance." in page
    assert WARNING in page and "flash-warning" in page
    assert session.execute(select(Assignment.user_id).where(Assignment.session_id == world["ms"].id)
                           ).scalars().all() == [world["paul"].id]


def test_assigning_a_mediator_who_meets_it_does_not_warn(client, session, users, world):
    login(client, users["coordinator"])
    page = text_of(client.post(f"/missions/sessions/{world['ms'].id}/assign",
                               data={"assign-user_id": world["claire"].id}, follow_redirects=True))
    assert "Claire Experte est affecté·e à cette séance." in page and "Attention :" not in page


def test_taking_a_session_warns_too(client, session, users, world):
    login(client, world["paul"])
    page = text_of(client.post(f"/missions/sessions/{world['ms'].id}/take", follow_redirects=True))
    assert "Vous êtes affecté·e à cette séance." in page and WARNING in page
    assert session.execute(select(Assignment.user_id).where(Assignment.session_id == world["ms"].id)
                           ).scalars().all() == [world["paul"].id]


def _token(session, user) -> dict:
    return {"Authorization": f"Bearer {services.create_token(session, user, user, 'api', now=clock.now())[1]}"}


def test_the_api_assignment_returns_the_warnings(client, session, users, world):
    headers = _token(session, users["coordinator"])
    session.commit()
    response = client.patch(f"/api/v1/sessions/{world['ms'].id}", headers=headers,
                            json={"mediator_ids": [world["claire"].id, world["paul"].id]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert sorted(body["mediator_ids"]) == sorted([world["claire"].id, world["paul"].id])
    assert body["warnings"] == [WARNING]
    again = client.patch(f"/api/v1/sessions/{world['ms'].id}", headers=headers,
                         json={"mediator_ids": [world["claire"].id, world["paul"].id]})
    assert again.get_json()["warnings"] == []  # nobody newly assigned
    created = client.post("/api/v1/sessions", headers=headers, json={
        "mission_id": world["mission"].id, "start": days.at(days.days(4), 14).isoformat(),
        "end": days.at(days.days(4), 16).isoformat(), "mediator_ids": [world["paul"].id]})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["warnings"] == [WARNING]


def test_the_requirements_page_adds_changes_and_removes(client, session, users, world):
    login(client, users["coordinator"])
    page = text_of(client.get("/training/requirements"))
    assert "Compétences requises par service" in page and "Aidants Connect" in page
    sid, ccp1 = world["service"].id, world["ref"]["CCP1"].id
    response = client.post(f"/training/requirements/services/{sid}?next=/training/requirements",
                           data={f"req{sid}-skill_id": ccp1, f"req{sid}-level": 1})
    assert response.status_code == 302 and response.headers["Location"].endswith("/training/requirements")
    row = session.execute(select(ServiceSkillRequirement).where(ServiceSkillRequirement.skill_id == ccp1)
                          ).scalar_one()
    assert row.level == 1
    page = text_of(client.post(f"/training/requirements/services/{sid}",
                               data={f"req{sid}-skill_id": world["ref"]["2.1"].id, f"req{sid}-level": 2},
                               follow_redirects=True))
    assert "Exigence ajoutée" in page
    # a level beyond the skill's range: a French message, nothing changed
    page = text_of(client.post(f"/training/requirements/{row.id}/level", data={"level": 3}, follow_redirects=True))
    assert "Le niveau de « CCP1 » est 1 (acquis)." in page
    session.refresh(row)
    assert row.level == 1
    page = text_of(client.post(f"/training/requirements/services/{sid}",
                               data={f"req{sid}-skill_id": ccp1, f"req{sid}-level": 1}, follow_redirects=True))
    assert "Le service requiert déjà « CCP1 »" in page
    row_id = row.id
    client.post(f"/training/requirements/{row_id}/remove")
    assert session.execute(select(ServiceSkillRequirement.id).where(ServiceSkillRequirement.id == row_id)
                           ).first() is None


def test_a_mediator_reads_the_requirements_without_controls(client, world):
    login(client, world["paul"])
    page = text_of(client.get("/training/requirements"))
    assert "Aidants Connect" in page and "Protéger les données personnelles" in page
    assert "Ajouter une compétence requise" not in page and "/remove" not in page


def test_the_catalogue_page_of_a_service_has_the_panel(client, users, world):
    login(client, users["coordinator"])
    page = text_of(client.get(f"/missions/catalogue/{world['service'].id}/edit"))
    assert "data-training-requirements" in page and "Protéger les données personnelles" in page
    assert f"/training/requirements/services/{world['service'].id}" in page


def test_the_suggestions_page(client, session, users, world):
    factories.assignment(session, mission_session=world["ms"], user=world["paul"])
    session.commit()
    login(client, world["claire"])
    page = text_of(client.get("/training/suggestions"))
    assert "1 médiateur sous le niveau 3" in page and "pour 1 séance des 30 prochains jours" in page
    assert "Claire Experte (niveau 6)" in page and "Paul Débutant (2/3)" in page


@pytest.mark.parametrize("with_p", [True, False])
def test_the_matrix_panel_shows_the_suggestions(app, session, users, world, with_p):
    """The matrix page (another area's) renders the slot "training.matrix" with or without ``p = ctx``."""
    from flask import render_template_string
    from flask_login import login_user

    factories.assignment(session, mission_session=world["ms"], user=world["paul"])
    session.commit()
    body = ('{% for panel, ctx in slot_panels("training.matrix", None) %}'
            + ('{% with p = ctx %}{% include panel.template %}{% endwith %}' if with_p else
               '{% include panel.template %}') + '{% endfor %}')
    with app.test_request_context("/training/matrix"):
        login_user(session.get(type(users["coordinator"]), users["coordinator"].id))
        html = render_template_string(body)
        assert "Formations entre pairs suggérées" in html and "Claire Experte (niveau 6)" in html
        login_user(session.get(type(users["member"]), users["member"].id))
        assert "Formations entre pairs suggérées" not in render_template_string(body)
