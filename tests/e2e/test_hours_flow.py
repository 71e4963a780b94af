"""Issue 5 end to end, in the browser: a mediator confirms a session from "Ma semaine" and records two
accompaniments and a workshop in under a minute; the coordinator validates the month; the authority contact
downloads the PDF and XLSX report of its convention, whose figures are the sums of those records."""

import io
import re
import time
from decimal import Decimal

from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from coopnum.activities.models import Activity
from coopnum.missions.models import MissionSession, SessionStatus
from coopnum.organisations.models import Organisation
from coopnum.timesheets.models import Timesheet
from tests import days, factories
from tests.e2e.conftest import go_to, log_in
from tests.pdftext import pdf_text


def test_session_confirmed_reported_validated_and_reported_to_the_authority(page, session, users, today):
    org = session.get(Organisation, users["authority"].organisation_id)
    conv = factories.convention(session, organisation=org, reference="CONV-FLUX", title="Permanences du flux",
                                start_date=days.year_start(), end_date=days.year_end(),
                                contracted_volume=Decimal("100"))
    place = factories.place(session, organisation=org, name="Médiathèque du flux")
    mission = factories.mission(session, convention=conv, place=place, title="Permanence du flux")
    # this morning's session, over by now (11:00)
    s = factories.mission_session(session, mission=mission, start=days.at(today, 7), end=days.at(today, 10))
    factories.assignment(session, mission_session=s, user=users["mediator"])
    # Read what the test needs now: after a commit, touching an ORM object would open a (writing) transaction on
    # SQLite and block the live server.
    emails = {role: users[role].email for role in ("mediator", "coordinator", "authority")}
    mediator_id = users["mediator"].id
    session.commit()
    session_id, day = s.id, today
    month = f"{day:%Y-%m}"

    # The mediator: confirm from "Ma semaine", then two accompaniments and a workshop, in under a minute.
    log_in(page, emails["mediator"])
    started = time.monotonic()
    page.goto(f"/missions/my-week?date={day.isoformat()}")
    card = page.locator(f'article[data-session="{session_id}"]')
    card.get_by_role("button", name=re.compile(r"^C'est fait \(3 h")).click()
    expect(card).to_contain_text("Réalisée : 3 h")
    card.get_by_role("button", name=re.compile("^Saisir une activité")).click()  # one button per session
    page.get_by_label("30 min").check()
    page.get_by_label("E-mail").check()
    page.get_by_role("button", name="Enregistrer et saisir un autre accompagnement").click()
    page.get_by_text("Activité enregistrée").wait_for()
    page.get_by_label("45 min").check()
    page.get_by_label("Aide aux démarches administratives").first.check()
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.get_by_text("Activité enregistrée").wait_for()
    page.goto(f"/missions/my-week?date={day.isoformat()}")
    card.get_by_role("button", name=re.compile("^Saisir une activité")).click()
    page.get_by_role("navigation", name="Type d’activité").get_by_role("link", name="Atelier collectif").click()
    page.get_by_label("2 h", exact=True).check()
    page.get_by_label("Prendre en main du matériel").check()
    page.get_by_label("Titre de l’atelier").fill("Premiers pas sur la tablette")
    page.get_by_label("Nombre de participants").fill("6")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.get_by_text("Activité enregistrée").wait_for()
    assert time.monotonic() - started < 60
    page.get_by_role("button", name="Déconnexion").click()

    session.expire_all()
    assert session.get(MissionSession, session_id).status == SessionStatus.HELD
    records = session.execute(select(Activity).where(Activity.session_id == session_id)).scalars().all()
    assert sorted((a.kind, a.participants) for a in records) == [("Collectif", 6), ("Individuel", 1),
                                                                 ("Individuel", 1)]
    people = sum(a.participants for a in records)
    session.commit()  # end the test's read transaction: the live server writes next

    # The coordinator validates the month.
    log_in(page, emails["coordinator"])
    page.goto(f"/missions/timesheets/{mediator_id}/{month}")
    page.get_by_role("button", name="Valider le mois").click()
    expect(page.locator("main")).to_contain_text("validé")
    session.expire_all()
    sheet = session.execute(select(Timesheet).where(Timesheet.user_id == mediator_id)).scalar_one()
    assert sheet.status == "validated"
    session.commit()
    page.get_by_role("button", name="Déconnexion").click()

    # The authority contact downloads the year's report: its figures are the sums of the records.
    log_in(page, emails["authority"])
    go_to(page, "Mon espace")
    page.get_by_role("link", name=re.compile(
        rf"Rapport d’activité de la convention CONV-FLUX : Année {today.year}")).click()
    main = page.locator("main")
    expect(main.locator('td[data-figure="sessions_held"]')).to_have_text("1")
    expect(main.locator('td[data-figure="people_helped"]')).to_have_text(str(people))
    with page.expect_download() as info:
        page.get_by_role("button", name="Télécharger le PDF").click()
    text = pdf_text(open(info.value.path(), "rb").read(), layout=True)  # a label and its figure on one line
    assert "CONV-FLUX" in text
    assert re.search(r"Séances réalisées\s+1\b", text)
    assert re.search(rf"Personnes accompagnées\s+{people}\b", text)
    assert re.search(r"Heures réalisées\s+3\b", text)
    with page.expect_download() as info:
        page.get_by_role("button", name="Télécharger le tableur (XLSX)").click()
    workbook = load_workbook(io.BytesIO(open(info.value.path(), "rb").read()))
    summary = {r[0]: r[1] for r in workbook["Synthèse"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Séances réalisées"] == 1
    assert summary["Heures réalisées"] == 3
    assert summary["Accompagnements individuels"] == 2
    assert summary["Participants aux ateliers"] == 6
    assert summary["Personnes accompagnées"] == people
