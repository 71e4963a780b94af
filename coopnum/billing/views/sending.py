"""Billing pages: e-mailing an issued invoice or credit note to the buyer (POST from the invoice page).

The invoice page shows the form (``send_form(invoice)``) and the sent-log (``sending.log_of``). The mail is written
into the outbox with its sent-log row and leaves after the commit, through the mail job, which retries a failure."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopnum.billing import queries
from coopnum.billing.forms.quotes import SendDocumentForm, chosen_recipients, recipient_choices
from coopnum.billing.models import Invoice
from coopnum.billing.services import sending
from coopnum.billing.views import bp
from coopnum.core import clock, outbox, validation
from coopnum.core.access import load_or_404, roles_required
from coopnum.core.db import db
from coopnum.core.errors import DomainError
from coopnum.core.models import Role
from coopnum.core.views import commit_or_flash, link_to


def send_form(invoice: Invoice, form: SendDocumentForm | None = None) -> SendDocumentForm:
    """The form of the invoice page: the organisation's addresses (those receiving invoices checked). Fields:
    ``recipients`` (checked e-mail addresses — or contact ids), ``other_recipients``, ``message``."""
    recipients = sending.recipients_of(db.session, invoice.organisation)
    if form is None:
        form = SendDocumentForm(data={"recipients": [r.email for r in recipients if r.default]})
    form.recipients.choices = recipient_choices(recipients)
    return form


def _addresses(invoice: Invoice, values: list[str]) -> list[str]:
    """Posted recipients: e-mail addresses, or ids of the organisation's contacts (their address)."""
    ids = [i for i in (validation.parse_id(v) for v in values if str(v).strip().isdigit()) if i is not None]
    contacts = queries.contact_emails(db.session, invoice.organisation_id, ids)
    result = []
    for value in values:
        value = str(value).strip()
        if value.isdigit():
            if validation.parse_id(value) not in contacts:
                raise DomainError(_("Ce contact n'est pas un interlocuteur de la structure facturée, ou n'a pas "
                                    "d'adresse électronique."), field="recipients")
            result.append(contacts[int(value)])
        elif value:
            result.append(value)
    return result


def _back(invoice: Invoice):
    return redirect(link_to("billing.invoice", invoice.id) or url_for("billing.invoices"))


@bp.route("/invoices/<int:invoice_id>/send", methods=["POST"])
@roles_required(Role.COORDINATOR)
def invoice_send(invoice_id: int):
    """E-mail the invoice to the checked / typed recipients (none posted: the default ones), with an optional
    message; log the attempt whatever its outcome."""
    invoice = load_or_404(Invoice, invoice_id)
    form = send_form(invoice, SendDocumentForm())
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return _back(invoice)

    def prepare_and_queue():
        prepared = sending.prepare(db.session, invoice, recipients=_addresses(invoice, chosen_recipients(form))
                                   or None, message=form.message.data or "")
        sending.queue(db.session, current_user, invoice, prepared, now=clock.now())
        return prepared

    ok, prepared = commit_or_flash(prepare_and_queue)
    if not ok:
        return _back(invoice)
    if outbox.smtp_configured():
        flash(_("%(number)s part par courriel à %(to)s dans la minute ; son état est dans l'historique des envois.",
                number=invoice.number, to=", ".join(prepared.recipients)), "success")
    else:
        flash(_("%(number)s est en file d'envoi pour %(to)s, mais aucun serveur d'envoi (SMTP) n'est configuré : "
                "le courriel partira quand il le sera.", number=invoice.number, to=", ".join(prepared.recipients)),
              "warning")
    return _back(invoice)
