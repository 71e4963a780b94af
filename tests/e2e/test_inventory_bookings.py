"""The issue's "Done when", in the browser: a mediator reserves two tablets for a workshop session from the session
page; another mediator's overlapping reservation of one of them is refused with the conflict named on the form;
the coordinator turns the reservation into a loan (with an on-screen signature) and checks it in."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from coopnum.inventory.models import Loan, LoanStatus, Reservation, ReservationStatus
from coopnum.missions.models import MissionKind
from tests import days, factories
from tests.e2e.conftest import assert_accessible, log_in
from tests.inventory import factories_inventory as fi

DAY = days.days(6)


def _local(moment) -> str:
    from coopnum.core.clock import PARIS

    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def test_reserve_for_a_session_conflict_checkout_and_checkin(page, live_server, users, session):
    mediator = users["mediator"]
    claire = factories.user(session, roles=["mediator"], full_name="Claire Martin")
    org = factories.organisation(session)
    mission = factories.mission(session, convention=factories.convention(session, organisation=org),
                                place=factories.place(session, organisation=org), kind=MissionKind.WORKSHOP_SERIES,
                                title="Atelier « Premiers pas sur la tablette »")
    workshop = factories.mission_session(session, mission=mission, start=days.at(DAY, 14), end=days.at(DAY, 17))
    factories.assignment(session, mission_session=workshop, user=mediator)
    for n in range(1, 5):
        fi.asset(session, tag=f"TAB-000{n}", model="Samsung Galaxy Tab A9")
    session.commit()
    session_id, mediator_name = workshop.id, mediator.full_name
    mediator_email, claire_email, coordinator_email = mediator.email, claire.email, users["coordinator"].email

    # The mediator reserves two tablets from the session page.
    log_in(page, mediator_email)
    page.goto(f"/missions/sessions/{session_id}")
    expect(page.locator("[data-inventory-panel]")).to_contain_text("Aucun matériel réservé pour cette séance.")
    page.get_by_role("link", name="Réserver du matériel pour cette séance").click()
    expect(page.locator("h1")).to_have_text("Réserver du matériel")
    expect(page.get_by_label("Début")).to_have_value(_local(days.at(DAY, 14)))
    assert_accessible(page)
    page.get_by_label("TAB-0001 — Samsung Galaxy Tab A9").check()
    page.get_by_label("TAB-0002 — Samsung Galaxy Tab A9").check()
    page.get_by_role("button", name="Réserver").click()
    expect(page.get_by_role("status")).to_contain_text("Réservation enregistrée.")
    expect(page.locator("[data-inventory-panel]")).to_contain_text("TAB-0001, TAB-0002")
    expect(page.locator("[data-inventory-panel]")).to_contain_text(f"réservé par {mediator_name}")
    assert_accessible(page)

    # Another mediator asks for one of them at an overlapping time: refused, the conflict named on the form.
    page.context.clear_cookies()
    log_in(page, claire_email)
    page.goto("/inventory/availability")
    page.get_by_label("Catégorie").select_option("tablet")
    page.get_by_label("Jour").fill(DAY.isoformat())
    page.locator("#start").fill("15:00")
    page.locator("#end").fill("18:00")
    page.get_by_role("button", name="Chercher").click()
    free = page.locator("[data-free-assets]")
    expect(free).to_contain_text("TAB-0003")
    expect(free).not_to_contain_text("TAB-0002")
    assert_accessible(page)
    page.goto("/inventory/reservations/new")
    page.get_by_label("Début").fill(_local(days.at(DAY, 15)))
    page.get_by_label("Fin").fill(_local(days.at(DAY, 18)))
    page.get_by_label("TAB-0002 — Samsung Galaxy Tab A9").check()
    page.get_by_role("button", name="Réserver").click()
    error = page.locator("#assets-error")
    expect(error).to_contain_text(re.compile(rf"^TAB-0002 est déjà réservé par {re.escape(mediator_name)} du "))
    assert_accessible(page)
    session.expire_all()
    assert len(session.execute(select(Reservation)).scalars().all()) == 1
    session.rollback()  # end the test's transaction (SQLite: it holds the write lock)

    # The coordinator turns the reservation into a loan, with the borrower's signature, then checks it in.
    page.context.clear_cookies()
    log_in(page, coordinator_email)
    page.goto(f"/missions/sessions/{session_id}")
    page.locator("[data-inventory-panel]").get_by_role("link", name=f"réservé par {mediator_name}").click()
    expect(page.locator("h1")).to_contain_text("Réservation n°")
    assert_accessible(page)
    pad = page.locator("canvas.inv-signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 30)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + 25 * step, box["y"] + 30 + (15 if step % 2 else -5))
    page.mouse.up()
    page.get_by_role("button", name="Transformer en prêt").click()
    expect(page.get_by_role("status")).to_contain_text("Prêt enregistré")
    expect(page.locator("[data-loan-status]")).to_have_text("En cours")
    expect(page.locator("[data-loan-assets]")).to_contain_text("TAB-0001")
    expect(page.get_by_role("img", name="Signature de l'emprunteur")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("État au retour").select_option("good")
    page.get_by_role("button", name="Enregistrer le retour").click()
    expect(page.get_by_role("status")).to_contain_text("Retour enregistré.")
    expect(page.locator("[data-loan-status]")).to_have_text("Rendu")
    session.expire_all()
    loan = session.execute(select(Loan)).scalar_one()
    assert loan.status == LoanStatus.RETURNED and loan.signature_png.startswith(b"\x89PNG")
    assert session.execute(select(Reservation)).scalar_one().status == ReservationStatus.CONVERTED
    asset_id = loan.bookings[0].asset_id
    session.rollback()
    page.goto("/inventory/loans?status=returned")
    expect(page.locator("[data-loans]")).to_contain_text("TAB-0001")
    assert_accessible(page)
    page.goto(f"/inventory/assets/{asset_id}/calendar?from={days.TODAY.isoformat()}")
    assert_accessible(page)
