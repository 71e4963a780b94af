"""The equipment used per session in a convention's activity report (HTML and PDF), only when the convention asks
for it (« Lister le matériel utilisé dans le rapport d'activité », saved by the convention form)."""

from datetime import timedelta

import pytest

from coopnum.inventory.models import AssetCategory, ReservationStatus
from coopnum.inventory.services import reports
from tests import days, factories
from tests.conftest import login, text_of
from tests.inventory import factories_inventory as inv
from tests.pdftext import pdf_text


@pytest.fixture
def scene(session, users):
    org = factories.organisation(session, name="Ville de Testville")
    convention = factories.convention(session, organisation=org)
    place = factories.place(session, organisation=org)
    mission = factories.mission(session, convention=convention, place=place, title="Atelier tablettes")
    when = days.at(days.month_start(-1) + timedelta(days=3), 14)
    s1 = factories.mission_session(session, mission=mission, start=when, end=when + timedelta(hours=2))
    s2 = factories.mission_session(session, mission=mission, start=when + timedelta(days=7),
                                   end=when + timedelta(days=7, hours=2))
    t1, t2 = inv.asset(session, tag="TAB-0101"), inv.asset(session, tag="TAB-0102")
    hotspot = inv.asset(session, tag="HOT-0007", category=AssetCategory.HOTSPOT)
    converted = inv.reservation(session, user=users["mediator"], assets=[t1, t2], starts_at=when,
                                ends_at=when + timedelta(hours=2), session_id=s1.id)
    converted.status = ReservationStatus.CONVERTED
    inv.loan(session, assets=[t1, t2], user=users["mediator"], checked_out_at=when, due_at=when + timedelta(hours=2),
             returned_at=when + timedelta(hours=2), session_id=s1.id)
    inv.reservation(session, user=users["mediator"], assets=[hotspot], starts_at=when + timedelta(days=7),
                    ends_at=when + timedelta(days=7, hours=2), session_id=s2.id)
    cancelled = inv.reservation(session, user=users["mediator"], assets=[t1], starts_at=when + timedelta(days=7),
                                ends_at=when + timedelta(days=7, hours=1), session_id=s2.id)
    cancelled.status = ReservationStatus.CANCELLED
    session.commit()
    return convention


def test_equipment_per_session(session, scene):
    rows = reports.convention_equipment(session, scene.id, days.month_start(-1), days.month_end(-1))
    assert [r.assets for r in rows] == [[("TAB-0101", "tablet"), ("TAB-0102", "tablet")], [("HOT-0007", "hotspot")]]
    assert rows[0].mission_title == "Atelier tablettes"


def test_the_report_lists_the_equipment_only_when_asked(client, session, users, scene):
    login(client, users["coordinator"])
    query = f"?period=month&ref={days.month_key(-1)}"
    url = f"/missions/conventions/{scene.id}/report"
    page = text_of(client.get(url + query))
    assert "Matériel utilisé par séance" not in page and "TAB-0101" not in page
    assert "TAB-0101" not in " ".join(pdf_text(client.get(url + ".pdf" + query).data).split())
    # the convention form's checkbox (a signed convention: only the administrative fields change)
    form = client.get(f"/missions/conventions/{scene.id}/edit")
    assert "Lister le matériel utilisé dans le rapport d'activité" in text_of(form)
    response = client.post(f"/missions/conventions/{scene.id}/edit",
                           data={"chorus_buyer_siret": "", "notes": "", "report_equipment": "y"})
    assert response.status_code == 302, text_of(response)[:2000]
    session.refresh(scene)
    assert scene.report_equipment is True
    page = text_of(client.get(url + query))
    assert "Matériel utilisé par séance" in page
    assert "Tablettes (2) : TAB-0101, TAB-0102" in page and "Routeurs 4G (1) : HOT-0007" in page
    text = " ".join(pdf_text(client.get(url + ".pdf" + query).data).split())
    assert "Matériel utilisé par séance" in text and "TAB-0101" in text and "HOT-0007" in text
    # unticked: gone again
    client.post(f"/missions/conventions/{scene.id}/edit", data={"chorus_buyer_siret": "", "notes": ""})
    session.refresh(scene)
    assert scene.report_equipment is False
