"""The late-penalty rate a convention sets (art. L441-10 C. com.): printed on the invoices issued under it (PDF and
Factur-X note PMD), frozen on the invoice at issue (a later change of the convention changes neither its documents
nor its reminders), used by the reminders instead of the ECB rate + 10 points; and the legal interest rate of a
semester, filled in on the billing settings page next to the ECB rate."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coopnum.billing import document_inputs, documents, legal
from coopnum.billing.services import credit_notes, dunning, issuing
from coopnum.core import rates
from coopnum.core.errors import DomainError
from coopnum.core.models import DatedRate, RateKind
from coopnum.organisations.models import OrganisationKind
from tests import days, factories
from tests.billing import factories as bf
from tests.billing.test_facturx import EN16931_XSLT, failed_asserts
from tests.billing.test_legal_wording import _issue, _notes
from tests.conftest import login, text_of

CONTRACT_TEXT = ("En cas de retard de paiement, pénalités de retard au taux de 12\u00a0% l'an, fixé par la convention "
                 "(art. L441-10 du Code de commerce), et indemnité forfaitaire pour frais de recouvrement de 40 € "
                 "(art. L441-10 et D441-5 du Code de commerce).")
ISSUED_ON = days.month_start(-3)
DUE = ISSUED_ON + timedelta(days=30)


@pytest.fixture
def association(session):
    return factories.organisation(session, name="Association Taux Contractuel", kind=OrganisationKind.ASSOCIATION,
                                  email="tresorerie@taux.example.org")


def test_the_wording_at_a_contract_rate():
    assert legal.penalty_text("professional", 1200) == CONTRACT_TEXT
    assert legal.penalty_text("professional", 1150).startswith(
        "En cas de retard de paiement, pénalités de retard au taux de 11,5\u00a0% l'an, fixé par la convention")
    assert legal.penalty_rate_bp("professional", None, 1200) == 1200
    assert legal.penalty_rate_bp("professional", 215) == 1215  # no contract rate: ECB + 10 points


def test_invoice_under_a_contract_rate_prints_it(session, users, association):
    conv = factories.convention(session, organisation=association, penalty_rate_bp=1200)
    invoice, text, tree, xml = _issue(session, users, association, convention=conv)
    assert invoice.penalty_rate_bp == 1200
    assert " ".join(CONTRACT_TEXT.split()) in text  # the PDF's text, its spaces normalised
    assert "majoré de 10 points" not in text and "intérêts moratoires" not in text
    notes = _notes(tree)
    assert notes["PMD"] == CONTRACT_TEXT
    assert notes["PMT"] == legal.indemnity_text("professional")
    assert failed_asserts(xml, EN16931_XSLT) == []


def test_invoices_without_a_contract_rate_keep_the_legal_texts(session, users, association):
    free, text, tree, _xml = _issue(session, users, association)  # free lines: no convention
    assert free.penalty_rate_bp is None and legal.penalty_text("professional") in text
    assert _notes(tree)["PMD"] == legal.penalty_text("professional")
    plain = bf.issued_invoice(session, users["coordinator"], organisation=association,
                              convention=factories.convention(session, organisation=association))
    assert plain.penalty_rate_bp is None
    assert plain.seller["late_penalty_text"] == legal.penalty_text("professional")


def test_a_public_buyer_never_gets_a_contract_rate(session, users):
    commune = factories.organisation(session, name="Ville de Tauxville", kind=OrganisationKind.COMMUNE)
    conv = factories.convention(session, organisation=commune, penalty_rate_bp=1200)  # refused by the form
    invoice = bf.issued_invoice(session, users["coordinator"], organisation=commune, convention=conv)
    assert invoice.penalty_rate_bp is None
    assert invoice.seller["late_penalty_text"] == legal.penalty_text("public")


def test_the_rate_is_frozen_at_issue(session, users, association):
    conv = factories.convention(session, organisation=association, penalty_rate_bp=1200)
    invoice = bf.issued_invoice(session, users["coordinator"], organisation=association, convention=conv,
                                now=days.at(ISSUED_ON, 12))
    conv.penalty_rate_bp = 1500  # the convention changes afterwards
    session.flush()
    session.expire_all()
    assert invoice.penalty_rate_bp == 1200
    # The documents rendered from the row again say 12 %, not 15 %.
    _context, terms = documents.invoice_context(invoice, document_inputs.invoice_inputs(session, invoice))
    assert terms.late_penalty == CONTRACT_TEXT
    # And the reminders count at 12 % (540 € × 12 % × 10 / 365 = 1,775… €; at 15 %: 2,22 €).
    assert dunning.late_interest(invoice, DUE + timedelta(days=10), None, legal.BuyerCategory.PROFESSIONAL) == \
        (10, 178, 4000)


def test_a_credit_note_keeps_the_rate_of_the_invoice_it_credits(session, users, association):
    conv = factories.convention(session, organisation=association, penalty_rate_bp=1200)
    invoice = bf.issued_invoice(session, users["coordinator"], organisation=association, convention=conv)
    conv.penalty_rate_bp = 1500
    session.flush()
    note = credit_notes.create_credit_note(session, users["coordinator"], invoice, reason="Erreur d'heures",
                                           now=days.NOW, render=bf.fake_render)
    assert note.penalty_rate_bp == 1200 and note.seller["late_penalty_text"] == CONTRACT_TEXT


def test_only_issuing_freezes_the_rate(session, users, association):
    conv = factories.convention(session, organisation=association, penalty_rate_bp=1200)
    draft = bf.draft_invoice(session, users["coordinator"], organisation=association, convention=conv)
    assert draft.penalty_rate_bp is None  # a draft follows its convention until it is issued
    conv.penalty_rate_bp = 1000
    session.flush()
    bf.company(session)
    issuing.issue(session, users["coordinator"], draft, now=days.NOW, render=bf.fake_render)
    assert draft.penalty_rate_bp == 1000 and "au taux de 10\u00a0% l'an" in draft.seller["late_penalty_text"]


def test_reminders_at_the_contract_rate_need_no_ecb_rate(session, users, association):
    conv = factories.convention(session, organisation=association, penalty_rate_bp=1200)
    bf.issued_invoice(session, users["coordinator"], organisation=association, convention=conv,
                      now=days.at(ISSUED_ON, 12))
    conv.penalty_rate_bp = 2000  # changed after the issue: no effect on the reminder
    session.flush()
    assert session.scalar(select(func.count()).select_from(DatedRate)) == 0  # no ECB rate at all
    now = days.at(DUE + timedelta(days=7), 7)
    assert dunning.missing_rates(session, now=now) == []  # it does not wait for one
    (reminder,) = dunning.run(session, now=now)
    # 540 € × 12 % × 7 / 365 = 1,2427… €
    assert (reminder.days_late, reminder.interest_cents, reminder.indemnity_cents) == (7, 124, 4000)
    (item,) = dunning.prepare_mails(session, [reminder.id])
    assert not item.error
    body = item.mail.body.replace("\n", " ")
    assert ("le retard de paiement fait courir des pénalités de retard au taux fixé par la convention, soit "
            "12\u00a0% l'an : 1,24 €") in body
    assert "BCE" not in body and "L441-10" in body and "D441-5" in body


def test_reminders_without_a_contract_rate_still_wait_for_the_ecb_rate(session, users, association):
    bf.issued_invoice(session, users["coordinator"], organisation=association, now=days.at(ISSUED_ON, 12))
    now = days.at(DUE + timedelta(days=7), 7)
    assert dunning.run(session, now=now) == []
    assert len(dunning.missing_rates(session, now=now)) == 1


# --- the legal interest rate on the settings page -------------------------------------------------------------------

def test_settings_page_saves_a_legal_interest_rate(client, session, users):
    semester = rates.semester_start(days.TODAY)
    login(client, users["coordinator"])
    page = text_of(client.get("/billing/settings"))
    assert "Aucun taux de l'intérêt légal n'est encore renseigné." in page and 'name="legal-rate"' in page
    response = client.post("/billing/settings/legal-rates", data={"legal-valid_from": semester.isoformat(),
                                                                  "legal-rate": "2,76"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/billing/settings#legal-rates")
    session.expire_all()
    assert rates.rate_for(session, RateKind.LEGAL_INTEREST, days.TODAY) == 276
    assert rates.rate_for(session, RateKind.ECB, days.TODAY) is None  # not the ECB rate
    page = text_of(client.get("/billing/settings"))
    assert "Aucun taux de l'intérêt légal n'est encore renseigné." not in page and "2,76" in page
    assert "Aucun taux de la BCE n'est encore renseigné." in page
    # A bad rate: 400, its message, nothing saved.
    response = client.post("/billing/settings/legal-rates", data={"legal-valid_from": semester.isoformat(),
                                                                  "legal-rate": "25"})
    assert response.status_code == 400 and "Taux invalide : entre -1 et 20 (en pour cent)." in text_of(response)
    assert client.post("/billing/settings/other-rates", data={}).status_code == 404


def test_a_legal_rate_is_refused_before_2015(session, users):
    with pytest.raises(DomainError, match="fixé par semestre depuis 2015"):
        rates.set_rate(session, users["coordinator"], RateKind.LEGAL_INTEREST,
                       valid_from=days.date(2014, 7, 1), rate_bp=4, now=days.NOW)


def test_only_the_coordination_sets_a_legal_interest_rate(client, session, users):
    login(client, users["mediator"])
    assert client.post("/billing/settings/legal-rates", data={"legal-valid_from": days.TODAY.isoformat(),
                                                              "legal-rate": "2"}).status_code == 403
    assert session.scalar(select(func.count()).select_from(DatedRate)) == 0
