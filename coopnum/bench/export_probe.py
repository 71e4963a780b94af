"""One activity export in a process of its own, for its time and peak memory:

    python -m coopnum.bench.export_probe DATABASE_URL csv|xlsx FROM TO

runs the coordinator's export of the activity reports dated FROM–TO as the application does (an export job, run to
the end by ``exports.run_job``), then deletes the job and its file, and prints one JSON line: ``seconds``,
``rows``, ``peak_mb`` (the process's peak resident memory during the export, sampled every 50 ms), ``before_mb``
(its resident memory before the export: the application loaded) and ``added_mb`` (what the export added at its
peak)."""

from __future__ import annotations

import json
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import select


def _rss_mb() -> float:
    """The resident memory now (Linux: /proc/self/statm), in MB."""
    import os

    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


class PeakSampler(threading.Thread):
    """The highest resident memory seen while it runs (``getrusage``'s peak also holds the imports' one)."""

    def __init__(self, every: float = 0.05):
        super().__init__(daemon=True)
        self.every, self.peak, self.stopped = every, _rss_mb(), threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            self.peak = max(self.peak, _rss_mb())

    def stop(self) -> float:
        self.stopped.set()
        self.join()
        self.peak = max(self.peak, _rss_mb())
        return self.peak


def probe(url: str, fmt: str, date_from: str, date_to: str) -> dict:
    from coopnum import create_app
    from coopnum.activities.services import exports
    from coopnum.activities.services.activity_queries import ActivityFilters
    from coopnum.bench.pages import LOGINS
    from coopnum.core import clock
    from coopnum.core.db import db, writing
    from coopnum.core.models import ExportJob, ExportStatus, User

    folder = Path(tempfile.mkdtemp(prefix="coopnum-bench-export-"))
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "EXPORTS_DIR": str(folder)})
    with app.app_context():
        with writing():
            coordinator = db.session.execute(select(User).where(User.email == LOGINS["coordination"])).scalar_one()
            filters = ActivityFilters.from_args({"from": date_from, "to": date_to})
            job_id = exports.create_job(db.session, coordinator, filters, fmt, now=clock.now()).id
            db.session.commit()
        before = _rss_mb()
        sampler = PeakSampler()
        sampler.start()
        started = time.perf_counter()
        exports.run_job(db.engine, folder, job_id)
        seconds = time.perf_counter() - started
        peak = sampler.stop()
        with writing():
            job = db.session.get(ExportJob, job_id)
            db.session.refresh(job)
            result = {"status": job.status, "rows": job.done, "error": job.error}
            if job.file_path:
                result["mb"] = round((folder / job.file_path).stat().st_size / 1024 / 1024, 1)
                (folder / job.file_path).unlink(missing_ok=True)
            db.session.delete(job)
            db.session.commit()
    folder.rmdir()
    if result["status"] != ExportStatus.DONE:
        raise SystemExit(f"export en échec : {result['error']}")
    return {"seconds": round(seconds, 2), "rows": result["rows"], "file_mb": result.get("mb"),
            "peak_mb": round(peak, 1), "before_mb": round(before, 1), "added_mb": round(max(peak - before, 0), 1)}


if __name__ == "__main__":
    print(json.dumps(probe(*sys.argv[1:5])))
