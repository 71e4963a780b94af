"""Invoice pages of the coordination: the list (filters, summary, bounded queries), a draft from the work through the
preview, editing a draft (400 with French messages on bad input), issuing (number, documents, nothing editable
after; a refused issue burns no number), the real PDF download, a partial credit note, the month's run, and the
403 of a mediator."""

import hashlib
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from babel.dates import format_date
from sqlalchemy import select

from coopnum.billing.models import BilledItem, Invoice, InvoiceLine, InvoiceStatus
from coopnum.core import settings
from coopnum.core.db import db
from coopnum.missions.models import MissionSession
from coopnum.timesheets.services import hours, timesheets
from tests import days, factories
from tests.billing import factories as bf
from tests.conftest import login, text_of
from tests.queries import counting

NOW = days.NOW  # the pinned clock
YEAR = days.TODAY.year  # the series of the invoices issued now (the world's and the tests')
# The world's work: the mediator's past session (the 17th of last month) in last month's open timesheet.
WORK_MONTH, WORK_END, WORK_KEY = days.month_start(-1), days.month_end(-1), days.month_key(-1)
DUE = f"{days.days(30):%d/%m/%Y}"  # an invoice issued today is due in 30 days


def number(n: int, kind: str = "F") -> str:
    return f"{kind}{YEAR}-{n:05d}"


@pytest.fixture
def ids(session, users):
    world = factories.world(session, users)
    session.commit()
    return world


@pytest.fixture
def fake_pdf(monkeypatch):
    monkeypatch.setattr("coopnum.billing.documents.render", bf.fake_render)


@pytest.fixture
def coordinator(client, users, ids):
    login(client, users["coordinator"])
    return users["coordinator"]


def reload(session, model, obj_id):
    session.expire_all()
    return session.get(model, obj_id)


def rows(response) -> list[int]:
    return [int(n) for n in re.findall(r'data-invoice="(\d+)"', response.get_data(as_text=True))]


def plain(html: str) -> str:
    """The text of a piece of page, tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def validate_work_month(session, users, ids) -> MissionSession:
    """The mediator's past session (the 17th of last month, 3 h) confirmed, the month sent and validated."""
    past = session.get(MissionSession, ids["past_session"])
    hours.confirm_session(session, users["mediator"], past, held=True, now=NOW)
    timesheets.submit(session, users["mediator"], WORK_MONTH, now=NOW)
    timesheets.validate(session, users["coordinator"], users["mediator"].id, WORK_MONTH, now=NOW)
    session.commit()
    return past


# --- the list -------------------------------------------------------------------------------------------------------

def test_list_summary_states_and_filters(client, coordinator, ids, travel):
    # The world: a draft, F…-00001 (partly paid), F…-00002 (cancelled by A…-00001), F…-00003 (another
    # organisation), all issued now, each 10 h × 45 € = 540 € TTC.
    response = client.get("/billing/invoices")
    page = text_of(response)
    assert response.status_code == 200
    assert sorted(rows(response)) == sorted(ids[k] for k in ("draft_invoice", "issued_invoice", "credited_invoice",
                                                             "credit_note", "other_invoice"))
    for text in ("Brouillon", number(1), number(1, "A"), "Partiellement payée", "Annulée par avoir", "À payer",
                 "Avoir émis", "Facturer un mois", "Nouvelle facture", "Commune Voisine"):
        assert text in page, text
    summary = plain(page[page.index('data-summary="drafts"'):page.index("</section>")])
    assert "1 brouillon" in summary and "540,00" in summary
    assert "2 factures à payer" in summary and "980,00" in summary  # 440 € + 540 € still due
    assert "0 en retard" in summary

    def only(query):
        return rows(client.get(f"/billing/invoices?{query}"))

    assert only("status=draft") == [ids["draft_invoice"]]
    assert only("kind=credit_note") == [ids["credit_note"]]
    assert only("state=paid") == [ids["credited_invoice"]]
    assert sorted(only("state=open")) == sorted([ids["issued_invoice"], ids["other_invoice"]])
    assert only(f"organisation_id={ids['other_org']}") == [ids["other_invoice"]]
    assert only(f"q={number(3)}") == [ids["other_invoice"]]
    assert len(only(f"year={YEAR}")) == 5 and only(f"year={YEAR - 1}") == [ids["draft_invoice"]]  # drafts: no year
    assert len(only("status=nonsense&year=abc&organisation_id=x")) == 5  # unreadable filters are ignored

    travel.move_to(NOW + timedelta(days=40))  # past the 30 days' due date
    login(client, coordinator)  # (the 12-hour session has expired meanwhile)
    response = client.get("/billing/invoices?state=overdue")
    assert sorted(rows(response)) == sorted([ids["issued_invoice"], ids["other_invoice"]])
    assert "En retard" in text_of(response) and "2 en retard" in plain(text_of(response))


def count_statements(client, url: str) -> int:
    with counting(db.engine) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_the_list_has_a_bounded_number_of_queries(client, coordinator, session, ids):
    def add(n):
        for _i in range(n):
            org = factories.organisation(session)
            bf.draft_invoice(session, coordinator, convention=factories.convention(session, organisation=org))
        session.commit()

    add(2)
    few = count_statements(client, "/billing/invoices")
    add(12)
    assert count_statements(client, "/billing/invoices") == few <= 15


# --- a draft from the work ------------------------------------------------------------------------------------------

def test_draft_from_the_work_through_the_preview(client, coordinator, users, ids, session):
    page = text_of(client.get("/billing/invoices/new"))
    assert f'value="{WORK_MONTH}"' in page and f'value="{WORK_END}"' in page  # last month by default
    preview = f"/billing/invoices/new?convention_id={ids['own_convention']}&period_start={WORK_MONTH}" \
              f"&period_end={WORK_END}"
    page = text_of(client.get(preview))
    assert "1 séance passée non confirmée" in page and f"/missions/timesheets?month={WORK_KEY}" in page
    assert "Rien à facturer pour cette période." in page and "Créer le brouillon" not in page

    past = validate_work_month(session, users, ids)
    page = text_of(client.get(preview))
    assert "1 séance, 3 h" in page and "Médiathèque de Testville" in page
    assert "135,00" in page and "162,00" in page  # 3 h × 45 € HT, TTC
    assert "non confirmée" not in page and "Créer le brouillon" in page

    data = {"mode": "work", "convention_id": ids["own_convention"], "period_start": WORK_MONTH.isoformat(),
            "period_end": WORK_END.isoformat()}
    response = client.post("/billing/invoices/new", data=data)
    assert response.status_code == 302
    invoice_id = int(response.headers["Location"].rsplit("/", 1)[1])
    invoice = reload(session, Invoice, invoice_id)
    assert invoice.is_draft and invoice.convention_id == ids["own_convention"] and invoice.total_incl_cents == 16200
    item = session.execute(select(BilledItem).where(BilledItem.session_id == past.id)).scalar_one()
    assert item.line_id == invoice.lines[0].id and item.minutes == 180
    page = text_of(client.get(f"/billing/invoices/{invoice_id}"))
    assert f"/missions/sessions/{past.id}" in page and "Émettre la facture" in page
    assert "/missions/conventions/" in page and f"report?period=custom&from={WORK_MONTH}&to={WORK_END}" in page

    response = client.post("/billing/invoices/new", data=data)  # the session is billed now
    assert response.status_code == 400
    assert "Rien à facturer" in text_of(response) and "1 élément déjà facturé" in text_of(response)

    response = client.post("/billing/invoices/new", data={"mode": "free", "organisation_id": ids["other_org"],
                                                          "title": "Formation des agents"})
    assert response.status_code == 302
    free = reload(session, Invoice, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert (free.buyer_name, free.title, free.lines) == ("Commune Voisine", "Formation des agents", [])
    response = client.post("/billing/invoices/new", data={"mode": "free", "organisation_id": "0"})
    assert response.status_code == 400 and "Choisissez le client facturé." in text_of(response)


# --- editing a draft ------------------------------------------------------------------------------------------------

def test_edit_add_and_delete_lines_with_bad_input(client, coordinator, ids, session):
    invoice_id, line_id = ids["draft_invoice"], ids["draft_line"]
    url = f"/billing/invoices/{invoice_id}/lines/{line_id}"
    good = {"description": "Accompagnement", "quantity": "2,5", "unit": "hour", "unit_price_cents": "50",
            "discount_percent": "10", "vat_rate_bp": "2000"}

    def post_line(**changes):
        return client.post(url, data={f"l{line_id}-{k}": v for k, v in {**good, **changes}.items()})

    for changes, message in (({"quantity": "abc"}, "Quantité invalide : écrivez par exemple 3 ou 2,5."),
                             ({"unit_price_cents": "12,345"}, "Montant invalide"),
                             ({"discount_percent": "150"}, "La remise est un pourcentage entre 0 et 100"),
                             ({"description": " "}, "Décrivez la prestation facturée.")):
        response = post_line(**changes)
        assert response.status_code == 400, changes
        assert message in text_of(response), changes
    line = reload(session, InvoiceLine, line_id)
    assert (line.quantity, line.unit_price_cents) == (Decimal("10"), 4500)  # unchanged

    assert post_line().status_code == 302
    line = reload(session, InvoiceLine, line_id)
    assert (line.description, line.quantity, line.discount_percent, line.total_excl_cents) == (
        "Accompagnement", Decimal("2.5"), Decimal("10"), 11250)  # 2,5 × 50 € − 10 %
    assert reload(session, Invoice, invoice_id).total_incl_cents == 13500

    add = f"/billing/invoices/{invoice_id}/lines"
    response = client.post(add, data={"add-quantity": "1", "add-unit_price_cents": "20", "add-vat_rate_bp": "2000"})
    assert response.status_code == 400 and "Décrivez la prestation facturée." in text_of(response)
    response = client.post(add, data={"add-description": "Clés USB", "add-quantity": "3", "add-vat_rate_bp": "2000"})
    assert response.status_code == 400 and "Indiquez le prix unitaire." in text_of(response)
    # a catalogue service fills the description, the unit and the price left empty
    response = client.post(add, data={"add-service_id": ids["service"], "add-quantity": "2",
                                      "add-vat_rate_bp": "2000"})
    assert response.status_code == 302
    invoice = reload(session, Invoice, invoice_id)
    added = invoice.lines[-1]
    assert (added.description.startswith("Permanence numérique"), added.unit, added.unit_price_cents,
            added.service_id) == (True, "hour", 4500, ids["service"])
    assert invoice.total_excl_cents == 11250 + 9000

    assert client.post(f"{url}/delete").status_code == 302
    invoice = reload(session, Invoice, invoice_id)
    assert [ln.id for ln in invoice.lines] == [added.id] and invoice.total_excl_cents == 9000

    header = {"h-title": "Ateliers", "h-payment_terms_days": "90", "h-vat_regime": "standard"}
    response = client.post(f"/billing/invoices/{invoice_id}/update", data=header)
    assert response.status_code == 400 and "60 jours au plus" in text_of(response)
    response = client.post(f"/billing/invoices/{invoice_id}/update", data={**header, "h-payment_terms_days": "30",
                                                                             "h-chorus_service_code": "SERV-01"})
    assert response.status_code == 302
    invoice = reload(session, Invoice, invoice_id)
    assert (invoice.title, invoice.chorus_service_code) == ("Ateliers", "SERV-01")


# --- issue ----------------------------------------------------------------------------------------------------------

def test_issue_then_documents_and_nothing_editable(client, coordinator, ids, session, fake_pdf):
    invoice_id, line_id = ids["draft_invoice"], ids["draft_line"]
    response = client.post(f"/billing/invoices/{invoice_id}/issue")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/billing/invoices/{invoice_id}")
    page = text_of(client.get(f"/billing/invoices/{invoice_id}"))
    assert f"Facture {number(4)} émise : 540,00 € TTC, échéance le {DUE}." in page
    invoice = reload(session, Invoice, invoice_id)
    assert invoice.status == InvoiceStatus.ISSUED and invoice.number == number(4)
    assert "Établir un avoir" in page and "Émettre la facture" not in page and "Modifier la ligne" not in page

    response = client.get(f"/billing/invoices/{invoice_id}/documents/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data == f"%PDF-1.7 fake {number(4)}".encode()
    assert f"filename={number(4)}.pdf" in response.headers["Content-Disposition"]
    assert hashlib.sha256(response.data).hexdigest() in page
    assert client.get(f"/billing/invoices/{invoice_id}/documents/facturx").data.endswith(b"facturx")
    assert client.get(f"/billing/invoices/{invoice_id}/documents/xml").status_code == 404

    data = {f"l{line_id}-{k}": v for k, v in {"description": "Changée", "quantity": "1", "unit": "hour",
                                               "unit_price_cents": "1", "discount_percent": "0",
                                               "vat_rate_bp": "2000"}.items()}
    for url, form in ((f"/billing/invoices/{invoice_id}/lines/{line_id}", data),
                      (f"/billing/invoices/{invoice_id}/lines/{line_id}/delete", {}),
                      (f"/billing/invoices/{invoice_id}/update", {"h-payment_terms_days": "10"}),
                      (f"/billing/invoices/{invoice_id}/delete", {}),
                      (f"/billing/invoices/{invoice_id}/issue", {})):
        response = client.post(url, data=form)
        assert response.status_code == 302, url
        assert f"La facture {number(4)} est émise : elle ne peut plus être modifiée." in text_of(
            client.get(response.headers["Location"])), url
    line = reload(session, InvoiceLine, line_id)
    assert (line.description, line.quantity, line.unit_price_cents) == ("Accompagnement numérique", 10, 4500)
    assert reload(session, Invoice, invoice_id).payment_terms_days == 30


def test_a_refused_issue_burns_no_number(client, coordinator, ids, session, fake_pdf):
    settings.set_value(session, None, "company.siret", "", now=NOW)
    session.commit()
    response = client.post(f"/billing/invoices/{ids['draft_invoice']}/issue")
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert "Complétez l'identité de la coopérative" in page and "siret" in page
    assert reload(session, Invoice, ids["draft_invoice"]).number is None
    bf.company(session)
    session.commit()
    client.post(f"/billing/invoices/{ids['draft_invoice']}/issue")
    assert reload(session, Invoice, ids["draft_invoice"]).number == number(4)  # no gap after the world's 3


def test_the_real_pdf_is_downloaded_as_stored(client, coordinator, ids, session):
    client.post(f"/billing/invoices/{ids['draft_invoice']}/issue")
    invoice = reload(session, Invoice, ids["draft_invoice"])
    response = client.get(f"/billing/invoices/{invoice.id}/documents/pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert hashlib.sha256(response.data).hexdigest() in text_of(client.get(f"/billing/invoices/{invoice.id}"))


# --- credit note ----------------------------------------------------------------------------------------------------

def test_a_partial_credit_note_through_the_form(client, coordinator, ids, session, fake_pdf):
    invoice = session.get(Invoice, ids["issued_invoice"])
    line_id = invoice.lines[0].id
    url = f"/billing/invoices/{invoice.id}/credit-note"
    page = text_of(client.get(url))
    assert "Accompagnement numérique" in page and "au plus 10" in page

    response = client.post(url, data={"reason": "Séance annulée", f"qty-{line_id}": "12"})
    assert response.status_code == 400 and "10 au plus restent à créditer" in text_of(response)
    response = client.post(url, data={"reason": "", f"qty-{line_id}": "2"})
    assert response.status_code == 400 and "Indiquez le motif de l'avoir." in text_of(response)
    response = client.post(url, data={"reason": "Séance annulée", f"qty-{line_id}": "0"})
    assert response.status_code == 400 and "Rien à créditer" in text_of(response)

    response = client.post(url, data={"reason": "Séance annulée", f"qty-{line_id}": "2"})
    assert response.status_code == 302
    note = reload(session, Invoice, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert (note.number, note.credit_of_id, note.total_incl_cents) == (number(2, "A"), invoice.id, 10800)
    assert [(ln.credited_line_id, ln.quantity) for ln in note.lines] == [(line_id, 2)]
    page = text_of(client.get(f"/billing/invoices/{note.id}"))
    assert f"Avoir {number(2, 'A')} émis sur la facture {number(1)} : 108,00 € TTC." in page
    assert f"/billing/invoices/{invoice.id}" in page and "Établir un avoir" not in page
    page = text_of(client.get(f"/billing/invoices/{invoice.id}"))
    assert number(2, "A") in page and "Crédité par avoir" in page and "332,00" in page  # 540 − 108 − 100 paid
    assert "au plus 8" in text_of(client.get(url))

    response = client.post(url, data={"reason": "Annulation", "all_lines": "y", f"qty-{line_id}": "0"})
    rest = reload(session, Invoice, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert (rest.number, rest.total_incl_cents, [ln.quantity for ln in rest.lines]) == (number(3, "A"), 43200, [8])
    assert "Établir un avoir" not in text_of(client.get(f"/billing/invoices/{invoice.id}"))  # all credited

    response = client.get(f"/billing/invoices/{note.id}/credit-note")
    assert response.status_code == 302
    assert "On ne fait pas d'avoir sur un avoir." in text_of(client.get(response.headers["Location"]))


# --- the month's run ------------------------------------------------------------------------------------------------

def test_the_months_run_then_issue_from_its_page(client, coordinator, users, ids, session, fake_pdf):
    validate_work_month(session, users, ids)
    page = text_of(client.get("/billing/invoices/run"))
    assert f'value="{WORK_KEY}"' in page and "Aucune facture pour ce mois." in page  # last month by default

    response = client.post("/billing/invoices/run", data={"month": days.month_key(1)})
    assert response.status_code == 400 and "On ne facture pas un mois à venir." in text_of(response)
    response = client.post("/billing/invoices/run", data={"month": "novembre"})
    assert response.status_code == 400 and "Mois invalide" in text_of(response)

    response = client.post("/billing/invoices/run", data={"month": WORK_KEY})
    page = text_of(response)
    assert response.status_code == 200
    assert f"1 brouillon créé pour {format_date(WORK_MONTH, 'MMMM y', locale='fr')}." in page
    assert page.count("brouillon créé") == 1 and "Mois facturé" not in page  # said once, not flashed again
    draft = session.execute(select(Invoice).where(Invoice.convention_id == ids["own_convention"])).scalar_one()
    assert draft.is_draft and draft.total_incl_cents == 16200
    assert f"/billing/invoices/{draft.id}" in page and "162,00" in page
    skipped = page[page.index('data-run="skipped"'):]
    assert "Commune Voisine : rien à facturer" in skipped

    back = f"/billing/invoices/run?month={WORK_KEY}"
    response = client.post(f"/billing/invoices/{draft.id}/issue?next={back}")
    assert response.status_code == 302 and response.headers["Location"].endswith(back)
    page = text_of(client.get(back))
    assert f"Facture {number(4)} émise" in page and f'data-invoice="{draft.id}"' in page
    assert "Conventions actives sans facture ce mois" in page  # the other convention, to look at


# --- access ---------------------------------------------------------------------------------------------------------

def test_a_mediator_is_refused(client, users, ids, session):
    login(client, users["mediator"])
    for method, url in (("GET", "/billing/invoices"), ("GET", "/billing/invoices/new"),
                        ("GET", f"/billing/invoices/{ids['draft_invoice']}"),
                        ("POST", f"/billing/invoices/{ids['draft_invoice']}/issue"),
                        ("GET", f"/billing/invoices/{ids['issued_invoice']}/documents/pdf")):
        assert client.open(url, method=method).status_code == 403, url
    assert reload(session, Invoice, ids["draft_invoice"]).is_draft


def test_the_audit_log_names_an_issued_invoice_and_its_amount_in_french(client, session, users):
    invoice = bf.issued_invoice(session, users["coordinator"])
    session.commit()
    login(client, users["admin"])
    page = text_of(client.get("/audit?object_type=Invoice&action=issue"))
    assert f'<a href="/billing/invoices/{invoice.id}">Facture {invoice.number}</a>' in page
    amount = re.search(rf"Facture {invoice.number} émise : ([\d\u202f]+,\d\d) € TTC", page)
    assert amount and "Émission" in page
    assert "émis(e)" not in page and "Invoice #" not in page
