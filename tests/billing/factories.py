"""Billing factories: the seller identity, draft and issued invoices (through the real services)."""

from decimal import Decimal

from coopnum.billing.services import invoices, issuing
from coopnum.core import settings
from tests import days, factories

NOW = days.NOW  # the pinned instant
WORK_MONTH = days.month_start(-1)  # the month whose work is billed: last month, wholly past


def work_tuesday(i: int = 0):
    """The (i+1)-th Tuesday of ``WORK_MONTH`` (i = 0…3)."""
    return days.nth_weekday(WORK_MONTH, days.TUESDAY, i + 1)

COMPANY = {
    "company.name": "Coop'Num Vienne",
    "company.legal_form": "SCIC SAS à capital variable",
    "company.capital": "12 400 €",
    "company.address": "12 rue des Carmes",
    "company.postal_code": "86000",
    "company.city": "Poitiers",
    "company.siret": "73282932000074",
    "company.rcs": "RCS Poitiers 732 829 320",
    "company.vat_number": "FR44732829320",
    "company.iban": "FR7630006000011234567890189",
    "company.bic": "AGRIFRPP",
    "company.training_declaration": "75860123486",
    "company.email": "facturation@coopnum.example.org",
}


def company(session, **overrides) -> dict:
    """Fill the cooperative's legal identity (settings) so invoices can be issued (unaudited: a fixture)."""
    from sqlalchemy import select

    from coopnum.core.models import Setting

    values = {**COMPANY, **{f"company.{k}": v for k, v in overrides.items()}}
    existing = {row.key: row for row in session.execute(select(Setting).where(Setting.key.in_(values))).scalars()}
    for key, value in values.items():
        if key in existing:
            existing[key].value = value
        else:
            session.add(Setting(key=key, value=value, updated_at=NOW))
    session.flush()
    return values


def fake_render(invoice):
    """A quick renderer for tests that do not look at the documents (the real one takes ~150 ms)."""
    from coopnum.billing.documents import Rendered
    from coopnum.billing.models import DocumentKind

    body = f"%PDF-1.7 fake {invoice.number}".encode()
    return [Rendered(DocumentKind.PDF, f"{invoice.number}.pdf", body),
            Rendered(DocumentKind.FACTURX, f"{invoice.number}-facturx.pdf", body + b" facturx")]


def draft_invoice(session, actor=None, *, organisation=None, convention=None, lines=None, vat_regime=None,
                  now=NOW):
    """A draft with free lines: ``lines`` = [(description, quantity, unit_price_cents)] (default one line)."""
    organisation = organisation or (convention.organisation if convention else factories.organisation(session))
    invoice = invoices.new_draft(session, actor, organisation, convention=convention, title="Prestations", now=now)
    if vat_regime:
        invoice.vat_regime = vat_regime
    for description, quantity, price in lines or [("Accompagnement numérique", Decimal("10"), 4500)]:
        invoices.add_line(session, actor, invoice, description=description, quantity=quantity, unit="hour",
                          unit_price_cents=price, now=now)
    return invoice


def issued_invoice(session, actor=None, *, real_render=False, now=NOW, **kw):
    """An issued invoice (numbered in the series of ``now``'s year). Fills the company identity if needed."""
    if not settings.get(session, "company.siret"):
        company(session)
    invoice = draft_invoice(session, actor, now=now, **kw)
    return issuing.issue(session, actor, invoice, now=now, render=None if real_render else fake_render)


def held_session(session, *, mission, start, minutes=180, mediator=None):
    """A session confirmed as held (with the mediator's time entry when given)."""
    from datetime import timedelta

    from coopnum.missions.models import SessionStatus

    s = factories.mission_session(session, mission=mission, start=start, end=start + timedelta(minutes=minutes),
                                  status=SessionStatus.HELD, held_minutes=minutes, confirmed_at=start)
    if mediator is not None:
        factories.assignment(session, mission_session=s, user=mediator)
        factories.time_entry(session, user=mediator, mission_session=s, minutes=minutes)
    return s


def validate_month(session, mediator, month):
    """Mark the mediator's month timesheet validated (as the coordinator's validation does)."""
    from sqlalchemy import select

    from coopnum.timesheets.models import Timesheet, TimesheetStatus

    ts = session.execute(select(Timesheet).where(Timesheet.user_id == mediator.id,
                                                 Timesheet.month == month)).scalar_one_or_none()
    if ts is None:
        ts = Timesheet(user_id=mediator.id, month=month)
        session.add(ts)
    ts.status, ts.validated_at = TimesheetStatus.VALIDATED, NOW
    session.flush()
    return ts


def billable_convention(session, *, mediator, organisation=None, sessions=2, month_day=None, **kw):
    """A signed hourly convention with ``sessions`` (at most 4) held 3-hour sessions on the Tuesdays of last month
    (``WORK_MONTH``), that month validated."""
    org = organisation or factories.organisation(session)
    conv = factories.convention(session, organisation=org, **kw)
    place = factories.place(session, organisation=org)
    mission = factories.mission(session, convention=conv, place=place)
    held = [held_session(session, mission=mission, start=days.at(work_tuesday(i), 9), mediator=mediator)
            for i in range(sessions)]
    validate_month(session, mediator, WORK_MONTH)
    return conv, mission, held
