"""The service catalogue: services (rules, audit) and pages (staff manage, mediators and authorities read)."""

import pytest
from sqlalchemy import select

from coopnum.core.errors import Conflict, DomainError
from coopnum.core.models import AuditLog
from coopnum.organisations.models import Service, ServiceCategory, ServiceUnit, VatRegime
from coopnum.organisations.services import catalogue as services
from tests import factories
from tests.conftest import login, text_of

VALID = {"code": "perm-h", "name": "Permanence numérique", "category": ServiceCategory.PERMANENCE,
         "description": "Accompagnement individuel", "audience": "Tout public", "unit": ServiceUnit.HOUR,
         "unit_price_cents": 4500, "vat_regime": VatRegime.STANDARD}

FORM = {"code": "ATELIER", "name": "Atelier collectif", "category": "workshop", "description": "", "audience": "",
        "unit": "session", "unit_price_cents": "180,00", "vat_regime": "franchise"}


# --- services ---------------------------------------------------------------------------------------------------

def test_create_service_normalises_the_code_and_audits(session, users, now):
    service = services.create_service(session, users["coordinator"], services.ServiceData(**VALID), now=now)
    assert service.code == "PERM-H" and service.active
    entry = session.execute(select(AuditLog).where(AuditLog.object_type == "Service")).scalar_one()
    assert entry.action == "create" and entry.changes["after"]["unit_price_cents"] == 4500


def test_duplicate_code_is_refused_whatever_its_case(session, users, now):
    services.create_service(session, users["coordinator"], services.ServiceData(**VALID), now=now)
    with pytest.raises(Conflict) as exc:
        services.create_service(session, users["coordinator"],
                                services.ServiceData(**VALID | {"code": "Perm-H", "name": "B"}), now=now)
    assert exc.value.field == "code" and "déjà utilisé" in exc.value.message


@pytest.mark.parametrize(("changes", "field"), [
    ({"code": ""}, "code"),
    ({"code": "avec espace!"}, "code"),
    ({"name": "  "}, "name"),
    ({"unit_price_cents": -1}, "unit_price_cents"),
    ({"unit_price_cents": None}, "unit_price_cents"),
    ({"unit": "siècle"}, "unit"),
    ({"vat_regime": "tva_55"}, "vat_regime"),
])
def test_invalid_services_are_refused_in_french(session, users, now, changes, field):
    with pytest.raises(DomainError) as exc:
        services.create_service(session, users["coordinator"], services.ServiceData(**VALID | changes), now=now)
    assert exc.value.field == field


def test_update_records_only_the_changes(session, users, now):
    service = services.create_service(session, users["coordinator"], services.ServiceData(**VALID), now=now)
    services.update_service(session, users["coordinator"], service,
                            services.ServiceData.of(service).but(unit_price_cents=5000), now=now)
    entry = session.execute(select(AuditLog).where(AuditLog.action == "update")).scalar_one()
    assert entry.changes == {"before": {"unit_price_cents": 4500}, "after": {"unit_price_cents": 5000}}
    other = services.create_service(session, users["coordinator"],
                                    services.ServiceData(**VALID | {"code": "X"}), now=now)
    with pytest.raises(Conflict):
        services.update_service(session, users["coordinator"], other,
                                services.ServiceData.of(other).but(code="perm-h"), now=now)


def test_deactivate_and_reactivate(session, users, now):
    service = services.create_service(session, users["coordinator"], services.ServiceData(**VALID), now=now)
    services.set_service_active(session, users["coordinator"], service, False, now=now)
    assert not service.active
    assert services.active_services(session) == []
    services.set_service_active(session, users["coordinator"], service, True, now=now)
    assert services.active_services(session) == [service]
    actions = session.execute(select(AuditLog.action).where(AuditLog.object_type == "Service")).scalars().all()
    assert actions == ["create", "deactivate", "activate"]


# --- pages ------------------------------------------------------------------------------------------------------

def test_coordinator_creates_a_service(client, users, session):
    login(client, users["coordinator"])
    assert client.get("/missions/catalogue/new").status_code == 200
    response = client.post("/missions/catalogue/new", data=FORM)
    assert response.status_code == 302
    service = session.execute(select(Service)).scalar_one()
    assert (service.code, service.unit_price_cents, service.vat_regime) == ("ATELIER", 18000, "franchise")
    page = text_of(client.get("/missions/catalogue"))
    assert "Atelier collectif" in page and "180,00 €" in page and "Franchise en base (art. 293 B du CGI)" in page


@pytest.mark.parametrize(("changes", "message"), [
    ({"unit_price_cents": "douze"}, "Montant invalide"),
    ({"unit_price_cents": "-5"}, "Le montant ne peut pas être négatif."),
    ({"unit_price_cents": ""}, "Le prix unitaire est obligatoire."),
    ({"code": "pas bon !"}, "Code invalide"),
])
def test_bad_service_input_gives_a_french_message_and_400(client, users, session, changes, message):
    login(client, users["coordinator"])
    response = client.post("/missions/catalogue/new", data=FORM | changes)
    assert response.status_code == 400
    assert message in text_of(response)
    assert session.execute(select(Service)).first() is None


def test_duplicate_code_in_the_page(client, users, session):
    factories.service(session, code="ATELIER")
    login(client, users["coordinator"])
    response = client.post("/missions/catalogue/new", data=FORM)
    assert response.status_code == 400
    assert "Le code « ATELIER » est déjà utilisé par un autre service du catalogue." in text_of(response)


def test_edit_and_deactivate_in_the_pages(client, users, session):
    service = factories.service(session, code="PERM", name="Permanence")
    login(client, users["coordinator"])
    page = text_of(client.get(f"/missions/catalogue/{service.id}/edit"))
    assert 'value="45,00"' in page
    response = client.post(f"/missions/catalogue/{service.id}/edit", data=FORM | {"code": "PERM", "name": "Perm 2"})
    assert response.status_code == 302
    assert session.get(Service, service.id).name == "Perm 2"
    assert client.post(f"/missions/catalogue/{service.id}/deactivate").status_code == 302
    assert session.get(Service, service.id).active is False
    link = f'href="/missions/catalogue/{service.id}/edit"'
    assert link not in text_of(client.get("/missions/catalogue"))  # active ones by default
    assert link in text_of(client.get("/missions/catalogue?active=0"))
    assert client.get("/missions/catalogue/999/edit").status_code == 404


def test_mediators_and_authorities_read_active_services_only(client, users, session):
    factories.service(session, code="A", name="Service actif")
    factories.service(session, code="B", name="Service retiré", active=False)
    for role in ("mediator", "authority"):
        login(client, users[role])
        page = text_of(client.get("/missions/catalogue?active=0"))  # the filter is for staff only
        assert "Service actif" in page and "Service retiré" not in page
        assert "Nouveau service" not in page and "Désactiver" not in page
        client.post("/logout")


def test_category_filter(client, users, session):
    factories.service(session, code="A", name="Permanence X", category=ServiceCategory.PERMANENCE)
    factories.service(session, code="B", name="Formation Y", category=ServiceCategory.PRO_TRAINING)
    login(client, users["coordinator"])
    page = text_of(client.get("/missions/catalogue?category=pro_training"))
    assert "Formation Y" in page and "Permanence X" not in page
    assert client.get("/missions/catalogue?category=nimporte").status_code == 200


def test_an_authority_asks_for_a_service_from_the_catalogue(client, users, session):
    service = factories.service(session, code="A", name="Service actif")
    login(client, users["authority"])
    page = text_of(client.get("/missions/catalogue"))
    assert f'href="/missions/portal/requests/new?service_id={service.id}"' in page
    client.post("/logout")
    login(client, users["mediator"])
    assert "service_id=" not in text_of(client.get("/missions/catalogue"))
