"""Pages of the exports of activity reports: start an export (CSV or XLSX, the filters of the activity list), follow
its progress, download the file, start a failed one again ("Relancer"). An export belongs to whoever started it:
nobody else sees it (404).

The activity list offers the export with ``{% include "activities/exports/_form.html" %}`` (it posts the list's
filters and the chosen format to ``missions.activities_export``)."""

from flask import abort, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopnum.activities.services import exports
from coopnum.activities.services.activity_queries import ActivityFilters
from coopnum.activities.views import bp
from coopnum.core import clock
from coopnum.core.access import login_required, roles_required
from coopnum.core.db import db, writing
from coopnum.core.models import ExportJob, ExportStatus, Role
from coopnum.core.views import commit_or_flash

FILTER_ARGS = ("from", "to", "mediator", "convention", "organisation", "place", "kind", "theme")


def _list_url(args: dict) -> str:
    return url_for("activities.activities", **args)


@bp.route("/activities/export", methods=["POST"])
@roles_required(Role.COORDINATOR, Role.MEDIATOR)
def activities_export():
    """Start an export of the activities matching the filters (query string or form fields)."""
    args = {k: v for k, v in request.args.items() if k in FILTER_ARGS}
    args.update({k: v for k, v in request.form.items() if k in FILTER_ARGS})
    fmt = (request.form.get("format") or request.args.get("format") or "xlsx").strip().lower()
    ok, job = commit_or_flash(
        lambda: exports.create_job(db.session, current_user, ActivityFilters.from_args(args), fmt, now=clock.now())
    )
    if not ok:
        return redirect(_list_url({k: v for k, v in args.items() if v}))
    exports.start(current_app._get_current_object(), job.id)
    return redirect(url_for("activities.export_job", job_id=job.id))


def _own_job(job_id: int) -> ExportJob:
    job = db.session.get(ExportJob, job_id)
    if job is None or job.user_id != current_user.id:
        abort(404)
    return job


def _expired():
    abort(404, description=_("Cet export n’est plus disponible : les fichiers sont supprimés après %(hours)s heures. "
                             "Relancez l’export depuis la liste des activités.", hours=exports.KEEP_HOURS))


@bp.route("/exports/<int:job_id>")
@login_required
def export_job(job_id: int):
    """The progress of an export; htmx asks for the progress block every second until the file is ready. A job
    without progress for ``exports.STALE_MINUTES`` (its worker is gone) is marked failed here."""
    job = _own_job(job_id)
    now = clock.now()
    if exports.is_expired(job, now):
        _expired()
    if exports.is_stale(job, now):
        db.session.rollback()  # then a writing transaction (SQLite: BEGIN IMMEDIATE)
        with writing():
            job = _own_job(job_id)
            exports.fail_if_stale(db.session, job, now=now)  # unless its worker reported meanwhile
            db.session.commit()
    context = {"job": job, "finished": job.status in (ExportStatus.DONE, ExportStatus.FAILED),
               "percent": int(job.done * 100 / job.total) if job.total else (100 if job.status == "done" else 0),
               "list_url": _list_url(job.params.get("filters", {}))}
    if request.headers.get("HX-Request"):
        return render_template("activities/exports/_progress.html", **context)
    return render_template("activities/exports/job.html", **context)


@bp.route("/exports/<int:job_id>/retry", methods=["POST"])
@login_required
def export_retry(job_id: int):
    """Start again the export of a failed job: a new job with the same filters and format."""
    job = _own_job(job_id)
    if job.status != ExportStatus.FAILED:
        return redirect(url_for("activities.export_job", job_id=job.id))
    ok, new_job = commit_or_flash(lambda: exports.retry_job(db.session, current_user, job, now=clock.now()))
    if not ok:
        return redirect(url_for("activities.export_job", job_id=job.id))
    exports.start(current_app._get_current_object(), new_job.id)
    return redirect(url_for("activities.export_job", job_id=new_job.id))


@bp.route("/exports/<int:job_id>/download")
@login_required
def export_download(job_id: int):
    job = _own_job(job_id)
    if exports.is_expired(job, clock.now()):
        _expired()
    if job.status != ExportStatus.DONE:
        return redirect(url_for("activities.export_job", job_id=job.id))
    path = exports.job_path(exports.exports_dir(current_app), job)
    if path is None or not path.is_file():
        _expired()
    return send_file(path, mimetype=exports.MIMETYPES[job.format], as_attachment=True,
                     download_name=job.file_name or path.name, max_age=0)
