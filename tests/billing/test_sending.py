"""E-mailing issued invoices and credit notes: recipients, attachments (Factur-X and plain PDF, the stored bytes),
subject and body (portal and report links), the sent-log with each mail's status in the outbox, and the sending
page. The mails leave after the commit, through the outbox's mail job (tests/core/test_outbox.py)."""

import pytest
from sqlalchemy import select

import coopnum.billing.views.sending  # noqa: F401  (registers billing.invoice_send until views/__init__ imports it)
from coopnum.billing.models import DocumentKind, Invoice, InvoiceDocument, InvoiceSending
from coopnum.billing.services import credit_notes, issuing, sending
from coopnum.core.errors import DomainError
from coopnum.core.models import AuditLog, Role
from coopnum.organisations.models import Contact, Organisation
from tests import days, factories
from tests.billing import factories as bf
from tests.conftest import free_port, login, run_mail_job, text_of

YEAR = days.TODAY.year  # the series of the invoices issued now


@pytest.fixture
def org(session):
    org = factories.organisation(session, name="Commune d'Envoiville", email="mairie@envoiville.example.org")
    session.add_all([
        Contact(organisation_id=org.id, first_name="Anne", last_name="Compta", job_title="Finances",
                email="compta@envoiville.example.org", receives_invoices=True),
        Contact(organisation_id=org.id, first_name="Bruno", last_name="Élu", email="elu@envoiville.example.org"),
        Contact(organisation_id=org.id, first_name="Sans", last_name="Adresse", receives_invoices=True),
    ])
    session.flush()
    return org


def _stored(session, invoice) -> dict[str, InvoiceDocument]:
    return {d.kind: d for d in session.execute(
        select(InvoiceDocument).where(InvoiceDocument.invoice_id == invoice.id)).scalars()}


def test_send_to_invoice_contacts_with_both_documents(session, users, now, org, smtp_server):
    invoice = bf.issued_invoice(session, users["coordinator"], organisation=org)
    row = sending.send_invoice(session, users["coordinator"], invoice, now=now)
    session.commit()
    [message] = smtp_server
    assert message["To"] == "compta@envoiville.example.org"
    assert message["Subject"] == f"Facture F{YEAR}-00001 — Coop'Num Vienne"
    assert message["Reply-To"] == "facturation@coopnum.example.org"
    attachments = list(message.iter_attachments())
    stored = _stored(session, invoice)
    assert [a.get_filename() for a in attachments] == [stored[DocumentKind.FACTURX].filename,
                                                       stored[DocumentKind.PDF].filename]
    assert [a.get_content_type() for a in attachments] == ["application/pdf", "application/pdf"]
    assert [a.get_content() for a in attachments] == [stored[DocumentKind.FACTURX].content,
                                                      stored[DocumentKind.PDF].content]
    body = message.get_body(("plain",)).get_content()
    assert f"F{YEAR}-00001" in body and "540,00" in body  # amount
    assert f"{days.days(30):%d/%m/%Y}" in body  # the due date: 30 days after today's issue
    assert "FR7630006000011234567890189" in body
    assert (row.ok, row.error, row.recipients, row.subject) == (
        True, "", "compta@envoiville.example.org", f"Facture F{YEAR}-00001 — Coop'Num Vienne")
    assert row.sent_by_id == users["coordinator"].id
    session.expire_all()
    assert session.get(Invoice, invoice.id).sent_at == now
    assert session.execute(select(AuditLog).where(AuditLog.action == "send", AuditLog.object_type == "Invoice",
                                                  AuditLog.object_id == str(invoice.id))).scalar_one()
    assert sending.log_of(session, invoice) == [row]


def test_chosen_recipients_message_and_validation(session, users, now, org, smtp_server):
    invoice = bf.issued_invoice(session, users["coordinator"], organisation=org)
    sending.send_invoice(session, users["coordinator"], invoice, now=now, message="Merci de votre confiance.",
                         recipients=["elu@envoiville.example.org", "compta@envoiville.example.org; autre@x.org",
                                     "ELU@envoiville.example.org"])
    session.commit()  # the mail leaves after the commit
    [message] = smtp_server
    assert message["To"] == "elu@envoiville.example.org, compta@envoiville.example.org, autre@x.org"
    assert "Merci de votre confiance." in message.get_body(("plain",)).get_content()
    with pytest.raises(DomainError, match="invalide : pas-une-adresse"):
        sending.send_invoice(session, users["coordinator"], invoice, now=now, recipients=["pas-une-adresse"])


def test_organisation_address_when_no_contact_receives_invoices(session, users, now, smtp_server):
    org = factories.organisation(session, email="accueil@mairie.example.org")
    session.add(Contact(organisation_id=org.id, first_name="Léa", last_name="Élue", email="lea@example.org"))
    invoice = bf.issued_invoice(session, users["coordinator"], organisation=org)
    assert sending.default_recipients(session, org) == ["accueil@mairie.example.org"]
    sending.send_invoice(session, users["coordinator"], invoice, now=now)
    assert smtp_server[0]["To"] == "accueil@mairie.example.org"


def test_refused_without_address_or_for_a_draft(session, users, now, smtp_server):
    org = factories.organisation(session, name="Commune Muette")
    invoice = bf.issued_invoice(session, users["coordinator"], organisation=org)
    with pytest.raises(DomainError, match="Commune Muette.*ni adresse électronique"):
        sending.send_invoice(session, users["coordinator"], invoice, now=now)
    draft = bf.draft_invoice(session, users["coordinator"], organisation=org)
    with pytest.raises(DomainError, match="émis"):
        sending.send_invoice(session, users["coordinator"], draft, now=now, recipients=["x@example.org"])
    assert not smtp_server
    assert session.execute(select(InvoiceSending)).first() is None


def test_smtp_failure_is_recorded_and_retried(app, session, users, now, org):
    invoice = bf.issued_invoice(session, users["coordinator"], organisation=org)
    session.commit()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())  # nobody listens there
    row = sending.send_invoice(session, users["coordinator"], invoice, now=now)
    session.commit()
    run_mail_job(app)
    session.expire_all()
    row = session.get(InvoiceSending, row.id)
    assert row.mail.status == "retry" and "L'envoi du courriel a échoué" in row.mail.last_error
    assert row.mail.next_attempt_at > now  # tried again later
    assert session.get(Invoice, invoice.id).sent_at is None


def test_convention_invoice_links_to_portal_and_period_report(session, users, now, smtp_server):
    org = session.get(Organisation, users["authority"].organisation_id)  # has a portal account
    org.email = "mairie@testville.example.org"
    conv = factories.convention(session, organisation=org)
    draft = bf.draft_invoice(session, users["coordinator"], convention=conv)
    start, end = days.month_start(-1), days.month_end(-1)  # last month's work
    draft.period_start, draft.period_end = start, end
    bf.company(session)
    invoice = issuing.issue(session, users["coordinator"], draft, now=now, render=bf.fake_render)
    sending.send_invoice(session, users["coordinator"], invoice, now=now)
    session.commit()
    body = smtp_server[0].get_body(("plain",)).get_content()
    assert "http://coopnum.test/billing/portal/invoices" in body
    assert (f"http://coopnum.test/missions/conventions/{conv.id}/report?period=custom&from={start}"
            f"&to={end}") in body
    assert f"Période : du {start:%d/%m/%Y} au {end:%d/%m/%Y}" in body
    assert len(list(smtp_server[0].iter_attachments())) == 2  # the invoice's documents, not the report


def test_credit_note_subject(session, users, now, org, smtp_server):
    invoice = bf.issued_invoice(session, users["coordinator"], organisation=org)
    note = credit_notes.create_credit_note(session, users["coordinator"], invoice, reason="Erreur", now=now,
                                       render=bf.fake_render)
    sending.send_invoice(session, users["coordinator"], note, now=now)
    session.commit()
    message = smtp_server[0]
    assert message["Subject"] == f"Avoir A{YEAR}-00001 — Coop'Num Vienne"
    assert f"porte sur la facture F{YEAR}-00001" in message.get_body(("plain",)).get_content()


# --- the page -------------------------------------------------------------------------------------------------------

def test_send_page_with_contact_ids_and_log(client, session, users, now, org, smtp_server):
    invoice = bf.issued_invoice(session, users["coordinator"], organisation=org)
    elu = session.execute(select(Contact).where(Contact.last_name == "Élu")).scalar_one()
    session.commit()
    login(client, users["coordinator"])
    response = client.post(f"/billing/invoices/{invoice.id}/send",
                           data={"recipients": [str(elu.id)], "message": "Bonjour"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/billing/invoices/{invoice.id}")
    assert smtp_server[0]["To"] == "elu@envoiville.example.org"
    # no recipient posted: the default ones; typed addresses are added
    client.post(f"/billing/invoices/{invoice.id}/send", data={"other_recipients": "dgs@envoiville.example.org"})
    assert smtp_server[1]["To"] == "dgs@envoiville.example.org"
    client.post(f"/billing/invoices/{invoice.id}/send", data={})
    assert smtp_server[2]["To"] == "compta@envoiville.example.org"
    assert [r.recipients for r in sending.log_of(session, invoice)] == [
        "compta@envoiville.example.org", "dgs@envoiville.example.org", "elu@envoiville.example.org"]


def test_send_page_refusals_and_failure(client, app, session, users, now, org):
    invoice = bf.issued_invoice(session, users["coordinator"], organisation=org)
    other_contact = Contact(organisation_id=factories.organisation(session).id, first_name="X", last_name="Y",
                            email="x@y.org")
    draft = bf.draft_invoice(session, users["coordinator"], organisation=org)
    session.add(other_contact)
    session.commit()
    login(client, users["coordinator"])
    response = client.post(f"/billing/invoices/{invoice.id}/send", data={"recipients": [str(other_contact.id)]},
                           follow_redirects=True)
    assert "n'est pas un interlocuteur de la structure" in text_of(response)
    response = client.post(f"/billing/invoices/{draft.id}/send", follow_redirects=True)
    assert "émettez d'abord" in text_of(response)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    response = client.post(f"/billing/invoices/{invoice.id}/send", follow_redirects=True)
    assert "part par courriel à compta@envoiville.example.org dans la minute" in text_of(response)
    run_mail_job(app)  # nobody listens on that port
    page = text_of(client.get(f"/billing/invoices/{invoice.id}"))
    assert 'data-mail-status="retry"' in page and "Échec — nouvel essai à" in page and "Renvoyer" in page
    [row] = sending.log_of(session, invoice)
    assert row.mail.status == "retry"
    assert client.post("/billing/invoices/999999/send").status_code == 404


def test_send_page_is_for_staff(client, session, users, org):
    invoice = bf.issued_invoice(session, users["coordinator"], organisation=org)
    session.commit()
    for role in (Role.MEDIATOR, Role.AUTHORITY):
        client.post("/logout")
        login(client, users[role])
        assert client.post(f"/billing/invoices/{invoice.id}/send").status_code == 403
