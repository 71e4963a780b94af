"""Recurring jobs, run by ``coopnum scheduler`` (APScheduler, in its own process) or one at a time by
``coopnum run-job NAME`` (for an installation that prefers cron).

Each domain declares its jobs with ``register(name, func, cron=…)``; ``func(app, now)`` runs inside an app
context, does its work through the services, commits, and returns a short French summary. Jobs are idempotent:
running one twice, or late, does no harm (the scheduler coalesces missed runs)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from coopnum.core import clock


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable  # (app, now) -> str
    cron: dict  # APScheduler cron fields, Europe/Paris time, e.g. {"hour": 3, "minute": 15}
    description: str


_JOBS: dict[str, Job] = {}


def register(name: str, func: Callable, *, cron: dict, description: str) -> None:
    _JOBS[name] = Job(name, func, cron, description)


def all_jobs() -> list[Job]:
    return sorted(_JOBS.values(), key=lambda j: j.name)


def run_job(app, name: str, now: datetime | None = None) -> str:
    job = _JOBS.get(name)
    if job is None:
        raise KeyError(name)
    with app.app_context():
        return job.func(app, now or clock.now())


def start_scheduler(app, *, blocking: bool = True):
    """Schedule every registered job (Europe/Paris cron, one instance at a time, missed runs coalesced)."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone="Europe/Paris")
    for job in all_jobs():
        scheduler.add_job(lambda name=job.name: app.logger.info("%s : %s", name, run_job(app, name)),
                          CronTrigger(timezone="Europe/Paris", **job.cron), id=job.name, name=job.description,
                          coalesce=True, max_instances=1, misfire_grace_time=3600)
    scheduler.start()
    return scheduler
