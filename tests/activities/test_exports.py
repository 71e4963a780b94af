"""Exports of activities: the national columns and value formats, one row per accompaniment, CSV for French Excel,
an XLSX with its information and filters blocks and its table, streaming by chunks with progress, and the export
jobs' pages (owner only, files removed after 24 hours)."""

import csv
import io
import os
import time
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from coopnum.activities import cra_reference as ref
from coopnum.activities.models import Activity, ActivityBeneficiary
from coopnum.activities.services import exports
from coopnum.activities.services.activity_queries import ActivityFilters
from coopnum.core.db import db
from coopnum.core.models import ExportJob, ExportStatus
from coopnum.organisations.models import Convention
from tests import days, factories
from tests.conftest import login, text_of
from tests.queries import counting

# The export jobs read and write on their own connections (a thread, a job runner): real commits.
pytestmark = pytest.mark.real_commits

DAY = factories.LAST_MONTH_10TH  # the 10th of last month: the records' days are the 10th to the 14th
CREATED = days.at(DAY, 16, 5)  # 16:05 in Paris


@pytest.fixture
def records(session, users):
    """Three activities of the mediator (an individual with a followed beneficiary, an anonymous individual at
    home, a workshop with 4 participants of whom 2 followed) and one of another mediator."""
    mediator = users["mediator"]
    mediator.full_name = "Léa Martin-Dupuis"
    org = session.get(factories.Organisation, users["authority"].organisation_id)
    conv = factories.convention(session, organisation=org, reference="CONV-EXP")
    place = factories.place(session, organisation=org, name="Médiathèque", address="3 rue Carnot",
                            postal_code="86000", city="Poitiers", insee_code="86194")
    jeanne = factories.beneficiary(session, mediator=mediator, first_name="Jeanne", last_name="Durand",
                                   genre="Feminin", tranche_age="SoixanteDixPlus", statut_social="Retraite",
                                   commune="Buxerolles", postal_code="86180", commune_insee="86041")
    paul = factories.beneficiary(session, mediator=mediator, first_name="Paul", last_name="Roux")
    followed = factories.activity(
        session, mediator=mediator, convention=conv, place=place, day=DAY, duration_minutes=45,
        thematiques=["Email", "AideAuxDemarchesAdministratives"], thematiques_demarche=["ArgentImpots"],
        precisions_demarche="Déclaration de revenus", materiel=["Ordinateur", "Telephone"],
        autonomie="EntierementAccompagne", oriented=True, structure_redirection="AideSociale",
        notes="=HYPERLINK(\"http://example.org\")", created_at=CREATED, updated_at=CREATED)
    session.add(ActivityBeneficiary(activity_id=followed.id, beneficiary_id=jeanne.id))
    home = factories.activity(
        session, mediator=mediator, convention=conv, day=DAY + timedelta(days=2), place_type="Domicile",
        commune="Poitiers", commune_postal_code="86000", commune_insee="86194", thematiques=["Sante"],
        beneficiary_genre="Masculin", beneficiary_tranche_age="QuaranteCinquanteNeuf",
        beneficiary_commune="Migné-Auxances", beneficiary_postal_code="86440", autonomie="Autonome",
        created_at=CREATED, updated_at=days.at(DAY + timedelta(days=2), 16, 5))
    workshop = factories.activity(
        session, mediator=mediator, convention=conv, place=place, day=DAY + timedelta(days=4), kind="Collectif",
        participants=4, workshop_title="Naviguer en sécurité", workshop_level="Intermediaire",
        thematiques=["SecuriteNumerique"], materiel=["Tablette"], duration_minutes=120, created_at=CREATED,
        updated_at=CREATED)
    session.add_all([ActivityBeneficiary(activity_id=workshop.id, beneficiary_id=jeanne.id),
                     ActivityBeneficiary(activity_id=workshop.id, beneficiary_id=paul.id)])
    other = factories.user(session, full_name="Autre Personne")
    factories.activity(session, mediator=other, day=DAY + timedelta(days=1), created_at=CREATED, updated_at=CREATED)
    session.commit()
    session.expire_all()
    return {"followed": followed.id, "home": home.id, "workshop": workshop.id, "convention": conv.id}


def build(session, viewer, filters=ActivityFilters()):
    columns = exports.columns_for(viewer, filters)
    builder = exports.RowBuilder(session, columns)
    rows = [row for chunk in exports.row_chunks(session, viewer, filters, builder) for row in chunk]
    return columns, [dict(zip(columns, row, strict=True)) for row in rows]


def test_columns_of_a_coordinator_and_of_a_mediator(session, users):
    staff = exports.columns_for(users["coordinator"], ActivityFilters())
    assert staff == ref.export_columns(by_other=True, self_export=False, with_v1_source=False)
    assert {"Prénom du médiateur", "Nom du médiateur", "Rôle", "ID - Conum"} <= set(staff)
    assert "Bénéficiaire" not in staff and "Notes supplémentaires" not in staff  # no personal data for others
    own = exports.columns_for(users["mediator"], ActivityFilters())
    assert own == ref.export_columns(by_other=False, self_export=True, with_v1_source=False)
    assert "Bénéficiaire" in own and "Prénom du médiateur" not in own
    assert own[0] == "Date" and own[-1] == "ID CRA" and "Source de la donnée" not in own


def test_rows_and_formats_of_an_individual_accompaniment(session, users, records):
    _columns, rows = build(session, users["mediator"])
    assert [r["ID CRA"] for r in rows] == [records["workshop"]] * 4 + [records["home"], records["followed"]]
    row = rows[-1]
    assert row["Date"] == f"{DAY:%d/%m/%Y}"
    assert row["Enregistré le"] == f"{DAY:%d/%m/%Y} à 16:05"
    assert row["Dernière modification le"] == ""  # never modified
    assert row["Type"] == "Accompagnement individuel" and row["Participants"] == 1
    assert row["Bénéficiaire"] == "Jeanne Durand"
    assert row["Canaux d’accompagnement"] == "Lieu d’activité"
    assert (row["Nom du lieu"], row["Adresse"], row["Commune"], row["Code postal"], row["Code Insee"]) == (
        "Médiathèque", "3 rue Carnot", "Poitiers", "86000", "86194")
    assert row["Durée (min)"] == 45
    assert row["Matériel numérique utilisé"] == "Ordinateur\nTéléphone"
    assert row["Thématique(s) d’accompagnement"] == "E-mail\nAide aux démarches administratives\nArgent - Impôts"
    assert row["Nom de la démarche administrative"] == "Déclaration de revenus"
    assert row["Niveau d’autonomie (ou de l’atelier)"] == "1/3"
    assert row["Bénéficiaire réorienté"] == "Oui"
    assert row["Structure de redirection"].startswith("Structure d’aide sociale")
    assert (row["Commune du bénéficiaire"], row["Code postal du bénéficiaire"], row["Code Insee du bénéficiaire"]) == (
        "Buxerolles", "86180", "86041")
    assert (row["Genre du bénéficiaire"], row["Tranche d’âge du bénéficiaire"], row["Statut du bénéficiaire"]) == (
        "Féminin", "70 ans et plus", "Retraité")
    assert row["Notes supplémentaires"].startswith("=HYPERLINK")
    home = rows[-2]
    assert home["Dernière modification le"] == f"{DAY + timedelta(days=2):%d/%m/%Y} à 16:05"
    assert home["Canaux d’accompagnement"] == "À domicile" and home["Nom du lieu"] == ""
    assert (home["Commune"], home["Code postal"], home["Code Insee"]) == ("Poitiers", "86000", "86194")
    assert home["Bénéficiaire"] == "Anonyme" and home["Commune du bénéficiaire"] == "Migné-Auxances"
    assert (home["Genre du bénéficiaire"], home["Statut du bénéficiaire"]) == ("Masculin",
                                                                              "Non communiqué ou hétérogène")
    assert home["Niveau d’autonomie (ou de l’atelier)"] == "3/3" and home["Bénéficiaire réorienté"] == "Non"


def test_a_workshop_gives_one_row_per_participant(session, users, records):
    _columns, rows = build(session, users["mediator"])
    workshop = [r for r in rows if r["ID CRA"] == records["workshop"]]
    assert [r["Participants"] for r in workshop] == ["1/4", "2/4", "3/4", "4/4"]
    assert {r["Bénéficiaire"] for r in workshop[:2]} == {"Jeanne Durand", "Paul Roux"}
    assert [r["Bénéficiaire"] for r in workshop[2:]] == ["Anonyme", "Anonyme"]
    assert workshop[3]["Genre du bénéficiaire"] == "Non communiqué"
    assert {r["Type"] for r in workshop} == {"Atelier collectif"}
    assert {r["Nom de l’atelier"] for r in workshop} == {"Naviguer en sécurité"}
    assert {r["Niveau d’autonomie (ou de l’atelier)"] for r in workshop} == {"2/3"}
    assert exports.row_count(session, users["mediator"], ActivityFilters()) == len(rows) == 6


def test_the_followed_participants_come_in_the_order_of_their_ids(session, users):
    """Whatever the order they were linked in, on every database (without an ORDER BY, SQLite and PostgreSQL
    give them in different orders)."""
    mediator = users["mediator"]
    first = factories.beneficiary(session, mediator=mediator, first_name="Anne", last_name="Aubert")
    second = factories.beneficiary(session, mediator=mediator, first_name="Zoé", last_name="Zola")
    for i in range(4):
        workshop = factories.activity(session, mediator=mediator, kind="Collectif", participants=3,
                                      workshop_title="Atelier", day=DAY - timedelta(days=i))
        session.add_all([ActivityBeneficiary(activity_id=workshop.id, beneficiary_id=second.id),
                         ActivityBeneficiary(activity_id=workshop.id, beneficiary_id=first.id)])
    session.commit()
    _columns, rows = build(session, mediator)
    assert [(r["Participants"], r["Bénéficiaire"]) for r in rows] == [
        ("1/3", "Anne Aubert"), ("2/3", "Zoé Zola"), ("3/3", "Anonyme")] * 4


def test_a_coordinator_exports_everyone_with_the_mediators_names(session, users, records):
    _columns, rows = build(session, users["coordinator"], ActivityFilters(kind="Individuel"))
    assert len(rows) == 3
    mine = [r for r in rows if r["ID CRA"] == records["followed"]][0]
    assert (mine["Prénom du médiateur"], mine["Nom du médiateur"], mine["Rôle"]) == ("Léa", "Martin-Dupuis",
                                                                                  "Médiateur")
    assert "Bénéficiaire" not in mine
    _columns, rows = build(session, users["authority"])
    assert rows == []  # an authority sees no activity


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark, for Excel
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def run(session, app, user, fmt, chunk_size=exports.CHUNK_SIZE, **filters) -> ExportJob:
    job = exports.create_job(session, user, ActivityFilters(**filters), fmt, now=days.NOW)
    session.commit()
    exports.run_job(db.engine, exports.exports_dir(app), job.id, chunk_size=chunk_size)
    session.expire_all()
    return session.get(ExportJob, job.id)


@pytest.fixture
def instance(app, tmp_path):
    app.config["EXPORTS_DIR"] = str(tmp_path / "exports")
    return app


def test_csv_for_french_excel(session, users, records, instance):
    job = run(session, instance, users["mediator"], "csv")
    assert job.status == ExportStatus.DONE and job.done == job.total == 6
    path = exports.job_path(exports.exports_dir(instance), job)
    raw = path.read_bytes()
    assert b"\r\n" in raw and b";" in raw.splitlines()[0]
    table = read_csv(raw)
    assert table[0] == exports.columns_for(users["mediator"], ActivityFilters())
    assert len(table) == 7
    header = table[0]
    last = dict(zip(header, table[-1], strict=True))
    assert last["Matériel numérique utilisé"] == "Ordinateur\nTéléphone"  # a line break inside quotes
    assert last["Notes supplémentaires"] == "'=HYPERLINK(\"http://example.org\")"  # never a formula
    assert last["Durée (min)"] == "45"
    assert job.file_name.startswith("activites-") and job.file_name.endswith(".csv")


def test_xlsx_blocks_and_table(session, users, records, instance):
    job = run(session, instance, users["coordinator"], "xlsx", convention_id=records["convention"],
              date_from=days.month_start(-1), date_to=days.month_end(-1))
    assert job.status == ExportStatus.DONE
    wb = load_workbook(exports.job_path(exports.exports_dir(instance), job))
    ws = wb["Activités"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "Informations export"
    info = {r[0]: r[1] for r in rows[1:7]}
    assert info["Rôle"] == "Coordinateur" and info["Total"] == 6
    assert set(info) == {"Nom", "Prénom", "Rôle", "Total", "Date d’export", "Heure d’export"}
    assert rows[7] == (None,) * len(rows[7]) or all(v is None for v in rows[7])
    assert rows[8][0] == "Filtres"
    filters = {r[0]: r[1] for r in rows[9:12]}
    assert filters == {"Début de période": f"{days.month_start(-1):%d/%m/%Y}",
                       "Fin de période": f"{days.month_end(-1):%d/%m/%Y}",
                       "Convention": "CONV-EXP — " + session.get(Convention, records["convention"]).title}
    assert all(v is None for v in rows[12])
    header = rows[13]
    assert list(header[:len(exports.columns_for(users["coordinator"], ActivityFilters()))]) == \
        exports.columns_for(users["coordinator"], ActivityFilters())
    table = ws.tables["Activités"]
    assert table.ref == f"A14:{exports._column_letter(len(header))}20"
    data = [dict(zip(header, r, strict=True)) for r in rows[14:]]
    assert len(data) == 6
    assert {r["Durée (min)"] for r in data} == {45, 30, 120}  # numbers, not text
    first = [r for r in data if r["ID CRA"] == records["followed"]][0]
    assert first["Thématique(s) d’accompagnement"] == "E-mail\nAide aux démarches administratives\nArgent - Impôts"
    assert first["Date"] == f"{DAY:%d/%m/%Y}"


def test_a_formula_in_free_text_stays_text_in_the_xlsx(session, users, records, instance):
    job = run(session, instance, users["mediator"], "xlsx")
    wb = load_workbook(exports.job_path(exports.exports_dir(instance), job))
    cells = [c for row in wb["Activités"].iter_rows() for c in row if c.value and str(c.value).startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)


def test_rows_are_streamed_by_chunks_with_progress(session, users, instance, monkeypatch):
    mediator = users["mediator"]
    for i in range(5):
        factories.activity(session, mediator=mediator, day=days.month_start(-1) + timedelta(days=i))
    session.commit()
    progress, yield_per = [], []
    original = exports._set
    monkeypatch.setattr(exports, "_set", lambda engine, job_id, **values: (progress.append(values),
                                                                           original(engine, job_id, **values))[1])

    def spy(state):
        if state.is_select and state.statement.column_descriptions[0].get("entity") is Activity:
            yield_per.append(state.execution_options.get("yield_per"))

    from sqlmodel import Session

    event.listen(Session, "do_orm_execute", spy)
    try:
        job = run(session, instance, mediator, "xlsx", chunk_size=2)
    finally:
        event.remove(Session, "do_orm_execute", spy)
    assert job.status == ExportStatus.DONE and (job.done, job.total) == (5, 5)
    assert 2 in yield_per  # the statement is streamed, 2 activities at a time
    assert [p.get("done") for p in progress if "status" not in p] == [2, 4, 5]
    assert progress[0]["status"] == ExportStatus.RUNNING and progress[0]["total"] == 5
    assert progress[-1]["status"] == ExportStatus.DONE


def test_the_export_makes_the_same_queries_for_few_and_many_activities(session, users, instance):
    mediator = users["mediator"]
    place = factories.place(session)

    def statements():
        with counting(db.engine) as seen:
            run(session, instance, mediator, "csv")
        return len(seen)

    for i in range(3):
        factories.activity(session, mediator=mediator, place=place, day=days.month_start(-2) + timedelta(days=i))
    session.commit()
    few = statements()
    for i in range(60):
        a = factories.activity(session, mediator=mediator, place=place, day=days.month_start(-3) + timedelta(days=i % 28),
                               kind="Collectif", participants=3, workshop_title="Atelier")
        session.add(ActivityBeneficiary(activity_id=a.id,
                                        beneficiary_id=factories.beneficiary(session, mediator=mediator).id))
    session.commit()
    many = statements()
    assert few == many, (few, many)


def test_a_failed_export_is_recorded(session, users, instance, monkeypatch):
    factories.activity(session, mediator=users["mediator"])
    session.commit()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(exports, "write_csv", broken)
    job = run(session, instance, users["mediator"], "csv")
    assert job.status == ExportStatus.FAILED and "L’export a échoué" in job.error and job.finished_at


# --- pages ---------------------------------------------------------------------------------------------------------

def test_export_from_the_list_then_download(client, session, users, records, instance):
    login(client, users["mediator"])
    response = client.post("/missions/activities/export?kind=Individuel", data={"format": "csv"})
    assert response.status_code == 302
    job = session.execute(select(ExportJob)).scalar_one()
    assert response.headers["Location"].endswith(f"/missions/exports/{job.id}")
    assert job.params["filters"] == {"kind": "Individuel"} and job.status == ExportStatus.DONE
    html = text_of(client.get(f"/missions/exports/{job.id}"))
    assert "Export terminé : 2 lignes." in html and f"/missions/exports/{job.id}/download" in html
    assert "hx-trigger" not in html  # finished: no more polling
    download = client.get(f"/missions/exports/{job.id}/download")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    assert len(read_csv(download.get_data())) == 3
    client.post("/logout")
    login(client, users["coordinator"])  # an export is its owner's only
    assert client.get(f"/missions/exports/{job.id}").status_code == 404
    assert client.get(f"/missions/exports/{job.id}/download").status_code == 404


def test_bad_export_requests(client, session, users, instance):
    login(client, users["mediator"])
    response = client.post("/missions/activities/export", data={"format": "pdf"})
    assert response.status_code == 302
    assert "Format d’export inconnu" in text_of(client.get("/"))
    response = client.post("/missions/activities/export", data={"from": "2026-13-01", "format": "csv"})
    assert response.status_code == 302
    assert "Date invalide" in text_of(client.get("/"))
    assert session.execute(select(ExportJob)).first() is None
    client.post("/logout")
    login(client, users["authority"])
    assert client.post("/missions/activities/export", data={"format": "csv"}).status_code == 403


def test_progress_page_polls_while_the_job_runs(client, session, users, instance):
    job = ExportJob(user_id=users["mediator"].id, kind="activities", format="xlsx", status=ExportStatus.RUNNING,
                    total=200, done=50)
    session.add(job)
    session.commit()
    login(client, users["mediator"])
    html = client.get(f"/missions/exports/{job.id}").get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in html and '<progress value="50" max="200"' in html
    assert "Export en cours : 50 lignes sur 200 (25 %)." in html
    assert '<meta http-equiv="refresh"' in html  # without JavaScript
    fragment = client.get(f"/missions/exports/{job.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="export-progress"') and "<html" not in fragment
    assert client.get(f"/missions/exports/{job.id}/download").status_code == 302  # not ready yet


def test_the_export_runs_in_a_background_thread(client, session, users, records, instance):
    instance.config["EXPORTS_SYNC"] = False
    login(client, users["coordinator"])
    response = client.post("/missions/activities/export", data={"format": "xlsx"})
    job_url = response.headers["Location"]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        fragment = client.get(job_url, headers={"HX-Request": "true"}).get_data(as_text=True)
        if "Export terminé" in fragment:
            break
        time.sleep(0.1)
    assert "Export terminé : 7 lignes." in fragment
    download = client.get(job_url + "/download")
    wb = load_workbook(io.BytesIO(download.get_data()))
    assert wb["Activités"].tables["Activités"]


def test_old_exports_are_deleted(client, session, users, records, instance):
    old = run(session, instance, users["mediator"], "csv")
    fresh = run(session, instance, users["mediator"], "csv")
    old_path, old_id, fresh_id = exports.job_path(exports.exports_dir(instance), old), old.id, fresh.id
    fresh_path = exports.job_path(exports.exports_dir(instance), fresh)
    for path in (old_path, fresh_path):  # the files' times are the real clock's: written at the pinned « now »
        os.utime(path, (days.NOW.timestamp(), days.NOW.timestamp()))
    old.created_at = days.NOW - timedelta(hours=25)
    session.commit()
    login(client, users["mediator"])
    response = client.get(f"/missions/exports/{old_id}/download")
    assert response.status_code == 404 and "supprimés après 24 heures" in text_of(response)
    result = exports.cleanup(session, exports.exports_dir(instance), now=days.NOW)
    session.commit()
    assert (result.jobs, result.files) == (1, 1)
    assert not old_path.exists() and fresh_path.exists()
    session.expunge_all()
    assert session.get(ExportJob, old_id) is None and session.get(ExportJob, fresh_id) is not None


def test_the_cleanup_is_a_recurring_job(instance):
    from coopnum.core import jobs

    assert "exports.cleanup" in {j.name for j in jobs.all_jobs()}
    assert "0 export interrompu marqué en échec ; 0 export et 0 fichier supprimés." == jobs.run_job(instance, "exports.cleanup")


def test_export_files_live_in_the_instance_folder_unless_configured(app, tmp_path):
    from pathlib import Path

    app.config.update(TESTING=False, EXPORTS_DIR=None)
    assert exports.exports_dir(app) == Path(app.instance_path) / "exports"
    app.config["EXPORTS_DIR"] = str(tmp_path)
    assert exports.exports_dir(app) == tmp_path
