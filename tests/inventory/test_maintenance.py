"""Maintenance cases: open, update, close (the asset's status follows, also while it is out on a loan), the cost
rules (euros in the form, cents in the database), the pages (list with cost totals, a mediator reporting a problem,
the staff editing and closing)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from coopnum.core.errors import DomainError
from coopnum.inventory.models import AssetCategory, AssetStatus, MaintenanceCase
from coopnum.inventory.services import maintenance
from tests import days, factories
from tests.conftest import login, text_of
from tests.inventory import factories_inventory as inv


def test_open_update_close_sets_the_status_back(session, users):
    tablet = inv.asset(session)
    actor = users["coordinator"]
    case = maintenance.open_case(session, tablet, actor=actor, now=days.NOW, issue="  Écran fissuré ")
    assert case.issue == "Écran fissuré" and case.opened_on == days.TODAY
    assert tablet.status == AssetStatus.MAINTENANCE
    maintenance.update_case(session, case, actor=actor, now=days.NOW, repair="Devis demandé", cost_cents=4500,
                            supplier="Répar'Tout")
    assert (case.repair, case.cost_cents, case.supplier) == ("Devis demandé", 4500, "Répar'Tout")
    assert tablet.status == AssetStatus.MAINTENANCE and case.closed_on is None
    maintenance.close_case(session, case, actor=actor, now=days.NOW + timedelta(days=2), repair="Écran remplacé",
                           cost_cents=8950)
    assert case.closed_on == days.days(2) and case.cost_cents == 8950 and case.repair == "Écran remplacé"
    assert case.supplier == "Répar'Tout"  # kept
    assert tablet.status == AssetStatus.AVAILABLE
    with pytest.raises(DomainError, match="clos"):
        maintenance.update_case(session, case, actor=actor, now=days.NOW, repair="x")
    with pytest.raises(DomainError, match="déjà clos"):
        maintenance.close_case(session, case, actor=actor, now=days.NOW)


def test_closing_a_case_of_an_asset_out_on_loan_leaves_it_deployed(session, users):
    laptop = inv.asset(session, category=AssetCategory.LAPTOP)
    case = maintenance.open_case(session, laptop, actor=users["coordinator"], now=days.NOW, issue="Clavier collant")
    assert laptop.status == AssetStatus.MAINTENANCE
    inv.loan(session, assets=[laptop], user=users["mediator"], checked_out_at=days.NOW,
             due_at=days.NOW + timedelta(days=3))
    maintenance.close_case(session, case, actor=users["coordinator"], now=days.NOW, repair="Nettoyé")
    assert laptop.status == AssetStatus.DEPLOYED
    # a case opened while it is out: still deployed (the loan holds it)
    maintenance.open_case(session, laptop, actor=users["mediator"], now=days.NOW, issue="Charnière cassée")
    assert laptop.status == AssetStatus.DEPLOYED


def test_costs_and_texts_are_checked(session, users):
    tablet = inv.asset(session)
    actor = users["coordinator"]
    with pytest.raises(DomainError, match="Décrivez"):
        maintenance.open_case(session, tablet, actor=actor, now=days.NOW, issue="   ")
    case = maintenance.open_case(session, tablet, actor=actor, now=days.NOW, issue="Batterie")
    with pytest.raises(DomainError, match="négatif") as exc:
        maintenance.update_case(session, case, actor=actor, now=days.NOW, cost_cents=-1)
    assert exc.value.field == "cost"
    with pytest.raises(DomainError, match="trop élevé"):
        maintenance.close_case(session, case, actor=actor, now=days.NOW, cost_cents=maintenance.MAX_COST_CENTS + 1)
    assert case.closed_on is None
    retired = inv.asset(session, status=AssetStatus.RETIRED)
    with pytest.raises(DomainError, match="réformé"):
        maintenance.open_case(session, retired, actor=actor, now=days.NOW, issue="x")


def test_a_mediator_reports_a_problem_with_the_issue_only(client, session, users):
    tablet = inv.asset(session, tag="TAB-0042")
    session.commit()
    login(client, users["mediator"])
    page = text_of(client.get(f"/inventory/maintenance/new?asset_id={tablet.id}"))
    assert "Signaler un problème" in page and "Prestataire" not in page
    response = client.post(f"/inventory/maintenance/new?asset_id={tablet.id}",
                           data={"issue": "Ne charge plus", "supplier": "Ignoré"})
    assert response.status_code == 302
    case = session.execute(select(MaintenanceCase)).scalar_one()
    assert case.issue == "Ne charge plus" and case.supplier == "" and case.opened_by_id == users["mediator"].id
    assert session.get(type(tablet), tablet.id).status == AssetStatus.MAINTENANCE
    # the mediator may not edit nor close it
    assert client.post(f"/inventory/maintenance/{case.id}/close", data={"repair": "x"}).status_code == 403


def test_staff_open_by_tag_edit_and_close_with_euros(client, session, users):
    tablet = inv.asset(session, tag="TAB-0007")
    session.commit()
    login(client, users["coordinator"])
    response = client.post("/inventory/maintenance/new", data={"tag": "TAB-9999", "issue": "Écran"})
    assert response.status_code == 400 and "Aucun matériel ne porte l'étiquette « TAB-9999 »" in text_of(response)
    response = client.post("/inventory/maintenance/new", data={"tag": "https://x.test/q/TAB-0007", "issue": "Écran",
                                                               "supplier": "Atelier"})
    assert response.status_code == 302
    case = session.execute(select(MaintenanceCase)).scalar_one()
    assert case.asset_id == tablet.id and case.supplier == "Atelier"
    response = client.post(f"/inventory/maintenance/{case.id}/edit",
                           data={"edit-issue": "Écran fissuré", "edit-cost": "12,5", "edit-supplier": "Atelier"})
    assert response.status_code == 302
    session.refresh(case)
    assert case.issue == "Écran fissuré" and case.cost_cents == 1250
    response = client.post(f"/inventory/maintenance/{case.id}/close", data={"close-cost": "douze"})
    assert response.status_code == 400
    session.refresh(case)
    assert case.closed_on is None
    response = client.post(f"/inventory/maintenance/{case.id}/close",
                           data={"close-repair": "Écran remplacé", "close-cost": "89,90", "close-supplier": "Atelier"})
    assert response.status_code == 302
    session.refresh(case)
    assert case.closed_on == days.TODAY and case.cost_cents == 8990
    page = text_of(client.get(f"/inventory/maintenance/{case.id}"))
    assert "Écran remplacé" in page and "89,90" in page and "Disponible" in page


def test_the_list_filters_and_totals_costs_per_year(client, session, users):
    tablet = inv.asset(session, tag="TAB-0001")
    laptop = inv.asset(session, tag="LAP-0001", category=AssetCategory.LAPTOP)
    last_year = days.TODAY.replace(day=1, month=1) - timedelta(days=10)
    session.add_all([
        MaintenanceCase(asset_id=tablet.id, opened_on=days.TODAY, issue="Écran", cost_cents=1000),
        MaintenanceCase(asset_id=tablet.id, opened_on=days.TODAY, issue="Batterie", cost_cents=2500,
                        closed_on=days.TODAY),
        MaintenanceCase(asset_id=laptop.id, opened_on=last_year, issue="Clavier", cost_cents=4000,
                        closed_on=last_year),
    ])
    session.commit()
    assert maintenance.cost_totals(session) == [(days.TODAY.year, 2, 3500), (last_year.year, 1, 4000)]
    assert maintenance.cost_totals(session, category="laptop") == [(last_year.year, 1, 4000)]
    login(client, users["coordinator"])
    page = text_of(client.get("/inventory/maintenance?state=open"))
    assert "Écran" in page and "Batterie" not in page
    page = text_of(client.get("/inventory/maintenance?category=laptop"))
    assert "Clavier" in page and "Écran" not in page and "40,00" in page
    page = text_of(client.get("/inventory/maintenance"))
    assert "35,00" in page


def test_a_case_from_a_damaged_return_is_listed_with_its_asset(session, users):
    place = factories.place(session, organisation=factories.organisation(session))
    tablet = inv.asset(session, place_id=place.id)
    case = maintenance.open_case(session, tablet, actor=None, now=days.NOW, issue="Rendu rayé")
    rows = session.execute(maintenance.cases_query(asset_id=tablet.id)).scalars().all()
    assert rows == [case]


def test_the_care_history_partial_for_the_asset_page(app, session, users):
    from flask import render_template_string
    from flask_login import login_user

    from coopnum.inventory.models import Audit, AuditSighting

    tablet = inv.asset(session, tag="TAB-0077")
    case = maintenance.open_case(session, tablet, actor=users["coordinator"], now=days.NOW - timedelta(days=9),
                                 issue="Batterie gonflée")
    maintenance.close_case(session, case, actor=users["coordinator"], now=days.NOW - timedelta(days=8),
                           cost_cents=3000)
    audit = Audit(place_id=None, started_at=days.NOW - timedelta(days=2), closed_at=days.NOW - timedelta(days=2))
    session.add(audit)
    session.flush()
    session.add(AuditSighting(audit_id=audit.id, asset_id=tablet.id, seen_at=days.NOW - timedelta(days=2)))
    session.commit()
    with app.test_request_context("/inventory/assets/1"):
        login_user(users["mediator"])
        html = render_template_string('{% include "inventory/care/_asset_care.html" %}', asset=tablet)
    assert "Batterie gonflée" in html and "30,00" in html and f"/inventory/audits/{audit.id}" in html
    assert f"/inventory/maintenance/new?asset_id={tablet.id}" in html
