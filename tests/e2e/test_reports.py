"""In a browser: the authority contact opens its convention's activity report from its portal, then downloads the
PDF and the workbook, whose figures equal the sums of the records."""

import io
import re
from datetime import date, timedelta
from decimal import Decimal

from openpyxl import load_workbook
from playwright.sync_api import expect

from coopnum.core import formats
from coopnum.missions.models import SessionStatus
from coopnum.organisations.models import Organisation
from tests import days, factories
from tests.e2e.conftest import assert_accessible, go_to, log_in
from tests.pdftext import pdf_text


def past_day_of_this_year(i: int, n: int) -> date:
    """The ``i``-th of ``n`` days spread from January 1st to today (the year's report covers the calendar year,
    and its records must be past: on January 1st, they are all today's)."""
    return days.year_start() + timedelta(days=(days.TODAY - days.year_start()).days * i // (n - 1))


def records(session, users):
    """A convention of the contact's organisation for this year: sessions held, cancelled, not held (from 9:00
    to 12:00 in Paris: today's have started by 11:00); individual accompaniments and workshops at two places."""
    year = days.TODAY.year
    org = session.get(Organisation, users["authority"].organisation_id)
    conv = factories.convention(session, organisation=org, reference=f"CONV-{year}-RAP", title=f"Permanences {year}",
                                start_date=days.year_start(), end_date=days.year_end(),
                                contracted_volume=Decimal("120"))
    places = [factories.place(session, organisation=org, name=name) for name in ("Espace numérique", "Mairie")]
    missions = [factories.mission(session, convention=conv, place=p) for p in places]
    sessions, activities = [], []
    for i in range(12):
        start = days.at(past_day_of_this_year(i, 12), 9)
        status = [SessionStatus.HELD, SessionStatus.HELD, SessionStatus.CANCELLED, SessionStatus.NOT_HELD][i % 4]
        sessions.append(factories.mission_session(
            session, mission=missions[i % 2], start=start, end=start + timedelta(hours=3), status=status,
            held_minutes=150 if status == SessionStatus.HELD and i % 3 == 0 else None))
    for i in range(15):
        kind = "Collectif" if i % 5 == 0 else "Individuel"
        activities.append(factories.activity(
            session, mediator=users["mediator"], convention=conv, place=places[i % 2],
            day=past_day_of_this_year(i, 15), kind=kind, participants=6 + i if kind == "Collectif" else 1,
            workshop_title="Atelier smartphone" if kind == "Collectif" else "",
            thematiques=["Email", "Sante"] if i % 2 else ["Email"],
            autonomie="PartiellementAutonome" if kind == "Individuel" else None))
    session.commit()
    return conv, sessions, activities


def test_the_authority_downloads_its_report(page, session, users, live_server):
    conv, sessions, activities = records(session, users)
    held = [s for s in sessions if s.status == SessionStatus.HELD]
    expected_held = len(held)
    expected_minutes = sum(s.delivered_minutes for s in held)
    expected_individual = sum(a.kind == "Individuel" for a in activities)
    expected_participants = sum(a.participants for a in activities if a.kind == "Collectif")
    expected_people = expected_individual + expected_participants
    expected_email = sum("Email" in a.thematiques for a in activities)
    hours = Decimal(expected_minutes) / 60
    email = users["authority"].email
    year = days.TODAY.year
    ref = f"CONV-{year}-RAP"

    log_in(page, email)
    go_to(page, "Mon espace")
    page.get_by_role("link", name=re.compile(rf"Rapport d’activité de la convention {ref} : Année {year}")).click()
    expect(page.locator("h1")).to_have_text(f"Rapport d’activité — Année {year}")
    main = page.locator("main")
    expect(main.locator('td[data-figure="sessions_held"]')).to_have_text(str(expected_held))
    expect(main.locator('td[data-figure="people_helped"]')).to_have_text(str(expected_people))
    expect(main.locator("svg[role=img]").first).to_be_visible()
    assert_accessible(page)

    with page.expect_download() as info:
        page.get_by_role("button", name="Télécharger le PDF").click()
    pdf = info.value
    assert pdf.suggested_filename == f"rapport-{ref}-{year}0101-{year}1231.pdf"
    data = open(pdf.path(), "rb").read()
    text = pdf_text(data, layout=True)  # a label and its figure on one line
    assert ref in text
    assert re.search(rf"Séances réalisées\s+{expected_held}\b", text)
    assert re.search(rf"Personnes accompagnées\s+{expected_people}\b", text)
    assert re.search(rf"Participants aux ateliers\s+{expected_participants}\b", text)
    hours_text = formats.hours(expected_minutes, "fr")  # a duration, « 1 234 h 05 », as on the page
    pattern = r"\s*".join(re.escape(part) for part in re.split(r"[\s\u202f\u00a0]+", hours_text))
    assert re.search(rf"Heures réalisées\s+{pattern}\b", text)

    with page.expect_download() as info:
        page.get_by_role("button", name="Télécharger le tableur (XLSX)").click()
    xlsx = info.value
    assert xlsx.suggested_filename.endswith(".xlsx")
    wb = load_workbook(io.BytesIO(open(xlsx.path(), "rb").read()))
    summary = {r[0]: r[1] for r in wb["Synthèse"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Séances réalisées"] == expected_held
    assert summary["Heures réalisées"] == float(hours.quantize(Decimal("0.01")))
    assert summary["Accompagnements individuels"] == expected_individual
    assert summary["Participants aux ateliers"] == expected_participants
    assert summary["Personnes accompagnées"] == expected_people
    months = list(wb["Par mois"].iter_rows(min_row=2, values_only=True))
    assert len(months) == 13 and months[-1][0] == "Total"
    assert sum(r[7] for r in months[:-1]) == months[-1][7] == expected_people
    themes = {r[0]: r[1] for r in wb["Thématiques"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert themes["E-mail"] == expected_email
