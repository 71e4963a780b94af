"""Pages of the timesheets domain: validating several months at once — the coordination selects submitted
timesheets on the month's list, reviews their anomalies, and validates them in one action."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from coopnum.core import clock
from coopnum.core.access import roles_required
from coopnum.core.db import db
from coopnum.core.errors import DomainError
from coopnum.core.i18n import elided, ngettext
from coopnum.core.models import Role
from coopnum.core.validation import parse_id
from coopnum.core.views import commit_or_flash
from coopnum.timesheets.forms.hours import BulkValidateForm
from coopnum.timesheets.services import bulk, hours
from coopnum.timesheets.views import bp
from coopnum.timesheets.views.hours import _path_month, notify_validated


def _selected_ids() -> list[int]:
    ids = [parse_id(v) for v in request.values.getlist("ids")]
    if any(i is None for i in ids):
        abort(400)
    return [i for i in ids if i is not None]


def _list(month) -> str:
    return url_for("timesheets.timesheets", month=hours.month_key(month), status="submitted")


def _render_review(month, reviews, *, status: int = 200):
    valid = [r for r in reviews if r.blocking is None]
    return render_template("timesheets/hours/review.html", month=month, reviews=reviews, valid=valid,
                           form=BulkValidateForm(formdata=None)), status


@bp.route("/timesheets/<month>/review")
@roles_required(Role.COORDINATOR)
def timesheets_review(month: str):
    """The review step: the selected timesheets, those that cannot be validated and those with anomalies first."""
    month = _path_month(month)
    try:
        reviews = bulk.review(db.session, current_user._get_current_object(), _selected_ids(), month,
                              now=clock.now())
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(_list(month))
    return _render_review(month, reviews)


@bp.route("/timesheets/<month>/validate", methods=["POST"])
@roles_required(Role.COORDINATOR)
def timesheets_validate(month: str):
    """Validate the reviewed timesheets in one action; each refused one is reported, the others are validated."""
    month = _path_month(month)
    form = BulkValidateForm()
    if not form.validate_on_submit():
        return redirect(_list(month))
    stamps = {i: request.form.get(f"stamp-{i}", "") for i in _selected_ids()}

    def validate_all():
        result = bulk.validate_many(db.session, current_user._get_current_object(), stamps, month, now=clock.now())
        for user in result.validated:
            notify_validated(user, month)
        return result

    ok, result = commit_or_flash(validate_all)
    if not ok:
        return redirect(_list(month))
    label = format_date(month, "MMMM y")
    if result.validated:
        flash(elided(ngettext("%(num)s relevé de %(month)s validé et verrouillé : %(names)s.",
                              "%(num)s relevés de %(month)s validés et verrouillés : %(names)s.",
                              len(result.validated), month=label,
                              names=", ".join(u.full_name for u in result.validated)), label), "success")
    for name, reason in result.refused:
        flash(elided(_("Relevé de %(name)s non validé : %(reason)s", name=name, reason=reason), name), "warning")
    if result.conflicts and not result.validated:
        # everything changed under the coordinator's eyes: show the review again, as it is now (409)
        reviews = bulk.review(db.session, current_user._get_current_object(), list(stamps), month, now=clock.now())
        return _render_review(month, reviews, status=409)
    return redirect(_list(month))
