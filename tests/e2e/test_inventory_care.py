"""The coordinator audits a place in the browser: starts the audit, ticks one tablet « Vu aujourd'hui », types
another's tag (as a scanner would, with the label's URL), closes the audit and sees the missing one."""

from datetime import timedelta

from playwright.sync_api import expect

from tests import days, factories
from tests.e2e.conftest import assert_accessible, log_in
from tests.inventory import factories_inventory as inv


def test_coordinator_audits_a_place(page, session, users):
    org = factories.organisation(session, name="Ville de Testville")
    place = factories.place(session, organisation=org, name="Médiathèque des Couronneries")
    for tag in ("TAB-0001", "TAB-0002", "TAB-0003"):
        inv.asset(session, tag=tag, place_id=place.id)
    lent = inv.asset(session, tag="TAB-0004", place_id=place.id)
    inv.loan(session, assets=[lent], user=users["mediator"], checked_out_at=days.NOW - timedelta(days=1),
             due_at=days.NOW - timedelta(hours=2))
    session.commit()

    log_in(page, users["coordinator"].email)
    page.goto("/inventory/")
    expect(page.locator("h1")).to_have_text("Matériel mutualisé")
    expect(page.locator("[data-figure=overdue]")).to_have_text("1")
    assert_accessible(page)

    page.get_by_role("link", name="Audits").click()
    page.get_by_label("Lieu à vérifier").select_option(label="Médiathèque des Couronneries")
    page.get_by_role("button", name="Commencer l'audit").click()
    expect(page.get_by_role("status")).to_contain_text("Audit commencé")
    expect(page.locator("tr[data-tag=TAB-0004]")).to_contain_text("en prêt")
    assert_accessible(page)

    page.get_by_role("button", name="TAB-0001 : Vu aujourd'hui").click()
    expect(page.get_by_role("status")).to_contain_text("TAB-0001 vu aujourd'hui.")
    expect(page.locator("tr[data-tag=TAB-0001]")).to_have_attribute("data-line", "seen")

    scan = page.get_by_label("Étiquette ou lien du QR code")
    expect(scan).to_be_focused()
    scan.fill("http://coopnum.test/q/TAB-0003")
    scan.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("TAB-0003 vu aujourd'hui.")
    page.get_by_label("Étiquette ou lien du QR code").fill("TAB-9999")
    page.get_by_label("Étiquette ou lien du QR code").press("Enter")
    expect(page.get_by_role("alert").first).to_contain_text("Aucun matériel ne porte l'étiquette « TAB-9999 »")

    page.on("dialog", lambda dialog: dialog.accept())  # "Terminer l'audit ? …"
    page.get_by_role("button", name="Terminer l'audit").click()
    expect(page.get_by_role("status")).to_contain_text("Audit terminé : 1 matériel manquant.")
    missing = page.locator("[data-list=missing] li")
    expect(missing).to_have_count(1)
    expect(missing).to_contain_text("TAB-0002")
    expect(page.locator("[data-figure=missing]")).to_have_text("1")
    assert_accessible(page)
