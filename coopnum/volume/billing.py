"""The volume's billing: each validated month, the invoices of the monthly run issued a few days after the month's
end, for every signed convention with work to bill, numbered without gaps in the year's series in the run's order
(the conventions' references); then their payments (most 20 to 45 days after issue, the last months partly
unpaid, a few overdue).

The rows are those the services make — the monthly run's lines (``billable._mission_line``, the flat months), the
totals of ``amounts.compute``, the seller and terms frozen as ``issuing.issue`` freezes them, the billed items, the
``issue`` entry of the audit log — written in bulk. The documents are placeholders (like
``coopnum.bench.placeholder_documents``): rendering thousands of PDF/A-3 would take hours; the real rendering is
what ``coopnum bench`` measures."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

from coopnum.billing import amounts, company, numbering
from coopnum.billing.document_inputs import buyer_category, frozen_terms
from coopnum.billing.models import (
    BilledItem,
    DocumentKind,
    Invoice,
    InvoiceDocument,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    LineUnit,
    Payment,
    PaymentMethod,
)
from coopnum.billing.services import billable
from coopnum.core import formats, settings
from coopnum.core.models import AuditLog
from coopnum.missions.models import MissionKind, SessionStatus
from coopnum.organisations.models import PricingMode
from coopnum.volume.bulk import Bulk, Period, add_months, paris, set_counter


@dataclass(frozen=True)
class _Billed:
    """A held session as ``billable._mission_line`` reads it."""

    id: int
    mission: object
    start: object
    delivered_minutes: int


class Biller:
    def __init__(self, bulk: Bulk, period: Period, rng, coordinator, conventions: list):
        self.bulk, self.period, self.rng, self.coordinator = bulk, period, rng, coordinator
        self.conventions = sorted(conventions, key=lambda c: c.reference)
        self.work: dict[tuple[int, date], list[_Billed]] = defaultdict(list)
        self.sellers: dict[str, dict] = {}
        self.counters: dict[str, int] = {}
        self.invoices: list[dict] = []  # (the settlement columns: the payments' pass)

    def collect(self, sessions) -> None:
        """Keep the held sessions, by convention and month, for the monthly runs."""
        missions: dict[int, SimpleNamespace] = {}
        for s in sessions:
            if s.status == SessionStatus.HELD:
                m = s.mission
                mission = missions.get(m.id) or missions.setdefault(m.id, SimpleNamespace(
                    id=m.id, title=m.title, place=m.place, service_id=m.service_id, kind=m.kind))
                self.work[(s.mission.convention.id, s.day.replace(day=1))].append(
                    _Billed(s.id, mission, s.start, s.minutes))

    def run(self) -> None:
        """The monthly runs of every validated month, then the payments."""
        session = self.bulk.session
        prefix = settings.get(session, "billing.invoice_prefix")
        for month in self.period.months(stop=self.period.last_month):
            issue_day = add_months(month, 1) + timedelta(days=self.rng.randrange(2, 6))
            series = f"{prefix}{issue_day.year}"
            if series not in self.counters:
                self.counters[series] = numbering.current_value(session, series)
            self._month(month, issue_day, series)
        self._counters()
        self._payments()

    def _month(self, month: date, issue_day: date, series: str) -> None:
        end = add_months(month, 1) - timedelta(days=1)
        invoices, lines, items, documents, audits = [], [], [], [], []
        for convention in self.conventions:
            if not (convention.start_date <= end and convention.end_date >= month):
                continue
            proposed = self._proposed(convention, month, end)
            if not proposed:
                continue
            self.counters[series] += 1
            invoice = self._invoice(convention, month, end, issue_day, series, self.counters[series])
            invoice_lines = self._lines(invoice, proposed, items)
            totals = amounts.compute(invoice_lines)
            invoice.update(total_excl_cents=totals.excl_cents, total_vat_cents=totals.vat_cents,
                           total_incl_cents=totals.incl_cents, vat_breakdown=[r.as_dict() for r in totals.vat_rows])
            lines += [vars(line) for line in invoice_lines]
            invoices.append(invoice)
            documents += _placeholders(invoice)
            audits.append(self._audit(invoice))
        self.bulk.insert(Invoice, invoices)
        self.bulk.insert(InvoiceLine, lines)
        self.bulk.insert(BilledItem, items)
        self.bulk.insert(InvoiceDocument, documents)
        self.bulk.insert(AuditLog, audits)
        self.invoices += invoices

    def _proposed(self, convention, month: date, end: date) -> list:
        """The monthly run's lines for the convention and month (``billable``'s own line makers)."""
        price, rate = billable._price(convention), amounts.rate_of(convention.vat_regime)
        if convention.pricing_mode == PricingMode.MONTHLY_FLAT:
            first, last = max(month, convention.start_date), min(end, convention.end_date)
            return [billable.ProposedLine(
                LineKind.FLAT, f"Forfait mensuel — {convention.title} — {billable._month_words(month)}", "",
                Decimal(1), LineUnit.MONTH, price, rate, first, last, months=[month])]
        held = sorted(self.work.get((convention.id, month), []), key=lambda s: s.start)
        if convention.pricing_mode == PricingMode.PER_WORKSHOP:
            held = [s for s in held if s.mission.kind in (MissionKind.WORKSHOP_SERIES, MissionKind.EVENT)]
        by_mission: dict[int, list[_Billed]] = defaultdict(list)
        for s in held:
            by_mission[s.mission.id].append(s)
        return [billable._mission_line(convention, sessions, price, rate) for sessions in by_mission.values()]

    def _invoice(self, convention, month: date, end: date, issue_day: date, series: str, sequence: int) -> dict:
        org, moment = convention.organisation, paris(issue_day, time(9))
        category = str(buyer_category(org))
        if category not in self.sellers:
            session = self.bulk.session
            self.sellers[category] = {**company.identity(session), **frozen_terms(session, buyer_category(org))}
        return {
            "id": self.bulk.next_id(Invoice), "kind": InvoiceKind.INVOICE, "status": InvoiceStatus.ISSUED,
            "number": numbering.format_number(series, sequence), "series": series, "sequence": sequence,
            "organisation_id": org.id, "convention_id": convention.id, "credit_of_id": None,
            "title": f"{convention.title} — {billable._period_words(month, end)}".strip()[:200],
            "period_start": month, "period_end": end, "issue_date": issue_day,
            "due_date": issue_day + timedelta(days=convention.payment_terms_days),
            "payment_terms_days": convention.payment_terms_days, "vat_regime": convention.vat_regime,
            "buyer_name": org.name, "buyer_address": org.address, "buyer_address_complement": org.address_complement or "",
            "buyer_postal_code": org.postal_code, "buyer_city": org.city, "buyer_siret": org.siret,
            "buyer_vat_number": org.vat_number, "buyer_email": org.email,
            "chorus_buyer_siret": convention.chorus_buyer_siret,
            "chorus_service_code": convention.chorus_service_code or org.chorus_service_code,
            "chorus_engagement_number": convention.chorus_engagement_number or org.chorus_engagement_number,
            "seller": self.sellers[category], "notes": "", "paid_cents": 0, "credited_cents": 0, "dunning_level": 0,
            "issued_at": moment, "issued_by_id": self.coordinator.id, "sent_at": None,
            "created_by_id": self.coordinator.id, "created_at": moment - timedelta(minutes=5), "updated_at": moment}

    def _lines(self, invoice: dict, proposed: list, items: list) -> list[SimpleNamespace]:
        result = []
        ids = self.bulk.ids(InvoiceLine, len(proposed))
        for position, (line_id, p) in enumerate(zip(ids, proposed, strict=True), start=1):
            result.append(SimpleNamespace(
                id=line_id, invoice_id=invoice["id"], position=position, kind=p.kind, description=p.description[:300],
                detail=p.detail, quantity=p.quantity, unit=p.unit, unit_price_cents=p.unit_price_cents,
                discount_percent=Decimal(0), vat_rate_bp=p.vat_rate_bp, total_excl_cents=0,
                service_id=p.service_id, period_start=p.period_start, period_end=p.period_end,
                credited_line_id=None))
            items += [{"line_id": line_id, "session_id": sid, "convention_id": invoice["convention_id"], "month": None,
                       "minutes": minutes, "released_at": None, "released_by_id": None} for sid, minutes in p.sessions]
            items += [{"line_id": line_id, "session_id": None, "convention_id": invoice["convention_id"],
                       "month": month, "minutes": 0, "released_at": None, "released_by_id": None}
                      for month in p.months]
        return result

    def _audit(self, invoice: dict) -> dict:
        return {"at": invoice["issued_at"], "actor_id": self.coordinator.id, "actor_label": self.coordinator.email,
                "action": "issue", "object_type": "Invoice", "object_id": str(invoice["id"]),
                "summary": f"Facture {invoice['number']} émise : {formats.money(invoice['total_incl_cents'], 'fr')} "
                           "TTC",
                "changes": {"before": None, "after": {"number": invoice["number"],
                                                      "total_incl_cents": invoice["total_incl_cents"]}},
                "ip": None}

    def _counters(self) -> None:
        for series, value in self.counters.items():
            set_counter(self.bulk.session, series, value)

    def _payments(self) -> None:
        """Most invoices paid 20 to 45 days after issue (now and then in two halves); of the last months', some not
        yet, a few overdue."""
        rng, today, rows = self.rng, self.period.today, []
        for n, invoice in enumerate(self.invoices):
            issued, balance = invoice["issue_date"], invoice["total_incl_cents"]
            age = (today - issued).days
            if (age < 25 and n % 2) or (invoice["due_date"] < today and n % 5 == 2 and age < 110):
                continue  # recent and not paid yet, or overdue: the reminders follow it
            paid_on = issued + timedelta(days=rng.randrange(20, 46))
            parts = [balance // 2, balance - balance // 2] if n % 17 == 5 else [balance]
            for k, amount in enumerate(parts):
                day = paid_on + timedelta(days=40 * k)
                if day >= today:
                    break
                method = PaymentMethod.TRANSFER if invoice["buyer_siret"] and n % 9 else PaymentMethod.CHEQUE
                reference = f"VIR {invoice['number']}" if method == PaymentMethod.TRANSFER else \
                    f"CHQ {rng.randrange(1000000, 9999999)}"
                rows.append({"invoice_id": invoice["id"], "received_on": day, "amount_cents": amount,
                             "method": method, "reference": reference, "aptic_batch_id": None, "notes": "",
                             "created_at": paris(day, time(11)), "created_by_id": self.coordinator.id})
                invoice["paid_cents"] += amount
        self.bulk.insert(Payment, rows)
        paid = [{"b_id": i["id"], "b_paid": i["paid_cents"]} for i in self.invoices if i["paid_cents"]]
        if paid:
            from sqlalchemy import bindparam

            table = Invoice.__table__
            self.bulk.session.execute(table.update().where(table.c.id == bindparam("b_id"))
                                      .values(paid_cents=bindparam("b_paid")), paid)


def _placeholders(invoice: dict) -> list[dict]:
    body = f"%PDF-1.7 placeholder {invoice['number']}".encode()
    digest = hashlib.sha256(body).hexdigest()
    return [{"invoice_id": invoice["id"], "kind": kind, "filename": f"{invoice['number']}{suffix}.pdf",
             "content": body, "sha256": digest, "size": len(body), "created_at": invoice["issued_at"]}
            for kind, suffix in ((DocumentKind.PDF, ""), (DocumentKind.FACTURX, "-facturx"))]


def placeholder_documents(invoice) -> list:
    """The documents of an invoice or credit note the services issue in the volume (a renderer for
    ``issuing.issue``): placeholders, like the bulk invoices'."""
    from coopnum.billing.documents import Rendered

    body = f"%PDF-1.7 placeholder {invoice.number}".encode()
    return [Rendered(DocumentKind.PDF, f"{invoice.number}.pdf", body),
            Rendered(DocumentKind.FACTURX, f"{invoice.number}-facturx.pdf", body)]


def credit_note(session, actor, period: Period) -> None:
    """The demo's credit note, through the service: a session billed six months ago was not due (one unit of the
    first line of the first invoice of that month)."""
    from sqlalchemy import select

    from coopnum.billing.services import credit_notes

    invoice = session.execute(
        select(Invoice).where(Invoice.kind == InvoiceKind.INVOICE, Invoice.status == InvoiceStatus.ISSUED,
                              Invoice.period_start == add_months(period.this_month, -6))
        .order_by(Invoice.id)).unique().scalars().first()
    if invoice is None or not invoice.lines:
        return
    credit_notes.create_credit_note(
        session, actor, invoice, reason="Séance du mois facturée à tort (fermeture du lieu)",
        lines={invoice.lines[0].id: "1"}, now=paris(invoice.issue_date + timedelta(days=12), time(9)),
        render=placeholder_documents)
