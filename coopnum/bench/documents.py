"""The heavy work measured beside the pages, in the bench's process on its database: issuing one invoice (number,
PDF/A-3, Factur-X, stored with its hash) next to a bare WeasyPrint render + Factur-X embed of the same document;
the monthly run drafting then issuing the invoices of 40 conventions (everything rolled back); a convention report
PDF over a year; a year's activity export as CSV and XLSX, each in a subprocess of its own for its peak memory
(``export_probe``)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from coopnum.bench.data import placeholder_documents
from coopnum.core import clock
from coopnum.core.clock import paris_midnight


def _median_ms(func, runs: int) -> float:
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        durations.append((time.perf_counter() - started) * 1000)
    return statistics.median(durations)


def billing_figures(app, runs: int, conventions: int = 40) -> dict:
    """Issuing one invoice vs the bare render + embed (medians of ``runs``), and the monthly run of
    ``conventions`` conventions: drafting, then issuing every draft. Everything is rolled back."""
    from coopnum.core.db import db, writing
    from coopnum.core.models import User
    from coopnum.organisations.models import Organisation

    with app.app_context(), writing():
        session = db.session
        coordinator = session.execute(select(User).where(User.email.like("coordination@%"))).scalar_one()
        org = session.execute(select(Organisation).order_by(Organisation.id)).scalars().first()
        now = clock.now()
        figures = _issue_figures(session, coordinator, org, now, runs)
        figures |= _monthly_run_figures(session, coordinator, org, now, conventions)
        session.rollback()
    return figures


def _bench_draft(session, coordinator, org, now):
    from coopnum.billing.services import invoices

    d = invoices.new_draft(session, coordinator, org, title="Bench", now=now)
    for n in range(4):
        invoices.add_line(session, coordinator, d, description=f"Permanence numérique {n + 1}",
                          quantity=Decimal("12.5"), unit="hour", unit_price_cents=4500, now=now)
    return d


def _bare_render(session, coordinator, org, now):
    """The bare render of a sample invoice: HTML → PDF/A-3b → Factur-X embed (temp files), nothing else."""
    import facturx
    from weasyprint import HTML

    from coopnum.billing import cii, documents
    from coopnum.billing.services import issuing

    sample = issuing.issue(session, coordinator, _bench_draft(session, coordinator, org, now), now=now,
                           render=placeholder_documents)
    inputs = documents.invoice_inputs(session, sample)
    context, terms = documents.invoice_context(sample, inputs)
    html = documents._render_html(documents.TEMPLATE_INVOICE, context)
    xml = cii.build(sample, terms, inputs.lines)
    session.rollback()
    stylesheet = documents._stylesheet()

    def bare():
        pdf = HTML(string=html).write_pdf(stylesheets=[stylesheet], pdf_variant="pdf/a-3b")
        with tempfile.TemporaryDirectory() as tmp:
            src, dst = os.path.join(tmp, "a.pdf"), os.path.join(tmp, "b.pdf")
            with open(src, "wb") as fh:
                fh.write(pdf)
            facturx.generate_from_file(src, xml, flavor="factur-x", level="en16931", check_xsd=True,
                                       output_pdf_file=dst)

    return bare


def _issue_figures(session, coordinator, org, now, runs: int) -> dict:
    from coopnum.billing.services import issuing

    bare = _bare_render(session, coordinator, org, now)

    def issue_one():
        issuing.issue(session, coordinator, _bench_draft(session, coordinator, org, now), now=now)
        session.rollback()

    bare(), issue_one()  # warm-up
    bare_ms, issue_ms = _median_ms(bare, runs), _median_ms(issue_one, runs)
    return {"issue_ms": round(issue_ms, 1), "bare_render_ms": round(bare_ms, 1)}


def _bench_conventions(session, org, month: date, conventions: int) -> None:
    """``conventions`` signed conventions with 8 held sessions each in ``month`` (a validated month)."""
    from coopnum.missions.models import Assignment, Mission, MissionSession, SessionStatus
    from coopnum.organisations.models import Convention, ConventionStatus, Organisation, Place
    from coopnum.timesheets.models import TimeEntry, Timesheet, TimesheetStatus

    entry_user = session.execute(select(Timesheet.user_id).where(Timesheet.month == month,
                                 Timesheet.status == TimesheetStatus.VALIDATED)).scalars().first()
    place = session.execute(select(Place)).scalars().first()
    for n in range(conventions):
        o = Organisation(name=f"Commune bench {n}", siret=org.siret, address="1 place", postal_code="86000",
                         city="Poitiers")
        session.add(o)
        session.flush()
        c = Convention(organisation_id=o.id, reference=f"BENCH-{n}", title=f"Bench {n}",
                       start_date=month.replace(month=1), end_date=month.replace(month=12),
                       status=ConventionStatus.SIGNED, unit_price_cents=4500)
        session.add(c)
        session.flush()
        m = Mission(convention_id=c.id, place_id=place.id, title=f"Permanence bench {n}", first_date=month,
                    start_time=datetime.min.time(), end_time=datetime.min.time())
        session.add(m)
        session.flush()
        for k in range(8):
            start = paris_midnight(month + timedelta(days=k * 3)) + timedelta(hours=9)
            ms = MissionSession(mission_id=m.id, start=start, end=start + timedelta(hours=3),
                                status=SessionStatus.HELD, held_minutes=180)
            session.add(ms)
            session.flush()
            session.add(Assignment(session_id=ms.id, user_id=entry_user))
            session.add(TimeEntry(user_id=entry_user, day=start.date(), minutes=180, session_id=ms.id))
    session.flush()


def _monthly_run_figures(session, coordinator, org, now, conventions: int) -> dict:
    """The monthly run over ``conventions`` conventions with 8 held sessions each, then the issue of its drafts
    (real PDF + Factur-X)."""
    from coopnum.billing.services import billable, issuing
    from coopnum.timesheets.models import Timesheet, TimesheetStatus

    month = session.execute(select(Timesheet.month).where(Timesheet.status == TimesheetStatus.VALIDATED)
                            .order_by(Timesheet.month.desc())).scalars().first()
    if month is None:
        return {"monthly_error": "aucun mois validé"}
    _bench_conventions(session, org, month, conventions)
    started = time.perf_counter()
    result = billable.monthly_run(session, coordinator, month, now=now)
    run_s = time.perf_counter() - started
    started = time.perf_counter()
    for d in result.created:
        issuing.issue(session, coordinator, d, now=now)
    issue_s = time.perf_counter() - started
    session.rollback()
    return {"monthly_drafts": len(result.created), "monthly_run_s": round(run_s, 2),
            "monthly_issue_s": round(issue_s, 2), "monthly_total_s": round(run_s + issue_s, 2)}


def report_pdf(app, convention: int, start: date, end: date, runs: int = 3) -> dict:
    """A convention report PDF over ``start``–``end``, through the test client as the coordinator: the median
    time of ``runs`` after a warm-up, its size and status."""
    from coopnum.bench.queries import logged_in

    client = logged_in(app, "coordination")
    path = f"/missions/conventions/{convention}/report.pdf?from={start}&to={end}"
    response = client.get(path)
    ms = _median_ms(lambda: client.get(path), runs)
    return {"ms": round(ms, 1), "status": response.status_code, "kb": round(len(response.data) / 1024, 1)}


def export(url: str, fmt: str, start: date, end: date) -> dict:
    """A year's activity export (``fmt``: csv or xlsx) run by the coordinator in a fresh process
    (``python -m coopnum.bench.export_probe``): seconds, rows, peak memory."""
    cmd = [sys.executable, "-m", "coopnum.bench.export_probe", url, fmt, start.isoformat(), end.isoformat()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        return {"error": lines[-1] if lines else "échec"}
    return json.loads(done.stdout.strip().splitlines()[-1])
