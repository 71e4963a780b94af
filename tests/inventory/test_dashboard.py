"""The inventory's home (counts per status and category, what is out, overdue loans highlighted, in maintenance,
reservations of the day and the week; a mediator sees its own loans and no borrower's name) and the panels of
the app's home page."""

from datetime import timedelta

import pytest

from coopnum.inventory.models import AssetCategory, AssetStatus, BorrowerKind, MaintenanceCase
from coopnum.inventory.services import reports
from tests import days
from tests.conftest import login, text_of
from tests.inventory import factories_inventory as inv


@pytest.fixture
def park(session, users):
    mediator = users["mediator"]
    tablets = [inv.asset(session, tag=f"TAB-{i}") for i in range(4)]
    laptop = inv.asset(session, tag="LAP-1", category=AssetCategory.LAPTOP)
    inv.asset(session, tag="LAP-OLD", category=AssetCategory.LAPTOP, status=AssetStatus.RETIRED)
    broken = inv.asset(session, tag="PROJ-1", category=AssetCategory.PROJECTOR, status=AssetStatus.MAINTENANCE)
    session.add(MaintenanceCase(asset_id=broken.id, opened_on=days.TODAY, issue="Lampe grillée"))
    inv.loan(session, assets=[tablets[0], tablets[1]], user=mediator, checked_out_at=days.NOW - timedelta(days=3),
             due_at=days.NOW + timedelta(days=2))
    inv.loan(session, assets=[laptop], kind=BorrowerKind.PERSON, user=users["coordinator"],
             checked_out_at=days.NOW - timedelta(days=10), due_at=days.NOW - timedelta(days=1),
             borrower_name="Jeanne Usagère")
    inv.reservation(session, user=mediator, assets=[tablets[2]], starts_at=days.NOW + timedelta(hours=1),
                    ends_at=days.NOW + timedelta(hours=3))
    session.commit()
    return tablets


def test_figures(session, park):
    counts = reports.status_counts(session)
    assert counts["total"] == 7
    assert counts["by_status"] == {"available": 2, "deployed": 3, "maintenance": 1, "retired": 1}
    assert counts["by_category"]["laptop"] == {"deployed": 1, "retired": 1, "total": 2}
    assert reports.out_figures(session, days.NOW) == {"open_loans": 2, "overdue": 1, "assets_out": 3,
                                                      "maintenance": 1}


def test_the_coordinators_home(client, users, park):
    login(client, users["coordinator"])
    page = text_of(client.get("/inventory/"))
    assert "Jeanne Usagère" in page and "Prêts en retard" in page and 'class="inventory-late"' in page
    assert "PROJ-1" in page and "Lampe grillée" in page
    assert "Réservations d'aujourd'hui" in page and "TAB-2" in page
    assert 'data-figure="overdue">1<' in page and 'data-figure="out">3<' in page
    # the links of this area (those of the other areas appear once their pages exist)
    assert "/inventory/maintenance" in page and "/inventory/audits" in page and "/inventory/reports/usage" in page


def test_the_mediators_home_shows_its_own_loans_only(client, users, park):
    login(client, users["mediator"])
    page = text_of(client.get("/inventory/"))
    assert "Mes prêts en cours" in page and "TAB-0" in page
    assert "Jeanne Usagère" not in page and "LAP-1" not in page and "Prêts en retard" not in page
    assert "/inventory/reports/usage" not in page


def test_an_empty_inventory_offers_to_add_equipment_to_whom_may(client, users):
    login(client, users["coordinator"])
    page = text_of(client.get("/inventory/"))
    assert '<p class="empty">Aucun matériel enregistré.</p>' in page
    assert '<a href="/inventory/assets/new" class="button-link secondary">Nouveau matériel</a>' in page
    client.post("/logout")
    login(client, users["mediator"])
    page = text_of(client.get("/inventory/"))
    assert "Aucun matériel enregistré." in page and "/inventory/assets/new" not in page


def test_the_panels_of_the_home_page(client, users, park):
    login(client, users["coordinator"])
    page = text_of(client.get("/"))
    assert 'data-panel="out">3<' in page and 'data-panel="overdue">1<' in page
    assert 'data-panel="maintenance">1<' in page
    client.post("/logout")
    login(client, users["mediator"])
    page = text_of(client.get("/"))
    assert "Mon matériel" in page and "TAB-0, TAB-1" in page and "TAB-2" in page
    assert 'data-panel="out"' not in page


def test_borrower_labels(app):
    from coopnum.inventory.models import Loan
    from coopnum.inventory.services.reports import Labels
    from coopnum.inventory.views.care import borrower_label

    labels = Labels(users={7: "Camille Martin"}, sessions={3: ("Atelier tablettes", days.NOW)}, missions={})
    with app.test_request_context("/"):
        person = Loan(borrower_kind=BorrowerKind.PERSON, borrower_name="Jeanne Usagère", user_id=7)
        assert borrower_label(person, labels, personal=True) == "Jeanne Usagère"
        assert borrower_label(person, labels, personal=False) == "Personne sans compte"
        lent_to_session = Loan(borrower_kind=BorrowerKind.SESSION, session_id=3, user_id=7)
        assert borrower_label(lent_to_session, labels, personal=False) == (
            f"Séance « Atelier tablettes » du {days.TODAY:%d/%m/%Y}")
        assert borrower_label(Loan(borrower_kind=BorrowerKind.MEDIATOR, user_id=7), labels,
                              personal=False) == "Camille Martin"
