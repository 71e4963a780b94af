"""Orphan export jobs: a job queued or running without progress for longer than ``exports.STALE_MINUTES`` (its
worker was killed) is marked failed with a French message by the cleanup job and when its page is read; its owner
starts the same export again from that page ("Relancer")."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from coopnum.activities.services import exports
from coopnum.activities.services.activity_queries import ActivityFilters
from coopnum.core import jobs
from coopnum.core.db import db
from coopnum.core.models import ExportJob, ExportStatus
from tests import days, factories
from tests.conftest import login, text_of

# The export jobs read and write on their own connections (the job runner): real commits.
pytestmark = pytest.mark.real_commits

STALE = timedelta(minutes=exports.STALE_MINUTES)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def instance(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORTS_DIR", str(tmp_path / "exports"))
    return app


def job(session, user, status=ExportStatus.RUNNING, *, fmt="csv", filters=None, **values) -> ExportJob:
    record = ExportJob(user_id=user.id, kind=exports.KIND, format=fmt, params={"filters": filters or {}},
                       status=status, created_at=days.NOW, **values)
    session.add(record)
    session.commit()
    return record


def reload(session, job_id) -> ExportJob:
    """The job as stored now, detached; the test's transaction is ended (the next request or job writes)."""
    session.expire_all()
    record = session.get(ExportJob, job_id)
    session.expunge(record)
    session.commit()
    return record


def test_the_cleanup_marks_jobs_without_progress_failed(session, users, instance, travel):
    mediator = users["mediator"]
    running = job(session, mediator, total=100, done=10).id
    queued = job(session, mediator, ExportStatus.PENDING).id
    done = job(session, mediator, ExportStatus.DONE, total=3, done=3).id
    travel.shift(STALE - MINUTE)
    assert exports.cleanup(session, exports.exports_dir(instance), now=days.NOW + STALE - MINUTE).failed == 0
    session.commit()
    assert reload(session, running).status == ExportStatus.RUNNING
    travel.shift(2 * MINUTE)
    summary = jobs.run_job(instance, "exports.cleanup")
    assert summary.startswith("2 exports interrompus marqués en échec")
    for job_id in (running, queued):
        stale = reload(session, job_id)
        assert stale.status == ExportStatus.FAILED and stale.error == exports.STALE_MESSAGE
        assert stale.finished_at == days.NOW + STALE + MINUTE
        assert "aucune progression depuis plus de 30 minutes" in stale.error
    assert reload(session, done).status == ExportStatus.DONE and reload(session, done).error == ""


def test_progress_postpones_the_timeout(session, users, instance):
    progressed = days.NOW + timedelta(minutes=20)
    record = job(session, users["mediator"], total=100, done=40)
    record.params = {"filters": {}, exports.PROGRESS_KEY: progressed.isoformat()}
    session.commit()
    assert exports.last_progress(record) == progressed
    assert exports.fail_stale(session, now=days.NOW + STALE + MINUTE) == 0
    assert exports.fail_stale(session, now=progressed + STALE + MINUTE) == 1
    session.commit()
    assert reload(session, record.id).status == ExportStatus.FAILED


def test_a_worker_records_its_progress_time(session, users, instance):
    factories.activity(session, mediator=users["mediator"])
    record = job(session, users["mediator"], ExportStatus.PENDING, filters={"kind": "Individuel"})
    exports.run_job(db.engine, exports.exports_dir(instance), record.id)
    record = reload(session, record.id)
    assert record.status == ExportStatus.DONE
    assert record.params["filters"] == {"kind": "Individuel"}
    assert exports.last_progress(record) == days.NOW


def test_a_late_worker_stops_and_leaves_the_job_failed(session, users, instance, monkeypatch):
    factories.activity(session, mediator=users["mediator"])
    record = job(session, users["mediator"], ExportStatus.PENDING)
    original = exports.write_csv

    def write_after_being_declared_dead(path, columns, chunks, on_chunk=None):
        with db.engine.connect() as other:  # the cleanup, meanwhile, in another process
            from sqlmodel import Session

            with Session(other) as s:
                assert exports.fail_if_stale(s, s.get(ExportJob, record.id), now=days.NOW + STALE + MINUTE)
                s.commit()
        return original(path, columns, chunks, on_chunk)

    monkeypatch.setattr(exports, "write_csv", write_after_being_declared_dead)
    exports.run_job(db.engine, exports.exports_dir(instance), record.id)
    record = reload(session, record.id)
    assert record.status == ExportStatus.FAILED and record.error == exports.STALE_MESSAGE
    assert record.file_path is None
    assert not any(exports.exports_dir(instance).glob(f"{record.id}-*"))  # the partial file is removed


def test_reading_the_page_marks_the_job_failed_and_offers_relancer(client, session, users, instance, travel):
    record = job(session, users["mediator"], total=100, done=0)
    login(client, users["mediator"])
    page = client.get(f"/missions/exports/{record.id}").get_data(as_text=True)
    assert "Export en cours : 0 ligne sur 100 (0 %)." in page and "Relancer" not in page
    travel.shift(STALE + MINUTE)
    fragment = client.get(f"/missions/exports/{record.id}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    html = fragment.get_data(as_text=True)
    assert "hx-trigger" not in html  # finished: no more polling
    assert "aucune progression depuis plus de 30 minutes" in text_of(fragment)
    assert f'action="/missions/exports/{record.id}/retry"' in html and "Relancer</button>" in html
    record = reload(session, record.id)
    assert record.status == ExportStatus.FAILED and record.error == exports.STALE_MESSAGE
    assert "Relancer</button>" in client.get(f"/missions/exports/{record.id}").get_data(as_text=True)


def test_relancer_starts_the_same_export_again(client, session, users, instance):
    factories.activity(session, mediator=users["mediator"], kind="Individuel")
    failed = job(session, users["mediator"], ExportStatus.FAILED, fmt="xlsx", filters={"kind": "Individuel"},
                 error=exports.STALE_MESSAGE).id
    login(client, users["mediator"])
    response = client.post(f"/missions/exports/{failed}/retry")
    assert response.status_code == 302
    new = session.execute(select(ExportJob).where(ExportJob.id != failed)).scalar_one()
    assert response.headers["Location"].endswith(f"/missions/exports/{new.id}")
    assert (new.format, new.params["filters"], new.user_id) == ("xlsx", {"kind": "Individuel"},
                                                                users["mediator"].id)
    assert new.status == ExportStatus.DONE and new.done == 1  # run in the request under TESTING
    assert reload(session, failed).status == ExportStatus.FAILED  # the failed one stays as it was


def test_only_the_owner_relaunches_only_a_failed_job(client, session, users, instance):
    failed = job(session, users["mediator"], ExportStatus.FAILED).id
    running = job(session, users["mediator"]).id
    login(client, users["coordinator"])
    assert client.post(f"/missions/exports/{failed}/retry").status_code == 404
    client.post("/logout")
    login(client, users["mediator"])
    response = client.post(f"/missions/exports/{running}/retry")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/missions/exports/{running}")
    assert len(session.execute(select(ExportJob)).scalars().all()) == 2  # nothing started


def test_retry_job_rules(session, users):
    failed = job(session, users["mediator"], ExportStatus.FAILED, filters={"kind": "Collectif"})
    with pytest.raises(exports.DomainError, match="pas le vôtre"):
        exports.retry_job(session, users["coordinator"], failed, now=days.NOW)
    new = exports.retry_job(session, users["mediator"], failed, now=days.NOW)
    assert new.status == ExportStatus.PENDING and ActivityFilters.from_args(new.params["filters"]).kind == "Collectif"
    with pytest.raises(exports.DomainError, match="Seul un export en échec"):
        exports.retry_job(session, users["mediator"], new, now=days.NOW)
    session.rollback()
