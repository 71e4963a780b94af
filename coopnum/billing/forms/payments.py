"""Forms of the billing domain: payments — recording a payment on an invoice, cancelling one, the list's filters,
the periods of the accounting exports; the labels of the payment methods. Amounts are read by ``EuroField``
(French messages); the rules (balance, dates, refunds) are checked by the service, next to their field."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from coopnum.billing.models import PaymentMethod
from coopnum.core.forms import EuroField, SafeForm

METHOD_LABELS = {
    PaymentMethod.TRANSFER: _l("Virement"),
    PaymentMethod.CHEQUE: _l("Chèque"),
    PaymentMethod.APTIC: _l("Chèques APTIC"),
    PaymentMethod.CASH: _l("Espèces"),
    PaymentMethod.REFUND: _l("Remboursement au client"),
}


class PaymentForm(SafeForm):
    amount_cents = EuroField(_l("Montant (€)"), validators=[InputRequired(message=_l("Indiquez le montant."))],
                             description=_l("Pour un remboursement, le montant rendu au client."))
    received_on = DateField(_l("Reçu le"), validators=[InputRequired(message=_l("Indiquez la date du règlement."))])
    method = SelectField(_l("Mode de règlement"), choices=[(k.value, v) for k, v in METHOD_LABELS.items()],
                         default=PaymentMethod.TRANSFER.value)
    reference = StringField(_l("Référence (facultatif)"), validators=[Optional(), Length(max=100)],
                            description=_l("Référence du virement, numéro du chèque…"))
    notes = StringField(_l("Note (facultatif)"), validators=[Optional(), Length(max=500)])


class CancelPaymentForm(SafeForm):
    reason = StringField(_l("Motif de l'annulation (facultatif)"), validators=[Optional(), Length(max=200)])


class PaymentFilterForm(SafeForm):
    """The list's filters, read from the query string (the organisations are filled by the view)."""

    class Meta:
        csrf = False

    date_from = DateField(_l("Reçus du"), validators=[Optional()])
    date_to = DateField(_l("au"), validators=[Optional()])
    method = SelectField(_l("Mode"), choices=[("", _l("Tous"))] + [(k.value, v) for k, v in METHOD_LABELS.items()],
                         validators=[Optional()])
    organisation_id = SelectField(_l("Client"), validators=[Optional()])


# --- accounting exports (the accounting page) ----------------------------------------------------------------------

class FecYearForm(SafeForm):
    """The fiscal year of the FEC, read from the query string (choices filled by the view)."""

    class Meta:
        csrf = False

    year = SelectField(_l("Exercice"), coerce=int, validators=[Optional()])


class SalesExportForm(SafeForm):
    """The period of the sales CSV, read from the query string."""

    class Meta:
        csrf = False

    date_from = DateField(_l("Émises du"), validators=[InputRequired(message=_l("Indiquez le début de la période."))])
    date_to = DateField(_l("au"), validators=[InputRequired(message=_l("Indiquez la fin de la période."))])
