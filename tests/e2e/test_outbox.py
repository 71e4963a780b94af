"""The outbox in the browser: the coordinator e-mails an invoice while the SMTP server is down, sees the failure and
the next attempt on the invoice and on the "Courriels" page, and sends it again with "Renvoyer" once the server is
back; the mail arrives once."""

import re

from playwright.sync_api import expect

from coopnum.organisations.models import Contact
from tests import factories
from tests.billing import factories as bf
from tests.conftest import run_mail_job
from tests.e2e.conftest import go_to, log_in


def test_a_failed_invoice_mail_is_seen_and_sent_again(page, app, session, users, smtp_server):
    org = factories.organisation(session, name="Commune de Relaisville")
    session.add(Contact(organisation_id=org.id, first_name="Claire", last_name="Compta",
                        email="compta@relaisville.example.org", receives_invoices=True))
    invoice = bf.issued_invoice(session, users["coordinator"], organisation=org)
    invoice_id, number = invoice.id, invoice.number
    session.commit()
    smtp_server.stop()

    log_in(page, users["coordinator"].email)
    page.goto(f"/billing/invoices/{invoice_id}")
    page.get_by_role("button", name="Envoyer par courriel").click()
    expect(page.locator(".flash-success")).to_contain_text("dans la minute")
    expect(page.locator("[data-sendings]")).to_contain_text("En file")

    run_mail_job(app)  # the scheduler's minute: the server is down
    page.reload()
    sendings = page.locator("[data-sendings]")
    expect(sendings).to_contain_text(re.compile(r"Échec — nouvel essai à \d\d:\d\d"))

    go_to(page, "Courriels")
    row = page.locator("[data-outbox] tbody tr").first
    expect(row).to_contain_text(number)
    expect(row).to_contain_text("Facture ou avoir")

    smtp_server.start()
    row.get_by_role("button", name="Renvoyer").click()
    expect(page.locator(".flash-success")).to_contain_text("remis en file")
    run_mail_job(app)
    page.reload()
    expect(page.locator("[data-outbox] tbody tr").first).to_contain_text("Envoyé")
    assert [m["To"] for m in smtp_server] == ["compta@relaisville.example.org"]
