"""The year change of the numbering: the series is the year of the issue day in Paris, never the UTC one.

On the coming 31 December, an invoice issued at 23:30 in Paris (22:30 UTC) still takes the next number of that year's
series; one issued at 00:30 in Paris on 1 January — still 31 December in UTC — opens the next year's series at 00001
and is dated 1 January. Credit notes the same. The years come from the test day (``days.TODAY``)."""

from datetime import UTC, timedelta
from decimal import Decimal

from coopnum.billing import numbering
from coopnum.billing.models import InvoiceKind
from coopnum.billing.services import credit_notes, issuing
from tests import days
from tests.billing import factories as bf
from tests.pdftext import pdf_text

EVE = days.year_end()  # the coming 31 December (today, at the latest)
NEW_YEAR = EVE + timedelta(days=1)
YEAR, NEXT_YEAR = EVE.year, NEW_YEAR.year
LATE_ON_THE_EVE = days.at(EVE, 23, 30)  # 22:30 UTC
JUST_AFTER_MIDNIGHT = days.at(NEW_YEAR, 0, 30)  # 23:30 UTC, on 31 December


def test_the_instants_straddle_midnight_in_paris_not_in_utc():
    assert days.NOW < LATE_ON_THE_EVE < JUST_AFTER_MIDNIGHT
    assert LATE_ON_THE_EVE.astimezone(UTC).date() == EVE
    assert JUST_AFTER_MIDNIGHT.astimezone(UTC).date() == EVE  # the UTC day has not changed yet


def test_invoices_issued_either_side_of_midnight_in_paris(session, users, travel):
    coord = users["coordinator"]
    bf.company(session)
    drafts = [bf.draft_invoice(session, coord) for _ in range(4)]
    first = issuing.issue(session, coord, drafts[0], now=days.NOW, render=bf.fake_render)  # earlier this year
    assert first.number == f"F{YEAR}-00001"

    travel.move_to(LATE_ON_THE_EVE)
    eve = issuing.issue(session, coord, drafts[1], now=LATE_ON_THE_EVE, render=bf.fake_render)
    assert (eve.number, eve.series, eve.sequence) == (f"F{YEAR}-00002", f"F{YEAR}", 2)
    assert (eve.issue_date, eve.due_date) == (EVE, EVE + timedelta(days=30))

    travel.move_to(JUST_AFTER_MIDNIGHT)
    new = issuing.issue(session, coord, drafts[2], now=JUST_AFTER_MIDNIGHT, render=bf.fake_render)
    assert (new.number, new.series, new.sequence) == (f"F{NEXT_YEAR}-00001", f"F{NEXT_YEAR}", 1)
    assert (new.issue_date, new.due_date) == (NEW_YEAR, NEW_YEAR + timedelta(days=30))
    after = issuing.issue(session, coord, drafts[3], now=JUST_AFTER_MIDNIGHT + timedelta(minutes=5),
                           render=bf.fake_render)
    assert after.number == f"F{NEXT_YEAR}-00002"
    # the closed year's series stops where it was; the credit notes' series are untouched
    assert numbering.current_value(session, f"F{YEAR}") == 2
    assert numbering.current_value(session, f"F{NEXT_YEAR}") == 2
    assert numbering.current_value(session, f"A{YEAR}") == numbering.current_value(session, f"A{NEXT_YEAR}") == 0


def test_credit_notes_issued_either_side_of_midnight_in_paris(session, users, travel):
    coord = users["coordinator"]
    invoice = bf.issued_invoice(session, coord)  # issued now: F<this year>-00001, one line of 10 hours
    line = invoice.lines[0]

    travel.move_to(LATE_ON_THE_EVE)
    eve = credit_notes.create_credit_note(session, coord, invoice, reason="Une heure de trop", lines={line.id: "1"},
                                      now=LATE_ON_THE_EVE, render=bf.fake_render)
    assert (eve.kind, eve.number, eve.issue_date, eve.due_date) == (InvoiceKind.CREDIT_NOTE, f"A{YEAR}-00001",
                                                                    EVE, None)

    travel.move_to(JUST_AFTER_MIDNIGHT)
    new = credit_notes.create_credit_note(session, coord, invoice, reason="Tarif erroné", now=JUST_AFTER_MIDNIGHT,
                                      render=bf.fake_render)
    assert (new.number, new.issue_date) == (f"A{NEXT_YEAR}-00001", NEW_YEAR)
    assert new.lines[0].quantity == Decimal("9")
    assert invoice.credited_cents == invoice.total_incl_cents
    assert numbering.current_value(session, f"A{YEAR}") == 1
    assert numbering.current_value(session, f"A{NEXT_YEAR}") == 1
    assert numbering.current_value(session, f"F{NEXT_YEAR}") == 0  # credit notes never take an invoice number


def test_the_document_of_an_invoice_issued_just_after_midnight(session, users, travel):
    """The real PDF: the next year's number and 1 January as the issue date."""
    coord = users["coordinator"]
    bf.company(session)
    draft = bf.draft_invoice(session, coord)
    travel.move_to(JUST_AFTER_MIDNIGHT)
    invoice = issuing.issue(session, coord, draft, now=JUST_AFTER_MIDNIGHT)
    text = " ".join(pdf_text(issuing.documents_of(session, invoice)["pdf"].content).split())
    assert f"N° F{NEXT_YEAR}-00001" in text
    assert f"Date d'émission {NEW_YEAR:%d/%m/%Y}" in text
    assert f"Date d'échéance {NEW_YEAR + timedelta(days=30):%d/%m/%Y}" in text
