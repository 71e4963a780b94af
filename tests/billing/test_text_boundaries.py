"""Texts that end in a Factur-X XML, a PDF or an e-mail are refused by the services when they hold a control
character (issue 12): neither a form, nor the API, nor an import can store an invoice line, a quote line or a
credit-note reason that would later break the documents. And, whatever the service, the last boundary: no row is
flushed with such a text (``validation.install_text_guard``)."""

import pytest

from coopnum.billing.models import InvoiceLine
from coopnum.billing.services import aptic, credit_notes, invoices, payments
from coopnum.billing.services import quotes as quote_services
from coopnum.core.errors import DomainError
from tests import days, factories
from tests.billing import factories as bf

HOSTILE = ["abc\x00def", "\x1b[31mrouge", "bip\u0007", "a\ufffeb", "a\x85b", "x\udcffy"]


@pytest.fixture
def draft(session, users):
    return bf.draft_invoice(session, users["coordinator"])


def _refused(call, field: str) -> DomainError:
    with pytest.raises(DomainError) as info:
        call()
    assert info.value.field == field
    assert "caractères de contrôle" in info.value.message
    return info.value


@pytest.mark.parametrize("text", HOSTILE)
def test_an_invoice_line_with_a_control_character_is_refused(session, users, draft, text):
    actor = users["coordinator"]
    _refused(lambda: invoices.add_line(session, actor, draft, description=text, quantity=1, unit="hour",
                                       unit_price_cents=100, now=days.NOW), "description")
    _refused(lambda: invoices.add_line(session, actor, draft, description="Séance", detail=f"ligne 1\n{text}",
                                       quantity=1, unit="hour", unit_price_cents=100, now=days.NOW), "detail")
    line = draft.lines[0]
    _refused(lambda: invoices.update_line(session, actor, draft, line, description=text, quantity=1,
                                          unit_price_cents=100, now=days.NOW), "description")
    assert len(draft.lines) == 1


def test_a_detail_keeps_its_line_breaks_and_tabs(session, users, draft):
    line = invoices.add_line(session, users["coordinator"], draft, description="Séance", detail="a\n\tb\r\nc",
                             quantity=1, unit="hour", unit_price_cents=100, now=days.NOW)
    assert line.detail == "a\n\tb\r\nc"


@pytest.mark.parametrize(("field", "values"), [
    ("title", {"title": "Objet\x00"}), ("notes", {"notes": "Mention\x1b"}),
    ("chorus_service_code", {"chorus_service_code": "SERV\x07"}),
    ("chorus_engagement_number", {"chorus_engagement_number": "EJ\x00"}),
])
def test_an_invoice_header_with_a_control_character_is_refused(session, users, draft, field, values):
    arguments = {"title": "Objet", "notes": "", "payment_terms_days": 30, **values}
    _refused(lambda: invoices.update_header(session, users["coordinator"], draft, now=days.NOW, **arguments), field)


@pytest.mark.parametrize("text", HOSTILE)
def test_a_credit_note_reason_with_a_control_character_is_refused(session, users, text):
    invoice = bf.issued_invoice(session, users["coordinator"])
    _refused(lambda: credit_notes.create_credit_note(session, users["coordinator"], invoice, reason=text, now=days.NOW,
                                                 render=bf.fake_render), "reason")
    assert credit_notes.credit_notes_of(session, invoice) == []


@pytest.mark.parametrize("text", HOSTILE[:3])
def test_a_quote_with_a_control_character_is_refused(session, users, text):
    org = factories.organisation(session)
    actor = users["coordinator"]
    line = quote_services.LineInput(description="Atelier", quantity=1, unit="hour", unit_price_cents=100)
    _refused(lambda: quote_services.create(session, actor, organisation_id=org.id, title=text, lines=[line],
                                           now=days.NOW), "title")
    _refused(lambda: quote_services.create(session, actor, organisation_id=org.id, title="Devis", notes=text,
                                           lines=[line], now=days.NOW), "notes")
    bad = quote_services.LineInput(description=text, quantity=1, unit="hour", unit_price_cents=100)
    error = _refused(lambda: quote_services.create(session, actor, organisation_id=org.id, title="Devis",
                                                   lines=[bad], now=days.NOW), "lines")
    assert error.message.startswith("Ligne 1")


def test_payments_and_cheques_refuse_control_characters(session, users):
    invoice = bf.issued_invoice(session, users["coordinator"])
    actor = users["coordinator"]
    _refused(lambda: payments.record(session, actor, invoice, amount_cents=100, received_on=days.TODAY,
                                     method="transfer", reference="VIR\x00", now=days.NOW), "reference")
    _refused(lambda: payments.record(session, actor, invoice, amount_cents=100, received_on=days.TODAY,
                                     method="transfer", notes="note\x1b", now=days.NOW), "notes")
    _refused(lambda: aptic.record_cheque(session, actor, number="AP\x00-1", received_on=days.TODAY,
                                         face_value_cents=1000, now=days.NOW), "number")
    _refused(lambda: aptic.record_cheque(session, actor, number="AP-2", received_on=days.TODAY,
                                         face_value_cents=1000, notes="\x07", now=days.NOW), "notes")


def test_no_row_is_flushed_with_a_control_character_whatever_the_path(session, users, draft):
    """The last boundary: a text set on a model directly (a script, a future service) is refused at flush."""
    line = draft.lines[0]
    line.description = "Séance\x00"
    with pytest.raises(DomainError) as info:
        session.flush()
    assert info.value.field == "description" and "caractères de contrôle" in info.value.message
    session.rollback()
    session.add(InvoiceLine(invoice_id=draft.id, position=9, description="ok\x0bko", quantity=1, unit="hour",
                            unit_price_cents=100))
    with pytest.raises(DomainError):
        session.flush()
    session.rollback()
