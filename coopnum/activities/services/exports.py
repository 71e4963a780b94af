"""Exports of activity reports (CRA) as CSV and XLSX, with the columns and value formats of the national tool's
"Activités" export (``shared/domain/reference/coop-cra.md``), streamed so that years of data never sit in memory.

The rows come from ``export_rows``: those of ``activity_queries.visible_activities(viewer, filters)`` — the same
statement as the list page and the API, access rules included — read ``CHUNK_SIZE`` activities at a time. One row
per accompaniment: an individual accompaniment gives one row, a collective workshop one row per participant
(``Participants`` = ``1/12`` … ``12/12``: the followed beneficiaries first, then the anonymous ones).

Formats:

* **XLSX** (openpyxl, write-only workbook): an "Informations export" block (who, when, how many rows), the filters
  block, an empty row, then the table (an Excel table named ``Activités``). Numbers (duration, CRA id) are
  numbers; dates are text as in the national export. The data rows are serialised by ``coopnum.core.xlsx_stream``
  (openpyxl's bytes, without a cell object per cell) into a temporary file, spliced into the sheet at the end.
* **CSV**: the table only (header + rows), UTF-8 with a byte-order mark and ``;`` as separator, CRLF line ends:
  what French Excel opens correctly with a double click. Cells holding several values use line breaks inside
  quotes. Cells starting with ``= + - @``, a tab or a carriage return get a leading apostrophe so a spreadsheet
  never runs them as formulas (in the XLSX they are written as text cells instead): ``coopnum.core.spreadsheet``,
  shared by every CSV/XLSX file of the application.

Large exports run as an ``ExportJob`` in a background thread with its own application context and database
sessions: the reading one streams; progress (``done``/``total`` rows) is written after every chunk in a short
writing transaction of its own (SQLite: ``BEGIN IMMEDIATE`` through ``coopnum.core.db.writing``). The file lands
in ``<instance>/exports/`` (setting ``EXPORTS_DIR`` to change it); ``cleanup`` deletes jobs and files older than ``KEEP_HOURS`` (recurring job
``exports.cleanup``).

A job whose worker died (killed process, restarted server) would stay "en cours" forever: every progress report
also writes its time in ``params["progress_at"]``, and a job queued or running without progress for longer than
``STALE_MINUTES`` is marked failed with ``STALE_MESSAGE`` by ``cleanup`` and when its page is read
(``fail_if_stale``); the worker's own writes only apply while the job is still active, so a late worker stops
instead of reviving it. ``retry_job`` starts the same export again (the "Relancer" button of a failed job).

With the ``EXPORTS_SYNC`` setting (default: on under ``TESTING``) the job runs in the request itself."""

from __future__ import annotations

import csv
import logging
import secrets
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from sqlalchemy import delete, select, update
from sqlmodel import Session

from coopnum.activities import cra_reference as ref
from coopnum.activities.services import reference_lists
from coopnum.activities.services.activity_queries import ActivityFilters
from coopnum.activities.services.export_rows import (
    CHUNK_SIZE,
    ROLE_MEDIATOR,
    RowBuilder,
    columns_for,
    fr_date,
    row_chunks,
    row_count,
)
from coopnum.core import clock, formats, jobs, spreadsheet, xlsx_stream
from coopnum.core.access import is_staff
from coopnum.core.clock import PARIS
from coopnum.core.db import reading, writing
from coopnum.core.errors import DomainError
from coopnum.core.models import ExportJob, ExportStatus, Role, User
from coopnum.organisations.models import Convention, Organisation, Place

log = logging.getLogger(__name__)

KEEP_HOURS = 24
STALE_MINUTES = 30  # a queued or running job without progress for that long has lost its worker
PROGRESS_KEY = "progress_at"  # in ``params``: when the worker last reported progress (ISO 8601, UTC)
FORMATS = ("csv", "xlsx")
KIND = "activities"
TABLE_NAME = "Activités"
SHEET_TITLE = "Activités"
ROLE_COORDINATOR = "Coordinateur"
FAILED_MESSAGE = "L’export a échoué. Réessayez, ou prévenez l’équipe technique si cela se reproduit."
STALE_MESSAGE = (f"L’export s’est interrompu : aucune progression depuis plus de {STALE_MINUTES} minutes. "
                 "Relancez-le.")
ACTIVE = (ExportStatus.PENDING, ExportStatus.RUNNING)
MIMETYPES = {"csv": "text/csv",  # served with "; charset=utf-8" (werkzeug adds it to text/*)
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


# --- writers ------------------------------------------------------------------------------------------------------

def write_csv(path: Path, columns: list[str], chunks: Iterable[list[list[Any]]],
              on_chunk: Callable[[int], None] | None = None) -> int:
    """Write the CSV (UTF-8 with BOM, ``;``); returns the number of rows. ``on_chunk(rows_done)`` after each chunk."""
    done = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(columns)
        for rows in chunks:
            writer.writerows(spreadsheet.csv_row(row) for row in rows)
            done += len(rows)
            if on_chunk:
                on_chunk(done)
    return done


def _xlsx_value(ws, value: Any):
    if isinstance(value, str):
        if not value:
            return None  # an empty cell is not written at all: much faster on wide, sparse rows
        return spreadsheet.xlsx_cell(ws, ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def write_xlsx(path: Path, columns: list[str], chunks: Iterable[list[list[Any]]], *,
               info: list[tuple[str, Any]], filters: list[tuple[str, Any]],
               on_chunk: Callable[[int], None] | None = None) -> int:
    """Write the XLSX; returns the number of rows. The data rows are serialised as they come into a temporary file
    (``coopnum.core.xlsx_stream``: openpyxl's bytes, without a cell object per cell); openpyxl writes the rest of
    the workbook (write-only), the rows go into its sheet at the end."""
    header_row = len(info) + len(filters) + 5
    with xlsx_stream.RowSpool(first_row=header_row + 1) as spool:
        for rows in chunks:
            spool.add(rows)
            if on_chunk:
                on_chunk(spool.count)
        _write_workbook(path, columns, spool, info=info, filters=filters, header_row=header_row)
        return spool.count


def _write_workbook(path: Path, columns: list[str], spool: xlsx_stream.RowSpool, *, info: list[tuple[str, Any]],
                    filters: list[tuple[str, Any]], header_row: int) -> None:
    """The information and filters blocks, the header row and the table, with the spooled rows."""
    done = spool.count
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_TITLE)
    bold = Font(bold=True)

    def heading(text: str):
        cell = WriteOnlyCell(ws, value=text)
        cell.font = bold
        return cell

    ws.append([heading("Informations export")])
    for label, value in info:
        ws.append([label, _xlsx_value(ws, value)])
    ws.append([])
    ws.append([heading("Filtres")])
    for label, value in filters:
        ws.append([label, _xlsx_value(ws, value)])
    ws.append([])
    ws.append([heading(c) for c in columns])
    last_col = _column_letter(len(columns))
    table = Table(displayName=TABLE_NAME, ref=f"A{header_row}:{last_col}{header_row + max(done, 1)}")
    table.tableColumns = [TableColumn(id=i + 1, name=name) for i, name in enumerate(columns)]
    table.autoFilter = AutoFilter(ref=table.ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    with warnings.catch_warnings():  # openpyxl warns about write-only tables even when columns are given
        warnings.simplefilter("ignore", UserWarning)
        ws.add_table(table)
    spool.save(wb, ws, path)


def _column_letter(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def info_block(viewer: User, total: int, now: datetime) -> list[tuple[str, Any]]:
    first, _, last = viewer.full_name.partition(" ")
    role = ROLE_COORDINATOR if is_staff(viewer) else ROLE_MEDIATOR
    local = now.astimezone(PARIS)
    return [("Nom", last), ("Prénom", first), ("Rôle", role), ("Total", total),
            ("Date d’export", local.strftime("%d/%m/%Y")), ("Heure d’export", local.strftime("%H:%M"))]


def filters_block(session: Session, filters: ActivityFilters) -> list[tuple[str, Any]]:
    """The filters of the export, in words (a few small queries)."""
    labels = reference_lists.all_labels(session)
    lines: list[tuple[str, Any]] = [("Début de période", fr_date(filters.date_from) or "—"),
                                    ("Fin de période", fr_date(filters.date_to) or "—")]
    if filters.mediator_id:
        user = session.get(User, filters.mediator_id)
        lines.append(("Médiateur", user.full_name if user else f"n° {filters.mediator_id}"))
    if filters.convention_id:
        conv = session.get(Convention, filters.convention_id)
        lines.append(("Convention", f"{conv.reference} — {conv.title}" if conv else f"n° {filters.convention_id}"))
    if filters.organisation_id:
        org = session.get(Organisation, filters.organisation_id)
        lines.append(("Structure", org.name if org else f"n° {filters.organisation_id}"))
    if filters.place_id:
        place = session.get(Place, filters.place_id)
        lines.append(("Lieu", place.name if place else f"n° {filters.place_id}"))
    if filters.kind:
        lines.append(("Type", labels[ref.TYPE_ACTIVITE].get(filters.kind, filters.kind)))
    if filters.theme:
        theme = labels[ref.THEMATIQUE].get(filters.theme) or labels[ref.THEMATIQUE_DEMARCHE].get(filters.theme)
        lines.append(("Thématique", theme or filters.theme))
    return lines


def file_name(fmt: str, now: datetime) -> str:
    return f"activites-{now.astimezone(PARIS):%Y-%m-%d-%H%M}.{fmt}"


# --- jobs ---------------------------------------------------------------------------------------------------------

def may_export(user: User) -> bool:
    return is_staff(user) or user.has_role(Role.MEDIATOR)


def create_job(session: Session, actor: User, filters: ActivityFilters, fmt: str, *, now: datetime) -> ExportJob:
    """Record an export to run (the caller commits, then starts it)."""
    if not may_export(actor):
        raise DomainError("Vous ne pouvez pas exporter d’activités.")
    if fmt not in FORMATS:
        raise DomainError("Format d’export inconnu : choisissez CSV ou XLSX.", field="format")
    job = ExportJob(user_id=actor.id, kind=KIND, format=fmt, params={"filters": filters.to_args()},
                    status=ExportStatus.PENDING, created_at=now)
    session.add(job)
    session.flush()
    return job


def exports_dir(app) -> Path:
    """Where export files go: the ``EXPORTS_DIR`` setting, else ``<instance>/exports`` (under TESTING without
    the setting: a temporary folder per application, so that tests never write into the instance)."""
    folder = app.config.get("EXPORTS_DIR")
    if not folder:
        if not app.config.get("TESTING"):
            return Path(app.instance_path) / "exports"
        folder = app.config["EXPORTS_DIR"] = tempfile.mkdtemp(prefix="coopnum-exports-")
    return Path(folder)


def job_path(folder: Path, job: ExportJob) -> Path | None:
    if not job.file_path:
        return None
    return Path(folder) / job.file_path


def is_expired(job: ExportJob, now: datetime) -> bool:
    return job.created_at <= now - timedelta(hours=KEEP_HOURS)


class Abandoned(Exception):
    """The job was marked failed (stale) while its worker still ran: the worker stops."""


def _set(engine, job_id: int, *, expect: tuple[str, ...] = ACTIVE, **values) -> bool:
    """Write the job's progress in a short transaction of its own (SQLite: BEGIN IMMEDIATE), only while its status
    is one of ``expect``; returns whether it was written (False: the job was marked failed meanwhile)."""
    with writing(), Session(engine) as s:
        result = s.execute(update(ExportJob).where(ExportJob.id == job_id, ExportJob.status.in_(expect))
                           .values(**values))
        s.commit()
        return result.rowcount == 1


def _heartbeat(params: dict | None, moment: datetime) -> dict:
    return {**(params or {}), PROGRESS_KEY: moment.isoformat()}


def last_progress(job: ExportJob) -> datetime:
    """When the job last showed a sign of life: its last progress report, else its creation."""
    raw = (job.params or {}).get(PROGRESS_KEY)
    try:
        moment = datetime.fromisoformat(raw) if raw else None
    except (TypeError, ValueError):
        moment = None
    if moment is None or moment.tzinfo is None:
        return job.created_at
    return max(moment, job.created_at)


def is_stale(job: ExportJob, now: datetime) -> bool:
    """Queued or running without progress for longer than ``STALE_MINUTES``: its worker is gone (killed process,
    restarted server)."""
    return job.status in ACTIVE and last_progress(job) <= now - timedelta(minutes=STALE_MINUTES)


def fail_if_stale(session: Session, job: ExportJob, *, now: datetime) -> bool:
    """Mark a stale job failed with ``STALE_MESSAGE`` (the caller commits); returns whether it did. The update
    only applies if the job has not moved since it was read, so a worker reporting at that moment wins."""
    if not is_stale(job, now):
        return False
    result = session.execute(
        update(ExportJob)
        .where(ExportJob.id == job.id, ExportJob.status == job.status, ExportJob.done == job.done)
        .values(status=ExportStatus.FAILED, error=STALE_MESSAGE, finished_at=now)
        .execution_options(synchronize_session=False))
    session.expire(job)
    return result.rowcount == 1


def fail_stale(session: Session, *, now: datetime) -> int:
    """Mark every stale job failed (the caller commits); returns how many."""
    limit = now - timedelta(minutes=STALE_MINUTES)
    candidates = session.execute(select(ExportJob).where(ExportJob.status.in_(ACTIVE),
                                                         ExportJob.created_at <= limit)).scalars().all()
    return sum(fail_if_stale(session, job, now=now) for job in candidates)


def retry_job(session: Session, actor: User, job: ExportJob, *, now: datetime) -> ExportJob:
    """A new job with the same filters and format as a failed one (the caller commits, then starts it)."""
    if job.user_id != actor.id:
        raise DomainError("Cet export n’est pas le vôtre.")
    if job.status != ExportStatus.FAILED:
        raise DomainError("Seul un export en échec peut être relancé.")
    filters = ActivityFilters.from_args((job.params or {}).get("filters", {}))
    return create_job(session, actor, filters, job.format, now=now)


def run_job(engine, folder: Path, job_id: int, *, chunk_size: int = CHUNK_SIZE,
            now: Callable[[], datetime] = clock.now) -> None:
    """Run an export job to the end: stream the rows into its file, updating ``done`` after every chunk.

    Opens its own sessions on ``engine``; runs as well in a thread as in the request (tests). Never raises: a
    failure is recorded on the job."""
    # The reading transaction must not hold SQLite's write lock for minutes.
    relative = ""
    try:
        with reading(), Session(engine, expire_on_commit=False) as read:
            job = read.get(ExportJob, job_id)
            if job is None or job.status != ExportStatus.PENDING:
                return
            viewer = read.get(User, job.user_id)
            filters = ActivityFilters.from_args(job.params.get("filters", {}))
            total = row_count(read, viewer, filters)
            if not _set(engine, job_id, expect=(ExportStatus.PENDING,), status=ExportStatus.RUNNING, total=total,
                        done=0, params=_heartbeat(job.params, now())):
                return  # marked failed while queued
            columns = columns_for(viewer, filters)
            builder = RowBuilder(read, columns)
            folder = Path(folder)
            folder.mkdir(parents=True, exist_ok=True)
            relative = f"{job_id}-{secrets.token_hex(8)}.{job.format}"
            chunks = row_chunks(read, viewer, filters, builder, chunk_size=chunk_size)

            def progress(done: int) -> None:
                if not _set(engine, job_id, expect=(ExportStatus.RUNNING,), done=min(done, total) if total else done,
                            params=_heartbeat(job.params, now())):
                    raise Abandoned

            if job.format == "csv":
                done = write_csv(folder / relative, columns, chunks, progress)
            else:
                info = info_block(viewer, total, now())
                done = write_xlsx(folder / relative, columns, chunks, info=info,
                                  filters=filters_block(read, filters), on_chunk=progress)
            read.rollback()  # end the reading transaction before the last write
            if not _set(engine, job_id, expect=(ExportStatus.RUNNING,), status=ExportStatus.DONE, done=done,
                        total=max(total, done), file_path=relative, file_name=file_name(job.format, now()),
                        finished_at=now()):
                raise Abandoned
    except Abandoned:  # already failed (stale); its owner may start it again
        log.warning("export job %s was marked failed while running: stopped", job_id)
        if relative:
            (Path(folder) / relative).unlink(missing_ok=True)
    except Exception:  # recorded on the job, shown to its owner; the details go to the log
        log.exception("export job %s failed", job_id)
        try:
            _set(engine, job_id, status=ExportStatus.FAILED, error=FAILED_MESSAGE, finished_at=now())
        except Exception:  # pragma: no cover - the database itself is gone
            log.exception("cannot record the failure of export job %s", job_id)


def start(app, job_id: int) -> threading.Thread | None:
    """Run the job in a background thread with its own application context (or at once with EXPORTS_SYNC)."""
    from coopnum.core.db import db

    def target() -> None:
        with app.app_context():
            run_job(db.engine, exports_dir(app), job_id)

    if app.config.get("EXPORTS_SYNC", app.config.get("TESTING", False)):
        target()
        return None
    thread = threading.Thread(target=target, name=f"export-{job_id}", daemon=True)
    thread.start()
    return thread


@dataclass
class Cleaned:
    jobs: int = 0
    files: int = 0
    failed: int = 0  # stale jobs marked failed


def cleanup(session: Session, folder: Path, *, now: datetime) -> Cleaned:
    """Mark stale jobs failed (``fail_stale``), delete export jobs older than ``KEEP_HOURS`` and their files (in
    ``folder``), and stray files of that age."""
    limit = now - timedelta(hours=KEEP_HOURS)
    folder = Path(folder)
    result = Cleaned(failed=fail_stale(session, now=now))
    old = session.execute(select(ExportJob.id, ExportJob.file_path).where(ExportJob.created_at <= limit)).all()
    for _job_id, relative in old:
        if relative and (folder / relative).is_file():
            (folder / relative).unlink(missing_ok=True)
            result.files += 1
    if old:
        session.execute(delete(ExportJob).where(ExportJob.id.in_([job_id for job_id, _ in old])))
        result.jobs = len(old)
    if folder.is_dir():
        for path in folder.iterdir():
            if path.is_file() and datetime.fromtimestamp(path.stat().st_mtime, tz=now.tzinfo) <= limit:
                path.unlink(missing_ok=True)
                result.files += 1
    return result


def _cleanup_job(app, now: datetime) -> str:
    from coopnum.core.db import db

    with writing():
        result = cleanup(db.session, exports_dir(app), now=now)
        db.session.commit()
    failed = formats.count(result.failed, "export interrompu marqué", "exports interrompus marqués")
    return (f"{failed} en échec ; {formats.count(result.jobs, 'export', 'exports')} et "
            f"{formats.count(result.files, 'fichier', 'fichiers')} supprimés.")


def register() -> None:
    """Menu entries, dashboard panels, jobs and slots of this module (called by the domain's ``init_app``)."""
    jobs.register("exports.cleanup", _cleanup_job, cron={"minute": 20},
                  description=f"Marque en échec les exports d’activités interrompus (sans progression depuis "
                              f"{STALE_MINUTES} min) et supprime ceux de plus de {KEEP_HOURS} h")
