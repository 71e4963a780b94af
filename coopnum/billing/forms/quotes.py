"""Forms of the billing domain: quotes (filters, header and lines, sending, acceptance) and the e-mailing of a
document (a quote or an issued invoice) to chosen recipients. Also the French labels of quote statuses and units."""


from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from coopnum.billing.forms.invoices import UNIT_LABELS
from coopnum.billing.models import QuoteStatus
from coopnum.core.forms import DecimalTextField, EuroField, MultiCheckboxField, SafeForm, SafeSubForm
from coopnum.organisations.forms.catalogue import VAT_LABELS

QUOTE_STATUS_LABELS = {
    QuoteStatus.DRAFT: _l("Brouillon"),
    QuoteStatus.SENT: _l("Envoyé"),
    QuoteStatus.ACCEPTED: _l("Accepté"),
    QuoteStatus.DECLINED: _l("Refusé"),
    QuoteStatus.EXPIRED: _l("Expiré"),
}
QUOTE_STATUS_BADGES = {
    QuoteStatus.DRAFT: "badge-warn",
    QuoteStatus.SENT: "badge-info",
    QuoteStatus.ACCEPTED: "badge-ok",
    QuoteStatus.DECLINED: "badge-bad",
    QuoteStatus.EXPIRED: "",
}
LINE_UNIT_LABELS = UNIT_LABELS  # the same units as invoice lines
BLANK_LINES = 2  # empty rows offered under the lines of a draft


class QuoteFilterForm(SafeForm):
    class Meta:
        csrf = False

    q = StringField(_l("Recherche"), validators=[Optional()])
    status = SelectField(_l("Statut"), validators=[Optional()], validate_choice=False,
                         choices=[("", _l("Tous"))] + [(k.value, v) for k, v in QUOTE_STATUS_LABELS.items()])
    organisation_id = SelectField(_l("Structure"), coerce=int, validators=[Optional()], validate_choice=False)


class QuoteLineForm(SafeSubForm):
    service_id = SelectField(_l("Prestation du catalogue"), coerce=int, validate_choice=False,
                             validators=[Optional()])
    description = StringField(_l("Description"), validators=[Optional(), Length(max=300)])
    quantity = DecimalTextField(_l("Quantité"), validators=[Optional()],
                                message=_l("Quantité invalide : écrivez par exemple 12 ou 2,5."))
    unit = SelectField(_l("Unité"), validators=[Optional()], validate_choice=False,
                       choices=[("", _l("— du catalogue —"))] + [(k.value, v) for k, v in LINE_UNIT_LABELS.items()])
    unit_price_cents = EuroField(_l("Prix unitaire HT (€)"), validators=[Optional()])
    discount_percent = DecimalTextField(_l("Remise (%)"), validators=[Optional()],
                                        message=_l("Remise invalide : un pourcentage, par exemple 10."))
    remove = BooleanField(_l("Supprimer"))

    def is_blank(self) -> bool:
        return not (self.service_id.data or (self.description.data or "").strip()
                    or self.unit_price_cents.data is not None)


class QuoteForm(SafeForm):
    organisation_id = SelectField(_l("Structure"), coerce=int, validate_choice=False,
                                  validators=[DataRequired(message=_l("Choisissez la structure."))])
    title = StringField(_l("Objet du devis"), validators=[DataRequired(message=_l("L'objet est obligatoire.")),
                                                          Length(max=200)])
    vat_regime = SelectField(_l("Régime de TVA"), choices=[(k.value, v) for k, v in VAT_LABELS.items()])
    notes = TextAreaField(_l("Conditions et remarques"), validators=[Optional(), Length(max=4000)],
                          description=_l("Imprimées sur le devis : modalités, calendrier, conditions particulières."))
    lines = FieldList(FormField(QuoteLineForm), min_entries=0)


class SendQuoteForm(SafeForm):
    mode = RadioField(_l("Envoi"), default="email", choices=[
        ("email", _l("Envoyer le devis par courriel (PDF joint)")),
        ("mark", _l("Marquer comme envoyé seulement (remis autrement)")),
    ])
    recipients = MultiCheckboxField(_l("Destinataires"), validate_choice=False)
    other_recipients = StringField(_l("Autres destinataires"), validators=[Optional(), Length(max=500)],
                                   description=_l("Adresses électroniques séparées par des virgules."))
    message = TextAreaField(_l("Message"), validators=[Optional(), Length(max=2000)])


class SendDocumentForm(SafeForm):
    """E-mail an issued invoice or credit note (the invoice page shows it)."""

    recipients = MultiCheckboxField(_l("Destinataires"), validate_choice=False)
    other_recipients = StringField(_l("Autres destinataires"), validators=[Optional(), Length(max=500)],
                                   description=_l("Adresses électroniques séparées par des virgules."))
    message = TextAreaField(_l("Message"), validators=[Optional(), Length(max=2000)],
                            description=_l("Ajouté au courriel, avant les pièces jointes."))


class AcceptQuoteForm(SafeForm):
    target = RadioField(_l("Le devis devient"), default="convention", choices=[
        ("convention", _l("une convention en brouillon (prestations récurrentes)")),
        ("invoice", _l("une facture en brouillon, avec les mêmes lignes")),
    ], validators=[DataRequired(message=_l("Choisissez ce que devient le devis."))])
    start_date = DateField(_l("Début de la convention"), validators=[Optional()])
    end_date = DateField(_l("Fin de la convention"), validators=[Optional()])


def recipient_choices(recipients) -> list[tuple[str, str]]:
    return [(r.email, f"{r.name} <{r.email}>") for r in recipients]


def chosen_recipients(form) -> list[str]:
    """The checked addresses and the other ones typed, in order."""
    emails = list(form.recipients.data or [])
    extra = (form.other_recipients.data or "").strip()
    if extra:
        emails.append(extra)
    return emails
