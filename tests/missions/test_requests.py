"""Requests for services: the contact asks, the coordination answers, both are told by e-mail."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coopnum.core import clock
from coopnum.core.errors import DomainError, Forbidden
from coopnum.core.models import AuditLog, OutboxMail
from coopnum.missions.models import RequestStatus, ServiceRequest
from coopnum.missions.services import requests as svc
from tests import factories
from tests.conftest import free_port, login, run_mail_job, text_of


@pytest.fixture
def world(session, users):
    ids = factories.world(session, users, billing=False)
    session.commit()
    return ids


def today():
    return svc.paris_today(clock.now())


def form_data(world, **overrides):
    data = {
        "service_id": str(world["service"]), "place_id": str(world["own_place"]), "place_text": "",
        "wished_start": (today() + timedelta(days=10)).isoformat(),
        "wished_end": (today() + timedelta(days=60)).isoformat(),
        "schedule_note": "le mardi matin", "audience": "Seniors", "expected_participants": "12",
        "description": "Des ateliers pour apprendre à utiliser une tablette.",
    }
    data.update(overrides)
    return data


def relogin(client, user):
    client.post("/logout")
    login(client, user)


def count_requests(session) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(ServiceRequest)).scalar_one()


# --- the contact's side ---------------------------------------------------------------------------------------------

def test_contact_requests_a_service_and_every_active_coordinator_is_mailed(client, session, users, world,
                                                                         smtp_server):
    other_coordinator = factories.user(session, roles=["coordinator"], email="coord2@example.org")
    factories.user(session, roles=["coordinator"], email="parti@example.org", active=False)
    factories.user(session, roles=["mediator"], email="mediatrice@example.org")
    session.commit()
    login(client, users["authority"])
    assert client.get("/missions/portal/requests/new").status_code == 200

    response = client.post("/missions/portal/requests/new", data=form_data(world))

    assert response.status_code == 302 and response.headers["Location"].endswith("/missions/portal/requests")
    req = session.execute(select(ServiceRequest).where(ServiceRequest.description.like("Des ateliers%"))).scalar_one()
    assert (req.organisation_id, req.requested_by_id, req.service_id, req.place_id) == (
        world["own_org"], users["authority"].id, world["service"], world["own_place"])
    assert req.status == RequestStatus.NEW and req.expected_participants == 12
    assert req.schedule_note == "le mardi matin" and req.audience == "Seniors"
    assert req.wished_start == today() + timedelta(days=10)
    assert session.execute(select(AuditLog).where(AuditLog.object_type == "ServiceRequest",
                                                  AuditLog.object_id == str(req.id))).scalar_one().action == "create"
    # one mail to the active coordinators only (not the inactive one, not a mediator)
    assert len(smtp_server) == 1
    recipients = {a.strip() for a in smtp_server[0]["To"].split(",")}
    assert recipients == {users["coordinator"].email, other_coordinator.email}
    assert "Ville de Testville" in smtp_server[0]["Subject"]
    assert smtp_server[0]["Reply-To"] == users["authority"].email
    body = smtp_server[0].get_body().get_content()
    assert "Des ateliers pour apprendre" in body and "le mardi matin" in body
    assert f"http://coopnum.test/missions/requests/{req.id}" in body
    # the contact sees it in its list
    page = text_of(client.get("/missions/portal/requests"))
    assert f"/missions/requests/{req.id}" in page and "Nouvelle" in page


def test_a_request_may_name_another_place_in_free_text(client, session, users, world):
    login(client, users["authority"])
    response = client.post("/missions/portal/requests/new", data=form_data(
        world, place_id="0", place_text="Salle des fêtes", wished_start="", wished_end="", expected_participants=""))
    assert response.status_code == 302
    req = session.execute(select(ServiceRequest).where(ServiceRequest.place_text == "Salle des fêtes")).scalar_one()
    assert req.place_id is None and req.wished_start is None and req.expected_participants is None


BAD_INPUTS = [
    ({"service_id": "0"}, "Choisissez une prestation du catalogue."),
    ({"service_id": "999999"}, "Choisissez une prestation du catalogue."),
    ({"place_id": "0", "place_text": ""}, "Indiquez le lieu : choisissez-en un ou décrivez l'autre lieu."),
    ({"place_id": "{other_place}"}, "Choisissez un lieu de votre structure, ou « Autre lieu »."),
    ({"wished_start": "{yesterday}"}, "La date de début souhaitée ne peut pas être dans le passé."),
    ({"wished_start": "{in_20_days}", "wished_end": "{in_10_days}"},
     "La date de fin souhaitée doit suivre la date de début."),
    ({"expected_participants": "0"}, "Le nombre de participants attendus doit être d'au moins 1."),
    ({"description": "   "}, "Décrivez votre besoin."),
    ({"description": "x" * 2001}, "La description ne doit pas dépasser 2000 caractères."),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_INPUTS, ids=[m for _o, m in BAD_INPUTS])
def test_bad_input_gives_a_french_message_and_saves_nothing(client, session, users, world, overrides, message,
                                                            smtp_server):
    values = {"other_place": world["other_place"], "yesterday": (today() - timedelta(days=1)).isoformat(),
              "in_10_days": (today() + timedelta(days=10)).isoformat(),
              "in_20_days": (today() + timedelta(days=20)).isoformat()}
    overrides = {k: v.format(**values) if "{" in v else v for k, v in overrides.items()}
    before = count_requests(session)
    login(client, users["authority"])
    response = client.post("/missions/portal/requests/new", data=form_data(world, **overrides))
    assert response.status_code == 400
    assert message in text_of(response)
    assert count_requests(session) == before
    assert smtp_server == []


def test_an_inactive_service_cannot_be_requested(session, users, world, now):
    service = factories.service(session, active=False)
    with pytest.raises(DomainError) as exc:
        svc.create_request(session, users["authority"], service_id=service.id, place_id=world["own_place"],
                           description="x", now=now)
    assert exc.value.field == "service_id"


def test_only_a_contact_of_an_organisation_may_request(session, users, world, now):
    for role in ("coordinator", "mediator", "member"):
        with pytest.raises(Forbidden):
            svc.create_request(session, users[role], service_id=world["service"], place_text="Mairie",
                               description="x", now=now)


def test_the_request_is_kept_and_its_mail_retried_when_smtp_fails(app, client, session, users, world):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())  # nothing listens there
    login(client, users["authority"])
    response = client.post("/missions/portal/requests/new", data=form_data(world), follow_redirects=True)
    assert response.status_code == 200
    assert "Votre demande est envoyée à la coordination" in text_of(response)
    req = session.execute(select(ServiceRequest).where(ServiceRequest.description.like("Des ateliers%"))).scalar_one()
    assert req.status == RequestStatus.NEW
    assert "1 en échec" in run_mail_job(app)
    mail = session.execute(select(OutboxMail).where(OutboxMail.about_type == "servicerequest")).scalar_one()
    assert (mail.about_id, mail.status) == (req.id, "retry")  # tried again later, never lost


def test_a_contact_sees_only_its_organisation_requests(client, session, users, world):
    login(client, users["authority"])
    page = text_of(client.get("/missions/portal/requests"))
    assert f"/missions/requests/{world['own_request']}\"" in page
    assert f"/missions/requests/{world['other_request']}\"" not in page
    assert client.get(f"/missions/requests/{world['own_request']}").status_code == 200
    assert client.get(f"/missions/requests/{world['other_request']}").status_code == 404
    assert client.post(f"/missions/portal/requests/{world['other_request']}/withdraw").status_code == 404
    assert session.get(ServiceRequest, world["other_request"]) is not None
    # and a contact of the other organisation does not see ours
    neighbour = factories.user(session, roles=["authority"], organisation=session.get(
        ServiceRequest, world["other_request"]).organisation)
    session.commit()
    relogin(client, neighbour)
    assert client.get(f"/missions/requests/{world['own_request']}").status_code == 404
    assert client.get(f"/missions/requests/{world['other_request']}").status_code == 200


def test_a_contact_withdraws_a_new_request_but_not_one_taken_in_charge(client, session, users, world, now):
    login(client, users["authority"])
    response = client.post(f"/missions/portal/requests/{world['own_request']}/withdraw")
    assert response.status_code == 302
    session.expire_all()
    assert session.get(ServiceRequest, world["own_request"]) is None
    assert session.execute(select(AuditLog).where(AuditLog.object_type == "ServiceRequest",
                                                  AuditLog.action == "delete")).scalar_one()

    req = svc.create_request(session, users["authority"], service_id=world["service"], place_text="Mairie",
                             description="Ateliers", now=clock.now())
    svc.take_request(session, users["coordinator"], req, now=clock.now())
    session.commit()
    response = client.post(f"/missions/portal/requests/{req.id}/withdraw", follow_redirects=True)
    assert "ne peut plus être retirée" in text_of(response)
    session.expire_all()
    assert session.get(ServiceRequest, req.id).status == RequestStatus.IN_REVIEW


# --- the coordination's side -----------------------------------------------------------------------------------------

def test_inbox_lists_new_requests_first_and_filters_by_status(client, session, users, world):
    own = session.get(ServiceRequest, world["own_request"])
    own.status = RequestStatus.DECLINED
    session.commit()
    login(client, users["coordinator"])
    page = text_of(client.get("/missions/requests"))
    first, second = page.index(f"/missions/requests/{world['other_request']}\""), \
        page.index(f"/missions/requests/{world['own_request']}\"")
    assert first < second  # the new one first, though older
    page = text_of(client.get("/missions/requests?status=declined"))
    assert f"/missions/requests/{world['own_request']}\"" in page
    assert f"/missions/requests/{world['other_request']}\"" not in page


def test_coordinator_takes_then_declines_with_a_message_and_the_contact_is_told(client, session, users, world,
                                                                              smtp_server):
    rid = world["own_request"]
    login(client, users["coordinator"])
    assert client.post(f"/missions/requests/{rid}/take").status_code == 302
    session.expire_all()
    assert session.get(ServiceRequest, rid).status == RequestStatus.IN_REVIEW
    assert smtp_server[-1]["To"] == users["authority"].email
    assert "En cours d'étude" in smtp_server[-1]["Subject"]

    response = client.post(f"/missions/requests/{rid}/decline", data={"decline-message": "  "})
    assert response.status_code == 400 and "Écrivez un message pour la structure." in text_of(response)
    session.expire_all()
    assert session.get(ServiceRequest, rid).status == RequestStatus.IN_REVIEW

    response = client.post(f"/missions/requests/{rid}/decline",
                           data={"decline-message": "Nos médiateurs sont complets ce trimestre."})
    assert response.status_code == 302
    session.expire_all()
    req = session.get(ServiceRequest, rid)
    assert req.status == RequestStatus.DECLINED and req.answer == "Nos médiateurs sont complets ce trimestre."
    assert req.answered_by_id == users["coordinator"].id and req.answered_at is not None
    assert len(smtp_server) == 2
    assert smtp_server[-1]["To"] == users["authority"].email and "Refusée" in smtp_server[-1]["Subject"]
    assert "Nos médiateurs sont complets" in smtp_server[-1].get_body().get_content()
    audit = session.execute(select(AuditLog).where(AuditLog.object_type == "ServiceRequest",
                                                   AuditLog.action == "update").order_by(AuditLog.id)).scalars().all()
    assert [a.changes["after"]["status"] for a in audit] == ["in_review", "declined"]

    # a declined request cannot be answered again
    response = client.post(f"/missions/requests/{rid}/quote", data={"quote-quote_reference": "DEV-1"})
    assert response.status_code == 400
    assert "Cette demande a déjà été refusée : elle ne peut plus changer." in text_of(response)
    session.expire_all()
    assert session.get(ServiceRequest, rid).status == RequestStatus.DECLINED
    assert len(smtp_server) == 2

    # the contact sees the answer in its portal
    relogin(client, users["authority"])
    page = text_of(client.get("/missions/portal/requests"))
    assert "Refusée" in page and "Nos médiateurs sont complets ce trimestre." in page


def test_coordinator_answers_by_a_quote(client, session, users, world, smtp_server):
    rid = world["own_request"]
    login(client, users["coordinator"])
    response = client.post(f"/missions/requests/{rid}/quote", data={"quote-quote_reference": ""})
    assert response.status_code == 400 and "Indiquez la référence du devis." in text_of(response)
    response = client.post(f"/missions/requests/{rid}/quote",
                           data={"quote-quote_reference": "DEV-2026-0042", "quote-message": "Voici notre devis."})
    assert response.status_code == 302
    session.expire_all()
    req = session.get(ServiceRequest, rid)
    assert (req.status, req.quote_reference, req.answer) == (RequestStatus.QUOTED, "DEV-2026-0042",
                                                             "Voici notre devis.")
    assert "DEV-2026-0042" in smtp_server[-1].get_body().get_content()
    relogin(client, users["authority"])
    page = text_of(client.get(f"/missions/requests/{rid}"))
    assert "Devis proposé : DEV-2026-0042" in page and "Voici notre devis." in page
    assert "Prendre en charge" not in page  # no action for the contact


def test_coordinator_marks_a_request_planned_with_a_mission_of_the_organisation(client, session, users, world,
                                                                              smtp_server):
    rid = world["own_request"]
    login(client, users["coordinator"])
    page = text_of(client.get(f"/missions/requests/{rid}"))
    assert "Prendre en charge" in page and "Marquer comme planifiée" in page
    response = client.post(f"/missions/requests/{rid}/plan", data={"plan-mission_id": str(world["other_mission"])})
    assert response.status_code == 400
    assert "Choisissez une mission d'une convention de cette structure." in text_of(response)
    response = client.post(f"/missions/requests/{rid}/plan", data={"plan-mission_id": str(world["own_mission"])})
    assert response.status_code == 302
    session.expire_all()
    req = session.get(ServiceRequest, rid)
    assert req.status == RequestStatus.PLANNED and req.mission_id == world["own_mission"]
    assert "Planifiée" in smtp_server[-1]["Subject"]
    page = text_of(client.get(f"/missions/requests/{rid}"))
    assert "Cette demande est close" in page


@pytest.mark.parametrize(("start", "action", "allowed"), [
    ("new", "take", True), ("in_review", "take", False), ("declined", "take", False),
    ("new", "decline", True), ("quoted", "decline", True), ("planned", "decline", False),
    ("in_review", "quote", True), ("quoted", "quote", True), ("declined", "quote", False),
    ("quoted", "plan", True), ("planned", "plan", False), ("declined", "plan", False),
])
def test_status_transitions(session, users, world, now, start, action, allowed):
    req = session.get(ServiceRequest, world["own_request"])
    req.status = start
    coordinator = users["coordinator"]
    calls = {
        "take": lambda: svc.take_request(session, coordinator, req, now=now),
        "decline": lambda: svc.decline_request(session, coordinator, req, "Non.", now=now),
        "quote": lambda: svc.quote_request(session, coordinator, req, "DEV-1", now=now),
        "plan": lambda: svc.plan_request(session, coordinator, req, world["own_mission"], now=now),
    }
    if allowed:
        calls[action]()
        assert req.status == {"take": "in_review", "decline": "declined", "quote": "quoted", "plan": "planned"}[action]
    else:
        with pytest.raises(DomainError) as exc:
            calls[action]()
        assert "demande" in exc.value.message
        assert req.status == start


def test_only_the_coordination_answers(session, users, world, now):
    req = session.get(ServiceRequest, world["own_request"])
    for role in ("authority", "mediator"):
        with pytest.raises(Forbidden):
            svc.decline_request(session, users[role], req, "Non", now=now)
        with pytest.raises(Forbidden):
            svc.take_request(session, users[role], req, now=now)
    assert req.status == RequestStatus.NEW


def test_dashboards_show_new_requests_to_the_coordination_and_requests_to_the_contact(client, session, users, world):
    login(client, users["coordinator"])
    page = text_of(client.get("/"))
    assert "Demandes des structures" in page and "/missions/requests?status=new" in page
    assert "nouvelles demandes à traiter" in page  # two, in the plural
    relogin(client, users["authority"])
    page = text_of(client.get("/"))
    assert "Vos séances et demandes" in page and f"/missions/requests/{world['own_request']}\"" in page
    assert f"/missions/requests/{world['other_request']}\"" not in page


def test_menu_entries(client, users):
    login(client, users["authority"])
    page = text_of(client.get("/"))
    assert "Mon espace" in page and "Mes demandes" in page
    relogin(client, users["coordinator"])
    page = text_of(client.get("/"))
    assert ">Demandes</a>" in page and "Mon espace" not in page


def test_demo_requests(app, session):
    import random

    from coopnum.demo import DemoContext, seed_core
    from coopnum.missions.demo_requests import seed_requests

    ctx = DemoContext(rng=random.Random(2026), now=clock.now())
    seed_core(ctx)
    factories.service(session, name="Atelier collectif", category="workshop")
    seed_requests(ctx)
    session.commit()
    rows = session.execute(select(ServiceRequest).order_by(ServiceRequest.id)).scalars().all()
    assert [r.status for r in rows] == [RequestStatus.NEW, RequestStatus.DECLINED]
    assert rows[0].organisation.name == "Ville de Poitiers" and "seniors" in rows[0].description
    assert rows[0].requested_by_id == ctx.authority_users[0].id and rows[0].place_id is not None
    assert rows[1].organisation_id != rows[0].organisation_id and rows[1].answer
    assert rows[1].answered_by_id == ctx.coordinator.id

