"""Billing pages: payments — the list of payments (filters), recording a payment on an invoice (or a refund),
cancelling a mistaken one; and the ageing of receivables (balance âgée) per client."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopnum.billing import queries
from coopnum.billing.forms.invoices import STATE_BADGES, STATE_LABELS
from coopnum.billing.forms.payments import METHOD_LABELS, CancelPaymentForm, PaymentFilterForm, PaymentForm
from coopnum.billing.models import Invoice, PaymentMethod
from coopnum.billing.services import accounting, dunning
from coopnum.billing.services import payments as svc
from coopnum.billing.views import bp
from coopnum.core import clock
from coopnum.core.access import load_or_404, roles_required
from coopnum.core.db import db
from coopnum.core.models import Role
from coopnum.core.pagination import COUNT_LIMIT, page_args, paginate
from coopnum.core.validation import parse_id
from coopnum.core.views import commit_or_flash, commit_or_show, form_status, link_to, safe_next


def invoice_url(invoice_id: int) -> str:
    """The invoice's page (the invoices area), else the payment page of the invoice."""
    return link_to("billing.invoice", invoice_id) or url_for("billing.payment_new", invoice_id=invoice_id)


@bp.app_context_processor
def _payment_labels():
    return {"payment_method_labels": METHOD_LABELS}


# --- the list -------------------------------------------------------------------------------------------------------

@bp.route("/payments")
@roles_required(Role.COORDINATOR)
def payments():
    form = PaymentFilterForm(request.args)
    form.organisation_id.choices = [("", _("Tous"))] + [(str(i), n) for i, n in
                                                        queries.organisations_with_invoices(db.session)]
    form.validate()
    org_id = form.organisation_id.data if not form.organisation_id.errors else None
    filters = queries.PaymentFilters(
        date_from=form.date_from.data if not form.date_from.errors else None,
        date_to=form.date_to.data if not form.date_to.errors else None,
        method=form.method.data or None if not form.method.errors else None,
        organisation_id=parse_id(org_id))
    page = paginate(db.session, queries.payments_stmt(filters), *page_args(50), count_limit=COUNT_LIMIT)
    count, total = queries.payments_total(db.session, filters)
    return render_template("billing/payments/list.html", form=form, page=page, total=total, count=count,
                           invoice_url=invoice_url)


# --- recording a payment --------------------------------------------------------------------------------------------

def _load_invoice(invoice_id: int) -> Invoice:
    return load_or_404(Invoice, invoice_id)


def _render_form(invoice: Invoice, form: PaymentForm, cancel_form: CancelPaymentForm | None = None,
                 status: int = 200):
    today = clock.today()
    return render_template(
        "billing/payments/form.html", invoice=invoice, form=form, cancel_form=cancel_form or CancelPaymentForm(),
        payments=svc.payments_of(db.session, invoice), reminders=dunning.reminders_of(db.session, invoice),
        state=invoice.payment_state(today), state_labels=STATE_LABELS, state_badges=STATE_BADGES,
        refundable=svc.overpaid_cents(invoice), invoice_url=invoice_url(invoice.id),
        next=safe_next(request.values.get("next")) or "", today=today,
        payable=not invoice.is_draft and not invoice.is_credit_note), status


@bp.route("/invoices/<int:invoice_id>/payments/new", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def payment_new(invoice_id: int):
    invoice = _load_invoice(invoice_id)
    form = PaymentForm()
    if request.method == "GET":
        form.received_on.data = clock.today()
        refundable = svc.overpaid_cents(invoice)
        if invoice.balance_cents > 0:
            form.amount_cents.data = invoice.balance_cents
        elif refundable:
            form.amount_cents.data = refundable
            form.method.data = PaymentMethod.REFUND.value
    if form.validate_on_submit():
        amount = form.amount_cents.data
        if form.method.data == PaymentMethod.REFUND and amount > 0:
            amount = -amount  # a refund is typed as the amount given back
        ok, payment = commit_or_show(form, lambda: svc.record(
            db.session, current_user._get_current_object(), invoice, amount_cents=amount,
            received_on=form.received_on.data, method=form.method.data, reference=form.reference.data or "",
            notes=form.notes.data or "", now=clock.now()))
        if ok:
            fresh = db.session.get(Invoice, invoice.id)
            if payment.amount_cents < 0:
                flash(_("Remboursement de %(amount)s enregistré.", amount=svc.euros(-payment.amount_cents)), "success")
            elif fresh.balance_cents <= 0:
                flash(_("Règlement enregistré : la facture %(number)s est soldée.", number=fresh.number), "success")
            else:
                flash(_("Règlement enregistré : il reste %(balance)s à payer.",
                        balance=svc.euros(fresh.balance_cents)), "success")
            return redirect(safe_next(request.values.get("next")) or invoice_url(invoice.id))
    return _render_form(invoice, form, status=form_status())


@bp.route("/payments/<int:payment_id>/delete", methods=["POST"])
@roles_required(Role.COORDINATOR)
def payment_delete(payment_id: int):
    payment = svc.load_payment(db.session, payment_id)
    if payment is None:
        abort(404)
    invoice_id = payment.invoice_id
    form = CancelPaymentForm()
    if not form.validate_on_submit():
        abort(400)
    commit_or_flash(lambda: svc.cancel(db.session, current_user._get_current_object(), payment,
                                       reason=form.reason.data or "", now=clock.now()),
                    _("Règlement annulé."))
    return redirect(safe_next(request.values.get("next")) or url_for("billing.payment_new", invoice_id=invoice_id))


# --- the ageing of receivables --------------------------------------------------------------------------------------

@bp.route("/receivables")
@roles_required(Role.COORDINATOR)
def receivables():
    today = clock.today()
    page = paginate(db.session, accounting.ageing_stmt(today), *page_args(50), scalars=False)
    rows = accounting.ageing_rows(page.items)
    totals = accounting.ageing_totals(db.session, today)
    return render_template("billing/payments/receivables.html", page=page, rows=rows, totals=totals, today=today,
                           invoices_url=lambda org_id: link_to("billing.invoices", organisation_id=org_id,
                                                               state="open"))
