"""Demo billing: the cooperative's legal identity, a year of monthly invoices issued from the validated months,
their payments (most on time, one partial, some late), one credit note, and the reminders of the overdue ones.

The last month (submitted, not validated yet) is left for the coordinator to validate and invoice in the demo."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from schwifty import IBAN
from sqlalchemy import select
from stdnum import luhn

from coopnum.billing.models import Invoice, InvoiceKind, InvoiceStatus, PaymentMethod
from coopnum.billing.services import billable, credit_notes, dunning, issuing, payments
from coopnum.core import rates, settings
from coopnum.core.clock import paris_datetime, paris_today
from coopnum.core.models import RateKind
from coopnum.core.rates import next_semester
from coopnum.reports.services.reports import add_months
from coopnum.timesheets.models import Timesheet, TimesheetStatus


def _siret() -> str:
    siren8 = "91234567"
    siren = siren8 + luhn.calc_check_digit(siren8)
    nic = "0001"
    return siren + nic + luhn.calc_check_digit(siren + nic)


def _vat_number(siren: str) -> str:
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def identity() -> dict[str, str]:
    siret = _siret()
    return {
        "company.name": "Coop'Num Vienne",
        "company.legal_form": "SCIC SAS à capital variable",
        "company.capital": "12 400 €",
        "company.address": "12 rue des Carmes",
        "company.postal_code": "86000",
        "company.city": "Poitiers",
        "company.siret": siret,
        "company.rcs": f"RCS Poitiers {siret[:3]} {siret[3:6]} {siret[6:9]}",
        "company.vat_number": _vat_number(siret[:9]),
        "company.iban": IBAN.generate("FR", bank_code="3000600001", account_code="12345678901").formatted,
        "company.bic": "AGRIFRPP",
        "company.training_declaration": "75 86 01234 86",
        "company.email": "facturation@demo.coopnum.fr",
        "company.phone": "05 49 00 00 00",
        "company.website": "https://demo.coopnum.fr",
    }


def _at(day: date, hour: int = 9) -> datetime:
    return paris_datetime(day, time(hour))


def seed_billing(ctx, render=None) -> None:
    """Invoice every validated month of the demo year (``render``: the documents' renderer, None for the real
    one; tests and the benchmark pass a fast fake)."""
    from coopnum.core.db import db

    session = db.session
    for key, value in identity().items():
        settings.set_value(session, ctx.coordinator, key, value, now=ctx.now)
    months = sorted(set(session.execute(
        select(Timesheet.month).where(Timesheet.status == TimesheetStatus.VALIDATED)).scalars()))
    rng = ctx.rng
    today = paris_today(ctx.now)
    issued: list[Invoice] = []
    for month in months:
        issue_day = add_months(month, 1) + timedelta(days=rng.randrange(2, 6))
        moment = _at(issue_day)
        result = billable.monthly_run(session, ctx.coordinator, month, now=moment)
        for draft in result.created:
            issued.append(issuing.issue(session, ctx.coordinator, draft, now=moment, render=render))
        session.flush()

    # One credit note: a session billed six months ago was in fact cancelled by the town (partial credit of one unit).
    target = add_months(today, -6)
    billed = [i for i in issued if i.period_start and add_months(i.period_start, 0) == target and i.lines]
    credited = billed[0] if billed else None
    if credited is not None:
        line = credited.lines[0]
        credit_notes.create_credit_note(
            session, ctx.coordinator, credited, reason="Séance du mois facturée à tort (fermeture du lieu)",
            lines={line.id: "1"}, now=_at(credited.issue_date + timedelta(days=12)), render=render)

    # Payments: most invoices paid 20 to 45 days after issue; the last months partly unpaid (some overdue).
    for n, invoice in enumerate(issued):
        age = (today - invoice.issue_date).days
        if age < 25 and n % 2:
            continue  # recent, not paid yet
        if invoice.due_date < today and n % 5 == 2 and age < 110:
            continue  # overdue: the dunning sequence follows it
        paid_on = invoice.issue_date + timedelta(days=rng.randrange(20, 46))
        if paid_on >= today:
            continue
        balance = invoice.balance_cents
        if balance <= 0:
            continue
        amount = balance // 2 if n % 17 == 5 else balance  # one partial payment now and then
        method = PaymentMethod.CHEQUE if invoice.organisation.kind == "association" else PaymentMethod.TRANSFER
        payments.record(session, ctx.coordinator, invoice, amount_cents=amount, received_on=paid_on, method=method,
                        reference=f"VIR {invoice.number}" if method == PaymentMethod.TRANSFER else
                        f"CHQ {rng.randrange(1000000, 9999999)}", now=_at(paid_on, 11))
    session.flush()
    seed_rates(session, ctx)
    dunning.run(session, now=ctx.now)  # the reminders of today's overdue invoices (no mail in the demo)
    session.flush()
    seed_quotes(session, ctx)


# The rates published for 1 January / 1 July (later semesters: the last one): the ECB main refinancing rate, and the
# legal interest rate « pour les autres cas » (the floor of a convention's late-penalty rate: three times it).
PUBLISHED_RATES_BP = {
    RateKind.ECB: {date(2024, 1, 1): 450, date(2024, 7, 1): 425, date(2025, 1, 1): 315, date(2025, 7, 1): 215},
    RateKind.LEGAL_INTEREST: {date(2024, 1, 1): 507, date(2024, 7, 1): 492, date(2025, 1, 1): 371,
                              date(2025, 7, 1): 276},
}


def seed_rates(session, ctx) -> None:
    """The ECB rate and the legal interest rate of every semester of the demo's invoices (the reminders compute
    their interest with the first; a convention's own late-penalty rate is checked against the second)."""
    today = paris_today(ctx.now)
    for kind, published in PUBLISHED_RATES_BP.items():
        day = date(today.year - 2, 1, 1)
        while day <= today:
            known = [k for k in published if k <= day]
            rate = published[max(known) if known else min(published)]
            rates.set_rate(session, ctx.coordinator, kind, valid_from=day, rate_bp=rate, now=ctx.now)
            day = next_semester(day)


def seed_quotes(session, ctx) -> None:
    """A quote accepted into a draft invoice, one sent and awaiting an answer, one draft."""
    from decimal import Decimal

    from coopnum.billing.services import quotes

    by_code = {s.code: s for s in ctx.services}
    workshop = by_code.get("ATELIER") or ctx.services[0]
    orgs = ctx.organisations
    accepted = quotes.create(session, ctx.coordinator, organisation_id=orgs[4].id, title="Cycle d'ateliers seniors",
                             lines=[quotes.LineInput(service_id=workshop.id, quantity=Decimal(6))],
                             now=ctx.now - timedelta(days=30))
    quotes.send(session, ctx.coordinator, accepted, now=ctx.now - timedelta(days=29))
    quotes.accept(session, ctx.coordinator, accepted, target="invoice", now=ctx.now - timedelta(days=10))
    sent = quotes.create(session, ctx.coordinator, organisation_id=orgs[7].id,
                         title="Permanences numériques 2027 (proposition)",
                         lines=[quotes.LineInput(service_id=(by_code.get("PERM-H") or workshop).id,
                                                 quantity=Decimal(120), discount_percent=Decimal(5))],
                         now=ctx.now - timedelta(days=6))
    quotes.send(session, ctx.coordinator, sent, now=ctx.now - timedelta(days=5))
    quotes.create(session, ctx.coordinator, organisation_id=orgs[10].id, title="Formation des agents d'accueil",
                  lines=[quotes.LineInput(description="Journée de formation « Accueillir les publics éloignés du "
                                                      "numérique »", quantity=Decimal(2), unit="day",
                                          unit_price_cents=85000)], now=ctx.now)
    session.flush()


def counts(session) -> dict[str, int]:
    rows = session.execute(select(Invoice.kind, Invoice.status)).all()
    return {
        "invoices": sum(1 for k, s in rows if k == InvoiceKind.INVOICE and s == InvoiceStatus.ISSUED),
        "credit_notes": sum(1 for k, s in rows if k == InvoiceKind.CREDIT_NOTE and s == InvoiceStatus.ISSUED),
    }
