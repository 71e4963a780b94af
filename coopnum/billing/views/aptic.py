"""Billing pages: APTIC cheques — recording the cheques received, making a batch of them, sending it (the batch is
invoiced to the APTIC organisation), recording its reimbursement."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopnum.billing.forms.aptic import (
    BATCH_STATUS_BADGES,
    BATCH_STATUS_LABELS,
    BatchForm,
    ChequeForm,
    ReimbursedForm,
)
from coopnum.billing.models import ApticBatch, ApticBatchStatus, ApticCheque, Invoice
from coopnum.billing.services import aptic as svc
from coopnum.billing.views import bp
from coopnum.billing.views.payments import invoice_url
from coopnum.core import clock
from coopnum.core.access import load_or_404, roles_required
from coopnum.core.db import db
from coopnum.core.models import Role
from coopnum.core.pagination import page_args, paginate
from coopnum.core.validation import bounded_int
from coopnum.core.views import commit_or_flash, commit_or_show, form_status

LABELS = {"batch_status_labels": BATCH_STATUS_LABELS, "batch_status_badges": BATCH_STATUS_BADGES}


def _cheque_form(formdata=None) -> ChequeForm:
    form = ChequeForm(formdata=formdata) if formdata is not None else ChequeForm()
    form.place_id.choices = [(0, _("— Aucun —"))] + svc.place_choices(db.session)
    form.mediator_id.choices = [(0, _("— Aucun·e —"))] + svc.mediator_choices(db.session)
    return form


def _render_index(cheque_form: ChequeForm | None = None, batch_form: BatchForm | None = None, status: int = 200):
    if cheque_form is None:
        cheque_form = _cheque_form()
        cheque_form.received_on.data = clock.today()
        cheque_form.face_value_cents.data = svc.face_value_default(db.session)
    state = request.args.get("status", "")
    if state not in {s.value for s in ApticBatchStatus}:
        state = ""
    cheques = paginate(db.session, svc.cheque_rows_stmt(None), *page_args(100), scalars=False)
    batches = paginate(db.session, svc.batches_stmt(state or None), max(1, request.args.get("bpage", 1, type=bounded_int) or 1), 20,
                       scalars=False)
    count, total = svc.unbatched_summary(db.session)
    return render_template(
        "billing/aptic/index.html", cheque_form=cheque_form, batch_form=batch_form or BatchForm(formdata=None),
        cheques=cheques, batches=batches, unbatched_count=count, unbatched_total=total, state=state,
        aptic_org=svc.aptic_organisation(db.session), today=clock.today(), **LABELS), status


@bp.route("/aptic")
@roles_required(Role.COORDINATOR)
def aptic():
    return _render_index()


@bp.route("/aptic/cheques", methods=["POST"])
@roles_required(Role.COORDINATOR)
def aptic_cheque_new():
    form = _cheque_form(request.form)
    if form.validate():
        ok, cheque = commit_or_show(form, lambda: svc.record_cheque(
            db.session, current_user._get_current_object(), number=form.number.data,
            received_on=form.received_on.data, face_value_cents=form.face_value_cents.data,
            place_id=form.place_id.data or None, mediator_id=form.mediator_id.data or None,
            notes=form.notes.data or "", now=clock.now()))
        if ok:
            flash(_("Chèque n° %(number)s enregistré.", number=cheque.number), "success")
            return redirect(url_for("billing.aptic") + "#cheques")
    return _render_index(cheque_form=form, status=400)


@bp.route("/aptic/cheques/<int:cheque_id>/delete", methods=["POST"])
@roles_required(Role.COORDINATOR)
def aptic_cheque_delete(cheque_id: int):
    cheque = load_or_404(ApticCheque, cheque_id)
    batch_id = cheque.batch_id
    commit_or_flash(lambda: svc.delete_cheque(db.session, current_user._get_current_object(), cheque, now=clock.now()),
                    _("Chèque supprimé."))
    if batch_id:
        return redirect(url_for("billing.aptic_batch", batch_id=batch_id))
    return redirect(url_for("billing.aptic") + "#cheques")


# --- batches --------------------------------------------------------------------------------------------------------

@bp.route("/aptic/batches", methods=["POST"])
@roles_required(Role.COORDINATOR)
def aptic_batch_new():
    form = BatchForm()
    if form.validate_on_submit():
        ok, batch = commit_or_show(form, lambda: svc.create_batch(
            db.session, current_user._get_current_object(), form.cheque_ids.data, reference=form.reference.data,
            now=clock.now()))
        if ok:
            flash(_("Lot %(reference)s créé.", reference=batch.reference), "success")
            return redirect(url_for("billing.aptic_batch", batch_id=batch.id))
    return _render_index(batch_form=form, status=400)


def _load_batch(batch_id: int) -> ApticBatch:
    return load_or_404(ApticBatch, batch_id)


def _render_batch(batch: ApticBatch, form: ReimbursedForm | None = None, status: int = 200):
    if form is None:
        form = ReimbursedForm(formdata=None)
        form.received_on.data = clock.today()
    rows = db.session.execute(svc.cheque_rows_stmt(batch.id)).all()
    invoice = db.session.get(Invoice, batch.invoice_id) if batch.invoice_id else None
    return render_template(
        "billing/aptic/batch.html", batch=batch, rows=rows, total=sum(r[0].face_value_cents for r in rows),
        invoice=invoice, invoice_link=invoice_url(invoice.id) if invoice else None, form=form,
        aptic_org=svc.aptic_organisation(db.session), today=clock.today(), **LABELS), status


@bp.route("/aptic/batches/<int:batch_id>")
@roles_required(Role.COORDINATOR)
def aptic_batch(batch_id: int):
    return _render_batch(_load_batch(batch_id))


@bp.route("/aptic/batches/<int:batch_id>/send", methods=["POST"])
@roles_required(Role.COORDINATOR)
def aptic_batch_send(batch_id: int):
    batch = _load_batch(batch_id)
    ok, invoice = commit_or_flash(lambda: svc.send_batch(db.session, current_user._get_current_object(), batch,
                                                          now=clock.now()))
    if ok:
        flash(_("Lot %(reference)s envoyé : facture %(number)s émise.", reference=batch.reference,
                number=invoice.number), "success")
    return redirect(url_for("billing.aptic_batch", batch_id=batch.id))


@bp.route("/aptic/batches/<int:batch_id>/reimbursed", methods=["POST"])
@roles_required(Role.COORDINATOR)
def aptic_batch_reimbursed(batch_id: int):
    batch = _load_batch(batch_id)
    form = ReimbursedForm()
    if form.validate_on_submit():
        ok, _payment = commit_or_show(form, lambda: svc.mark_reimbursed(
            db.session, current_user._get_current_object(), batch, received_on=form.received_on.data,
            reference=form.reference.data or "", now=clock.now()))
        if ok:
            flash(_("Remboursement du lot %(reference)s enregistré.", reference=batch.reference), "success")
            return redirect(url_for("billing.aptic_batch", batch_id=batch.id))
    return _render_batch(batch, form, status=form_status())


@bp.route("/aptic/batches/<int:batch_id>/delete", methods=["POST"])
@roles_required(Role.COORDINATOR)
def aptic_batch_delete(batch_id: int):
    batch = _load_batch(batch_id)
    ok, _none = commit_or_flash(lambda: svc.delete_batch(db.session, current_user._get_current_object(), batch,
                                                          now=clock.now()), _("Lot défait : ses chèques sont de nouveau à remettre."))
    if ok:
        return redirect(url_for("billing.aptic"))
    if db.session.get(ApticBatch, batch_id) is None:
        abort(404)
    return redirect(url_for("billing.aptic_batch", batch_id=batch_id))
