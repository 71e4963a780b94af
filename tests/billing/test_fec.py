"""The FEC export: the exact format (18 columns, header, `|`, YYYYMMDD dates, decimal comma, file name), balanced
entries for invoices, credit notes, payments and refunds, continuous numbering per journal, lettering of settled
invoices; the command, the page and the sales CSV."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import click
import pytest

from coopnum.billing.cli import register
from coopnum.billing.services import accounting, credit_notes, payments
from coopnum.core import settings
from coopnum.core.errors import DomainError
from tests import days, factories
from tests.billing import factories as bf
from tests.conftest import login, text_of

HEADER = ("JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|PieceRef|"
          "PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise")
SIREN = "732829320"  # from the test company's SIRET
Y = days.year_start(-1).year  # the fiscal year of the book: last year, wholly past whatever today is
FEC_NAME = f"{SIREN}FEC{Y}1231.txt"


def at(y, m, d):
    return datetime(y, m, d, 9, 0, tzinfo=UTC)


def pay(session, actor, invoice, amount, on: date, method="transfer"):
    return payments.record(session, actor, invoice, amount_cents=amount, received_on=on, method=method,
                           now=at(on.year, on.month, on.day))


@pytest.fixture
def book(session, users):
    """A year of sales (``Y``, last calendar year): a paid invoice, a partly paid one, a cancelled one, a refunded
    one, an exempt training, one paid the year after, and the year before's invoice paid in ``Y``."""
    actor = users["coordinator"]
    bf.company(session)
    a_org = factories.organisation(session, name="Ville d'Alpha")
    b_org = factories.organisation(session, name="Communauté Bêta | Sud")
    last_year = bf.issued_invoice(session, actor, organisation=a_org, now=at(Y - 1, 12, 10))
    paid = bf.issued_invoice(session, actor, organisation=a_org, now=at(Y, 3, 2))
    partly = bf.issued_invoice(session, actor, organisation=b_org, now=at(Y, 5, 4))
    cancelled = bf.issued_invoice(session, actor, organisation=a_org, now=at(Y, 6, 1))
    refunded = bf.issued_invoice(session, actor, organisation=b_org, now=at(Y, 7, 1))
    training = bf.issued_invoice(session, actor, organisation=b_org, now=at(Y, 8, 3), vat_regime="training_exempt",
                                 lines=[("Formation des agents", Decimal("1"), 80000)])
    december = bf.issued_invoice(session, actor, organisation=a_org, now=at(Y, 12, 1))
    pay(session, actor, last_year, 54000, date(Y, 1, 10))
    pay(session, actor, paid, 54000, date(Y, 4, 1))
    pay(session, actor, partly, 20000, date(Y, 6, 1), method="cheque")
    note = credit_notes.create_credit_note(session, actor, cancelled, reason="Erreur de client", now=at(Y, 6, 15),
                                       render=bf.fake_render)
    pay(session, actor, refunded, 54000, date(Y, 7, 20))
    partial_note = credit_notes.create_credit_note(session, actor, refunded, reason="Séance annulée",
                                               lines={refunded.lines[0].id: 2}, now=at(Y, 8, 1),
                                               render=bf.fake_render)
    pay(session, actor, refunded, -10800, date(Y, 8, 5), method="refund")
    pay(session, actor, training, 80000, date(Y, 9, 1), method="cash")
    pay(session, actor, december, 54000, date(Y + 1, 1, 1))  # the day after the closing date
    session.commit()
    return {"last_year": last_year, "paid": paid, "partly": partly, "cancelled": cancelled, "note": note,
            "refunded": refunded, "partial_note": partial_note, "training": training, "december": december,
            "a_org": a_org, "b_org": b_org}


def parse(text: str) -> list[dict]:
    rows = text.split("\r\n")
    assert rows[0] == HEADER and rows[-1] == ""
    out = []
    for row in rows[1:-1]:
        values = row.split("|")
        assert len(values) == 18, row
        out.append(dict(zip(HEADER.split("|"), values, strict=True)))
    return out


def cents(amount: str) -> int:
    assert re.fullmatch(r"\d+,\d{2}", amount), amount  # decimal comma, no thousands separator
    whole, frac = amount.split(",")
    return int(whole) * 100 + int(frac)


def test_format_and_balance(session, book, tmp_path):
    path = accounting.write_fec(session, Y, tmp_path)
    assert path.name == FEC_NAME
    rows = parse(path.read_bytes().decode("iso-8859-15"))
    for row in rows:
        for col in ("EcritureDate", "PieceDate", "ValidDate"):
            assert re.fullmatch(rf"{Y}\d{{4}}", row[col]), (col, row)
        assert row["DateLet"] == "" or re.fullmatch(r"\d{8}", row["DateLet"])
        assert (cents(row["Debit"]) == 0) != (cents(row["Credit"]) == 0)  # one side per line
        assert row["Montantdevise"] == row["Idevise"] == ""
        assert row["JournalLib"] == {"VT": "Journal des ventes", "BQ": "Journal de banque"}[row["JournalCode"]]
    # Each entry balances, and so does the file.
    entries: dict[str, list[int]] = {}
    for row in rows:
        d, c = entries.setdefault(row["EcritureNum"], [0, 0]), row
        d[0] += cents(c["Debit"])
        d[1] += cents(c["Credit"])
    assert all(debit == credit for debit, credit in entries.values()), entries
    assert sum(cents(r["Debit"]) for r in rows) == sum(cents(r["Credit"]) for r in rows)
    # Continuous numbering per journal, in chronological order.
    for journal, count in (("VT", 8), ("BQ", 6)):
        numbers = [n for n in entries if n.startswith(journal)]
        assert sorted(numbers) == [f"{journal}{i:06d}" for i in range(1, count + 1)]
        firsts = {}
        for row in rows:
            if row["JournalCode"] == journal:
                firsts.setdefault(row["EcritureNum"], row["EcritureDate"])
        assert [firsts[n] for n in sorted(firsts)] == sorted(firsts.values())
    # The file is in date order.
    assert [r["EcritureDate"] for r in rows] == sorted(r["EcritureDate"] for r in rows)


def test_entries(session, book):
    lines = accounting.fec_lines(session, Y)
    paid, a_org, b_org = book["paid"], book["a_org"], book["b_org"]

    def of(piece, journal):
        return [(ln.account, ln.aux_account, ln.debit_cents, ln.credit_cents) for ln in lines
                if ln.piece_ref == piece and ln.journal == journal]

    aux_a, aux_b = f"C{a_org.id:05d}", f"C{b_org.id:05d}"
    assert of(paid.number, "VT") == [("411000", aux_a, 54000, 0), ("706000", "", 0, 45000),
                                     ("445710", "", 0, 9000)]
    assert of(paid.number, "BQ") == [("512000", "", 54000, 0), ("411000", aux_a, 0, 54000)]
    # The credit note: the invoice's entry reversed.
    assert of(book["note"].number, "VT") == [("411000", aux_a, 0, 54000), ("706000", "", 45000, 0),
                                             ("445710", "", 9000, 0)]
    # The refund: the payment reversed.
    assert of(book["refunded"].number, "BQ") == [("512000", "", 54000, 0), ("411000", aux_b, 0, 54000),
                                                 ("512000", "", 0, 10800), ("411000", aux_b, 10800, 0)]
    # Exempt training: 706100, no VAT line; paid in cash.
    assert of(book["training"].number, "VT") == [("411000", aux_b, 80000, 0), ("706100", "", 0, 80000)]
    assert of(book["training"].number, "BQ") == [("530000", "", 80000, 0), ("411000", aux_b, 0, 80000)]
    # Last year's invoice: only its payment is in this year's file.
    assert of(book["last_year"].number, "VT") == []
    assert len(of(book["last_year"].number, "BQ")) == 2
    # Next year's payment is not in this year's file.
    assert of(book["december"].number, "BQ") == []
    first = next(ln for ln in lines if ln.piece_ref == paid.number and ln.account == "411000")
    assert first.aux_label == "Ville d'Alpha"
    assert (first.entry_date, first.piece_date, first.valid_date) == (date(Y, 3, 2),) * 3
    assert first.label == f"Facture {paid.number} Ville d'Alpha"
    fields = next(ln for ln in lines if ln.aux_account == aux_b).fields()
    assert fields[7] == "Communauté Bêta / Sud"  # no separator inside a field


def test_lettering(session, book):
    lines = accounting.fec_lines(session, Y)

    def letters(*invoices_):
        numbers = {i.number for i in invoices_}
        return {(ln.letter, ln.letter_date) for ln in lines if ln.account == "411000" and ln.piece_ref in numbers}

    paid = letters(book["paid"])
    assert len(paid) == 1 and next(iter(paid))[0] and next(iter(paid))[1] == date(Y, 4, 1)
    cancelled = letters(book["cancelled"], book["note"])
    assert len(cancelled) == 1 and next(iter(cancelled))[1] == date(Y, 6, 15)
    refunded = letters(book["refunded"])  # invoice, payment, credit note (its own number: below), refund
    note_letters = letters(book["partial_note"])
    assert refunded == note_letters and len(refunded) == 1 and next(iter(refunded))[1] == date(Y, 8, 5)
    assert letters(book["partly"]) == {("", None)}
    assert letters(book["december"]) == {("", None)}  # paid after the closing date
    assert len({next(iter(s))[0] for s in (paid, cancelled, refunded)}) == 3  # one code per invoice
    # Each lettering code balances on account 411 (last year's invoice: only its payment is in this file).
    by_code: dict[str, int] = {}
    for ln in lines:
        if ln.letter:
            by_code[ln.letter] = by_code.get(ln.letter, 0) + ln.debit_cents - ln.credit_cents
    ((last_year_code, _day),) = letters(book["last_year"])
    assert by_code.pop(last_year_code) == -54000
    assert set(by_code.values()) == {0}


def test_siren_required(session, tmp_path):
    with pytest.raises(DomainError, match="SIREN"):
        accounting.write_fec(session, Y, tmp_path)
    bf.company(session)
    path = accounting.write_fec(session, Y, tmp_path)
    assert path.read_bytes() == (HEADER + "\r\n").encode()  # an empty year: the header only


def test_export_command(app, session, book, tmp_path):
    @click.group()
    def export():
        pass

    register(export)
    runner = app.test_cli_runner()
    result = runner.invoke(export, ["fec", "--year", str(Y), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = tmp_path / FEC_NAME
    assert path.exists() and "14 écritures" in result.output
    assert len(parse(path.read_bytes().decode("iso-8859-15"))) == 35
    settings.set_value(session, None, "company.siret", "", now=days.NOW)
    session.commit()
    refused = runner.invoke(export, ["fec", "--year", str(Y), "--out", str(tmp_path)])
    assert refused.exit_code != 0 and "SIREN" in refused.output


def test_accounting_page_and_downloads(client, session, users, book):
    login(client, users["coordinator"])
    page = client.get(f"/billing/accounting?year={Y}")
    assert page.status_code == 200
    body = text_of(page)
    assert FEC_NAME in body and str(Y - 1) in body
    fec = client.get(f"/billing/accounting/fec/{Y}")
    assert fec.status_code == 200
    assert fec.headers["Content-Disposition"] == f'attachment; filename="{FEC_NAME}"'
    assert fec.data.decode("iso-8859-15").startswith(HEADER + "\r\n")
    sales = client.get(f"/billing/accounting/sales.csv?date_from={Y}-01-01&date_to={Y}-12-31")
    assert sales.status_code == 200 and sales.mimetype == "text/csv"
    text = sales.data.decode("utf-8-sig")
    rows = [r.split(";") for r in text.strip().split("\r\n")]
    assert rows[0][:3] == ["Numéro", "Type", "Date"]
    by_number = {r[0]: r for r in rows[1:]}
    assert len(by_number) == 8  # 6 invoices of the year + 2 credit notes
    partly = by_number[book["partly"].number]
    assert partly[1:] == ["Facture", f"04/05/{Y}", f"03/06/{Y}", "Communauté Bêta | Sud", book["partly"].buyer_siret,
                          "450,00", "90,00", "540,00", "200,00", "340,00", "En retard"]
    assert by_number[book["note"].number][6:9] == ["-450,00", "-90,00", "-540,00"]
    bad = client.get(f"/billing/accounting/sales.csv?date_from={Y}-12-31&date_to={Y}-01-01")
    assert bad.status_code == 400 and "précède" in text_of(bad)
