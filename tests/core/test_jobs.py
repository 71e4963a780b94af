import pytest
from sqlalchemy import text

from coopnum.core import jobs
from tests import days


def test_run_job_runs_a_registered_job_in_an_app_context(app, monkeypatch):
    seen = []

    def job(app_, now):
        from flask import current_app

        seen.append((current_app.name, now))
        return "3 éléments traités"

    monkeypatch.setattr(jobs, "_JOBS", {})
    jobs.register("demo-job", job, cron={"hour": 3}, description="Tâche de test")
    now = days.at(days.TODAY, 3)
    assert jobs.run_job(app, "demo-job", now) == "3 éléments traités"
    assert seen == [(app.name, now)]

    result = app.test_cli_runner().invoke(args=["run-job", "demo-job"])
    assert result.exit_code == 0 and "3 éléments traités" in result.output
    result = app.test_cli_runner().invoke(args=["run-job", "nope"])
    assert result.exit_code == 2 and "demo-job" in result.output


def test_scheduler_plans_each_job_in_paris_time_once_at_a_time(app, monkeypatch):
    monkeypatch.setattr(jobs, "_JOBS", {})
    jobs.register("nightly", lambda app_, now: "ok", cron={"hour": 3, "minute": 15}, description="Nuit")
    scheduler = jobs.start_scheduler(app, blocking=False)
    try:
        (job,) = scheduler.get_jobs()
        assert job.id == "nightly" and job.max_instances == 1 and job.coalesce
        assert str(job.trigger.timezone) == "Europe/Paris"
        fire = job.trigger.get_next_fire_time(None, days.NOW)  # 11:00 in Paris: tonight's run is tomorrow's
        assert (fire.hour, fire.minute, fire.date()) == (3, 15, days.days(1))
        assert fire == days.at(days.days(1), 3, 15)
    finally:
        scheduler.shutdown(wait=False)


@pytest.mark.real_commits
def test_the_nightly_analyze_gives_the_planner_its_statistics(app, session, users):
    """Job core.analyze: without statistics SQLite reads a month's sessions through the index on their status."""
    assert "core.analyze" in {job.name for job in jobs.all_jobs()}
    assert jobs.run_job(app, "core.analyze", days.NOW) == "Statistiques de la base mises à jour."
    session.rollback()
    count = session.execute(text("SELECT count(*) FROM users")).scalar_one()
    if session.get_bind().dialect.name == "sqlite":
        stats = session.execute(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'users'")).scalars().all()
        assert stats and all(stat.split()[0] == str(count) for stat in stats)
    else:
        reltuples = session.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'users'")).scalar_one()
        assert reltuples == count
        vacuumed = session.execute(text("SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = 'users'"))
        assert vacuumed.scalar_one() is not None
