"""Quotes: drafting (from a request or not), lines and totals, sending (numbered series, validity, the request
quoted), immutability once sent, acceptance into a draft convention or a draft invoice, refusal, expiry, duplicates,
and the pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from coopnum.billing.models import Invoice, Quote, QuoteStatus
from coopnum.billing.services import quotes as svc
from coopnum.core.errors import DomainError
from coopnum.core.models import AuditLog
from coopnum.missions.models import RequestStatus, ServiceRequest
from coopnum.organisations.models import Contact, Convention, ConventionStatus, PricingMode, VatRegime
from tests import days, factories
from tests.conftest import login, text_of

FAKE_PDF = b"%PDF-1.7 fake quote"
YEAR = days.TODAY.year  # quotes sent now are numbered in this year's series
FIRST = f"D{YEAR}-00001"
NEXT_YEAR = days.year_start(1)  # a convention's period, after the quote


@pytest.fixture
def fake_pdf(monkeypatch):
    monkeypatch.setattr(svc, "render_pdf", lambda session, quote: FAKE_PDF + (quote.number or "").encode())


@pytest.fixture
def org(session):
    org = factories.organisation(session, name="Commune de Quotéville")
    session.add(Contact(organisation_id=org.id, first_name="Anne", last_name="Compta",
                        email="compta@quoteville.example.org", receives_invoices=True))
    session.flush()
    return org


def _lines(*rows):
    return [svc.LineInput(description=d, quantity=q, unit=u, unit_price_cents=p, discount_percent=disc)
            for d, q, u, p, disc in rows]


def _draft(session, actor, org, now, rows=None, **kw):
    rows = rows or [("Permanence numérique", Decimal("10"), "hour", 4500, Decimal(0))]
    return svc.create(session, actor, organisation_id=org.id, title=f"Permanences {NEXT_YEAR.year}",
                      lines=_lines(*rows), now=now, **kw)


# --- services -------------------------------------------------------------------------------------------------------

def test_create_from_request_prefills_organisation_and_catalogue_line(session, users, now):
    org = factories.organisation(session)
    service = factories.service(session, name="Atelier smartphone", unit="session", unit_price_cents=18000)
    req = ServiceRequest(organisation_id=org.id, service_id=service.id, description="Pour les seniors",
                         status=RequestStatus.IN_REVIEW)
    session.add(req)
    session.flush()
    quote = svc.create(session, users["coordinator"], request=req, now=now)
    assert quote.organisation_id == org.id and quote.request_id == req.id
    assert quote.title == "Atelier smartphone" and quote.status == QuoteStatus.DRAFT and quote.number is None
    [line] = quote.lines
    assert (line.description, line.unit, line.unit_price_cents, line.quantity, line.service_id) == (
        "Atelier smartphone", "session", 18000, Decimal(1), service.id)
    assert line.detail == "Pour les seniors"
    assert (quote.total_excl_cents, quote.total_vat_cents, quote.total_incl_cents) == (18000, 3600, 21600)


def test_lines_catalogue_free_discount_and_regime(session, users, now, org):
    service = factories.service(session, name="Accompagnement", unit="hour", unit_price_cents=4500)
    quote = svc.create(session, users["coordinator"], organisation_id=org.id, title="Devis", now=now, lines=[
        svc.LineInput(service_id=service.id, quantity="12,5"),  # catalogue: description, unit, price
        svc.LineInput(description="Frais de déplacement", quantity=3, unit="day", unit_price_cents=3333,
                      discount_percent="10"),
    ])
    first, second = quote.lines
    assert (first.description, first.unit, first.unit_price_cents, first.total_excl_cents) == (
        "Accompagnement", "hour", 4500, 56250)
    assert second.total_excl_cents == 8999  # 3 × 33,33 × 0,9 = 89,991 → 89,99
    assert quote.total_excl_cents == 65249
    assert quote.total_vat_cents == 13050  # rounded once on the base: 652,49 × 20 % = 130,498
    assert quote.total_incl_cents == 78299
    svc.update(session, users["coordinator"], quote, vat_regime=VatRegime.FRANCHISE, now=now)
    assert {line.vat_rate_bp for line in quote.lines} == {0}
    assert quote.total_vat_cents == 0 and quote.total_incl_cents == 65249


@pytest.mark.parametrize(("row", "message"), [
    (svc.LineInput(description="", quantity=1, unit_price_cents=100), "décrivez la prestation"),
    (svc.LineInput(description="x", quantity=0, unit_price_cents=100), "quantité doit être positive"),
    (svc.LineInput(description="x", quantity="abc", unit_price_cents=100), "quantité invalide"),
    (svc.LineInput(description="x", quantity=1, unit_price_cents=None), "prix unitaire"),
    (svc.LineInput(description="x", quantity=1, unit_price_cents=100, discount_percent=120), "remise"),
    (svc.LineInput(description="x", quantity=1, unit="parsec", unit_price_cents=100), "unité inconnue"),
])
def test_bad_lines_are_refused_in_french(session, users, now, org, row, message):
    with pytest.raises(DomainError) as exc:
        svc.create(session, users["coordinator"], organisation_id=org.id, title="Devis", lines=[row], now=now)
    assert message in exc.value.message and exc.value.field == "lines"
    assert exc.value.message.startswith("Ligne 1")


def test_send_numbers_in_its_own_series_and_freezes(session, users, now, org):
    coordinator = users["coordinator"]
    first = _draft(session, coordinator, org, now)
    second = _draft(session, coordinator, org, now)
    svc.send(session, coordinator, first, now=now)
    svc.send(session, coordinator, second, now=now)
    assert (first.number, second.number) == (FIRST, f"D{YEAR}-00002")
    assert first.status == QuoteStatus.SENT and first.issue_date == days.TODAY
    assert first.valid_until == days.TODAY + timedelta(days=60)
    with pytest.raises(DomainError, match="Dupliquez-le"):
        svc.update(session, coordinator, first, title="Autre", now=now)
    with pytest.raises(DomainError, match="Dupliquez-le"):
        svc.add_line(session, coordinator, first, svc.LineInput(description="x", unit_price_cents=1), now=now)
    with pytest.raises(DomainError):
        svc.send(session, coordinator, first, now=now)
    with pytest.raises(DomainError):
        svc.delete(session, coordinator, first, now=now)
    copy = svc.duplicate(session, coordinator, first, now=now)
    assert copy.status == QuoteStatus.DRAFT and copy.number is None and copy.id != first.id
    assert [(ln.description, ln.quantity, ln.unit_price_cents) for ln in copy.lines] == [
        (ln.description, ln.quantity, ln.unit_price_cents) for ln in first.lines]
    assert copy.total_incl_cents == first.total_incl_cents
    assert session.execute(select(AuditLog).where(AuditLog.object_type == "Quote", AuditLog.action == "send")
                           ).scalars().all()


def test_send_empty_or_zero_quote_is_refused(session, users, now, org):
    quote = svc.create(session, users["coordinator"], organisation_id=org.id, title="Vide", now=now)
    with pytest.raises(DomainError, match="au moins une ligne"):
        svc.send(session, users["coordinator"], quote, now=now)
    assert quote.number is None


def test_quote_prefix_setting_and_request_marked_quoted(session, users, now, org):
    from coopnum.core import settings

    settings.set_value(session, None, "billing.quote_prefix", "DEV", now=now)
    service = factories.service(session)
    req = ServiceRequest(organisation_id=org.id, service_id=service.id, description="Besoin")
    session.add(req)
    session.flush()
    quote = svc.create(session, users["coordinator"], request=req, now=now)
    svc.send(session, users["coordinator"], quote, now=now)
    assert quote.number == f"DEV{YEAR}-00001"
    assert (req.status, req.quote_reference) == (RequestStatus.QUOTED, f"DEV{YEAR}-00001")


def test_accept_into_draft_convention(session, users, now, org):
    coordinator = users["coordinator"]
    service = factories.service(session, unit="hour", unit_price_cents=5000)
    title = f"Permanences {NEXT_YEAR.year}"
    quote = svc.create(session, coordinator, organisation_id=org.id, title=title, now=now, lines=[
        svc.LineInput(service_id=service.id, quantity=100, discount_percent=10),
        svc.LineInput(description="Heures d'ateliers", quantity=20, unit="hour", unit_price_cents=5000,
                      discount_percent=10),
        svc.LineInput(description="Frais de dossier", quantity=1, unit="flat", unit_price_cents=5000),
    ])
    svc.send(session, coordinator, quote, now=now)
    with pytest.raises(DomainError, match="dates"):
        svc.accept(session, coordinator, quote, target="convention", now=now)
    svc.accept(session, coordinator, quote, target="convention", start_date=NEXT_YEAR,
               end_date=days.year_end(1), now=now)
    convention = session.get(Convention, quote.convention_id)
    assert quote.status == QuoteStatus.ACCEPTED and quote.decided_at == now
    assert convention.status == ConventionStatus.DRAFT and convention.organisation_id == org.id
    assert convention.pricing_mode == PricingMode.HOURLY
    assert convention.unit_price_cents == 4500  # the discounted price
    assert convention.contracted_volume == Decimal("120")  # the hours of both lines
    assert [(cs.service_id, cs.unit_price_cents) for cs in convention.services] == [(service.id, 4500)]
    assert FIRST in convention.notes
    with pytest.raises(DomainError, match="déjà accepté"):
        svc.decline(session, coordinator, quote, now=now)


def test_accept_into_draft_invoice_with_the_same_lines(session, users, now, org):
    coordinator = users["coordinator"]
    quote = _draft(session, coordinator, org, now, rows=[
        ("Formation des agents", Decimal("2"), "day", 90000, Decimal("5")),
        ("Support", Decimal("1"), "flat", 25000, Decimal(0)),
    ], vat_regime=VatRegime.FRANCHISE)
    svc.send(session, coordinator, quote, now=now)
    svc.accept(session, coordinator, quote, target="invoice", now=now)
    invoice = session.get(Invoice, quote.invoice_id)
    assert invoice.status == "draft" and invoice.organisation_id == org.id and invoice.vat_regime == "franchise"
    assert [(ln.description, ln.quantity, ln.unit, ln.unit_price_cents, ln.discount_percent, ln.vat_rate_bp)
            for ln in invoice.lines] == [
        ("Formation des agents", Decimal("2"), "day", 90000, Decimal("5"), 0),
        ("Support", Decimal("1"), "flat", 25000, Decimal("0"), 0)]
    assert invoice.total_incl_cents == quote.total_incl_cents == 196000


def test_convention_needs_a_priced_line(session, users, now, org):
    quote = _draft(session, users["coordinator"], org, now, rows=[("Étude", Decimal(1), "flat", 100000, 0)])
    svc.send(session, users["coordinator"], quote, now=now)
    with pytest.raises(DomainError, match="en facture"):
        svc.accept(session, users["coordinator"], quote, target="convention", start_date=NEXT_YEAR,
                   end_date=NEXT_YEAR.replace(month=6, day=30), now=now)
    assert quote.status == QuoteStatus.SENT


def test_decline_and_expiry(session, users, now, org):
    coordinator = users["coordinator"]
    declined, late = _draft(session, coordinator, org, now), _draft(session, coordinator, org, now)
    with pytest.raises(DomainError, match="pas encore envoyé"):
        svc.decline(session, coordinator, declined, now=now)
    svc.send(session, coordinator, declined, now=now)
    svc.send(session, coordinator, late, now=now)
    svc.decline(session, coordinator, declined, now=now)
    assert declined.status == QuoteStatus.DECLINED
    later = now + timedelta(days=61)
    assert svc.effective_status(late, days.days(61)) == QuoteStatus.EXPIRED
    with pytest.raises(DomainError, match="a expiré"):
        svc.accept(session, coordinator, late, target="invoice", now=later)
    assert svc.expire_due(session, now=now) == 0
    assert svc.expire_due(session, now=later) == 1
    session.refresh(late)
    assert late.status == QuoteStatus.EXPIRED
    assert svc.expire_due(session, now=later) == 0  # idempotent


def test_expire_job(app, session, users, now, org):
    from coopnum.core import jobs

    quote = _draft(session, users["coordinator"], org, now)
    svc.send(session, users["coordinator"], quote, now=now)
    session.commit()
    assert jobs.run_job(app, "expire-quotes", now + timedelta(days=70)) == "1 devis expiré."
    session.expire_all()
    assert session.get(Quote, quote.id).status == QuoteStatus.EXPIRED


def test_only_staff(session, users, now, org):
    with pytest.raises(DomainError):
        _draft(session, users["mediator"], org, now)


# --- pages ----------------------------------------------------------------------------------------------------------

def test_list_filters(client, session, users, now, org):
    other = factories.organisation(session, name="Autre Commune")
    sent = _draft(session, users["coordinator"], org, now)
    svc.send(session, users["coordinator"], sent, now=now)
    svc.create(session, users["coordinator"], organisation_id=other.id, title="Brouillon voisin", now=now)
    session.commit()
    login(client, users["coordinator"])
    page = text_of(client.get("/billing/quotes"))
    assert FIRST in page and "Brouillon voisin" in page
    page = text_of(client.get("/billing/quotes?status=draft"))
    assert FIRST not in page and "Brouillon voisin" in page
    page = text_of(client.get(f"/billing/quotes?organisation_id={org.id}"))
    assert FIRST in page and "Brouillon voisin" not in page
    assert client.get("/billing/quotes?status=nope&organisation_id=x").status_code == 200


def test_new_quote_page_from_request_and_edit(client, session, users, now, org):
    service = factories.service(session, name="Permanence mairie", unit="hour", unit_price_cents=4800)
    req = ServiceRequest(organisation_id=org.id, service_id=service.id, description="Besoin")
    session.add(req)
    session.commit()
    login(client, users["coordinator"])
    page = text_of(client.get(f"/billing/quotes/new?request_id={req.id}"))
    assert "Permanence mairie" in page and "48,00" in page
    response = client.post(f"/billing/quotes/new?request_id={req.id}", data={
        "organisation_id": org.id, "title": "Permanence mairie", "vat_regime": "standard", "notes": "",
        "lines-0-service_id": service.id, "lines-0-description": "", "lines-0-quantity": "40",
        "lines-0-unit": "", "lines-0-unit_price_cents": "", "lines-0-discount_percent": "",
        "lines-1-service_id": 0, "lines-1-description": "Déplacements", "lines-1-quantity": "1",
        "lines-1-unit": "flat", "lines-1-unit_price_cents": "150,50", "lines-1-discount_percent": "",
        "lines-2-service_id": 0, "lines-2-description": "", "lines-2-quantity": "",
    })
    assert response.status_code == 302, text_of(response)[:2000]
    quote = session.execute(select(Quote)).scalar_one()
    assert quote.request_id == req.id
    assert [(ln.description, ln.quantity, ln.unit_price_cents) for ln in quote.lines] == [
        ("Permanence mairie", Decimal(40), 4800), ("Déplacements", Decimal(1), 15050)]
    assert quote.total_excl_cents == 192000 + 15050
    # edit: a bad quantity shows the form again with a French error (400), nothing changes
    response = client.post(f"/billing/quotes/{quote.id}", data={
        "organisation_id": org.id, "title": "Permanence mairie", "vat_regime": "standard",
        "lines-0-service_id": 0, "lines-0-description": "Permanence", "lines-0-quantity": "beaucoup",
        "lines-0-unit_price_cents": "48",
    })
    assert response.status_code == 400 and "Quantité invalide" in text_of(response)
    response = client.post(f"/billing/quotes/{quote.id}", data={
        "organisation_id": org.id, "title": "Permanences", "vat_regime": "standard",
        "lines-0-service_id": 0, "lines-0-description": "Permanence", "lines-0-quantity": "10",
        "lines-0-unit": "hour", "lines-0-unit_price_cents": "48", "lines-0-discount_percent": "",
        "lines-1-service_id": 0, "lines-1-description": "Déplacements", "lines-1-quantity": "1",
        "lines-1-unit": "flat", "lines-1-unit_price_cents": "150,50", "lines-1-remove": "y",
    })
    assert response.status_code == 302
    session.expire_all()
    quote = session.get(Quote, quote.id)
    assert quote.title == "Permanences" and [ln.description for ln in quote.lines] == ["Permanence"]
    assert quote.total_excl_cents == 48000


def test_new_quote_without_organisation_is_400(client, users):
    login(client, users["coordinator"])
    response = client.post("/billing/quotes/new", data={"organisation_id": 0, "title": ""})
    assert response.status_code == 400 and "Choisissez la structure" in text_of(response)


def test_send_page_emails_the_pdf_to_invoice_contacts(client, session, users, now, org, smtp_server, fake_pdf):
    quote = _draft(session, users["coordinator"], org, now)
    session.commit()
    login(client, users["coordinator"])
    page = text_of(client.get(f"/billing/quotes/{quote.id}"))
    assert "compta@quoteville.example.org" in page
    response = client.post(f"/billing/quotes/{quote.id}/send", data={
        "send-mode": "email", "send-recipients": ["compta@quoteville.example.org"],
        "send-other_recipients": "maire@quoteville.example.org", "send-message": "Bonne lecture"})
    assert response.status_code == 302
    session.expire_all()
    quote = session.get(Quote, quote.id)
    assert quote.status == QuoteStatus.SENT and quote.number == FIRST
    [message] = smtp_server
    assert message["To"] == "compta@quoteville.example.org, maire@quoteville.example.org"
    assert message["Subject"].startswith(f"Devis {FIRST} — ")
    body = message.get_body(("plain",)).get_content()
    assert "Bonne lecture" in body and FIRST in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"Devis-{FIRST}.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == FAKE_PDF + FIRST.encode()


def test_send_page_mark_only_and_resend_failure(client, app, session, users, now, org, fake_pdf):
    quote = _draft(session, users["coordinator"], org, now)
    session.commit()
    login(client, users["coordinator"])
    response = client.post(f"/billing/quotes/{quote.id}/send", data={"send-mode": "mark"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Quote, quote.id).status == QuoteStatus.SENT
    # SMTP down: the quote stays sent, its mail waits in the outbox and its page says so
    from tests.conftest import free_port, run_mail_job

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    response = client.post(f"/billing/quotes/{quote.id}/send", data={
        "send-recipients": ["compta@quoteville.example.org"]}, follow_redirects=True)
    assert "le courriel part dans la minute" in text_of(response)
    run_mail_job(app)
    page = text_of(client.get(f"/billing/quotes/{quote.id}"))
    assert 'data-mail-status="retry"' in page and "Échec — nouvel essai à" in page


def test_send_page_without_recipient_is_400_and_not_numbered(client, session, users, now, fake_pdf):
    org = factories.organisation(session)  # no contact, no e-mail
    quote = _draft(session, users["coordinator"], org, now)
    session.commit()
    login(client, users["coordinator"])
    response = client.post(f"/billing/quotes/{quote.id}/send", data={"send-mode": "email"})
    assert response.status_code == 400 and "indiquez un destinataire" in text_of(response)
    session.expire_all()
    assert session.get(Quote, quote.id).number is None


def test_accept_page_creates_invoice_and_redirects(client, session, users, now, org):
    quote = _draft(session, users["coordinator"], org, now)
    svc.send(session, users["coordinator"], quote, now=now)
    session.commit()
    login(client, users["coordinator"])
    response = client.post(f"/billing/quotes/{quote.id}/accept", data={"accept-target": "invoice"})
    assert response.status_code == 302
    session.expire_all()
    quote = session.get(Quote, quote.id)
    assert quote.status == QuoteStatus.ACCEPTED and quote.invoice_id
    assert f"/billing/invoices/{quote.invoice_id}" in response.headers["Location"]


def test_accept_page_convention_bad_dates_is_400(client, session, users, now, org):
    quote = _draft(session, users["coordinator"], org, now)
    svc.send(session, users["coordinator"], quote, now=now)
    session.commit()
    login(client, users["coordinator"])
    response = client.post(f"/billing/quotes/{quote.id}/accept", data={
        "accept-target": "convention", "accept-start_date": f"{NEXT_YEAR.year}-06-01",
        "accept-end_date": NEXT_YEAR.isoformat()})
    assert response.status_code == 400 and "postérieure" in text_of(response)
    response = client.post(f"/billing/quotes/{quote.id}/accept", data={
        "accept-target": "convention", "accept-start_date": NEXT_YEAR.isoformat(),
        "accept-end_date": days.year_end(1).isoformat()})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Quote, quote.id).convention_id is not None


def test_decline_duplicate_delete_pages(client, session, users, now, org):
    quote = _draft(session, users["coordinator"], org, now)
    draft = _draft(session, users["coordinator"], org, now)
    svc.send(session, users["coordinator"], quote, now=now)
    session.commit()
    draft_id = draft.id
    login(client, users["coordinator"])
    assert client.post(f"/billing/quotes/{quote.id}/decline").status_code == 302
    response = client.post(f"/billing/quotes/{quote.id}/duplicate")
    session.expire_all()
    assert session.get(Quote, quote.id).status == QuoteStatus.DECLINED
    copy_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert session.get(Quote, copy_id).status == QuoteStatus.DRAFT
    assert client.post(f"/billing/quotes/{draft_id}/delete").status_code == 302
    assert session.get(Quote, draft_id) is None
    # a sent quote is not deleted, nor edited
    client.post(f"/billing/quotes/{quote.id}/delete")
    assert session.get(Quote, quote.id) is not None
    response = client.post(f"/billing/quotes/{quote.id}", data={"title": "x"}, follow_redirects=True)
    assert "Dupliquez-le" in text_of(response)


def test_pdf_is_rendered(client, session, users, now, org):
    quote = _draft(session, users["coordinator"], org, now)
    svc.send(session, users["coordinator"], quote, now=now)
    session.commit()
    login(client, users["coordinator"])
    response = client.get(f"/billing/quotes/{quote.id}/pdf?download=1")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert f'filename="Devis-{FIRST}.pdf"' in response.headers["Content-Disposition"]
