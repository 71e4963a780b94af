"""The annual report for the AGO: its figures on a small world built by hand (every expected value computed from the
data below), the page and the PDF, attaching it to an AGO (once per year), a bounded number of queries.

The report is for last year (``Y``: wholly past whatever the test day)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from coopnum.billing.models import Invoice, InvoiceKind, InvoiceStatus, Payment
from coopnum.core import clock
from coopnum.core.db import db
from coopnum.members.models import AssemblyDocument, AssemblyStatus, MemberStatus
from coopnum.members.services import annual_report as reports
from coopnum.members.services import capital, registry
from coopnum.missions.models import SessionStatus
from tests import days, factories
from tests.conftest import login, text_of
from tests.members import factories_registry as fr
from tests.members import test_assemblies_world as aw
from tests.pdftext import pdf_text
from tests.queries import counting

Y = days.TODAY.year - 1


def d(month: int, day: int, year: int = Y) -> date:
    return date(year, month, day)


_numbers = iter(range(1, 10_000))


def invoice(session, org, *, issued: date, due: date, excl: int, incl: int, kind=InvoiceKind.INVOICE,
            credit_of=None, status=InvoiceStatus.ISSUED) -> Invoice:
    n = next(_numbers)
    row = Invoice(kind=kind, status=status, number=f"T{Y}-{n:04d}" if status == InvoiceStatus.ISSUED else None,
                  organisation_id=org.id, credit_of_id=credit_of.id if credit_of else None, title="Prestations",
                  issue_date=issued, due_date=due, total_excl_cents=excl, total_vat_cents=incl - excl,
                  total_incl_cents=incl, buyer_name=org.name)
    session.add(row)
    session.flush()
    if credit_of is not None:
        credit_of.credited_cents += incl
    return row


def pay(session, inv: Invoice, on: date, cents: int) -> None:
    session.add(Payment(invoice_id=inv.id, received_on=on, amount_cents=cents))
    inv.paid_cents += cents
    session.flush()


def held(session, mission, start, *, minutes: int, held_minutes: int | None):
    return factories.mission_session(session, mission=mission, start=start, end=start + timedelta(minutes=minutes),
                                     status=SessionStatus.HELD, held_minutes=held_minutes)


def build_world(session, *, extra_authorities: int = 0) -> dict:
    mediator = factories.user(session)
    loudun = factories.organisation(session, name="Commune de Loudun")
    civray = factories.organisation(session, name="CC du Civraisien")
    missions = {}
    for org in (loudun, civray):
        conv = factories.convention(session, organisation=org, start_date=d(1, 1, Y - 1), end_date=d(12, 31, Y + 1))
        place = factories.place(session, organisation=org)
        missions[org.id] = (conv, factories.mission(session, convention=conv, place=place))
    m_loudun, m_civray = missions[loudun.id][1], missions[civray.id][1]
    # Loudun: 180 + 180 confirmed minutes, and one held session without confirmed minutes (its 120 planned)
    held(session, m_loudun, days.at(d(3, 10), 9), minutes=180, held_minutes=180)
    held(session, m_loudun, days.at(d(6, 16), 9), minutes=180, held_minutes=180)
    held(session, m_loudun, days.at(d(9, 8), 14), minutes=120, held_minutes=None)
    # not counted: a cancelled session, one held the year before, one held on 1 January after (00:30 Paris is
    # still 31 December in UTC)
    factories.mission_session(session, mission=m_loudun, start=days.at(d(4, 7), 9), end=days.at(d(4, 7), 12),
                              status=SessionStatus.CANCELLED)
    held(session, m_loudun, days.at(d(12, 15, Y - 1), 9), minutes=60, held_minutes=60)
    held(session, m_loudun, days.at(d(1, 1, Y + 1), 0, 30), minutes=60, held_minutes=60)
    # Civray: one session planned 120 minutes, confirmed 90
    held(session, m_civray, days.at(d(5, 12), 9), minutes=120, held_minutes=90)
    for i in range(extra_authorities):  # for the query count: more authorities, sessions, invoices
        org = factories.organisation(session, name=f"Commune {i}")
        conv = factories.convention(session, organisation=org, start_date=d(1, 1), end_date=d(12, 31))
        mission = factories.mission(session, convention=conv, place=factories.place(session, organisation=org))
        held(session, mission, days.at(d(2, 10 + i), 9), minutes=60, held_minutes=60)
        inv = invoice(session, org, issued=d(3, 1), due=d(4, 1), excl=1000, incl=1200)
        pay(session, inv, d(3, 15), 600)

    # Activity reports (CRA) of the year: 2 individual accompaniments, a workshop of 6; one the year before
    conv_loudun = missions[loudun.id][0]
    factories.activity(session, mediator=mediator, convention=conv_loudun, day=d(3, 10), thematiques=["Email"])
    factories.activity(session, mediator=mediator, convention=conv_loudun, day=d(6, 16),
                       thematiques=["Email", "DiagnosticNumerique"])
    factories.activity(session, mediator=mediator, convention=conv_loudun, day=d(9, 8), kind="Collectif",
                       participants=6, thematiques=["Email"])
    factories.activity(session, mediator=mediator, convention=conv_loudun, day=d(11, 20, Y - 1), kind="Collectif",
                       participants=4, thematiques=["Email"])

    # Invoices: Loudun paid in the year; a November invoice part-credited in December, paid after the year;
    # Civray: an overdue invoice part-paid; last year's invoice paid in January
    a1 = invoice(session, loudun, issued=d(2, 15), due=d(3, 17), excl=100_000, incl=120_000)
    pay(session, a1, d(3, 10), 120_000)
    a2 = invoice(session, loudun, issued=d(11, 20), due=d(1, 19, Y + 1), excl=50_000, incl=60_000)
    invoice(session, loudun, issued=d(12, 5), due=d(12, 5), excl=10_000, incl=12_000, kind=InvoiceKind.CREDIT_NOTE,
            credit_of=a2)
    pay(session, a2, d(1, 10, Y + 1), 20_000)
    invoice(session, loudun, issued=None, due=None, excl=99_000, incl=99_000, status=InvoiceStatus.DRAFT)
    b1 = invoice(session, civray, issued=d(6, 1), due=d(7, 1), excl=30_000, incl=36_000)
    pay(session, b1, d(8, 1), 6_000)
    b0 = invoice(session, civray, issued=d(12, 1, Y - 1), due=d(12, 31, Y - 1), excl=10_000, incl=12_000)
    pay(session, b0, d(1, 15), 12_000)

    # Members and capital (nominal 50 €): Alice (4 shares) and Bruno (2) the year before; Chloé admitted in March
    # with 3 shares ¼… ½ paid, the rest paid in September; Bruno resigns in October, reimbursed in November
    cols = fr.colleges(session)
    fr.member(session, cols[0], name="Alice Aubert", shares=4, on=d(5, 1, Y - 1))
    bruno = fr.member(session, cols[1], name="Bruno Bernard", shares=2, on=d(6, 1, Y - 1))
    chloe = fr.member(session, cols[0], name="Chloé Chevalier", shares=3, on=d(3, 1), paid_cents=7_500)
    fr.member(session, cols[2], name="Denise Candidate", shares=0, on=d(4, 1))
    now = clock.now()
    capital.pay(session, None, chloe, 7_500, on=d(9, 1), now=now)
    registry.leave(session, None, bruno, status=MemberStatus.RESIGNED, on=d(10, 1), body="member", now=now)
    capital.reimburse(session, None, bruno, 2, on=d(11, 15), now=now)
    session.flush()
    return {"loudun": loudun, "civray": civray, "colleges": cols}


def test_the_figures(session):
    world = build_world(session)
    report = reports.annual_report(session, Y, now=clock.now())
    assert (report.date_from, report.date_to, report.as_of) == (d(1, 1), d(12, 31), d(12, 31))
    by_name = {a.name: a for a in report.authorities}
    loudun, civray = by_name["Commune de Loudun"], by_name["CC du Civraisien"]
    assert [a.name for a in report.authorities] == ["Commune de Loudun", "CC du Civraisien"]  # most sessions first
    # sessions and hours: 180 + 180 + 120 minutes; 90 confirmed of 120 planned
    assert (loudun.sessions_held, loudun.minutes_delivered, str(loudun.hours_delivered)) == (3, 480, "8.00")
    assert (civray.sessions_held, civray.minutes_delivered, str(civray.hours_delivered)) == (1, 90, "1.50")
    assert (report.sessions_held, report.minutes_delivered) == (4, 570)
    # people: 1 + 1 individual, 6 participants in a workshop
    assert (report.individual, report.workshops, report.participants, report.people_helped) == (2, 1, 6, 8)
    themes = {t.value: (t.label, t.people, t.activities) for t in report.themes}
    assert themes == {"Email": ("E-mail", 8, 3), "DiagnosticNumerique": ("Diagnostic numérique", 1, 1)}
    assert report.themes[0].value == "Email"
    # invoiced: 1 000 + 500 − 100 € excl. VAT for Loudun (1 200 + 600 − 120 incl.); 300 (360) for Civray
    assert (loudun.invoiced_excl_cents, loudun.invoiced_incl_cents) == (140_000, 168_000)
    assert (civray.invoiced_excl_cents, civray.invoiced_incl_cents) == (30_000, 36_000)
    assert (report.invoiced_excl_cents, report.invoiced_incl_cents) == (170_000, 204_000)
    # collected in the year: 1 200 € (Loudun; its January payment is next year's); 60 + 120 € (Civray)
    assert (loudun.collected_cents, civray.collected_cents, report.collected_cents) == (120_000, 18_000, 138_000)
    # receivables on 31 December: 600 − 120 € (not due yet) for Loudun; 360 − 60 € overdue for Civray
    assert (loudun.receivable_cents, loudun.overdue_cents) == (48_000, 0)
    assert (civray.receivable_cents, civray.overdue_cents) == (30_000, 30_000)
    assert (report.receivable_cents, report.overdue_cents) == (78_000, 30_000)
    assert (report.receivable_invoices, report.overdue_invoices) == (2, 1)
    # capital: 6 shares (300 €) on 1 January; +3 subscribed (75 € paid, 75 € later), −2 reimbursed → 7 shares
    assert report.capital_start == capital.Balance(shares=6, subscribed_cents=30_000, paid_cents=30_000)
    assert report.capital_end == capital.Balance(shares=7, subscribed_cents=35_000, paid_cents=35_000)
    kinds = {k.kind: (k.operations, k.shares, k.capital_cents, k.amount_cents) for k in report.capital_by_kind}
    assert kinds == {"subscription": (1, 3, 15_000, 15_000), "payment": (2, 0, 0, 15_000),
                     "reimbursement": (1, -2, -10_000, -10_000)}
    # members: Chloé admitted, Bruno resigned; on 31 December Alice and Chloé in the first college
    assert (report.admitted, report.left, report.left_total) == (1, {"resigned": 1}, 1)
    assert [(c.college_id, c.members) for c in report.members_by_college] == [(world["colleges"][0].id, 2)]
    assert report.members_end == 2


def test_the_year_before_and_the_year_in_progress(session):
    build_world(session)
    before = reports.annual_report(session, Y - 1, now=clock.now())
    assert (before.sessions_held, before.minutes_delivered, before.people_helped) == (1, 60, 4)
    assert (before.admitted, before.left, before.members_end) == (2, {}, 2)
    assert before.capital_end.shares == 6 and before.capital_start.shares == 0
    # the receivables of the year before: Civray's December invoice, due on 31 December (not overdue on that day)
    assert (before.receivable_cents, before.overdue_cents) == (12_000, 0)
    current = reports.annual_report(session, days.TODAY.year, now=clock.now())
    assert current.as_of == days.TODAY
    assert current.members_end == 2 and current.capital_start.shares == 7


def test_the_number_of_queries_does_not_grow(app, session):
    engine = db.session.get_bind()
    with counting(engine) as small:
        reports.annual_report(session, Y, now=clock.now())  # nothing yet
    build_world(session, extra_authorities=5)
    with counting(engine) as large:
        report = reports.annual_report(session, Y, now=clock.now())
    assert len(report.authorities) == 2 + 5
    def queries(statements):  # a transaction's BEGIN is not a query of the report
        return [s for s in statements if not s.lstrip().upper().startswith("BEGIN")]

    assert len(queries(large)) == len(queries(small)) <= 12


@pytest.mark.parametrize("year", [1999, 2101])
def test_a_year_out_of_range(session, client, users, year):
    login(client, users["coordinator"])
    assert client.get(f"/members/annual-report/{year}").status_code == 404


def _money(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def test_the_page_and_the_pdf(session, client, users):
    build_world(session)
    session.commit()
    login(client, users["coordinator"])
    assert f'href="/members/annual-report/{Y}"' in text_of(client.get("/members/"))  # from the register
    response = client.get(f"/members/annual-report/{Y}")
    assert response.status_code == 200
    page = _money(text_of(response))
    for expected in ("Commune de Loudun", "CC du Civraisien", "E-mail", "Diagnostic numérique",
                     "1 400,00 €", "1 680,00 €", "1 380,00 €", "780,00 €", "300,00 €", "350,00 €",
                     "Admis dans l'année : 1. Sortis : 1.", "Démission : 1"):
        assert expected in page, expected
    assert 'data-figure="sessions_held">4<' in page and 'data-figure="hours">9 h 30<' in page
    assert 'data-figure="members_end">2<' in page
    assert f'href="/members/annual-report/{Y - 1}"' in page  # the year picker
    response = client.get(f"/members/annual-report/{Y}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(pdf_text(response.data).split())
    for expected in (f"Rapport annuel {Y}", "Commune de Loudun", "CC du Civraisien", "E-mail", "1 400,00 €",
                     "1 380,00 €", "780,00 €", "300,00 €", "8 personnes accompagnées", "Démission : 1"):
        assert expected in text, expected


def test_a_member_reads_it(session, client):
    colleges = aw.colleges(session)
    _me, account = aw.member_user(session, colleges[0])
    session.commit()
    login(client, account)
    assert f'href="/members/annual-report/{Y}"' in text_of(client.get("/members/me"))  # from the member's space
    assert client.get(f"/members/annual-report/{Y}").status_code == 200
    other = factories.user(session, roles=["member"])  # the member role, but no member record
    session.commit()
    client.post("/logout")
    login(client, other)
    assert client.get(f"/members/annual-report/{Y}").status_code == 403


def test_attaching_it_to_an_ago(session, client, users):
    build_world(session)
    assembly = aw.assembly(session, starts_at=days.at(days.TODAY, 18) + timedelta(days=20))
    session.commit()
    year = reports.year_for(assembly)  # the year before the assembly's
    assert year == clock.paris_today(assembly.starts_at).year - 1
    login(client, users["coordinator"])
    page = text_of(client.get(f"/members/assemblies/{assembly.id}"))
    assert f"Joindre le rapport annuel {year}" in page
    response = client.post(f"/members/assemblies/{assembly.id}/annual-report")
    assert response.status_code == 302
    documents = session.execute(select(AssemblyDocument).where(AssemblyDocument.assembly_id == assembly.id)
                                ).scalars().all()
    assert [(doc.title, doc.filename, doc.mimetype) for doc in documents] == [
        (f"Rapport annuel {year}", f"rapport-annuel-{year}.pdf", "application/pdf")]
    assert f"Rapport annuel {year}" in pdf_text(documents[0].content)
    # it goes out with the convocations: a document of the assembly, listed on its page
    assert f"rapport-annuel-{year}.pdf" in text_of(client.get(f"/members/assemblies/{assembly.id}"))
    # twice: refused, in French
    response = client.post(f"/members/assemblies/{assembly.id}/annual-report", follow_redirects=True)
    assert f"Le rapport annuel {year} est déjà joint à cette assemblée." in text_of(response)
    assert len(session.execute(select(AssemblyDocument).where(AssemblyDocument.assembly_id == assembly.id))
               .scalars().all()) == 1


def test_not_on_an_assembly_held(session, client, users):
    assembly = aw.assembly(session, status=AssemblyStatus.HELD, starts_at=days.at(days.days(-10), 18))
    session.commit()
    login(client, users["coordinator"])
    assert "Joindre le rapport annuel" not in text_of(client.get(f"/members/assemblies/{assembly.id}"))
    response = client.post(f"/members/assemblies/{assembly.id}/annual-report", follow_redirects=True)
    assert "Cette assemblée est close" in text_of(response)
    assert session.execute(select(AssemblyDocument)).first() is None


def test_the_service_refuses_twice_and_an_age(session):
    from coopnum.core.errors import DomainError

    assembly = aw.assembly(session)
    reports.attach(session, None, assembly, Y, content=b"%PDF-1.4 x", now=clock.now())
    with pytest.raises(DomainError, match="assemblée générale ordinaire"):
        reports.attach(session, None, aw.assembly(session, kind="AGE"), Y, content=b"%PDF-1.4 x", now=clock.now())
    with pytest.raises(DomainError, match="déjà joint"):
        reports.attach(session, None, assembly, Y, content=b"%PDF-1.4 x", now=clock.now())


def test_the_demo_attaches_it_to_last_years_ago(session):
    import random
    from types import SimpleNamespace

    from sqlalchemy import update

    from coopnum.members import demo_assemblies
    from coopnum.members.models import Assembly, CapitalOperation

    colleges = aw.colleges(session)
    for i in range(8):
        aw.member(session, colleges[i % 4], admitted_on=days.days(-800))
    session.execute(update(CapitalOperation).values(on=days.days(-800)))
    ctx = SimpleNamespace(rng=random.Random(1), coordinator=None, admin=None)
    demo_assemblies.seed(session, ctx, clock.now())
    ago = session.execute(select(Assembly).where(Assembly.kind == "AGO")).scalar_one()
    year = reports.year_for(ago)
    documents = session.execute(select(AssemblyDocument).where(AssemblyDocument.assembly_id == ago.id)
                                ).scalars().all()
    assert f"rapport-annuel-{year}.pdf" in [doc.filename for doc in documents]
    report_pdf = next(doc for doc in documents if doc.filename == f"rapport-annuel-{year}.pdf")
    assert f"Rapport annuel {year}" in pdf_text(report_pdf.content)
