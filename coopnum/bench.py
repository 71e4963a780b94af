"""The benchmark: build N years of a cooperative's data, then time the main pages warm, with their query counts.

    coopnum bench                          # 5 years into a temporary SQLite file, 10 runs per page
    coopnum bench --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench --runs 20

Pages are requested through Flask's test client (no network, no server: what is measured is the application),
after one warm-up request each. A "bare page" — one query of 50 joined rows rendered by a small Jinja template —
is measured in the same run as the yardstick: a page's figure means something only next to it.
Timings are wall-clock medians on whatever else the machine is doing: compare figures of the same run."""

import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import Flask, render_template_string
from sqlalchemy import event, func, select

from coopnum.core import clock
from coopnum.core.clock import paris_midnight

BARE_TEMPLATE = """<!doctype html><title>bare</title><table>{% for a, u in rows %}
<tr><td>{{ a.date }}</td><td>{{ u.full_name }}</td><td>{{ a.kind }}</td><td>{{ a.duration_minutes }}</td></tr>
{% endfor %}</table>"""


@dataclass
class Figure:
    label: str
    url: str
    status: int
    median_ms: float
    p90_ms: float
    queries: int
    size_kb: float


class QueryCounter:
    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._on)

    def _on(self, *_args, **_kw):
        self.count += 1


def build(app: Flask, years: int, now: datetime) -> dict:
    """Create the schema and the demo cooperative with ``years`` years of conventions, sessions and activities."""
    from coopnum import import_models
    from coopnum.activities.models import Activity
    from coopnum.core.db import db, metadata
    from coopnum.demo import seed
    from coopnum.missions.models import MissionSession
    from coopnum.timesheets.models import TimeEntry

    with app.app_context():
        import_models()
        metadata.create_all(db.engine)
        started = time.perf_counter()
        year = clock.paris_today(now).year
        seed(now=now, years=list(range(year - years + 1, year + 1)), render=placeholder_documents)
        elapsed = time.perf_counter() - started
        session = db.session
        counts = {name: session.execute(select(func.count()).select_from(model)).scalar_one()
                  for name, model in (("sessions", MissionSession), ("activities", Activity),
                                      ("time entries", TimeEntry))}
    counts["build seconds"] = round(elapsed, 1)
    return counts


def placeholder_documents(invoice):
    """The bench's years of invoices get placeholder documents (its pages are measured, not the PDFs); the real
    rendering is measured by ``billing_figures``."""
    from coopnum.billing.documents import Rendered

    body = f"%PDF-1.7 placeholder {invoice.number}".encode()
    return [Rendered("pdf", f"{invoice.number}.pdf", body), Rendered("facturx", f"{invoice.number}-facturx.pdf", body)]


def _median_ms(func, runs: int) -> float:
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        durations.append((time.perf_counter() - started) * 1000)
    return statistics.median(durations)


def billing_figures(app: Flask, runs: int, conventions: int = 40) -> list[str]:
    """Issuing one invoice (number, freeze, PDF/A-3, Factur-X, stored with its hash) next to a bare WeasyPrint
    render + Factur-X embed of the same document, in the same warm process; and the monthly run drafting the
    invoices of ``conventions`` conventions, then issuing them all. Everything is rolled back."""
    from coopnum.core.db import db
    from coopnum.core.models import User
    from coopnum.organisations.models import Organisation

    with app.app_context():
        session = db.session
        coordinator = session.execute(select(User).where(User.email.like("coordination@%"))).scalar_one()
        org = session.execute(select(Organisation).order_by(Organisation.id)).scalars().first()
        now = clock.now()
        return [_issue_figure(session, coordinator, org, now, runs),
                _monthly_run_figure(session, coordinator, org, now, conventions)]


def _bench_draft(session, coordinator, org, now):
    from decimal import Decimal

    from coopnum.billing.services import invoices

    d = invoices.new_draft(session, coordinator, org, title="Bench", now=now)
    for n in range(4):
        invoices.add_line(session, coordinator, d, description=f"Permanence numérique {n + 1}",
                          quantity=Decimal("12.5"), unit="hour", unit_price_cents=4500, now=now)
    return d


def _issue_figure(session, coordinator, org, now, runs: int) -> str:
    """Issuing one invoice next to the bare render of the same document: HTML → PDF/A-3b → Factur-X embed (temp
    files), nothing else."""
    import os

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

    def issue_one():
        issuing.issue(session, coordinator, _bench_draft(session, coordinator, org, now), now=now)
        session.rollback()

    bare(), issue_one()  # warm-up
    bare_ms, issue_ms = _median_ms(bare, runs), _median_ms(issue_one, runs)
    return (f"Émission d'une facture (Factur-X)     {issue_ms:7.1f} ms   "
            f"rendu nu WeasyPrint + Factur-X {bare_ms:7.1f} ms   ratio {issue_ms / bare_ms:4.2f}")


def _bench_conventions(session, org, month, conventions: int) -> None:
    """``conventions`` signed conventions with 8 held sessions each in ``month`` (a validated month)."""
    from datetime import timedelta

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


def _monthly_run_figure(session, coordinator, org, now, conventions: int) -> str:
    """The monthly run over ``conventions`` conventions with 8 held sessions each, then the issue of its drafts."""
    from coopnum.billing.services import billable, issuing
    from coopnum.timesheets.models import Timesheet, TimesheetStatus

    month = session.execute(select(Timesheet.month).where(Timesheet.status == TimesheetStatus.VALIDATED)
                            .order_by(Timesheet.month.desc())).scalars().first()
    _bench_conventions(session, org, month, conventions)
    started = time.perf_counter()
    result = billable.monthly_run(session, coordinator, month, now=now)
    run_s = time.perf_counter() - started
    started = time.perf_counter()
    for d in result.created:
        issuing.issue(session, coordinator, d, now=now)
    issue_s = time.perf_counter() - started
    session.rollback()
    return (f"Facturation du mois : {len(result.created)} brouillons en {run_s:5.2f} s, "
            f"émis (PDF + Factur-X) en {issue_s:5.2f} s")


def _time(client, url: str, runs: int, counter: QueryCounter) -> tuple[int, list[float], int, int]:
    response = client.get(url)  # warm-up
    durations = []
    queries = 0
    for _ in range(runs):
        counter.count = 0
        started = time.perf_counter()
        response = client.get(url)
        durations.append((time.perf_counter() - started) * 1000)
        queries = counter.count
    return response.status_code, durations, queries, len(response.data)


def _bare(app: Flask, runs: int, counter: QueryCounter) -> Figure:
    from coopnum.activities.models import Activity
    from coopnum.core.db import db
    from coopnum.core.models import User

    def page():
        rows = db.session.execute(select(Activity, User).join(User, User.id == Activity.mediator_id)
                                  .order_by(Activity.date.desc()).limit(50)).all()
        return render_template_string(BARE_TEMPLATE, rows=rows)

    durations = []
    with app.test_request_context():
        html = page()
        for _ in range(runs):
            counter.count = 0
            started = time.perf_counter()
            html = page()
            durations.append((time.perf_counter() - started) * 1000)
    return Figure("Page nue (50 lignes jointes, yardstick)", "-", 200, statistics.median(durations),
                  _p90(durations), counter.count, len(html) / 1024)


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]


def targets(app: Flask) -> list[tuple[str, str, str]]:
    """(label, login e-mail, URL) of the pages measured (each must answer 200: the measure checks it)."""
    from coopnum.core.db import db
    from coopnum.demo import DOMAIN
    from coopnum.organisations.models import Convention

    with app.app_context():
        convention = db.session.execute(select(Convention).order_by(Convention.id.desc())).scalars().first()
        year = convention.start_date.year if convention else clock.today().year
        cid = convention.id if convention else 0
        from coopnum.billing.models import Invoice

        iid = db.session.execute(select(func.max(Invoice.id)).where(Invoice.status == "issued")).scalar() or 0
    coordinator = f"coordination@{DOMAIN}"
    mediator = f"camille.martin@{DOMAIN}"
    pages = [
        ("activities.activities", "Activités (coordination, page 1)", coordinator, "/missions/activities"),
        ("activities.activities", "Activités (coordination, page 40)", coordinator, "/missions/activities?page=40"),
        ("activities.activities", "Activités filtrées (année, thème)", coordinator,
         f"/missions/activities?from={year}-01-01&to={year}-12-31&theme=Email"),
        ("activities.activities", "Mes activités (médiatrice)", mediator, "/missions/activities"),
        ("reports.convention_report", "Rapport de convention (année)", coordinator,
         f"/missions/conventions/{cid}/report?from={year}-01-01&to={year}-12-31"),
        ("reports.convention_report", "Rapport de convention (5 ans)", coordinator,
         f"/missions/conventions/{cid}/report?from={year - 4}-01-01&to={year}-12-31"),
        ("timesheets.timesheets", "Relevés d'heures du mois", coordinator, "/missions/timesheets"),
        ("timesheets.hours_overview", "Tableau de bord des heures", coordinator, "/missions/hours/overview"),
        ("timesheets.my_hours", "Mes heures (médiatrice)", mediator, "/missions/hours"),
        ("missions.my_week", "Ma semaine (médiatrice)", mediator, "/missions/my-week"),
        ("missions.calendar_month", "Calendrier du mois", coordinator, "/missions/calendar/month"),
        ("organisations.conventions", "Conventions", coordinator, "/missions/conventions"),
        ("core.dashboard", "Tableau de bord (coordination)", coordinator, "/"),
        ("billing.invoices", "Factures (page 1)", coordinator, "/billing/invoices"),
        ("billing.invoices", "Factures en retard", coordinator, "/billing/invoices?state=overdue"),
        ("billing.invoice", "Une facture émise", coordinator, f"/billing/invoices/{iid}"),
        ("billing.payments", "Règlements", coordinator, "/billing/payments"),
        ("billing.receivables", "Balance âgée", coordinator, "/billing/receivables"),
        ("billing.portal_invoices", "Mes factures (collectivité)", f"numerique@ville-poitiers.{DOMAIN}",
         "/billing/portal/invoices"),
    ]
    return [(label, email, url) for _endpoint, label, email, url in pages]


def measure(app: Flask, runs: int) -> list[Figure]:
    from coopnum.core.db import db
    from coopnum.demo import DEMO_PASSWORD

    with app.app_context():
        counter = QueryCounter(db.engine)
        figures = [_bare(app, runs, counter)]
    clients: dict[str, object] = {}
    for label, email, url in targets(app):
        if email not in clients:
            client = app.test_client()
            client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
            clients[email] = client
        with app.app_context():
            counter = QueryCounter(db.engine)
        status, durations, queries, size = _time(clients[email], url, runs, counter)
        figures.append(Figure(label, url, status, statistics.median(durations), _p90(durations), queries,
                              size / 1024))
    return figures


def report(counts: dict, figures: list[Figure]) -> str:
    lines = ["Données : " + ", ".join(f"{k} {v}" for k, v in counts.items()), "",
             f"{'Page':<42} {'statut':>6} {'médiane':>9} {'p90':>9} {'requêtes':>9} {'Ko':>7}"]
    for f in figures:
        lines.append(f"{f.label:<42} {f.status:>6} {f.median_ms:>7.1f}ms {f.p90_ms:>7.1f}ms {f.queries:>9} "
                     f"{f.size_kb:>7.1f}")
    return "\n".join(lines)


def run(database_url: str | None, years: int, runs: int, now: datetime | None = None) -> str:
    from coopnum import create_app

    tmp = None
    if not database_url:
        tmp = tempfile.TemporaryDirectory(prefix="coopnum-bench-")
        database_url = f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "LOGIN_MAX_FAILURES": 10_000})
    try:
        counts = build(app, years, now or clock.now())
        text = report(counts, measure(app, runs))
        return text + "\n\n" + "\n".join(billing_figures(app, runs))
    finally:
        if tmp:
            tmp.cleanup()
