"""Organisations and contacts: identifier rules, audit, pages, contact logins, JSON API."""

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from coopnum.core import clock
from coopnum.core import services as core_services
from coopnum.core.errors import Conflict, DomainError
from coopnum.core.models import AuditLog, User
from coopnum.organisations.models import Contact, Organisation, OrganisationKind
from coopnum.organisations.services import organisations as services
from tests import days, factories
from tests.conftest import login, text_of

SIRET_MESSAGE = "SIRET invalide : 14 chiffres avec une clé de contrôle correcte."
GOOD_SIRET = "73282932000074"  # a real, valid SIRET
GOOD_VAT = "FR44732829320"  # its VAT number

FORM = {"name": "Ville de Lusignan", "kind": "commune", "siret": "732 829 320 00074", "rna": "", "vat_number": "",
        "address": "Place du 8 Mai", "address_complement": "", "postal_code": "86600", "city": "Lusignan",
        "insee_code": "86139", "email": "mairie@lusignan.example.org", "phone": "05 49 43 31 48", "website": "",
        "notes": ""}


def values(**changes) -> dict:
    return {k: v for k, v in FORM.items()} | changes


def bearer(session, user) -> dict:
    _token, clear = core_services.create_token(session, user, user, "test", now=clock.now())
    session.commit()
    return {"Authorization": f"Bearer {clear}"}


# --- identifier rules -------------------------------------------------------------------------------------------

def test_siret_accepts_spaces_and_stores_14_digits():
    assert services.normalise_siret(" 732 829 320 00074 ") == GOOD_SIRET
    assert services.normalise_siret("") is None


@pytest.mark.parametrize("bad", ["73282932000075", "7328293200007", "7328293200007A", "123"])
def test_invalid_siret_is_refused_with_the_french_message(bad):
    with pytest.raises(DomainError) as exc:
        services.normalise_siret(bad)
    assert exc.value.message == SIRET_MESSAGE and exc.value.field == "siret"


@pytest.mark.parametrize(("changes", "field"), [
    ({"rna": "X123456789"}, "rna"),
    ({"rna": "W12345"}, "rna"),
    ({"insee_code": "20004"}, "insee_code"),  # Corsica is 2A/2B, never 20
    ({"insee_code": "8619"}, "insee_code"),
    ({"postal_code": "8600"}, "postal_code"),
    ({"vat_number": "FR00732829320"}, "vat_number"),
    ({"vat_number": "FR40303265045"}, "vat_number"),  # valid, but not this SIREN's
    ({"email": "pas-une-adresse"}, "email"),
    ({"phone": "appelez-moi"}, "phone"),
    ({"website": "lusignan.fr"}, "website"),
    ({"name": ""}, "name"),
    ({"kind": "royaume"}, "kind"),
])
def test_invalid_identifiers_are_refused(session, users, now, changes, field):
    with pytest.raises(DomainError) as exc:
        services.create_organisation(session, users["coordinator"],
                                     services.OrganisationData(**values(**changes)), now=now)
    assert exc.value.field == field


def test_valid_identifiers_are_normalised(session, users, now):
    org = services.create_organisation(session, users["coordinator"],
                                       services.OrganisationData(**values(
        kind="association", rna="w 123456789", insee_code="2a004", vat_number="fr 44 732829320")), now=now)
    assert (org.siret, org.rna, org.insee_code, org.vat_number) == (GOOD_SIRET, "W123456789", "2A004", GOOD_VAT)


def test_a_public_buyer_needs_a_siret(session, users, now):
    for kind in (OrganisationKind.COMMUNE, OrganisationKind.CCAS, OrganisationKind.STATE):
        with pytest.raises(DomainError) as exc:
            services.create_organisation(session, users["coordinator"],
                                         services.OrganisationData(**values(kind=kind, siret="")), now=now)
        assert exc.value.field == "siret" and "Chorus Pro" in exc.value.message
    org = services.create_organisation(
        session, users["coordinator"],
        services.OrganisationData(**values(kind=OrganisationKind.ASSOCIATION, siret="")), now=now)
    assert org.siret is None


def test_two_organisations_cannot_share_a_siret(session, users, now):
    services.create_organisation(session, users["coordinator"], services.OrganisationData(**values()), now=now)
    with pytest.raises(Conflict) as exc:
        services.create_organisation(session, users["coordinator"],
                                     services.OrganisationData(**values(name="Doublon")), now=now)
    assert "Ville de Lusignan" in exc.value.message


def test_changes_are_audited_with_before_and_after(session, users, now):
    org = services.create_organisation(session, users["coordinator"], services.OrganisationData(**values()), now=now)
    services.update_organisation(session, users["coordinator"], org,
                                 services.OrganisationData.of(org).but(city="Lusignan-le-Grand"), now=now)
    services.set_organisation_archived(session, users["coordinator"], org, True, now=now)
    entries = session.execute(select(AuditLog).where(AuditLog.object_type == "Organisation")
                              .order_by(AuditLog.id)).scalars().all()
    assert [e.action for e in entries] == ["create", "update", "archive"]
    assert entries[0].changes["after"]["siret"] == GOOD_SIRET
    assert entries[1].changes == {"before": {"city": "Lusignan"}, "after": {"city": "Lusignan-le-Grand"}}
    # updating with the same values writes nothing
    services.update_organisation(session, users["coordinator"], org,
                                 services.OrganisationData.of(org).but(city="Lusignan-le-Grand"), now=now)
    assert session.execute(select(AuditLog).where(AuditLog.action == "update")).scalars().all() == [entries[1]]


def test_contacts_are_audited(session, users, now):
    org = factories.organisation(session)
    contact = services.add_contact(session, users["coordinator"], org, services.ContactData(
        first_name="Léa", last_name="Roux", email="Lea.Roux@Example.org", receives_invoices=True), now=now)
    assert contact.email == "lea.roux@example.org"
    services.update_contact(session, users["coordinator"], contact,
                            services.ContactData.of(contact).but(job_title="DGS"), now=now)
    services.delete_contact(session, users["coordinator"], contact, now=now)
    actions = session.execute(select(AuditLog.action).where(AuditLog.object_type == "Contact")
                              .order_by(AuditLog.id)).scalars().all()
    assert actions == ["create", "update", "delete"]
    with pytest.raises(DomainError) as exc:
        services.add_contact(session, users["coordinator"], org,
                             services.ContactData(first_name="", last_name="X"), now=now)
    assert exc.value.field == "first_name"


def test_contact_login_is_an_authority_account_of_the_organisation(session, users, now):
    org = factories.organisation(session)
    contact = services.add_contact(session, users["coordinator"], org, services.ContactData(
        first_name="Léa", last_name="Roux", email="lea@example.org"), now=now)
    user = services.create_contact_login(session, users["coordinator"], contact, now=now)
    assert user.role_set == {"authority"} and user.organisation_id == org.id and contact.user_id == user.id
    with pytest.raises(Conflict):
        services.create_contact_login(session, users["coordinator"], contact, now=now)  # already has one
    twin = services.add_contact(session, users["coordinator"], org,
                                services.ContactData(first_name="L", last_name="R", email="LEA@example.org"), now=now)
    with pytest.raises(Conflict) as exc:
        services.create_contact_login(session, users["coordinator"], twin, now=now)
    assert "Un compte existe déjà" in exc.value.message
    no_mail = services.add_contact(session, users["coordinator"], org,
                                   services.ContactData(first_name="A", last_name="B"), now=now)
    with pytest.raises(DomainError):
        services.create_contact_login(session, users["coordinator"], no_mail, now=now)


# --- pages ------------------------------------------------------------------------------------------------------

def test_create_with_a_bad_siret_then_a_good_one(client, users, session):
    login(client, users["coordinator"])
    response = client.post("/missions/organisations/new", data=values(siret="732 829 320 00075"))
    assert response.status_code == 400
    page = text_of(response)
    assert SIRET_MESSAGE in page and 'class="field-error"' in page
    assert session.execute(select(Organisation).where(Organisation.name == "Ville de Lusignan")).first() is None
    response = client.post("/missions/organisations/new", data=values())
    assert response.status_code == 302
    org = session.execute(select(Organisation).where(Organisation.name == "Ville de Lusignan")).scalar_one()
    assert org.siret == GOOD_SIRET and response.headers["Location"].endswith(f"/missions/organisations/{org.id}")


def test_every_bad_field_shows_at_once(client, users):
    login(client, users["coordinator"])
    response = client.post("/missions/organisations/new", data=values(siret="", postal_code="12", insee_code="x"))
    assert response.status_code == 400
    page = text_of(response)
    assert "Une structure publique doit avoir un SIRET" in page
    assert "Code postal invalide : 5 chiffres." in page
    assert "Code commune INSEE invalide" in page


def test_edit_archive_and_restore(client, users, session):
    org = factories.organisation(session, name="Commune A")
    login(client, users["coordinator"])
    assert 'value="Commune A"' in text_of(client.get(f"/missions/organisations/{org.id}/edit"))
    response = client.post(f"/missions/organisations/{org.id}/edit", data=values(name="Commune B", siret=org.siret))
    assert response.status_code == 302
    assert session.get(Organisation, org.id).name == "Commune B"
    response = client.post(f"/missions/organisations/{org.id}/edit", data=values(website="ftp://x"))
    assert response.status_code == 400 and "Adresse de site web invalide" in text_of(response)
    client.post(f"/missions/organisations/{org.id}/archive")
    assert session.get(Organisation, org.id).archived
    link = f'href="/missions/organisations/{org.id}"'
    assert link not in text_of(client.get("/missions/organisations"))
    assert link in text_of(client.get("/missions/organisations?archived=y"))
    client.post(f"/missions/organisations/{org.id}/restore")
    assert not session.get(Organisation, org.id).archived
    assert client.get("/missions/organisations/999").status_code == 404


def test_list_search_filter_and_pagination(client, users, session):
    factories.organisation(session, name="Association Alpha", kind=OrganisationKind.ASSOCIATION, city="Niort")
    beta = factories.organisation(session, name="Commune Beta", city="Civray")
    for i in range(6):
        factories.organisation(session, name=f"Commune Gamma {i}")
    login(client, users["coordinator"])

    def names(url):
        page = text_of(client.get(url))
        return {n for n in ("Association Alpha", "Commune Beta", "Ville de Testville") if n in page}

    assert names("/missions/organisations?q=alpha") == {"Association Alpha"}
    assert names("/missions/organisations?q=civray") == {"Commune Beta"}
    spaced = f"{beta.siret[:3]} {beta.siret[3:6]} {beta.siret[6:9]}"
    assert names(f"/missions/organisations?q={spaced}") == {"Commune Beta"}
    assert names("/missions/organisations?kind=association") == {"Association Alpha"}
    page = text_of(client.get("/missions/organisations?per_page=3&page=2"))
    assert len(re.findall(r'href="/missions/organisations/\d+"', page)) == 3 and "9 résultats" in page


def test_detail_shows_contacts_conventions_with_volume_and_places(client, users, session):
    org = factories.organisation(session, name="Ville de Vivonne")
    session.add(Contact(organisation_id=org.id, first_name="Inès", last_name="Morel", job_title="DGS",
                        email="ines@vivonne.example.org"))
    conv = factories.convention(session, organisation=org, reference="CONV-2026-042", contracted_volume=Decimal(10))
    place = factories.place(session, organisation=org, name="Médiathèque de Vivonne")
    mission = factories.mission(session, convention=conv, place=place)
    held = days.nth_weekday(days.month_start(-1), days.TUESDAY)  # a past session: 3 hours used
    factories.mission_session(session, mission=mission, start=days.at(held, 9), end=days.at(held, 12))
    login(client, users["coordinator"])
    page = text_of(client.get(f"/missions/organisations/{org.id}"))
    assert "Inès Morel" in page and "DGS" in page and "Créer un accès" in page
    assert "CONV-2026-042" in page and "3 h / 10 h (30 %)" in page and "<progress" in page
    assert "Médiathèque de Vivonne" in page
    assert f'href="/missions/places/{place.id}"' in page


def test_an_organisation_without_places_offers_to_add_one_for_it(client, users, session):
    org = factories.organisation(session, name="Ville de Vivonne")
    session.commit()
    login(client, users["coordinator"])
    page = text_of(client.get(f"/missions/organisations/{org.id}"))
    assert '<p class="empty">Aucun lieu.</p>' in page
    assert (f'<a href="/missions/places/new?organisation={org.id}" class="button-link secondary">Nouveau lieu</a>'
            in page)
    form = text_of(client.get(f"/missions/places/new?organisation={org.id}"))
    assert re.search(rf'<option selected value="{org.id}">Ville de Vivonne</option>', form)
    blank = text_of(client.get("/missions/places/new"))
    assert not re.search(r"<option selected value=\"[1-9]", blank)
    client.post("/logout")
    login(client, users["authority"])  # its own organisation, read only
    page = text_of(client.get(f"/missions/organisations/{users['authority'].organisation_id}"))
    assert "/missions/places/new" not in page


def test_authority_sees_its_own_organisation_only_and_read_only(client, users, session):
    other = factories.organisation(session, name="Commune Voisine")
    login(client, users["authority"])
    page = text_of(client.get(f"/missions/organisations/{users['authority'].organisation_id}"))
    assert "Ville de Testville" in page
    assert "Modifier" not in page and "Créer un accès" not in page and "Ajouter un interlocuteur" not in page
    assert client.get(f"/missions/organisations/{other.id}").status_code == 403
    assert client.get("/missions/organisations").status_code == 403


def test_contact_pages(client, users, session):
    org = factories.organisation(session)
    login(client, users["coordinator"])
    data = {"first_name": "Karim", "last_name": "Simon", "job_title": "Chargé de mission", "email": "pas-valide",
            "phone": "", "receives_invoices": "y"}
    response = client.post(f"/missions/organisations/{org.id}/contacts/new", data=data)
    assert response.status_code == 400 and "Adresse électronique invalide." in text_of(response)
    response = client.post(f"/missions/organisations/{org.id}/contacts/new", data=data | {"email": "k@example.org"})
    assert response.status_code == 302
    contact = session.execute(select(Contact).where(Contact.organisation_id == org.id)).scalar_one()
    assert contact.receives_invoices and not contact.receives_reports
    response = client.post(f"/missions/contacts/{contact.id}/edit", data={k: v for k, v in data.items() if k != "receives_invoices"} | {"email": "", "receives_reports": "y"})
    assert response.status_code == 302
    session.refresh(contact)
    assert contact.email is None and contact.receives_reports and not contact.receives_invoices
    contact_id = contact.id
    assert client.post(f"/missions/contacts/{contact_id}/delete").status_code == 302
    session.expunge_all()
    assert session.get(Contact, contact_id) is None
    assert client.get("/missions/contacts/999/edit").status_code == 404


def test_creating_a_contact_login_sends_the_invitation(client, users, session, smtp_server):
    org = factories.organisation(session, name="CCAS de Vivonne", kind=OrganisationKind.CCAS)
    contact = Contact(organisation_id=org.id, first_name="Nadia", last_name="Blanc", email="nadia@ccas.example.org")
    session.add(contact)
    session.flush()
    login(client, users["coordinator"])
    response = client.post(f"/missions/contacts/{contact.id}/access")
    assert response.status_code == 302
    user = session.execute(select(User).where(User.email == "nadia@ccas.example.org")).scalar_one()
    assert user.role_set == {"authority"} and user.organisation_id == org.id
    session.refresh(contact)
    assert contact.user_id == user.id
    assert len(smtp_server) == 1
    message = smtp_server[0]
    assert message["To"] == "nadia@ccas.example.org" and "Votre compte" in message["Subject"]
    assert "/password/reset/" in message.get_content()
    assert "Accès créé pour nadia@ccas.example.org" in text_of(client.get(f"/missions/organisations/{org.id}"))


def test_no_login_for_an_address_that_already_has_an_account(client, users, session, smtp_server):
    org = factories.organisation(session)
    contact = Contact(organisation_id=org.id, first_name="M", last_name="D", email=users["mediator"].email.upper())
    session.add(contact)
    session.flush()
    login(client, users["coordinator"])
    client.post(f"/missions/contacts/{contact.id}/access")
    page = text_of(client.get(f"/missions/organisations/{org.id}"))
    assert "Un compte existe déjà avec l'adresse" in page
    session.refresh(contact)
    assert contact.user_id is None and smtp_server == []


# --- API --------------------------------------------------------------------------------------------------------

API_BODY = {"name": "Ville de Lusignan", "kind": "commune", "siret": "732 829 320 00074", "postal_code": "86600",
            "city": "Lusignan", "insee_code": "86139"}


def test_api_create_and_read(client, users, session):
    headers = bearer(session, users["coordinator"])
    response = client.post("/api/v1/organisations", json=API_BODY, headers=headers)
    assert response.status_code == 201, response.json
    org_id = response.json["id"]
    assert response.json["siret"] == GOOD_SIRET and response.json["kind"] == "commune"
    response = client.get(f"/api/v1/organisations/{org_id}", headers=headers)
    assert response.status_code == 200 and response.json["name"] == "Ville de Lusignan"
    listing = client.get("/api/v1/organisations?q=lusig", headers=headers).json
    assert [o["id"] for o in listing["items"]] == [org_id] and listing["total"] == 1
    assert client.get("/api/v1/organisations", headers=headers).json["total"] == 2  # and Testville


def test_api_invalid_siret_is_a_422_with_the_french_message(client, users, session):
    headers = bearer(session, users["coordinator"])
    response = client.post("/api/v1/organisations", json=API_BODY | {"siret": "73282932000075"}, headers=headers)
    assert response.status_code == 422
    assert response.json["error"]["message"] == SIRET_MESSAGE and response.json["error"]["field"] == "siret"
    response = client.post("/api/v1/organisations", json=API_BODY | {"siret": None}, headers=headers)
    assert response.status_code == 422 and "SIRET" in response.json["error"]["message"]
    response = client.post("/api/v1/organisations", json=API_BODY | {"kind": "royaume"}, headers=headers)
    assert response.status_code == 422
    response = client.post("/api/v1/organisations", json=API_BODY | {"colour": "bleu"}, headers=headers)
    assert response.status_code == 422 and "colour" in response.json["error"]["message"]
    assert client.post("/api/v1/organisations", json=API_BODY, headers=headers).status_code == 201
    response = client.post("/api/v1/organisations", json=API_BODY, headers=headers)
    assert response.status_code == 409 and response.json["error"]["code"] == "conflict"


def test_api_patch(client, users, session):
    org = factories.organisation(session, name="Commune A")
    headers = bearer(session, users["coordinator"])
    response = client.patch(f"/api/v1/organisations/{org.id}", json={"city": "Vivonne", "archived": True},
                            headers=headers)
    assert response.status_code == 200 and response.json["city"] == "Vivonne" and response.json["archived"]
    response = client.patch(f"/api/v1/organisations/{org.id}", json={"siret": "123"}, headers=headers)
    assert response.status_code == 422 and response.json["error"]["message"] == SIRET_MESSAGE
    assert session.get(Organisation, org.id).siret != "123"
    assert client.patch("/api/v1/organisations/999", json={}, headers=headers).status_code == 404


def test_api_authority_sees_its_own_organisation_only(client, users, session):
    other = factories.organisation(session, name="Commune Voisine", notes="secret")
    own_id = users["authority"].organisation_id
    headers = bearer(session, users["authority"])
    listing = client.get("/api/v1/organisations", headers=headers).json
    assert [o["id"] for o in listing["items"]] == [own_id]
    assert client.get(f"/api/v1/organisations/{own_id}", headers=headers).status_code == 200
    response = client.get(f"/api/v1/organisations/{other.id}", headers=headers)
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    assert client.post("/api/v1/organisations", json=API_BODY, headers=headers).status_code == 403
    assert client.patch(f"/api/v1/organisations/{own_id}", json={"city": "X"}, headers=headers).status_code == 403
    mediator = bearer(session, users["mediator"])
    assert client.get("/api/v1/organisations", headers=mediator).status_code == 403
    assert client.get("/api/v1/organisations").status_code == 401
