"""The report pages: HTML, PDF and XLSX agree with the figures; who may see them; share links; the portal's and
the convention page's links; the JSON API."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from babel.dates import format_date
from openpyxl import load_workbook
from sqlalchemy import select

from coopnum.core import clock, settings
from coopnum.core.db import db
from coopnum.reports.models import ReportShare
from coopnum.reports.services import reports
from tests import days, factories
from tests.conftest import login, text_of
from tests.pdftext import pdf_text as read_pdf_text
from tests.queries import counting
from tests.reports import test_reports as base
from tests.reports.test_reports import LAST_YEAR, NOW, P0, P1, P2, PERIOD_END, random_records

scene = base.scene  # the fixture of test_reports: a convention with sessions and activities of every kind

# The scene's period: the month before last to the end of this month.
PERIOD = f"from={P0.isoformat()}&to={PERIOD_END.isoformat()}"
PERIOD_TEXT = f"du {P0:%d/%m/%Y} au {PERIOD_END:%d/%m/%Y}"


def month_label(month) -> str:
    return format_date(month, "MMMM y", locale="fr")  # « novembre 2026 »


def figures_of(session, scene):
    return reports.convention_report(session, scene["convention"], P0, PERIOD_END, now=NOW)


def figure_cells(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="(\w+)"[^>]*>(?:<strong>)?([^<]+)', html))


def pdf_text(data: bytes) -> str:
    """The PDF's text (pypdf, layout mode), thousands separators and no-break spaces normalised."""
    return read_pdf_text(data, layout=True)


@pytest.mark.parametrize("role", ["coordinator", "authority", "admin"])
def test_the_report_page_shows_the_figures_and_charts(client, session, users, scene, role):
    login(client, users[role])
    response = client.get(f"/missions/conventions/{scene['convention'].id}/report?{PERIOD}")
    assert response.status_code == 200
    html = text_of(response)
    f = figures_of(session, scene)
    cells = figure_cells(html)
    assert cells["sessions_held"] == str(f.sessions_held) == "5"
    assert cells["sessions_cancelled"] == "1" and cells["sessions_not_held"] == "1"
    assert cells["hours_delivered"] == "9 h 15"  # a duration, as on every page (decimal hours in the workbook only)
    assert cells["people_helped"].strip() == "16"
    assert cells["collective_participants"] == "13"
    assert "23,1 %" in html  # share of the contracted volume
    assert html.count('role="img"') == 5  # the charts, inline SVG
    assert "Médiathèque" in html and "Mairie annexe" in html and "Hors lieu" in html
    assert "Naviguer en sécurité" not in html  # no personal or free-text detail, figures only
    assert PERIOD_TEXT in html
    assert f"/missions/conventions/{scene['convention'].id}/report.pdf?period=custom" in html
    assert ("Partager ce rapport par un lien" in html) == (role != "authority")


def test_periods_of_the_report_page(client, users, scene, today):
    login(client, users["coordinator"])
    url = f"/missions/conventions/{scene['convention'].id}/report"
    last_month = f"?period=month&ref={P1:%Y-%m}"
    html = text_of(client.get(url + last_month))
    assert f"Rapport d’activité — {month_label(P1)}" in html
    assert figure_cells(html)["sessions_held"] == "2"  # the 6th, and the last day at 23:30 in Paris
    assert f"period=month&amp;ref={P0:%Y-%m}" in client.get(url + last_month).get_data(as_text=True)
    html = text_of(client.get(url + "?period=quarter&ref=2026-T4"))  # an explicit quarter: a label, any day
    assert "4e trimestre 2026" in html
    # The scene's held sessions, by Paris day: two in P0, two in P1 (the 6th, the last day at 23:30), P2's 1st at
    # 00:30 and the 1st of next month; this year's are those of the year page.
    held_days = [P0.replace(day=8), P0.replace(day=15), P1.replace(day=6), days.month_end(-1), P2,
                 days.month_start(1)]
    html = text_of(client.get(url + f"?period=year&ref={today.year}"))
    assert f"Année {today.year}" in html
    assert figure_cells(html)["sessions_held"] == str(sum(d.year == today.year for d in held_days))


def test_a_bad_period_is_refused_next_to_its_field(client, users, scene):
    login(client, users["authority"])
    response = client.get(f"/missions/conventions/{scene['convention'].id}/report?from={P1}&to={P0}")
    assert response.status_code == 400
    html = text_of(response)
    assert 'id="report-to-error"' in html and "La date de fin précède la date de début." in html
    assert 'data-figure' not in html
    response = client.get(f"/missions/conventions/{scene['convention'].id}/report.pdf?period=month&ref=2026-13")
    assert response.status_code == 422 and "Mois invalide" in text_of(response)


def test_only_the_authority_of_the_organisation_sees_its_reports(client, session, users, scene):
    stranger = factories.user(session, roles=["authority"], organisation=factories.organisation(session))
    session.commit()
    login(client, stranger)
    cid = scene["convention"].id
    for suffix in ("report", "report.pdf", "report.xlsx"):
        assert client.get(f"/missions/conventions/{cid}/{suffix}").status_code == 403
    assert client.get("/missions/conventions/999999/report").status_code == 404
    client.post("/logout")
    login(client, users["mediator"])
    assert client.get(f"/missions/conventions/{cid}/report").status_code == 403


def test_the_pdf_holds_the_same_figures(client, session, users, scene, app):
    # signed with the cooperative's name (its settings), never the software's
    settings.set_value(session, None, "company.name", "Coop Numérique du Poitou", now=NOW)
    session.commit()
    login(client, users["authority"])
    response = client.get(f"/missions/conventions/{scene['convention'].id}/report.pdf?{PERIOD}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].endswith(f'-{P0:%Y%m%d}-{PERIOD_END:%Y%m%d}.pdf"')
    data = response.get_data()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)  # layout mode: a label and its figure on one line
    flat = " ".join(read_pdf_text(data).split())  # reading order, the charts' SVG text included
    assert "Coop Numérique du Poitou" in text and "coopnum" not in text  # the running header
    assert scene["convention"].reference in text
    assert "Rapport d’activité" in flat
    assert re.search(r"Séances réalisées\s+5\b", text)
    assert re.search(r"Heures réalisées\s+9 h 15", text)
    assert re.search(r"Participants aux ateliers\s+13\b", text)
    assert re.search(r"Personnes accompagnées\s+16\b", text)
    assert "Médiathèque" in text and "Mairie annexe" in text
    chart_label = format_date(P1, "MMM yy", locale="fr")  # « oct. 26 »: a month under a chart's column
    assert "Personnes accompagnées par mois" in flat or chart_label in flat  # a chart rendered from the SVG
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.title.startswith("Rapport d’activité")
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4


def test_the_workbook_holds_the_same_figures_as_numbers(client, session, users, scene):
    login(client, users["coordinator"])
    response = client.get(f"/missions/conventions/{scene['convention'].id}/report.xlsx?{PERIOD}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    wb = load_workbook(io.BytesIO(response.get_data()))
    assert wb.sheetnames == ["Synthèse", "Par mois", "Par lieu", "Thématiques"]
    assert wb["Synthèse"]["A1"].value == settings.cooperative_name(session) != "coopnum"
    summary = {row[0]: row[1] for row in wb["Synthèse"].iter_rows(values_only=True) if row and row[0]}
    f = figures_of(session, scene)
    assert summary["Séances réalisées"] == 5 and summary["Séances annulées"] == 1
    assert summary["Heures réalisées"] == pytest.approx(9.25)
    assert summary["Personnes accompagnées"] == 16 and summary["Participants aux ateliers"] == 13
    assert summary["Volume contracté (heures)"] == 40
    assert summary["Avec guidage"] == 1 and summary["Non renseigné"] == 1
    months = list(wb["Par mois"].iter_rows(values_only=True))
    assert months[0][:4] == ("Mois", "Séances réalisées", "Séances annulées", "Heures réalisées")
    assert [r[0] for r in months[1:]] == [month_label(P0), month_label(P1), month_label(P2), "Total"]
    assert [r[1] for r in months[1:]] == [2, 2, 1, 5]
    assert months[-1][3] == pytest.approx(9.25) and months[-1][7] == 16
    places = {r[0]: r for r in wb["Par lieu"].iter_rows(min_row=2, values_only=True)}
    assert places["Médiathèque"][1:3] == (2, 5.5)
    assert sum(r[6] for r in places.values()) == f.people_helped
    themes = {r[0]: r[1] for r in wb["Thématiques"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert themes[f.themes[0].label] == 3
    assert themes["Argent - Impôts"] == 1


def count_statements(client, url: str) -> int:
    with counting(db.engine) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def test_the_report_page_makes_a_bounded_number_of_queries(client, session, users):
    org = session.get(factories.Organisation, users["authority"].organisation_id)
    conv = factories.convention(session, organisation=org)
    places = [factories.place(session, organisation=org) for _ in range(2)]
    missions = [factories.mission(session, convention=conv, place=p) for p in places]
    random_records(session, users, conv, places, missions, 3, 4, seed=3)
    login(client, users["authority"])
    url = f"/missions/conventions/{conv.id}/report?period=year&ref={LAST_YEAR}"  # the random records' year
    few = count_statements(client, url)
    more = [factories.place(session, organisation=org) for _ in range(4)]
    random_records(session, users, conv, places + more,
                   missions + [factories.mission(session, convention=conv, place=p) for p in more], 150, 400, seed=4)
    many = count_statements(client, url)
    assert few == many, (few, many)
    assert many <= 25


# --- share links -------------------------------------------------------------------------------------------------

def test_the_coordination_creates_a_share_link_that_opens_without_login(client, session, users, scene):
    login(client, users["coordinator"])
    cid = scene["convention"].id
    page = text_of(client.get(f"/missions/conventions/{cid}/report/shares?{PERIOD}"))
    assert f'value="{P0.isoformat()}"' in page and f'value="{PERIOD_END.isoformat()}"' in page
    default_expiry = (reports.paris_today(clock.now()) + timedelta(days=30)).isoformat()
    assert f'value="{default_expiry}"' in page
    response = client.post(f"/missions/conventions/{cid}/report/shares",
                           data={"period_start": P0.isoformat(), "period_end": PERIOD_END.isoformat(),
                                 "expires_on": default_expiry})
    assert response.status_code == 302
    share = session.execute(select(ReportShare).where(ReportShare.convention_id == cid)).scalar_one()
    assert (share.period_start, share.period_end) == (P0, PERIOD_END)
    page = text_of(client.get(response.headers["Location"]))
    assert f"http://coopnum.test/r/{share.token}" in page
    client.post("/logout")

    response = client.get(f"/r/{share.token}")
    assert response.status_code == 200 and response.headers["X-Robots-Tag"] == "noindex"
    html = text_of(response)
    assert figure_cells(html)["sessions_held"] == "5" and "Télécharger le PDF" in html
    assert client.get(f"/r/{share.token}.pdf").mimetype == "application/pdf"
    wb = load_workbook(io.BytesIO(client.get(f"/r/{share.token}.xlsx").get_data()))
    assert {r[0]: r[1] for r in wb["Synthèse"].iter_rows(values_only=True) if r and r[0]}["Séances réalisées"] == 5
    session.refresh(share)
    assert share.access_count == 3 and share.last_accessed_at is not None


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"expires_on": days.days(-1).isoformat()}, "expires_on", "déjà passée"),
    ({"expires_on": ""}, "expires_on", "date d’expiration"),
    ({"period_end": (P0 - timedelta(days=1)).isoformat()}, "period_end", "précède"),
])
def test_a_bad_share_link_is_refused_next_to_its_field(client, session, users, scene, values, field, message):
    login(client, users["coordinator"])
    data = {"period_start": P0.isoformat(), "period_end": PERIOD_END.isoformat(),
            "expires_on": (reports.paris_today(clock.now()) + timedelta(days=10)).isoformat(), **values}
    response = client.post(f"/missions/conventions/{scene['convention'].id}/report/shares", data=data)
    assert response.status_code == 400
    html = text_of(response)
    assert f'id="{field}-error"' in html and message in html
    assert session.execute(select(ReportShare)).first() is None


def share_of(session, scene, **kw) -> ReportShare:
    share = ReportShare(convention_id=scene["convention"].id, period_start=P0,
                        period_end=PERIOD_END, token=kw.pop("token", "tok-" + str(id(kw))),
                        expires_at=kw.pop("expires_at", clock.now() + timedelta(days=3)), **kw)
    session.add(share)
    session.commit()
    return share


def test_expired_and_revoked_links_say_so(client, session, scene, users):
    expired = share_of(session, scene, token="expired-token", expires_at=clock.now() - timedelta(minutes=1))
    revoked = share_of(session, scene, token="revoked-token", revoked_at=clock.now())
    for token in (expired.token, revoked.token, "never-existed"):
        for suffix in ("", ".pdf", ".xlsx"):
            response = client.get(f"/r/{token}{suffix}")
            assert response.status_code == 404
            assert "Ce lien de partage a expiré ou a été révoqué." in text_of(response)
    session.refresh(expired)
    assert expired.access_count == 0


def test_the_coordination_revokes_a_link(client, session, scene, users):
    share = share_of(session, scene, token="to-revoke")
    assert client.get("/r/to-revoke").status_code == 200
    login(client, users["coordinator"])
    response = client.post("/missions/report-shares/to-revoke/revoke")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/missions/conventions/{scene['convention'].id}/report/shares")
    session.refresh(share)
    assert share.revoked_at is not None
    assert client.get("/r/to-revoke").status_code == 404
    assert "Révoqué le" in text_of(client.get(f"/missions/conventions/{scene['convention'].id}/report/shares"))
    assert client.post("/missions/report-shares/nope/revoke").status_code == 404


# --- links from the portal and the convention page ------------------------------------------------------------------

def test_the_portal_links_each_convention_to_its_reports(client, users, scene):
    login(client, users["authority"])
    html = text_of(client.get("/missions/portal"))
    today = reports.paris_today(clock.now())
    cid = scene["convention"].id
    assert f"/missions/conventions/{cid}/report?period=month&ref={today:%Y-%m}" in html
    last = reports.add_months(today, -1)
    assert f"/missions/conventions/{cid}/report?period=month&ref={last:%Y-%m}" in html
    assert f"/missions/conventions/{cid}/report?period=year&ref={today.year}" in html
    assert f"/missions/conventions/{scene['other'].id}/report" not in html


def test_the_convention_page_links_to_the_reports_and_shares(client, session, users, scene):
    share_of(session, scene, token="active-one", expires_at=reports.share_expiry(days.days(30)))
    login(client, users["coordinator"])
    html = text_of(client.get(f"/missions/conventions/{scene['convention'].id}"))
    assert "Rapport d’activité" in html and "Toute la convention" in html
    assert "Gérer les liens de partage du rapport" in html and PERIOD_TEXT in html
    client.post("/logout")
    login(client, users["authority"])
    html = text_of(client.get(f"/missions/conventions/{scene['convention'].id}"))
    assert "Rapport d’activité" in html and "Gérer les liens de partage" not in html


# --- API ------------------------------------------------------------------------------------------------------------

def token_of(session, user) -> str:
    from coopnum.core import services

    _token, clear = services.create_token(session, user, user, "test", now=clock.now())
    session.commit()
    return clear


def test_the_api_returns_the_figures(client, session, users, scene):
    headers = {"Authorization": f"Bearer {token_of(session, users['authority'])}"}
    response = client.get(f"/api/v1/conventions/{scene['convention'].id}/report?{PERIOD}", headers=headers)
    assert response.status_code == 200
    data = response.get_json()
    f = figures_of(session, scene)
    assert (data["sessions_held"], data["sessions_cancelled"], data["sessions_not_held"]) == (5, 1, 1)
    assert data["minutes_delivered"] == f.minutes_delivered and Decimal(data["hours_delivered"]) == Decimal("9.25")
    assert data["people_helped"] == 16 and data["collective_participants"] == 13
    assert data["date_from"] == P0.isoformat() and data["date_to"] == PERIOD_END.isoformat()
    assert [m["month"] for m in data["months"]] == [P0.isoformat(), P1.isoformat(), P2.isoformat()]
    assert [m["people"] for m in data["months"]] == [m.people for m in f.months]
    assert data["themes"][0] == {"value": "Email", "label": f.themes[0].label, "count": 3}
    assert {p["name"]: p["people"] for p in data["places"]} == {p.name: p.people for p in f.places}
    assert Decimal(data["volume_share_percent"]) == Decimal("23.1")


def test_the_api_refuses_bad_dates_and_other_organisations(client, session, users, scene):
    headers = {"Authorization": f"Bearer {token_of(session, users['authority'])}"}
    cid = scene["convention"].id
    response = client.get(f"/api/v1/conventions/{cid}/report?from={P1}&to={P0}", headers=headers)
    assert response.status_code == 422
    assert response.get_json()["error"] == {"code": "invalid", "message": "La date de fin précède la date de début.",
                                            "field": "to"}
    response = client.get(f"/api/v1/conventions/{cid}/report?from=demain&to={P0}", headers=headers)
    assert response.status_code == 422 and "AAAA-MM-JJ" in response.get_json()["error"]["message"]
    response = client.get(f"/api/v1/conventions/{scene['other'].id}/report", headers=headers)
    assert response.status_code == 404
    mediator = {"Authorization": f"Bearer {token_of(session, users['mediator'])}"}
    assert client.get(f"/api/v1/conventions/{cid}/report", headers=mediator).status_code == 403
    openapi = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/conventions/{convention_id}/report" in openapi["paths"]


def test_the_workbook_holds_no_formula(client, session, users, scene):
    scene["convention"].organisation.name = '=HYPERLINK("http://x";"clic")'
    session.commit()
    login(client, users["coordinator"])
    wb = load_workbook(io.BytesIO(client.get(
        f"/missions/conventions/{scene['convention'].id}/report.xlsx?{PERIOD}").get_data()))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value]
    assert any(str(c.value).startswith("=HYPERLINK") for c in cells)  # the name is there, as text
    assert all(c.data_type != "f" for c in cells)
