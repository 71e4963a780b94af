"""Activity exports written with a fixed clock, and their comparison: to check that a change of the export code
leaves its files the same (same bytes for CSV; same parts for XLSX, the zip's own dates aside).

    python -m coopnum.bench.export_snapshot write DATABASE_URL FOLDER FROM TO
    python -m coopnum.bench.export_snapshot compare FOLDER_A FOLDER_B

``write`` runs, as export jobs (``exports.run_job``, what the application does), the coordinator's export of the
activities dated FROM–TO, the same restricted to a theme and to a place (the filters block), and the demo
mediator's export of all her own activities (the beneficiary and notes columns, workshops with followed
participants), each as CSV and XLSX; the jobs are deleted afterwards. Run it on a copy of a bench database: it
writes the jobs. ``compare`` compares two such folders file by file: every CSV byte for byte; in every XLSX every
zip part byte for byte (same names, same order), ``docProps/core.xml`` with its creation and modification times
left out. Exits 1 on a difference."""

from __future__ import annotations

import re
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

FIXED_NOW = datetime(2026, 3, 4, 10, 30, tzinfo=UTC)  # the "Date d'export" of every file written here
_CORE_TIMES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def write_exports(engine, folder: Path, jobs: list[tuple[str, int, dict]], *, now: datetime = FIXED_NOW) -> list[Path]:
    """Run each ``(name, user id, filters args)`` of ``jobs`` as a CSV and an XLSX export job with the clock at
    ``now``; the files land in ``folder`` as ``<name>.csv`` / ``<name>.xlsx``. The jobs are deleted afterwards."""
    from sqlmodel import Session

    from coopnum.activities.services import exports
    from coopnum.activities.services.activity_queries import ActivityFilters
    from coopnum.core.db import writing
    from coopnum.core.models import ExportJob, ExportStatus, User

    folder = Path(folder)
    work = folder / "work"
    written = []
    for name, user_id, args in jobs:
        for fmt in exports.FORMATS:
            with writing(), Session(engine) as s:
                job_id = exports.create_job(s, s.get(User, user_id), ActivityFilters.from_args(args), fmt, now=now).id
                s.commit()
            exports.run_job(engine, work, job_id, now=lambda: now)
            with writing(), Session(engine) as s:
                job = s.get(ExportJob, job_id)
                if job.status != ExportStatus.DONE:
                    raise SystemExit(f"{name}.{fmt}: {job.status} {job.error}")
                target = folder / f"{name}.{fmt}"
                (work / job.file_path).replace(target)
                s.delete(job)
                s.commit()
            written.append(target)
    if work.is_dir():
        work.rmdir()
    return written


def write_bench(url: str, folder: str, date_from: str, date_to: str) -> list[Path]:
    from coopnum import create_app
    from coopnum.activities.models import Activity
    from coopnum.bench.pages import LOGINS
    from coopnum.core.db import db
    from coopnum.core.models import User

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        def user(key):
            return db.session.execute(select(User.id).where(User.email == LOGINS[key])).scalar_one()

        coordinator, mediator = user("coordination"), user("médiatrice")
        place = db.session.execute(select(Activity.place_id).where(Activity.place_id.is_not(None))
                                   .group_by(Activity.place_id).order_by(func.count().desc()).limit(1)).scalar()
        db.session.rollback()  # no reading transaction left open while the jobs write
        period = {"from": date_from, "to": date_to}
        jobs = [("coordinator", coordinator, period),
                ("coordinator-theme", coordinator, {**period, "theme": "Email"}),
                ("coordinator-place", coordinator, {**period, "place": str(place)}),
                ("mediator-all", mediator, {})]
        Path(folder).mkdir(parents=True, exist_ok=True)
        return write_exports(db.engine, Path(folder), jobs)


def _first_difference(a: bytes, b: bytes) -> str:
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"at byte {at} ({len(a)} / {len(b)} bytes): {a[max(at - 80, 0):at + 80]!r} / {b[max(at - 80, 0):at + 80]!r}"


def compare_files(a: Path, b: Path) -> list[str]:
    """The differences between two exports (empty: the same)."""
    if a.suffix == ".csv":
        da, db_ = a.read_bytes(), b.read_bytes()
        return [] if da == db_ else [f"{a.name}: {_first_difference(da, db_)}"]
    problems = []
    with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
        if za.namelist() != zb.namelist():
            return [f"{a.name}: parts {za.namelist()} / {zb.namelist()}"]
        for name in za.namelist():
            pa, pb = za.read(name), zb.read(name)
            if name == "docProps/core.xml":
                pa, pb = _CORE_TIMES.sub(rb"\1\2", pa), _CORE_TIMES.sub(rb"\1\2", pb)
            if pa != pb:
                problems.append(f"{a.name} {name}: {_first_difference(pa, pb)}")
    return problems


def compare_folders(first: str, second: str) -> list[str]:
    a, b = Path(first), Path(second)
    names = sorted(p.name for p in a.iterdir() if p.is_file())
    other = sorted(p.name for p in b.iterdir() if p.is_file())
    if names != other:
        return [f"files {names} / {other}"]
    return [problem for name in names for problem in compare_files(a / name, b / name)]


if __name__ == "__main__":
    if sys.argv[1:2] == ["write"]:
        for path in write_bench(*sys.argv[2:6]):
            print(path, path.stat().st_size)
    elif sys.argv[1:2] == ["compare"]:
        found = compare_folders(*sys.argv[2:4])
        print("\n".join(found) or "identical")
        sys.exit(1 if found else 0)
    else:
        raise SystemExit(__doc__)
