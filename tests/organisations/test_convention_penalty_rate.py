"""A convention's own late-penalty rate (art. L441-10 C. com.): optional, for a professional buyer only (a public
buyer's rate is fixed by law), at least three times the legal interest rate of the current semester (refused while
that rate is missing); frozen with the other commercial terms once signed; shown on the page and in the API."""

import pytest
from sqlalchemy import select

from coopnum.core import clock, rates
from coopnum.core import services as core_services
from coopnum.core.errors import DomainError
from coopnum.core.models import RateKind
from coopnum.organisations.models import Convention, ConventionStatus, OrganisationKind
from coopnum.organisations.services import conventions as services
from tests import days, factories
from tests.conftest import login, text_of
from tests.organisations.test_conventions import api_body, form_data, terms

SEMESTER = rates.semester_start(days.TODAY)
LEGAL_BP = 276  # 2,76 %: the floor is 8,28 %
PUBLIC_REFUSAL = "Pour un acheteur public, le taux des intérêts moratoires est fixé par la loi"


@pytest.fixture
def association(session):
    return factories.organisation(session, name="Association Clic Solidaire", kind=OrganisationKind.ASSOCIATION)


@pytest.fixture
def commune(session):
    return factories.organisation(session, name="Ville de Tauxville", kind=OrganisationKind.COMMUNE)


@pytest.fixture
def legal_rate(session, users):
    return rates.set_rate(session, users["coordinator"], RateKind.LEGAL_INTEREST, valid_from=SEMESTER,
                          rate_bp=LEGAL_BP, now=days.NOW)


# --- the service ----------------------------------------------------------------------------------------------------

def test_a_rate_of_at_least_three_times_the_legal_rate(session, users, association, legal_rate, now):
    actor = users["coordinator"]
    conv = services.create_convention(session, actor, terms(association, penalty_rate_bp=828), now=now)
    assert conv.penalty_rate_bp == 828  # exactly 3 × 2,76 %
    with pytest.raises(DomainError) as refused:
        services.create_convention(session, actor, terms(association, penalty_rate_bp=827), now=now)
    assert refused.value.field == "penalty_rate_bp"
    assert refused.value.message == (
        f"Le taux des pénalités de retard ne peut être inférieur à trois fois le taux de l'intérêt légal du "
        f"{rates.semester_label(SEMESTER)} (3 × 2,76\u00a0% = 8,28\u00a0%, art. L441-10 du Code de commerce).")
    # No rate: the legal default, whatever the legal interest rate.
    assert services.create_convention(session, actor, terms(association), now=now).penalty_rate_bp is None


def test_the_legal_rate_of_the_semester_must_be_known(session, users, association, now):
    rates.set_rate(session, users["coordinator"], RateKind.LEGAL_INTEREST,
                   valid_from=rates.semester_start(days.month_start(-7)), rate_bp=LEGAL_BP, now=now)  # another one
    with pytest.raises(DomainError) as refused:
        services.create_convention(session, users["coordinator"], terms(association, penalty_rate_bp=1200), now=now)
    assert refused.value.field == "penalty_rate_bp"
    assert f"Le taux de l'intérêt légal du {rates.semester_label(SEMESTER)} n'est pas renseigné" in \
        refused.value.message
    assert "Identité et facturation (taux de l'intérêt légal)" in refused.value.message
    # The ECB rate is another kind: it does not stand in for it.
    rates.set_rate(session, users["coordinator"], RateKind.ECB, valid_from=SEMESTER, rate_bp=215, now=now)
    with pytest.raises(DomainError, match="n'est pas renseigné"):
        services.create_convention(session, users["coordinator"], terms(association, penalty_rate_bp=1200), now=now)


def test_a_public_buyer_has_no_contract_rate(session, users, commune, legal_rate, now):
    with pytest.raises(DomainError, match=PUBLIC_REFUSAL) as refused:
        services.create_convention(session, users["coordinator"], terms(commune, penalty_rate_bp=1200), now=now)
    assert refused.value.field == "penalty_rate_bp"


def test_moving_a_draft_to_a_public_buyer_keeps_no_rate(session, users, association, commune, legal_rate, now):
    conv = services.create_convention(session, users["coordinator"], terms(association, penalty_rate_bp=1200),
                                      now=now)
    data = services.ConventionData.of(conv).but(organisation_id=commune.id)
    with pytest.raises(DomainError, match=PUBLIC_REFUSAL):
        services.update_convention(session, users["coordinator"], conv, data, now=now)
    services.update_convention(session, users["coordinator"], conv, data.but(penalty_rate_bp=None), now=now)
    assert conv.organisation_id == commune.id and conv.penalty_rate_bp is None


def test_signed_convention_keeps_its_rate(session, users, association, legal_rate, now):
    conv = services.create_convention(session, users["coordinator"], terms(association, penalty_rate_bp=1200),
                                      now=now)
    services.sign_convention(session, users["coordinator"], conv, signed_on=days.TODAY, now=now)
    with pytest.raises(DomainError, match="ne changent plus"):
        services.update_convention(session, users["coordinator"], conv,
                                   services.ConventionData.of(conv).but(penalty_rate_bp=1500), now=now)
    # Its other data still change, without checking the rate again (the legal rate of a later semester may be
    # missing, or higher).
    session.delete(legal_rate)
    session.flush()
    services.update_convention(session, users["coordinator"], conv,
                               services.ConventionData.of(conv).but(notes="Relancer en juin"), now=now)
    assert conv.penalty_rate_bp == 1200 and conv.notes == "Relancer en juin"


# --- the pages ------------------------------------------------------------------------------------------------------

def test_the_form_saves_the_rate_and_the_page_shows_it(client, users, session, association, legal_rate):
    session.commit()
    login(client, users["coordinator"])
    page = text_of(client.get(f"/missions/conventions/new?organisation_id={association.id}"))
    assert "Taux des pénalités de retard (%/an)" in page and 'name="penalty_rate_bp"' in page
    response = client.post("/missions/conventions/new", data=form_data(association, penalty_rate_bp="12,5 %"))
    assert response.status_code == 302, text_of(response)[:2000]
    conv = session.execute(select(Convention)).scalar_one()
    assert conv.penalty_rate_bp == 1250
    page = text_of(client.get(f"/missions/conventions/{conv.id}"))
    assert "12,50\u00a0% l'an, fixé par la convention" in page
    page = text_of(client.get(f"/missions/conventions/{conv.id}/edit"))
    assert 'value="12,50"' in page


def test_the_page_names_the_legal_rate_without_a_contract_rate(client, users, session, association, commune):
    private = factories.convention(session, organisation=association)
    public = factories.convention(session, organisation=commune)
    session.commit()
    login(client, users["coordinator"])
    assert "Taux de la BCE majoré de 10 points (taux légal par défaut)" in text_of(
        client.get(f"/missions/conventions/{private.id}"))
    assert "Intérêts moratoires au taux de la BCE majoré de 8 points (fixé par la loi)" in text_of(
        client.get(f"/missions/conventions/{public.id}"))


@pytest.mark.parametrize(("public", "rate", "known", "message"), [
    (True, "12", True, PUBLIC_REFUSAL),
    (False, "8", True, "ne peut être inférieur à trois fois le taux de l'intérêt légal"),
    (False, "12", False, "Renseignez-le dans Identité et facturation (taux de l'intérêt légal)"),
    (False, "douze", True, "Taux invalide : un pourcentage avec au plus deux décimales"),
    (False, "150", True, "Taux invalide : entre 0,01 et 100 (en pour cent)."),
])
def test_the_form_refuses(client, users, session, association, commune, public, rate, known, message):
    if known:
        rates.set_rate(session, users["coordinator"], RateKind.LEGAL_INTEREST, valid_from=SEMESTER,
                       rate_bp=LEGAL_BP, now=days.NOW)
    session.commit()
    login(client, users["coordinator"])
    org = commune if public else association
    response = client.post("/missions/conventions/new", data=form_data(org, penalty_rate_bp=rate))
    assert response.status_code == 400
    page = text_of(response)
    assert message in page and 'class="field-error"' in page
    assert session.execute(select(Convention)).first() is None


# --- the API --------------------------------------------------------------------------------------------------------

def test_api_reads_and_writes_the_rate(client, users, session, association, commune, legal_rate):
    _token, clear = core_services.create_token(session, users["coordinator"], users["coordinator"], "test",
                                               now=clock.now())
    session.commit()
    headers = {"Authorization": f"Bearer {clear}"}
    response = client.post("/api/v1/conventions", headers=headers, json=api_body(association, penalty_rate_bp=1000))
    assert response.status_code == 201, response.json
    assert response.json["penalty_rate_bp"] == 1000
    conv_id = response.json["id"]
    response = client.patch(f"/api/v1/conventions/{conv_id}", headers=headers, json={"penalty_rate_bp": 500})
    assert response.status_code == 422 and response.json["error"]["field"] == "penalty_rate_bp"
    response = client.patch(f"/api/v1/conventions/{conv_id}", headers=headers, json={"penalty_rate_bp": None})
    assert response.status_code == 200 and response.json["penalty_rate_bp"] is None
    response = client.post("/api/v1/conventions", headers=headers, json=api_body(commune, penalty_rate_bp=1200))
    assert response.status_code == 422 and PUBLIC_REFUSAL in response.json["error"]["message"]
    assert client.get(f"/api/v1/conventions/{conv_id}", headers=headers).json["penalty_rate_bp"] is None
    session.expire_all()
    assert session.get(Convention, conv_id).status == ConventionStatus.DRAFT
