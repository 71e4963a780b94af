"""The Chorus Pro references of an organisation: checked by the service (lengths, characters, French messages),
edited in the organisation form, shown on its page, audited."""

import pytest
from sqlalchemy import select

from coopnum.core.errors import DomainError
from coopnum.core.models import AuditLog
from coopnum.organisations.models import Organisation
from coopnum.organisations.services import chorus
from coopnum.organisations.services import organisations as services
from tests import factories
from tests.conftest import login, text_of
from tests.organisations.test_organisations import bearer, values


def test_normalised():
    assert chorus.normalise_service_code("  SERV  FIN ") == "SERV FIN"
    assert chorus.normalise_service_code("") is None and chorus.normalise_engagement_number(None) is None
    assert chorus.normalise_engagement_number("EJ-2026/0042_b.1") == "EJ-2026/0042_b.1"
    assert chorus.normalise_service_code("A" * 100) == "A" * 100


@pytest.mark.parametrize(("check", "value", "message"), [
    (chorus.normalise_service_code, "A" * 101, "Le code service ne doit pas dépasser 100 caractères"),
    (chorus.normalise_engagement_number, "1" * 51, "Le numéro d'engagement ne doit pas dépasser 50 caractères"),
    (chorus.normalise_service_code, "Service éducation", "lettres sans accent"),
    (chorus.normalise_engagement_number, "EJ;42", "lettres sans accent"),
    (chorus.normalise_engagement_number, "-42", "lettres sans accent"),
    (chorus.normalise_service_code, "=HYPERLINK(1)", "lettres sans accent"),
])
def test_refused_with_a_french_message(check, value, message):
    with pytest.raises(DomainError, match=message):
        check(value)


def test_service_saves_and_audits(session, users, now):
    org = factories.organisation(session)
    services.update_organisation(session, users["coordinator"], org, services.OrganisationData.of(org).but(
        chorus_service_code="SERV-NUM", chorus_engagement_number=" EJ-7 ", chorus_engagement_required=True), now=now)
    assert (org.chorus_service_code, org.chorus_engagement_number, org.chorus_engagement_required) == (
        "SERV-NUM", "EJ-7", True)
    entry = session.execute(select(AuditLog).where(AuditLog.object_type == "Organisation")
                            .order_by(AuditLog.id.desc())).scalars().first()
    assert entry.changes["after"]["chorus_service_code"] == "SERV-NUM"
    with pytest.raises(DomainError) as exc:
        services.update_organisation(session, users["coordinator"], org,
                                     services.OrganisationData.of(org).but(chorus_service_code="é"), now=now)
    assert exc.value.field == "chorus_service_code"


def test_form_and_page(client, users, session):
    org = factories.organisation(session, name="Ville de Chorus")
    session.commit()
    login(client, users["coordinator"])
    form = values(name="Ville de Chorus", siret=org.siret, chorus_service_code="SERVICE ÉDUCATION",
                  chorus_engagement_number="x" * 51)
    response = client.post(f"/missions/organisations/{org.id}/edit", data=form)
    assert response.status_code == 400
    page = text_of(response)
    assert "Le code service ne contient que des lettres sans accent" in page
    assert "Le numéro d'engagement ne doit pas dépasser 50 caractères" in page
    response = client.post(f"/missions/organisations/{org.id}/edit", data={
        **form, "chorus_service_code": "SERV-EDUC", "chorus_engagement_number": "BC-12",
        "chorus_engagement_required": "y"})
    assert response.status_code == 302
    session.expire_all()
    saved = session.get(Organisation, org.id)
    assert (saved.chorus_service_code, saved.chorus_engagement_number, saved.chorus_engagement_required) == (
        "SERV-EDUC", "BC-12", True)
    page = text_of(client.get(f"/missions/organisations/{org.id}"))
    assert '<td id="org-chorus-service">SERV-EDUC</td>' in page
    assert "BC-12" in page and "exigé par l'acheteur" in page
    edit = text_of(client.get(f"/missions/organisations/{org.id}/edit"))
    assert 'value="SERV-EDUC"' in edit and 'value="BC-12"' in edit


def test_api_reads_and_writes_them(client, users, session):
    org = factories.organisation(session, name="Commune API")
    headers = bearer(session, users["coordinator"])
    response = client.patch(f"/api/v1/organisations/{org.id}", headers=headers, json={
        "chorus_service_code": "SERV-API", "chorus_engagement_number": "EJ-API", "chorus_engagement_required": True})
    assert response.status_code == 200
    assert (response.json["chorus_service_code"], response.json["chorus_engagement_number"],
            response.json["chorus_engagement_required"]) == ("SERV-API", "EJ-API", True)
    response = client.patch(f"/api/v1/organisations/{org.id}", headers=headers,
                            json={"chorus_service_code": "Service à accents"})
    assert response.status_code == 422 and "lettres sans accent" in response.json["error"]["message"]
    assert client.get(f"/api/v1/organisations/{org.id}", headers=headers).json["chorus_service_code"] == "SERV-API"
