"""The authority contact's invoices in the portal: only its organisation's issued invoices and credit notes, their
state, the exact stored documents, the matching activity report, 404 for drafts and other organisations."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from coopnum.billing.models import DocumentKind, InvoiceDocument
from coopnum.billing.services import credit_notes, issuing
from coopnum.organisations.models import Organisation
from tests import days, factories
from tests.billing import factories as bf
from tests.conftest import login, text_of

ISSUED_AGO = 40  # the convention's invoice was issued 40 days ago
# the period it bills: the month before its issue
PERIOD = (days.month_start(-1, ref=days.days(-ISSUED_AGO)), days.month_end(-1, ref=days.days(-ISSUED_AGO)))


@pytest.fixture
def setup(session, users, now):
    coordinator = users["coordinator"]
    own = session.get(Organisation, users["authority"].organisation_id)
    other = factories.organisation(session, name="Commune Voisine")
    conv = factories.convention(session, organisation=own)
    draft = bf.draft_invoice(session, coordinator, convention=conv)
    draft.period_start, draft.period_end = PERIOD
    bf.company(session)
    with_report = issuing.issue(session, coordinator, draft, now=now - timedelta(days=ISSUED_AGO),
                                 render=bf.fake_render)
    plain = bf.issued_invoice(session, coordinator, organisation=own, lines=[("Atelier", 1, 20000)])
    note = credit_notes.create_credit_note(session, coordinator, plain, reason="Geste", lines={plain.lines[0].id: 1},
                                       now=now, render=bf.fake_render)
    still_draft = bf.draft_invoice(session, coordinator, organisation=own)
    foreign = bf.issued_invoice(session, coordinator, organisation=other)
    session.commit()
    return {"with_report": with_report, "plain": plain, "note": note, "draft": still_draft, "foreign": foreign,
            "convention": conv}


def test_lists_only_own_issued_documents_with_state_and_links(client, users, setup):
    login(client, users["authority"])
    response = client.get("/billing/portal/invoices")
    assert response.status_code == 200
    page = text_of(response)
    with_report, plain, note, foreign = setup["with_report"], setup["plain"], setup["note"], setup["foreign"]
    assert with_report.number in page and plain.number in page and note.number in page
    assert foreign.number not in page
    assert f"/billing/invoices/{setup['draft'].id}" not in page and "brouillon" not in page.lower()
    # the convention's invoice is overdue (issued 40 days ago, 30 days terms); the other one is cancelled by its note
    assert "En retard" in page and "Annulée par avoir" in page
    assert "Reste à régler" in page and "540,00" in page
    for inv in (with_report, plain, note):
        for kind in ("facturx", "pdf"):
            assert f"/billing/portal/invoices/{inv.id}/{kind}" in page
    conv_id = setup["convention"].id
    start, end = (day.isoformat() for day in PERIOD)
    assert (f"/missions/conventions/{conv_id}/report?period=custom&amp;from={start}&amp;to={end}"
            in response.get_data(as_text=True))
    assert f"/missions/conventions/{conv_id}/report.pdf?period=custom" in page
    assert page.count("Bilan d'activité de la période") == 1  # only the invoice of a convention over a period
    report = client.get(f"/missions/conventions/{conv_id}/report?period=custom&from={start}&to={end}")
    assert report.status_code == 200


def test_downloads_the_exact_stored_bytes(client, session, users, setup):
    login(client, users["authority"])
    for inv in (setup["with_report"], setup["note"]):
        for kind in (DocumentKind.FACTURX, DocumentKind.PDF):
            stored = session.execute(select(InvoiceDocument).where(InvoiceDocument.invoice_id == inv.id,
                                                                   InvoiceDocument.kind == kind)).scalar_one()
            response = client.get(f"/billing/portal/invoices/{inv.id}/{kind}")
            assert response.status_code == 200 and response.mimetype == "application/pdf"
            assert hashlib.sha256(response.data).hexdigest() == stored.sha256
            assert response.data == stored.content
            assert f'filename="{stored.filename}"' in response.headers["Content-Disposition"]


def test_404_for_drafts_others_and_unknown_kinds(client, users, setup):
    login(client, users["authority"])
    assert client.get(f"/billing/portal/invoices/{setup['foreign'].id}/facturx").status_code == 404
    assert client.get(f"/billing/portal/invoices/{setup['draft'].id}/pdf").status_code == 404
    assert client.get(f"/billing/portal/invoices/{setup['plain'].id}/xml").status_code == 404
    assert client.get("/billing/portal/invoices/999999/pdf").status_code == 404


def test_other_roles(client, session, users, setup):
    login(client, users["coordinator"])
    assert client.get("/billing/portal/invoices").status_code == 403
    assert client.get(f"/billing/portal/invoices/{setup['plain'].id}/pdf").status_code == 403
    client.post("/logout")
    login(client, users["admin"])  # passes the role check, but belongs to no organisation
    assert "rattaché à aucune structure" in text_of(client.get("/billing/portal/invoices"))
    assert client.get(f"/billing/portal/invoices/{setup['plain'].id}/pdf").status_code == 404


def test_pagination_and_dashboard_panel(client, session, users, now):
    own = session.get(Organisation, users["authority"].organisation_id)
    bf.company(session)
    for _ in range(21):
        bf.issued_invoice(session, users["coordinator"], organisation=own)
    session.commit()
    login(client, users["authority"])
    first = text_of(client.get("/billing/portal/invoices"))
    first_number, last_number = f"F{days.TODAY.year}-00001", f"F{days.TODAY.year}-00021"  # this year's series
    assert last_number in first and first_number not in first and 'rel="next"' in first
    assert first_number in text_of(client.get("/billing/portal/invoices?page=2"))
    dashboard = text_of(client.get("/"))
    assert "Mes factures" in dashboard and last_number in dashboard
    assert "Reste à régler : 11 340,00" in dashboard.replace("\u202f", " ").replace("\xa0", " ")
