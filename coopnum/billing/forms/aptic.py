"""Forms of the billing domain: APTIC cheques — recording a cheque, making a batch of unbatched cheques, recording
the reimbursement of a sent batch; the labels of the batch statuses."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from coopnum.billing.models import ApticBatchStatus
from coopnum.core.forms import EuroField, SafeForm

BATCH_STATUS_LABELS = {
    ApticBatchStatus.OPEN: _l("En préparation"),
    ApticBatchStatus.SENT: _l("Envoyé, en attente du remboursement"),
    ApticBatchStatus.REIMBURSED: _l("Remboursé"),
}
BATCH_STATUS_BADGES = {
    ApticBatchStatus.OPEN: "badge-warn",
    ApticBatchStatus.SENT: "badge-info",
    ApticBatchStatus.REIMBURSED: "badge-ok",
}


class ChequeForm(SafeForm):
    number = StringField(_l("Numéro du chèque"), validators=[DataRequired(message=_l("Indiquez le numéro du chèque.")),
                                                             Length(max=40)],
                         render_kw={"autocomplete": "off"})
    received_on = DateField(_l("Reçu le"), validators=[InputRequired(message=_l("Indiquez la date de réception."))])
    face_value_cents = EuroField(_l("Valeur faciale (€)"), validators=[Optional()])
    place_id = SelectField(_l("Lieu"), coerce=int, validators=[Optional()])
    mediator_id = SelectField(_l("Médiateur·rice"), coerce=int, validators=[Optional()])
    notes = StringField(_l("Note (facultatif)"), validators=[Optional(), Length(max=300)])


class BatchForm(SafeForm):
    """The cheques are the checked boxes ``cheque_ids`` of the unbatched list."""

    cheque_ids = SelectMultipleField(_l("Chèques"), coerce=int, validate_choice=False,
                                     validators=[DataRequired(message=_l("Cochez au moins un chèque."))])
    reference = StringField(_l("Référence du lot (facultatif)"), validators=[Optional(), Length(max=40)],
                            description=_l("Par défaut : APTIC-année-numéro, par exemple APTIC-2026-003."))


class ReimbursedForm(SafeForm):
    received_on = DateField(_l("Remboursement reçu le"),
                            validators=[InputRequired(message=_l("Indiquez la date du remboursement."))])
    reference = StringField(_l("Référence du virement (facultatif)"), validators=[Optional(), Length(max=100)])
