"""Forms of the billing domain: invoices — the list's filters, the monthly run, a new draft (from the work or free),
the draft's header and lines, the credit note. Also the French labels of the invoices' enumerations."""

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from coopnum.billing.forms.payments import METHOD_LABELS
from coopnum.billing.models import InvoiceKind, InvoiceStatus, LineUnit, PaymentState
from coopnum.core import formats
from coopnum.core.forms import EuroField, SafeForm
from coopnum.organisations.forms.catalogue import VAT_LABELS

STATE_LABELS = {
    PaymentState.DRAFT: _l("Brouillon"),
    PaymentState.UNPAID: _l("À payer"),
    PaymentState.PARTIAL: _l("Partiellement payée"),
    PaymentState.PAID: _l("Payée"),
    PaymentState.OVERDUE: _l("En retard"),
    PaymentState.CREDITED: _l("Annulée par avoir"),
}
STATE_BADGES = {
    PaymentState.DRAFT: "badge-warn",
    PaymentState.UNPAID: "badge-info",
    PaymentState.PARTIAL: "badge-info",
    PaymentState.PAID: "badge-ok",
    PaymentState.OVERDUE: "badge-bad",
    PaymentState.CREDITED: "",
}
STATUS_LABELS = {InvoiceStatus.DRAFT: _l("Brouillon"), InvoiceStatus.ISSUED: _l("Émise")}
KIND_LABELS = {InvoiceKind.INVOICE: _l("Facture"), InvoiceKind.CREDIT_NOTE: _l("Avoir")}
FILTER_STATE_LABELS = {"open": _l("À payer"), "overdue": _l("En retard"), "paid": _l("Payée")}
UNIT_LABELS = {
    LineUnit.HOUR: _l("heure"),
    LineUnit.SESSION: _l("séance"),
    LineUnit.WORKSHOP: _l("atelier"),
    LineUnit.MONTH: _l("mois"),
    LineUnit.DAY: _l("jour"),
    LineUnit.PERSON: _l("personne"),
    LineUnit.UNIT: _l("unité"),
    LineUnit.FLAT: _l("forfait"),
}
UNIT_PLURAL_LABELS = {
    LineUnit.HOUR: _l("heures"),
    LineUnit.SESSION: _l("séances"),
    LineUnit.WORKSHOP: _l("ateliers"),
    LineUnit.MONTH: _l("mois"),
    LineUnit.DAY: _l("jours"),
    LineUnit.PERSON: _l("personnes"),
    LineUnit.UNIT: _l("unités"),
    LineUnit.FLAT: _l("forfaits"),
}


def unit_word(unit: str, quantity, locale="fr") -> str:
    """The unit agreeing with the quantity: « 1 heure », « 14,75 heures », « 6 séances »."""
    words = UNIT_PLURAL_LABELS if formats.is_plural(quantity, locale) else UNIT_LABELS
    return str(words.get(unit, unit))


VAT_RATE_CHOICES = [(2000, "20 %"), (1000, "10 %"), (550, "5,5 %"), (210, "2,1 %"), (0, "0 %")]
PAYMENT_LABELS = METHOD_LABELS  # one list of payment methods (forms/payments.py)
DOCUMENT_LABELS = {"pdf": _l("PDF"), "facturx": _l("Factur-X (PDF avec données XML)")}

_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(text: str | None) -> date | None:
    """'2026-10' → 1 October 2026; None when empty or unreadable."""
    m = _MONTH.fullmatch((text or "").strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 2000:
        return None
    return date(int(m.group(1)), int(m.group(2)), 1)


def _month_value(_form, field) -> None:
    if parse_month(field.data) is None:
        raise ValidationError(_l("Mois invalide : choisissez un mois (AAAA-MM)."))


def _end_after_start(form, field) -> None:
    if form.period_start.data and field.data and field.data < form.period_start.data:
        raise ValidationError(_l("La fin de la période précède son début."))


class InvoiceFilterForm(SafeForm):
    """The list's filters, read from the query string (choices are filled by the view)."""

    class Meta:
        csrf = False

    q = StringField(_l("Recherche"), validators=[Optional(), Length(max=100)],
                    description=_l("Numéro, client ou objet."))
    status = SelectField(_l("Statut"), choices=[("", _l("Tous"))] + [(k.value, v) for k, v in STATUS_LABELS.items()],
                         validators=[Optional()])
    kind = SelectField(_l("Type"), choices=[("", _l("Tous"))] + [(k.value, v) for k, v in KIND_LABELS.items()],
                       validators=[Optional()])
    state = SelectField(_l("Règlement"), choices=[("", _l("Tous"))] + list(FILTER_STATE_LABELS.items()),
                        validators=[Optional()])
    organisation_id = SelectField(_l("Client"), validators=[Optional()])
    convention_id = SelectField(_l("Convention"), validators=[Optional()])
    year = SelectField(_l("Année"), validators=[Optional()])


class RunForm(SafeForm):
    month = StringField(_l("Mois à facturer"), validators=[DataRequired(), _month_value],
                        render_kw={"type": "month"}, description=_l("Par exemple 2026-10."))


class FromWorkForm(SafeForm):
    """A convention and a period: read from the query string for the preview, posted to create the draft."""

    convention_id = SelectField(_l("Convention"), coerce=int,
                                validators=[DataRequired(message=_l("Choisissez une convention signée."))])
    period_start = DateField(_l("Du"), validators=[InputRequired(message=_l("Indiquez le début de la période."))])
    period_end = DateField(_l("Au"), validators=[InputRequired(message=_l("Indiquez la fin de la période.")),
                                                 _end_after_start])


class FreeInvoiceForm(SafeForm):
    organisation_id = SelectField(_l("Client"), coerce=int,
                                  validators=[DataRequired(message=_l("Choisissez le client facturé."))])
    title = StringField(_l("Objet"), validators=[Optional(), Length(max=200)],
                        description=_l("Par exemple : Formation des agents d'accueil."))


class HeaderForm(SafeForm):
    title = StringField(_l("Objet"), validators=[Optional(), Length(max=200)])
    period_start = DateField(_l("Période du"), validators=[Optional()])
    period_end = DateField(_l("au"), validators=[Optional(), _end_after_start])
    payment_terms_days = IntegerField(_l("Délai de paiement (jours)"),
                                      validators=[InputRequired(message=_l("Indiquez le délai de paiement."))],
                                      render_kw={"inputmode": "numeric"},
                                      description=_l("30 jours au plus pour un acheteur public."))
    vat_regime = SelectField(_l("Régime de TVA"), choices=[(k.value, v) for k, v in VAT_LABELS.items()])
    chorus_service_code = StringField(_l("Code service (Chorus Pro)"), validators=[Optional(), Length(max=100)])
    chorus_engagement_number = StringField(_l("Numéro d'engagement (bon de commande)"),
                                           validators=[Optional(), Length(max=50)])
    notes = TextAreaField(_l("Mentions particulières (imprimées sur la facture)"), validators=[Optional()])


class LineForm(SafeForm):
    """A line of a draft. The quantity and the discount are read by the service (French messages)."""

    description = StringField(_l("Description"), validators=[Length(max=300)])
    quantity = StringField(_l("Quantité"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    unit = SelectField(_l("Unité"), choices=[(k.value, v) for k, v in UNIT_LABELS.items()])
    unit_price_cents = EuroField(_l("Prix unitaire HT (€)"),
                                 validators=[InputRequired(message=_l("Indiquez le prix unitaire."))])
    discount_percent = StringField(_l("Remise (%)"), default="0",
                                   render_kw={"inputmode": "decimal", "autocomplete": "off"})
    vat_rate_bp = SelectField(_l("Taux de TVA"), coerce=int, choices=VAT_RATE_CHOICES)


class NewLineForm(LineForm):
    """A new line; a catalogue service fills the fields left empty (description, unit, price)."""

    service_id = SelectField(_l("Service du catalogue (facultatif)"), coerce=int, validators=[Optional()],
                             description=_l("Remplit la description, l'unité et le prix laissés vides."))
    unit = SelectField(_l("Unité"), choices=[("", _l("— celle du service, sinon unité"))]
                       + [(k.value, v) for k, v in UNIT_LABELS.items()], validators=[Optional()])
    unit_price_cents = EuroField(_l("Prix unitaire HT (€)"), validators=[Optional()],
                                 description=_l("Laissez vide pour le prix du service choisi."))


class CreditNoteForm(SafeForm):
    """Reason and « tout créditer »; the quantity per line is read from ``qty-<line id>`` by the view."""

    reason = StringField(_l("Motif de l'avoir"), validators=[
        DataRequired(message=_l("Indiquez le motif de l'avoir.")), Length(max=150)],
        description=_l("Imprimé sur l'avoir, par exemple : erreur de tarif, séance annulée facturée."))
    all_lines = BooleanField(_l("Tout créditer (le reste de chaque ligne)"))
