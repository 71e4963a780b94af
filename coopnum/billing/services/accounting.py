"""Accounting: the FEC of a fiscal year, the ageing of receivables and the CSV of sales.

**FEC** (fichier des écritures comptables, art. L47 A and A47 A-1 LPF): one line per entry line, the 18 columns
in their legal order, ``|`` separated, a header line, dates ``YYYYMMDD``, amounts with a decimal comma and no
thousands separator, named ``<SIREN>FEC<YYYYMMDD>.txt`` (the closing date of the fiscal year, 31/12). Written in
ISO 8859-15 (one of the encodings the text lists), CRLF line ends. Entries:

- sales journal ``VT``, one entry per issued invoice: debit 411000 (the client's auxiliary account
  ``C<organisation id>``) by the total incl. VAT; credit 706000 (706100 for exempt training) by the base of each
  VAT rate, and 445710 by the VAT of each rate. A credit note is the same entry reversed;
- bank journal ``BQ``, one entry per payment: debit 512000 (530000 for cash), credit 411000 of the client; a
  refund (negative) is reversed;
- ``EcritureNum`` is a continuous sequence per journal (``VT000001``…), in chronological order;
  ``PieceRef`` is the invoice (or credit note) number; ``ValidDate`` the issue date (a payment: the day it was
  recorded); the 411 lines of an invoice settled by the end of the year (payments and credit notes up to the
  31/12 add up to its total) are lettered together (``EcritureLet``, ``DateLet`` = the last settling movement).

Every entry balances (sum of debits = sum of credits), and so does the file.

**Ageing**: per client organisation, the balances of its open invoices not yet due, 1–30, 31–60, 61–90 and over 90
days late, aggregated in the database (one query).

**Sales CSV**: one row per issued invoice or credit note of a period (credit notes negative), for a spreadsheet
(``;`` separated, decimal comma, UTF-8 with BOM).

No cell of these files is a formula for a spreadsheet: a text starting with ``= + - @`` (an organisation named
``=HYPERLINK(…)``) gets a leading apostrophe (``coopnum.core.spreadsheet.csv_cell``); amounts stay numbers."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import lazyload
from sqlmodel import Session

from coopnum.billing import amounts, company
from coopnum.billing.models import (
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentState,
    balance_sql,
    owed_sql,
)
from coopnum.core import spreadsheet
from coopnum.core.clock import paris_today
from coopnum.core.errors import DomainError
from coopnum.organisations.models import Organisation, VatRegime

COLUMNS = ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum",
           "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet",
           "ValidDate", "Montantdevise", "Idevise")
SEPARATOR = "|"
LINE_END = "\r\n"
ENCODING = "iso-8859-15"

JOURNALS = {"VT": "Journal des ventes", "BQ": "Journal de banque"}
CUSTOMERS = ("411000", "Clients")
SERVICES = ("706000", "Prestations de services")
TRAINING = ("706100", "Prestations de formation")
VAT = "445710"
BANK = ("512000", "Banque")
CASH = ("530000", "Caisse")

METHOD_WORDS = {
    PaymentMethod.TRANSFER: "virement",
    PaymentMethod.CHEQUE: "chèque",
    PaymentMethod.APTIC: "chèques APTIC",
    PaymentMethod.CASH: "espèces",
    PaymentMethod.REFUND: "remboursement",
}
STATE_WORDS = {
    PaymentState.DRAFT: "Brouillon",
    PaymentState.UNPAID: "À payer",
    PaymentState.PARTIAL: "Payée en partie",
    PaymentState.PAID: "Payée",
    PaymentState.OVERDUE: "En retard",
    PaymentState.CREDITED: "Annulée par avoir",
}


# --- FEC ------------------------------------------------------------------------------------------------------------

@dataclass
class FecLine:
    journal: str
    number: str  # EcritureNum
    entry_date: date
    account: str
    account_label: str
    aux_account: str
    aux_label: str
    piece_ref: str
    piece_date: date
    label: str
    debit_cents: int
    credit_cents: int
    valid_date: date
    letter: str = ""
    letter_date: date | None = None
    invoice_id: int | None = None  # the invoice settled by this 411 line (lettering)

    def fields(self) -> list[str]:
        return [self.journal, JOURNALS[self.journal], self.number, fec_date(self.entry_date), self.account,
                clean(self.account_label), self.aux_account, clean(self.aux_label), clean(self.piece_ref),
                fec_date(self.piece_date), clean(self.label), fec_amount(self.debit_cents),
                fec_amount(self.credit_cents), self.letter, fec_date(self.letter_date),
                fec_date(self.valid_date), "", ""]


def fec_date(day: date | None) -> str:
    return day.strftime("%Y%m%d") if day else ""


def fec_amount(cents: int) -> str:
    """12345 → '123,45'; 0 → '0,00' (decimal comma, no thousands separator)."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole},{rest:02d}"


_TYPO = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"', "–": "-", "—": "-",
                       "…": "...", "\u00a0": " ", "\u202f": " ", "|": "/", "\t": " ", "\r": " ", "\n": " "})


def clean(text: str) -> str:
    """A field's text: no separator, tab or line break; typographic signs made plain (ISO 8859-15)."""
    return re.sub(r" {2,}", " ", (text or "").translate(_TYPO)).strip()


def customer_aux(organisation_id: int) -> str:
    return f"C{organisation_id:05d}"


def _letter_code(n: int) -> str:
    """0 → 'A', 25 → 'Z', 26 → 'AA', … (bijective base 26)."""
    code = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        code = chr(ord("A") + rest) + code
    return code


@dataclass
class _Entry:
    journal: str
    day: date
    order: tuple
    lines: list[FecLine] = field(default_factory=list)


def _add(entry: _Entry, account: tuple[str, str], amount_debit: int, *, aux: tuple[str, str] = ("", ""),
         piece_ref: str, piece_date: date, label: str, valid_date: date, invoice_id: int | None = None) -> None:
    """A line debiting ``amount_debit`` (a negative amount credits); zero amounts write no line."""
    if amount_debit == 0:
        return
    entry.lines.append(FecLine(
        entry.journal, "", entry.day, account[0], account[1], aux[0], aux[1], piece_ref, piece_date, label,
        max(amount_debit, 0), max(-amount_debit, 0), valid_date, invoice_id=invoice_id))


def _revenue_account(invoice: Invoice) -> tuple[str, str]:
    return TRAINING if invoice.vat_regime == VatRegime.TRAINING_EXEMPT else SERVICES


def _sales_entry(invoice: Invoice, names: dict[int, str], numbers: dict[int, str]) -> _Entry:
    credit_note = invoice.kind == InvoiceKind.CREDIT_NOTE
    sign = -1 if credit_note else 1
    issued = invoice.issued_at.timestamp() if invoice.issued_at else 0.0
    entry = _Entry("VT", invoice.issue_date, (invoice.issue_date, issued, invoice.id))
    name = names.get(invoice.organisation_id) or invoice.buyer_name
    if credit_note:
        label = f"Avoir {invoice.number} sur {numbers.get(invoice.credit_of_id, '')} {name}"
    else:
        label = f"Facture {invoice.number} {name}"
    common = {"piece_ref": invoice.number, "piece_date": invoice.issue_date, "label": label,
              "valid_date": invoice.issue_date}
    _add(entry, CUSTOMERS, sign * invoice.total_incl_cents, aux=(customer_aux(invoice.organisation_id), name),
         invoice_id=invoice.credit_of_id if credit_note else invoice.id, **common)
    rows = invoice.vat_breakdown or [{"rate_bp": 0, "base_cents": invoice.total_excl_cents,
                                      "vat_cents": invoice.total_vat_cents}]
    revenue = _revenue_account(invoice)
    for row in rows:
        _add(entry, revenue, -sign * int(row["base_cents"]), **common)
    for row in rows:
        _add(entry, (VAT, f"TVA collectée {amounts.format_rate(int(row['rate_bp']))} %"),
             -sign * int(row["vat_cents"]), **common)
    return entry


def _payment_entry(payment: Payment, invoice: Invoice, names: dict[int, str]) -> _Entry:
    entry = _Entry("BQ", payment.received_on, (payment.received_on, payment.id))
    name = names.get(invoice.organisation_id) or invoice.buyer_name
    if payment.method == PaymentMethod.REFUND:
        details = [payment.reference]
    else:
        details = [METHOD_WORDS.get(payment.method, payment.method), payment.reference]
    details_text = " ".join(d for d in details if d)
    label = f"{'Remboursement' if payment.amount_cents < 0 else 'Règlement'} {invoice.number} {name}"
    if details_text:
        label += f" ({details_text})"
    recorded = paris_today(payment.created_at) if payment.created_at else payment.received_on
    common = {"piece_ref": invoice.number, "piece_date": payment.received_on, "label": label,
              "valid_date": max(recorded, payment.received_on)}
    account = CASH if payment.method == PaymentMethod.CASH else BANK
    _add(entry, account, payment.amount_cents, **common)
    _add(entry, CUSTOMERS, -payment.amount_cents, aux=(customer_aux(invoice.organisation_id), name),
         invoice_id=invoice.id, **common)
    return entry


def _letter(session: Session, lines: list[FecLine], end: date) -> None:
    """Letter together the 411 lines of each invoice settled by ``end`` (its credit notes and payments up to that
    day add up to its total incl. VAT)."""
    ids = {ln.invoice_id for ln in lines if ln.invoice_id is not None}
    if not ids:
        return
    totals = dict(session.execute(select(Invoice.id, Invoice.total_incl_cents).where(Invoice.id.in_(ids))).all())
    settled: dict[int, int] = defaultdict(int)
    last: dict[int, date] = {}
    for invoice_id, total, day in session.execute(
            select(Invoice.credit_of_id, Invoice.total_incl_cents, Invoice.issue_date)
            .where(Invoice.credit_of_id.in_(ids), Invoice.status == InvoiceStatus.ISSUED,
                   Invoice.issue_date <= end)).all():
        settled[invoice_id] += total
        last[invoice_id] = max(last.get(invoice_id, day), day)
    for invoice_id, amount, day in session.execute(
            select(Payment.invoice_id, Payment.amount_cents, Payment.received_on)
            .where(Payment.invoice_id.in_(ids), Payment.received_on <= end)).all():
        settled[invoice_id] += amount
        last[invoice_id] = max(last.get(invoice_id, day), day)
    codes: dict[int, str] = {}
    for invoice_id in sorted(ids, key=lambda i: (last.get(i, end), i)):
        if invoice_id in last and settled[invoice_id] == totals.get(invoice_id):
            codes[invoice_id] = _letter_code(len(codes))
    for line in lines:
        if line.invoice_id in codes:
            line.letter, line.letter_date = codes[line.invoice_id], last[line.invoice_id]


def fec_lines(session: Session, year: int) -> list[FecLine]:
    """The entry lines of the fiscal year (calendar year ``year``), in chronological order per journal."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    invoices = list(session.execute(
        select(Invoice).where(Invoice.status == InvoiceStatus.ISSUED, Invoice.issue_date >= start,
                              Invoice.issue_date <= end)
        .options(lazyload(Invoice.lines), lazyload(Invoice.organisation), lazyload(Invoice.convention))
    ).unique().scalars())
    pays = session.execute(
        select(Payment, Invoice).join(Invoice, Invoice.id == Payment.invoice_id)
        .where(Payment.received_on >= start, Payment.received_on <= end)
        .options(lazyload(Payment.invoice), lazyload(Invoice.lines), lazyload(Invoice.organisation),
                 lazyload(Invoice.convention))
    ).unique().all()
    org_ids = {i.organisation_id for i in invoices} | {inv.organisation_id for _p, inv in pays}
    names = dict(session.execute(select(Organisation.id, Organisation.name)
                                 .where(Organisation.id.in_(org_ids))).all()) if org_ids else {}
    credited_ids = {i.credit_of_id for i in invoices if i.credit_of_id}
    numbers = dict(session.execute(select(Invoice.id, Invoice.number)
                                   .where(Invoice.id.in_(credited_ids))).all()) if credited_ids else {}
    entries = [_sales_entry(i, names, numbers) for i in invoices]
    entries += [_payment_entry(p, inv, names) for p, inv in pays]
    counters: dict[str, int] = defaultdict(int)
    lines: list[FecLine] = []
    for journal in JOURNALS:
        for entry in sorted((e for e in entries if e.journal == journal), key=lambda e: e.order):
            if not entry.lines:
                continue
            counters[journal] += 1
            for line in entry.lines:
                line.number = f"{journal}{counters[journal]:06d}"
            lines.extend(entry.lines)
    _letter(session, lines, end)
    lines.sort(key=lambda ln: (ln.entry_date, list(JOURNALS).index(ln.journal), ln.number))
    return lines


def fec_text(lines: list[FecLine]) -> str:
    """The FEC file's text; a field a spreadsheet would run as a formula (an organisation named ``=…``) gets a
    leading apostrophe (``coopnum.core.spreadsheet``)."""
    rows = [SEPARATOR.join(COLUMNS)] + [SEPARATOR.join(spreadsheet.csv_row(line.fields())) for line in lines]
    return LINE_END.join(rows) + LINE_END


def fec_bytes(lines: list[FecLine]) -> bytes:
    return fec_text(lines).encode(ENCODING, errors="replace")


def seller_siren(session: Session) -> str:
    siren = company.siren(company.identity(session))
    if not re.fullmatch(r"\d{9}", siren):
        raise DomainError("Le SIREN de la coopérative n'est pas renseigné : indiquez son SIRET dans Identité et "
                          "facturation avant d'exporter le FEC.")
    return siren


def fec_filename(session: Session, year: int) -> str:
    return f"{seller_siren(session)}FEC{year}1231.txt"


def check_year(year: int) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError) as exc:
        raise DomainError("Exercice invalide.", field="year") from exc
    if not 2000 <= year <= 2100:
        raise DomainError("Exercice invalide : une année entre 2000 et 2100.", field="year")
    return year


def write_fec(session: Session, year: int, out_dir: Path | str) -> Path:
    """Write the FEC of the fiscal year into ``out_dir``; returns its path."""
    year = check_year(year)
    name = fec_filename(session, year)
    out = Path(out_dir)
    if not out.is_dir():
        raise DomainError(f"Le dossier {out} n'existe pas.")
    path = out / name
    path.write_bytes(fec_bytes(fec_lines(session, year)))
    return path


@dataclass
class JournalSummary:
    code: str
    label: str
    entries: int
    debit_cents: int
    credit_cents: int


def fec_summary(lines: list[FecLine]) -> list[JournalSummary]:
    out = []
    for code, label in JOURNALS.items():
        mine = [ln for ln in lines if ln.journal == code]
        out.append(JournalSummary(code, label, len({ln.number for ln in mine}), sum(ln.debit_cents for ln in mine),
                                  sum(ln.credit_cents for ln in mine)))
    return out


def fiscal_years(session: Session, this_year: int) -> list[int]:
    """Years with issued invoices or payments, and this year; newest first."""
    years = {this_year}
    first_issue, last_issue = session.execute(
        select(func.min(Invoice.issue_date), func.max(Invoice.issue_date))
        .where(Invoice.status == InvoiceStatus.ISSUED)).one()
    first_pay, last_pay = session.execute(select(func.min(Payment.received_on), func.max(Payment.received_on))).one()
    days = [d for d in (first_issue, last_issue, first_pay, last_pay) if d]
    if days:
        years |= set(range(min(days).year, max(days).year + 1))
    return sorted(years, reverse=True)


# --- ageing of receivables ------------------------------------------------------------------------------------------

BUCKETS = ("not_due", "d1_30", "d31_60", "d61_90", "d90_plus")


@dataclass
class AgeingRow:
    organisation_id: int
    name: str
    invoices: int
    not_due: int = 0
    d1_30: int = 0
    d31_60: int = 0
    d61_90: int = 0
    d90_plus: int = 0

    @property
    def total(self) -> int:
        return self.not_due + self.d1_30 + self.d31_60 + self.d61_90 + self.d90_plus

    @property
    def overdue(self) -> int:
        return self.total - self.not_due


def _bucket_sums(today: date) -> list:
    balance = balance_sql()

    def days_ago(n: int) -> date:
        return today - timedelta(days=n)

    conditions = [
        Invoice.due_date.is_(None) | (Invoice.due_date >= today),
        and_(Invoice.due_date < today, Invoice.due_date >= days_ago(30)),
        and_(Invoice.due_date < days_ago(30), Invoice.due_date >= days_ago(60)),
        and_(Invoice.due_date < days_ago(60), Invoice.due_date >= days_ago(90)),
        Invoice.due_date < days_ago(90),
    ]
    return [func.coalesce(func.sum(case((cond, balance), else_=0)), 0).label(name)
            for name, cond in zip(BUCKETS, conditions, strict=True)]


def _open_invoices():
    return and_(Invoice.status == InvoiceStatus.ISSUED, Invoice.kind == InvoiceKind.INVOICE, owed_sql())


def ageing_stmt(today: date):
    """One row per client organisation owing something: its open invoices' balances by lateness (aggregated in the
    database), largest total first."""
    return (select(Organisation.id, Organisation.name, func.count(Invoice.id).label("invoices"), *_bucket_sums(today))
            .join(Invoice, Invoice.organisation_id == Organisation.id)
            .where(_open_invoices())
            .group_by(Organisation.id, Organisation.name)
            .order_by(func.sum(balance_sql()).desc(), Organisation.name, Organisation.id))


def ageing_rows(rows) -> list[AgeingRow]:
    return [AgeingRow(r.id, r.name, int(r.invoices), *(int(getattr(r, b)) for b in BUCKETS)) for r in rows]


def ageing_totals(session: Session, today: date) -> AgeingRow:
    row = session.execute(select(func.count(Invoice.id).label("invoices"), *_bucket_sums(today))
                          .where(_open_invoices())).one()
    return AgeingRow(0, "", int(row.invoices), *(int(getattr(row, b)) for b in BUCKETS))


def ageing(session: Session, today: date) -> list[AgeingRow]:
    """Every organisation's row (the page paginates ``ageing_stmt``)."""
    return ageing_rows(session.execute(ageing_stmt(today)).all())


# --- sales CSV ------------------------------------------------------------------------------------------------------

SALES_COLUMNS = ("Numéro", "Type", "Date", "Échéance", "Client", "SIRET", "Montant HT", "TVA", "Montant TTC",
                 "Réglé", "Solde", "État")
MAX_SALES_DAYS = 5 * 366


def check_period(date_from: date | None, date_to: date | None) -> None:
    if date_from is None or date_to is None:
        raise DomainError("Indiquez le début et la fin de la période.", field="date_from")
    if date_to < date_from:
        raise DomainError("La fin de la période précède son début.", field="date_to")
    if (date_to - date_from).days > MAX_SALES_DAYS:
        raise DomainError("La période est limitée à cinq ans.", field="date_to")


def sales_stmt(date_from: date, date_to: date):
    return (select(Invoice)
            .where(Invoice.status == InvoiceStatus.ISSUED, Invoice.issue_date >= date_from,
                   Invoice.issue_date <= date_to)
            .options(lazyload(Invoice.lines), lazyload(Invoice.convention), lazyload(Invoice.organisation))
            .order_by(Invoice.issue_date, Invoice.kind.desc(), Invoice.number))


def _csv_amount(cents: int) -> str:
    return fec_amount(cents)


def sales_rows(session: Session, date_from: date, date_to: date, *, today: date) -> list[list[str]]:
    check_period(date_from, date_to)
    rows = []
    for inv in session.execute(sales_stmt(date_from, date_to)).unique().scalars():
        siret = inv.buyer_siret or inv.chorus_buyer_siret or ""
        common = [inv.number, "Avoir" if inv.is_credit_note else "Facture", inv.issue_date.strftime("%d/%m/%Y"),
                  inv.due_date.strftime("%d/%m/%Y") if inv.due_date else "", inv.buyer_name, siret]
        if inv.is_credit_note:
            rows.append(common + [_csv_amount(-inv.total_excl_cents), _csv_amount(-inv.total_vat_cents),
                                  _csv_amount(-inv.total_incl_cents), "", "", "Avoir"])
        else:
            rows.append(common + [_csv_amount(inv.total_excl_cents), _csv_amount(inv.total_vat_cents),
                                  _csv_amount(inv.total_incl_cents), _csv_amount(inv.paid_cents),
                                  _csv_amount(inv.balance_cents), STATE_WORDS[inv.payment_state(today)]])
    return rows


def sales_csv(session: Session, date_from: date, date_to: date, *, today: date) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(SALES_COLUMNS)
    writer.writerows(spreadsheet.csv_row(row) for row in sales_rows(session, date_from, date_to, today=today))
    return "\ufeff" + buf.getvalue()
