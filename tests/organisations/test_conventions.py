"""Conventions: rules (dates, pricing, payment terms, Chorus Pro, status), audit, signed PDF, pages and JSON API."""

import hashlib
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfWriter
from sqlalchemy import select

from coopnum.core import clock
from coopnum.core import services as core_services
from coopnum.core.errors import Conflict, DomainError
from coopnum.core.models import AuditLog
from coopnum.missions.services import volumes
from coopnum.organisations.models import (
    Convention,
    ConventionStatus,
    Organisation,
    OrganisationKind,
    PricingMode,
    VolumeUnit,
)
from coopnum.organisations.services import conventions as services
from tests import days, factories
from tests.conftest import login, text_of

END_BEFORE_START = "La date de fin doit être postérieure à la date de début."
YEAR = days.TODAY.year  # conventions of this year: CONV-<YEAR>-001…


def _blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = _blank_pdf()  # a real one-page PDF: the upload opens it with pypdf


def terms(org, **changes) -> services.ConventionData:
    return services.ConventionData(**{
        "organisation_id": org.id, "title": f"Permanences {YEAR}", "start_date": days.year_start(),
        "end_date": days.year_end(), "pricing_mode": PricingMode.HOURLY, "unit_price_cents": 4500,
        "volume_unit": VolumeUnit.HOURS, "contracted_volume": Decimal("120")} | changes)


@pytest.fixture
def org(session):
    return factories.organisation(session, name="Ville de Vivonne")


@pytest.fixture
def uploads(app, tmp_path):
    app.instance_path = str(tmp_path)
    return tmp_path / "uploads"


def bearer(session, user) -> dict:
    _token, clear = core_services.create_token(session, user, user, "test", now=clock.now())
    session.commit()
    return {"Authorization": f"Bearer {clear}"}


# --- rules ------------------------------------------------------------------------------------------------------

def test_reference_is_generated_per_year_and_unique(session, users, org, now):
    actor = users["coordinator"]
    first = services.create_convention(session, actor, terms(org), now=now)
    second = services.create_convention(session, actor, terms(org), now=now)
    other_year = services.create_convention(
        session, actor, terms(org, start_date=days.year_start(1), end_date=date(YEAR + 1, 6, 30)), now=now)
    assert (first.reference, second.reference, other_year.reference) == (f"CONV-{YEAR}-001", f"CONV-{YEAR}-002",
                                                                         f"CONV-{YEAR + 1}-001")
    assert first.status == ConventionStatus.DRAFT and first.chorus_buyer_siret == org.siret
    with pytest.raises(Conflict) as exc:
        services.create_convention(session, actor, terms(org, reference=f"conv-{YEAR}-001"), now=now)
    assert exc.value.field == "reference"


def test_end_before_start_is_refused(session, users, org, now):
    with pytest.raises(DomainError) as exc:
        services.create_convention(session, users["coordinator"], terms(org, end_date=date(YEAR - 1, 12, 1)), now=now)
    assert exc.value.message == END_BEFORE_START and exc.value.field == "end_date"


@pytest.mark.parametrize(("changes", "field"), [
    ({"unit_price_cents": None}, "unit_price_cents"),
    ({"unit_price_cents": -100}, "unit_price_cents"),
    ({"pricing_mode": PricingMode.MONTHLY_FLAT, "monthly_fee_cents": None}, "monthly_fee_cents"),
    ({"contracted_volume": Decimal("0")}, "contracted_volume"),
    ({"contracted_volume": "beaucoup"}, "contracted_volume"),
    ({"volume_unit": VolumeUnit.SESSIONS}, "volume_unit"),  # hourly rate counts hours
    ({"pricing_mode": PricingMode.PER_SESSION, "volume_unit": VolumeUnit.SESSIONS,
      "contracted_volume": Decimal("10.5")}, "contracted_volume"),
    ({"payment_terms_days": 61}, "payment_terms_days"),
    ({"title": " "}, "title"),
    ({"organisation_id": 999}, "organisation_id"),
    ({"chorus_buyer_siret": "12345678901234"}, "chorus_buyer_siret"),
    ({"services": [(999, None)]}, "services"),
    ({"vat_regime": "tva_55"}, "vat_regime"),
])
def test_invalid_terms_are_refused_on_their_field(session, users, org, now, changes, field):
    with pytest.raises(DomainError) as exc:
        services.create_convention(session, users["coordinator"], terms(org, **changes), now=now)
    assert exc.value.field == field


def test_payment_terms_of_a_public_buyer(session, users, org, now):
    with pytest.raises(DomainError) as exc:
        services.create_convention(session, users["coordinator"], terms(org, payment_terms_days=45), now=now)
    assert "R2192-10" in exc.value.message
    association = factories.organisation(session, kind=OrganisationKind.ASSOCIATION, siret=None)
    conv = services.create_convention(session, users["coordinator"],
                                      terms(association, payment_terms_days=45), now=now)
    assert conv.payment_terms_days == 45 and conv.chorus_buyer_siret is None


def test_monthly_flat_fee_needs_no_volume(session, users, org, now):
    conv = services.create_convention(session, users["coordinator"],
                                      terms(
        org, pricing_mode=PricingMode.MONTHLY_FLAT, monthly_fee_cents=250000, unit_price_cents=4500,
        contracted_volume=Decimal("0")), now=now)
    assert conv.monthly_fee_cents == 250000 and conv.unit_price_cents is None


def test_services_with_negotiated_prices(session, users, org, now):
    perm = factories.service(session, code="PERM")
    atelier = factories.service(session, code="ATEL")
    retired = factories.service(session, code="OLD", active=False)
    conv = services.create_convention(session, users["coordinator"],
                                      terms(org, services=[(perm.id, 4000), (atelier.id, None)]), now=now)
    assert {(cs.service_id, cs.unit_price_cents) for cs in conv.services} == {(perm.id, 4000), (atelier.id, None)}
    with pytest.raises(DomainError) as exc:
        services.update_convention(session, users["coordinator"], conv,
                                   services.ConventionData.of(conv).but(services=[(retired.id, None)]), now=now)
    assert "n'est plus proposé" in exc.value.message
    services.update_convention(session, users["coordinator"], conv,
                               services.ConventionData.of(conv).but(services=[(atelier.id, 15000)]), now=now)
    assert [(cs.service_id, cs.unit_price_cents) for cs in conv.services] == [(atelier.id, 15000)]
    entry = session.execute(select(AuditLog).where(AuditLog.action == "update")).scalar_one()
    assert entry.changes["before"]["services"] == sorted([[perm.id, 4000], [atelier.id, None]])
    assert entry.changes["after"]["services"] == [[atelier.id, 15000]]


def test_signed_conventions_keep_their_terms(session, users, org, now):
    actor = users["coordinator"]
    conv = services.create_convention(session, actor, terms(org), now=now)
    with pytest.raises(DomainError) as exc:
        services.sign_convention(session, actor, conv, signed_on=None, now=now)
    assert exc.value.field == "signed_on"
    with pytest.raises(DomainError):
        services.sign_convention(session, actor, conv, signed_on=days.days(1), now=now)  # in the future
    services.sign_convention(session, actor, conv, signed_on=days.days(-3), now=now)
    assert conv.status == ConventionStatus.SIGNED and conv.signed_on == days.days(-3)
    with pytest.raises(DomainError) as exc:
        services.update_convention(session, actor, conv,
                                   services.ConventionData.of(conv).but(unit_price_cents=5000), now=now)
    assert exc.value.field == "unit_price_cents" and "Chorus Pro" in exc.value.message
    # the same value is not a change; Chorus Pro data and notes still change
    services.update_convention(session, actor, conv, services.ConventionData.of(conv).but(
        unit_price_cents=4500, contracted_volume="120", chorus_service_code="DSI-01",
        chorus_engagement_number=f"EJ-{YEAR}-77", notes="OK"), now=now)
    assert (conv.chorus_service_code, conv.chorus_engagement_number, conv.notes) == ("DSI-01", f"EJ-{YEAR}-77", "OK")
    with pytest.raises(DomainError):
        services.sign_convention(session, actor, conv, signed_on=days.days(-3), now=now)
    services.end_convention(session, actor, conv, now=now)
    assert conv.status == ConventionStatus.ENDED
    with pytest.raises(DomainError):
        services.end_convention(session, actor, conv, now=now)
    actions = session.execute(select(AuditLog.action).where(AuditLog.object_type == "Convention")
                              .order_by(AuditLog.id)).scalars().all()
    assert actions == ["create", "sign", "update", "end"]


def test_signed_pdf_checks(session, users, org, now):
    conv = services.create_convention(session, users["coordinator"], terms(org), now=now)
    with pytest.raises(DomainError) as exc:
        services.attach_signed_pdf(session, users["coordinator"], conv, filename="x.pdf", data=b"GIF89a", now=now)
    assert exc.value.message == "Le fichier n'est pas un PDF."
    with pytest.raises(DomainError) as exc:
        services.attach_signed_pdf(session, users["coordinator"], conv, filename="x.pdf",
                                   data=b"%PDF" + b"0" * (10 * 1024 * 1024), now=now)
    assert exc.value.message == "Le fichier dépasse 10 Mo."
    path = services.attach_signed_pdf(session, users["coordinator"], conv, filename="C:\\scans\\signée.pdf",
                                      data=PDF, now=now)
    digest = hashlib.sha256(PDF).hexdigest()
    assert path == f"conventions/{conv.id}/{digest}.pdf"
    assert (conv.signed_file_name, conv.signed_file_sha256) == ("signée.pdf", digest)


# --- pages ------------------------------------------------------------------------------------------------------

def form_data(org, **changes) -> dict:
    return {"organisation_id": str(org.id), "title": f"Permanences {YEAR}", "reference": "",
            "start_date": days.year_start().isoformat(), "end_date": days.year_end().isoformat(), "pricing_mode": "hourly", "unit_price_cents": "45", "monthly_fee_cents": "",
            "volume_unit": "hours", "contracted_volume": "120", "vat_regime": "standard", "payment_terms_days": "30",
            "chorus_buyer_siret": "", "chorus_service_code": "", "chorus_engagement_number": "", "notes": ""} | changes


def test_coordinator_creates_a_convention_with_services(client, users, session, org):
    perm = factories.service(session, code="PERM", name="Permanence numérique")
    atelier = factories.service(session, code="ATEL", name="Atelier collectif")
    login(client, users["coordinator"])
    page = text_of(client.get(f"/missions/conventions/new?organisation_id={org.id}"))
    assert "Permanence numérique" in page and f'<option selected value="{org.id}">' in page
    lines = {"services-0-service_id": str(perm.id), "services-0-included": "y", "services-0-unit_price_cents": "40",
             "services-1-service_id": str(atelier.id), "services-1-unit_price_cents": ""}
    response = client.post("/missions/conventions/new", data=form_data(org, contracted_volume="37,5") | lines)
    assert response.status_code == 302, text_of(response)[:3000]
    conv = session.execute(select(Convention)).scalar_one()
    assert conv.reference == f"CONV-{YEAR}-001" and conv.contracted_volume == Decimal("37.5")
    assert [(cs.service_id, cs.unit_price_cents) for cs in conv.services] == [(perm.id, 4000)]
    page = text_of(client.get(f"/missions/conventions/{conv.id}"))
    assert f"CONV-{YEAR}-001" in page and "37 h 30" in page and "Permanence numérique" in page and "40,00 €" in page


@pytest.mark.parametrize(("changes", "message"), [
    ({"end_date": f"{YEAR - 1}-06-30"}, END_BEFORE_START),
    ({"payment_terms_days": "45"}, "art. R2192-10 du Code de la commande publique"),
    ({"payment_terms_days": "90"}, "art. L441-10 du Code de commerce"),
    ({"payment_terms_days": "-3"}, "Le délai de paiement ne peut pas être négatif."),
    ({"unit_price_cents": ""}, "Indiquez le prix unitaire HT"),
    ({"contracted_volume": "beaucoup"}, "Volume invalide"),
    ({"chorus_buyer_siret": "123"}, "SIRET invalide : 14 chiffres avec une clé de contrôle correcte."),
    ({"organisation_id": "0"}, "Choisissez la structure signataire."),
])
def test_bad_convention_input_gives_a_french_message_and_400(client, users, session, org, changes, message):
    login(client, users["coordinator"])
    response = client.post("/missions/conventions/new", data=form_data(org, **changes))
    assert response.status_code == 400
    page = text_of(response)
    assert message in page and 'class="field-error"' in page
    assert session.execute(select(Convention)).first() is None


def test_edit_draft_then_signed(client, users, session, org):
    conv = factories.convention(session, organisation=org, status=ConventionStatus.DRAFT, reference="CONV-X")
    login(client, users["coordinator"])
    page = text_of(client.get(f"/missions/conventions/{conv.id}/edit"))
    assert 'name="unit_price_cents"' in page
    response = client.post(f"/missions/conventions/{conv.id}/edit", data=form_data(org, reference="CONV-X",
                                                                                    unit_price_cents="50"))
    assert response.status_code == 302
    assert session.get(Convention, conv.id).unit_price_cents == 5000
    response = client.post(f"/missions/conventions/{conv.id}/sign", data={"signed_on": ""})
    assert response.status_code == 400 and "Indiquez la date de signature." in text_of(response)
    response = client.post(f"/missions/conventions/{conv.id}/sign", data={"signed_on": days.days(-1).isoformat()})
    assert response.status_code == 302
    assert session.get(Convention, conv.id).status == ConventionStatus.SIGNED
    page = text_of(client.get(f"/missions/conventions/{conv.id}/edit"))
    assert 'name="unit_price_cents"' not in page and "ne changent plus" in page
    response = client.post(f"/missions/conventions/{conv.id}/edit", data={
        "chorus_buyer_siret": "", "chorus_service_code": "SERV-NUM", "chorus_engagement_number": "", "notes": "Vu"})
    assert response.status_code == 302
    conv = session.get(Convention, conv.id)
    assert conv.chorus_service_code == "SERV-NUM" and conv.unit_price_cents == 5000
    assert client.post(f"/missions/conventions/{conv.id}/end").status_code == 302
    assert session.get(Convention, conv.id).status == ConventionStatus.ENDED


def test_signed_pdf_upload_and_download(client, users, session, org, uploads):
    conv = factories.convention(session, organisation=org)
    login(client, users["coordinator"])
    response = client.post(f"/missions/conventions/{conv.id}/file",
                           data={"file": (io.BytesIO(b"pas un pdf"), "convention.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "Le fichier n'est pas un PDF." in text_of(response)
    assert session.get(Convention, conv.id).signed_file_path is None and not uploads.exists()
    response = client.post(f"/missions/conventions/{conv.id}/file",
                           data={"file": (io.BytesIO(PDF), "convention signée.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    digest = hashlib.sha256(PDF).hexdigest()
    stored = uploads / "conventions" / str(conv.id) / f"{digest}.pdf"
    assert stored.read_bytes() == PDF
    conv = session.get(Convention, conv.id)
    assert conv.signed_file_sha256 == digest and conv.signed_file_name == "convention signée.pdf"
    response = client.get(f"/missions/conventions/{conv.id}/signed.pdf")
    assert response.status_code == 200 and response.data == PDF and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    entry = session.execute(select(AuditLog).where(AuditLog.action == "attach")).scalar_one()
    assert entry.changes["after"]["signed_file_sha256"] == digest


def test_authority_downloads_its_own_signed_pdf_only(client, users, session, uploads):
    own = session.get(Organisation, users["authority"].organisation_id)
    other = factories.organisation(session, name="Commune Voisine")
    convs = {}
    for key, organisation in (("own", own), ("other", other)):
        conv = factories.convention(session, organisation=organisation)
        services.attach_signed_pdf(session, users["coordinator"], conv, filename="c.pdf", data=PDF, now=clock.now())
        services.store_upload(uploads, conv.signed_file_path, PDF)
        convs[key] = conv.id
    login(client, users["authority"])
    assert client.get(f"/missions/conventions/{convs['own']}/signed.pdf").data == PDF
    assert client.get(f"/missions/conventions/{convs['other']}/signed.pdf").status_code == 403
    assert client.post(f"/missions/conventions/{convs['own']}/file").status_code == 403


def test_list_filters_volume_and_one_volume_query(client, users, session, org, monkeypatch):
    signed = factories.convention(session, organisation=org, reference="CONV-A", contracted_volume=Decimal(10))
    factories.convention(session, organisation=org, reference="CONV-B", status=ConventionStatus.DRAFT)
    other = factories.organisation(session, name="Commune Z")
    factories.convention(session, organisation=other, reference="CONV-C")
    place = factories.place(session, organisation=org)
    mission = factories.mission(session, convention=signed, place=place)
    held = days.nth_weekday(days.month_start(-1), days.TUESDAY)  # a past Tuesday: 4 hours used
    factories.mission_session(session, mission=mission, start=days.at(held, 9), end=days.at(held, 13))
    calls = []
    original = volumes.volume_summaries
    monkeypatch.setattr(volumes, "volume_summaries", lambda *a, **kw: calls.append(a[1]) or original(*a, **kw))
    login(client, users["coordinator"])
    page = text_of(client.get("/missions/conventions"))
    assert all(ref in page for ref in ("CONV-A", "CONV-B", "CONV-C"))
    assert len(calls) == 1 and len(calls[0]) == 3
    assert "4 h / 10 h (40 %)" in page and '<progress value="4.00" max="10.00"' in page
    page = text_of(client.get("/missions/conventions?status=draft"))
    assert "CONV-B" in page and "CONV-A" not in page
    page = text_of(client.get(f"/missions/conventions?organisation_id={other.id}"))
    assert "CONV-C" in page and "CONV-A" not in page


def test_authority_sees_its_own_conventions_read_only(client, users, session):
    own = session.get(Organisation, users["authority"].organisation_id)
    mine = factories.convention(session, organisation=own, reference="CONV-MINE", notes="note interne")
    other = factories.organisation(session, name="Commune Voisine")
    theirs = factories.convention(session, organisation=other, reference="CONV-THEIRS")
    login(client, users["authority"])
    page = text_of(client.get(f"/missions/conventions?organisation_id={other.id}"))
    assert "CONV-MINE" in page and "CONV-THEIRS" not in page
    page = text_of(client.get(f"/missions/conventions/{mine.id}"))
    assert "CONV-MINE" in page and "Modifier" not in page and "note interne" not in page
    assert "contractées" in page
    assert client.get(f"/missions/conventions/{theirs.id}").status_code == 403
    assert client.get(f"/missions/conventions/{mine.id}/edit").status_code == 403
    assert client.post(f"/missions/conventions/{mine.id}/end").status_code == 403


def test_detail_shows_missions_and_volumes(client, users, session, org):
    conv = factories.convention(session, organisation=org, contracted_volume=Decimal(20))
    place = factories.place(session, organisation=org, name="Mairie de Vivonne")
    mission = factories.mission(session, convention=conv, place=place, title="Permanence du mardi")
    held = days.nth_weekday(days.month_start(-1), days.TUESDAY)  # past: 3 hours used
    planned = days.nth_weekday(days.month_start(1), days.TUESDAY)  # future: 2 hours planned
    factories.mission_session(session, mission=mission, start=days.at(held, 9), end=days.at(held, 12))
    factories.mission_session(session, mission=mission, start=days.at(planned, 9), end=days.at(planned, 11))
    login(client, users["coordinator"])
    page = text_of(client.get(f"/missions/conventions/{conv.id}"))
    assert "Permanence du mardi" in page and "Mairie de Vivonne" in page
    # hours read as durations, as everywhere else (never « 3 », « 29,25 » next to « 14 h 45 »)
    assert 'data-testid="volume-used">3 h<' in page and 'data-testid="volume-planned">2 h<' in page
    assert 'data-testid="volume-contracted">20 h<' in page
    assert f'href="/missions/missions/{mission.id}"' in page


def test_a_convention_without_missions_offers_to_plan_one(client, users, session, org):
    running = factories.convention(session, organisation=org, reference="CONV-RUNNING")
    over = factories.convention(session, organisation=org, reference="CONV-OVER", start_date=days.month_start(-14),
                                end_date=days.month_end(-2))
    own = factories.convention(session, organisation=session.get(Organisation, users["authority"].organisation_id))
    session.commit()
    login(client, users["coordinator"])
    page = text_of(client.get(f"/missions/conventions/{running.id}"))
    assert '<p class="empty">Aucune mission pour cette convention.</p>' in page
    assert (f'<p class="empty-action"><a href="/missions/missions/new?convention_id={running.id}" '
            'class="button-link secondary">Nouvelle mission</a></p>') in page
    form = text_of(client.get(f"/missions/missions/new?convention_id={running.id}"))
    assert re.search(rf'<option data-hint="[^"]*" data-places="[^"]*" selected value="{running.id}">', form)
    # a convention whose period is over takes no new mission (the mission form does not offer it)
    page = text_of(client.get(f"/missions/conventions/{over.id}"))
    assert "Aucune mission pour cette convention." in page and "/missions/missions/new" not in page
    client.post("/logout")
    login(client, users["authority"])  # reads its convention, plans nothing
    page = text_of(client.get(f"/missions/conventions/{own.id}"))
    assert "Aucune mission pour cette convention." in page and "/missions/missions/new" not in page


# --- API --------------------------------------------------------------------------------------------------------

def api_body(org, **changes) -> dict:
    return {"organisation_id": org.id, "title": f"Ateliers {YEAR}", "start_date": days.year_start().isoformat(),
            "end_date": days.year_end().isoformat(), "pricing_mode": "per_workshop", "unit_price_cents": 18000,
            "contracted_volume": 20} | changes


def test_api_create_read_and_list(client, users, session, org):
    srv = factories.service(session, code="ATEL", name="Atelier")
    headers = bearer(session, users["coordinator"])
    response = client.post("/api/v1/conventions", headers=headers,
                           json=api_body(org, services=[{"service_id": srv.id, "unit_price_cents": 17000}]))
    assert response.status_code == 201, response.json
    data = response.json
    assert data["reference"] == f"CONV-{YEAR}-001" and data["status"] == "draft" and data["volume_unit"] == "sessions"
    assert data["services"] == [{"service_id": srv.id, "code": "ATEL", "name": "Atelier", "unit_price_cents": 17000,
                                 "catalogue_price_cents": 4500}]
    assert Decimal(data["volume_contracted"]) == 20 and Decimal(data["volume_used"]) == 0
    assert data["chorus_buyer_siret"] == org.siret
    got = client.get(f"/api/v1/conventions/{data['id']}", headers=headers).json
    assert got["id"] == data["id"]
    listing = client.get(f"/api/v1/conventions?organisation_id={org.id}&status=draft", headers=headers).json
    assert [c["id"] for c in listing["items"]] == [data["id"]] and listing["total"] == 1
    assert client.get("/api/v1/conventions?status=signed", headers=headers).json["total"] == 0
    assert client.get("/api/v1/conventions?status=perdu", headers=headers).status_code == 422


def test_api_errors(client, users, session, org):
    headers = bearer(session, users["coordinator"])
    response = client.post("/api/v1/conventions", headers=headers, json=api_body(org, end_date=days.year_start(-1).isoformat()))
    assert response.status_code == 422 and response.json["error"]["message"] == END_BEFORE_START
    assert response.json["error"]["field"] == "end_date"
    response = client.post("/api/v1/conventions", headers=headers, json=api_body(org, start_date="demain"))
    assert response.status_code == 422 and "start_date" in response.json["error"]["message"]
    response = client.post("/api/v1/conventions", headers=headers, json=api_body(org, payment_terms_days=45))
    assert response.status_code == 422 and "R2192-10" in response.json["error"]["message"]
    client.post("/api/v1/conventions", headers=headers, json=api_body(org, reference="REF-1"))
    response = client.post("/api/v1/conventions", headers=headers, json=api_body(org, reference="REF-1"))
    assert response.status_code == 409
    mediator = bearer(session, users["mediator"])
    assert client.post("/api/v1/conventions", headers=mediator, json=api_body(org)).status_code == 403
    assert client.get("/api/v1/conventions").status_code == 401


def test_api_patch_and_status(client, users, session, org):
    headers = bearer(session, users["coordinator"])
    conv_id = client.post("/api/v1/conventions", headers=headers, json=api_body(org)).json["id"]
    response = client.patch(f"/api/v1/conventions/{conv_id}", headers=headers, json={"contracted_volume": 25})
    assert response.status_code == 200 and Decimal(response.json["volume_contracted"]) == 25
    response = client.patch(f"/api/v1/conventions/{conv_id}", headers=headers, json={"status": "signed"})
    assert response.status_code == 422 and response.json["error"]["field"] == "signed_on"
    response = client.patch(f"/api/v1/conventions/{conv_id}", headers=headers,
                            json={"status": "signed", "signed_on": days.days(-1).isoformat()})
    assert response.status_code == 200 and response.json["status"] == "signed"
    response = client.patch(f"/api/v1/conventions/{conv_id}", headers=headers, json={"unit_price_cents": 1})
    assert response.status_code == 422 and "brouillon" in response.json["error"]["message"]
    response = client.patch(f"/api/v1/conventions/{conv_id}", headers=headers,
                            json={"chorus_engagement_number": "EJ-1"})
    assert response.status_code == 200 and response.json["chorus_engagement_number"] == "EJ-1"
    response = client.patch(f"/api/v1/conventions/{conv_id}", headers=headers, json={"status": "draft"})
    assert response.status_code == 422
    assert client.patch("/api/v1/conventions/999", headers=headers, json={}).status_code == 404


def test_api_authority_sees_its_own_conventions_only(client, users, session):
    own = session.get(Organisation, users["authority"].organisation_id)
    mine = factories.convention(session, organisation=own, notes="interne")
    other = factories.organisation(session, name="Commune Voisine")
    theirs = factories.convention(session, organisation=other)
    headers = bearer(session, users["authority"])
    listing = client.get("/api/v1/conventions", headers=headers).json
    assert [c["id"] for c in listing["items"]] == [mine.id] and listing["items"][0]["notes"] == ""
    assert client.get(f"/api/v1/conventions?organisation_id={other.id}", headers=headers).json["items"] == []
    assert client.get(f"/api/v1/conventions/{mine.id}", headers=headers).status_code == 200
    response = client.get(f"/api/v1/conventions/{theirs.id}", headers=headers)
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    assert client.patch(f"/api/v1/conventions/{mine.id}", headers=headers, json={"notes": "x"}).status_code == 403


def test_uploads_are_kept_inside_their_folder(tmp_path):
    with pytest.raises(ValueError):
        services.store_upload(tmp_path, "../evil.pdf", PDF)
    assert services.store_upload(tmp_path, "conventions/1/a.pdf", PDF) == (tmp_path / "conventions/1/a.pdf").resolve()
    assert not Path(tmp_path / "conventions/1/a.part").exists()


# --- demo data --------------------------------------------------------------------------------------------------

def test_demo_catalogue_and_conventions(session):
    import random

    from coopnum.demo import DemoContext, seed_core
    from coopnum.organisations.demo import seed_catalogue_and_conventions

    ctx = DemoContext(rng=random.Random(2026), now=days.NOW)  # the demo of this year
    seed_core(ctx)
    seed_catalogue_and_conventions(ctx)
    session.commit()
    assert len(ctx.services) == 8 and {s.code for s in ctx.services} >= {"PERM-H", "ATELIER", "FORM-PRO", "CNFS"}
    formation = next(s for s in ctx.services if s.code == "FORM-PRO")
    assert formation.vat_regime == "training_exempt" and formation.unit_price_cents == 90000
    assert len(ctx.conventions) == len(ctx.organisations) == 12
    assert {c.status for c in ctx.conventions} == {ConventionStatus.SIGNED}
    assert {c.pricing_mode for c in ctx.conventions} == set(PricingMode)
    assert [c.reference for c in ctx.conventions][:2] == [f"CONV-{YEAR}-001", f"CONV-{YEAR}-002"]
    for conv in ctx.conventions:
        org = conv.organisation
        assert conv.start_date == days.year_start() and conv.services
        if org.is_public:
            assert conv.chorus_buyer_siret == org.siret and conv.chorus_engagement_number
            assert conv.payment_terms_days <= 30
