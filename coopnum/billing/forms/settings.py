"""The settings form of the cooperative's legal identity (settings ``company.*``, printed on every invoice) and of
the billing settings (``billing.*``): numbering prefixes, payment terms, legal texts, dunning days, APTIC; and the
form of a rate of a semester (the ECB rate, the legal interest rate: ``coopnum.core.rates``).

Every identifier is checked and normalised here, so that what is saved is what the invoices and the Factur-X XML
need: SIRET (python-stdnum), VAT number matching the SIREN, IBAN and BIC (schwifty), RNA, postal code."""

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.fr import tva as stdnum_tva
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from coopnum.core.errors import DomainError
from coopnum.core.forms import EuroField, PercentField, SafeForm
from coopnum.core.models import RateKind
from coopnum.core.rates import next_semester, semester_start
from coopnum.organisations.services import organisations as rules

PREFIX_RE = re.compile(r"^[A-Z]{1,4}$")
TRAINING_RE = re.compile(r"^\d{11}$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)

COMPANY_FIELDS = ("name", "legal_form", "capital", "address", "postal_code", "city", "siret", "rcs", "rna",
                  "vat_number", "iban", "bic", "training_declaration", "email", "phone", "website")
BILLING_FIELDS = ("invoice_prefix", "credit_note_prefix", "quote_prefix", "payment_terms_days",
                  "quote_validity_days", "vat_on_debits", "early_payment_text", "dunning_days", "aptic_organisation_id", "aptic_face_value_cents")


# --- normalisers (plain functions: value in, normalised value out, ValueError with a French message) ----------

def _run(check, value):
    try:
        return check(value)
    except DomainError as exc:
        raise ValueError(exc.message) from exc


def normalise_siret(value: str | None) -> str:
    return _run(rules.normalise_siret, value) or ""


def normalise_vat_number(value: str | None, siret: str | None) -> str:
    vat = _run(rules.normalise_vat_number, value) or ""
    siren = (siret or "")[:9]
    if vat and siren and stdnum_tva.compact(vat)[-9:] != siren:
        raise ValueError(_("Ce numéro de TVA ne correspond pas au SIREN %(siren)s : il doit se terminer par ces "
                           "9 chiffres.", siren=siren))
    return vat


def normalise_iban(value: str | None) -> str:
    text = (value or "").strip()
    if not text:
        return ""
    try:
        return IBAN(text).compact
    except SchwiftyException as exc:
        raise ValueError(_("IBAN invalide : vérifiez les caractères et la clé (par exemple "
                           "FR76 3000 6000 0112 3456 7890 189).")) from exc


def format_iban(value: str | None) -> str:
    try:
        return IBAN(value).formatted if value else ""
    except SchwiftyException:
        return value or ""


def normalise_bic(value: str | None) -> str:
    text = re.sub(r"\s", "", value or "").upper()
    if not text:
        return ""
    try:
        return BIC(text).compact
    except SchwiftyException as exc:
        raise ValueError(_("BIC invalide : 8 ou 11 caractères, par exemple AGRIFRPP ou AGRIFRPP882.")) from exc


def normalise_rna(value: str | None) -> str:
    return _run(rules.normalise_rna, value) or ""


def normalise_postal_code(value: str | None) -> str:
    return _run(rules.normalise_postal_code, value) or ""


def normalise_training_declaration(value: str | None) -> str:
    text = re.sub(r"\s", "", value or "")
    if text and not TRAINING_RE.match(text):
        raise ValueError(_("Numéro de déclaration d'activité invalide : 11 chiffres (par exemple 75 86 01234 86)."))
    return text


def normalise_prefix(value: str | None) -> str:
    text = (value or "").strip().upper()
    if not PREFIX_RE.match(text):
        raise ValueError(_("Préfixe invalide : 1 à 4 lettres sans accent (par exemple F)."))
    return text


def parse_days_list(value: str | None) -> list[int]:
    """'7, 21, 45' → [7, 21, 45]: at least one, strictly increasing, each between 1 and 365 days."""
    parts = [p for p in re.split(r"[\s,;]+", (value or "").strip()) if p]
    if not parts or not all(p.isdigit() for p in parts):
        raise ValueError(_("Écrivez des nombres de jours séparés par des virgules, par exemple 7, 21, 45."))
    days = [int(p) for p in parts]
    if len(days) > 6:
        raise ValueError(_("Six relances au plus."))
    if any(d < 1 or d > 365 for d in days):
        raise ValueError(_("Chaque délai doit être compris entre 1 et 365 jours."))
    if any(b <= a for a, b in zip(days, days[1:], strict=False)):
        raise ValueError(_("Les délais doivent être strictement croissants, par exemple 7, 21, 45."))
    return days


class Normalise:
    """A validator storing the normalised value in ``field.normalised`` (ValueError → the field's error)."""

    def __init__(self, func):
        self.func = func

    def __call__(self, _form, field):
        try:
            field.normalised = self.func(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


def _url(_form, field):
    text = (field.data or "").strip()
    if text and (len(text) > 300 or not URL_RE.match(text)):
        raise ValidationError(_l("Adresse de site web invalide : elle commence par https:// ou http://."))


def _email(_form, field):
    try:
        field.normalised = rules.normalise_optional_email(field.data) or ""
    except DomainError as exc:
        raise ValidationError(exc.message) from exc


def _phone(_form, field):
    try:
        field.normalised = rules.normalise_phone(field.data) or ""
    except DomainError as exc:
        raise ValidationError(exc.message) from exc


def _vat_number(form, field):
    siret = getattr(form.siret, "normalised", None)
    try:
        field.normalised = normalise_vat_number(field.data, siret)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


def _rcs(form, field):
    siren = (getattr(form.siret, "normalised", None) or "")[:9]
    digits = re.sub(r"\D", "", field.data or "")
    if digits and siren and siren not in digits:
        raise ValidationError(_("L'immatriculation au RCS reprend le SIREN %(siren)s, par exemple : RCS Poitiers "
                                "%(siren)s.", siren=siren))


def _distinct_prefixes(form, field):
    if field.errors:
        return
    prefixes = [(form.invoice_prefix.data or "").strip().upper(), (form.credit_note_prefix.data or "").strip().upper(),
                (form.quote_prefix.data or "").strip().upper()]
    if prefixes.count((field.data or "").strip().upper()) > 1:
        raise ValidationError(_l("Les factures, les avoirs et les devis ont chacun leur série : choisissez des "
                                 "préfixes différents."))


def _positive_cents(_form, field):
    if field.data is not None and field.data <= 0:
        raise ValidationError(_l("Le montant doit être positif."))


class SettingsForm(SafeForm):
    # Legal identity (printed on every invoice).
    name = StringField(_l("Raison sociale"), validators=[DataRequired(), Length(max=200)])
    legal_form = StringField(_l("Forme juridique"), validators=[Optional(), Length(max=120)],
                             description=_l("Par exemple : SCIC SAS à capital variable."))
    capital = StringField(_l("Capital social"), validators=[Optional(), Length(max=60)],
                          description=_l("Par exemple : 12 400 € (un capital variable indique son montant minimal)."))
    address = StringField(_l("Adresse"), validators=[Optional(), Length(max=300)],
                          render_kw={"autocomplete": "street-address"})
    postal_code = StringField(_l("Code postal"), validators=[Normalise(normalise_postal_code)],
                              render_kw={"inputmode": "numeric", "autocomplete": "postal-code"})
    city = StringField(_l("Commune"), validators=[Optional(), Length(max=120)])
    siret = StringField(_l("SIRET"), validators=[Normalise(normalise_siret)],
                        description=_l("14 chiffres, espaces acceptés : le SIREN en est les 9 premiers."),
                        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    rcs = StringField(_l("Immatriculation au RCS"), validators=[Length(max=120), _rcs],
                      description=_l("Par exemple : RCS Poitiers 912 345 678. Une association indique son RNA."))
    rna = StringField(_l("Numéro RNA"), validators=[Normalise(normalise_rna)],
                      description=_l("Pour une association : W suivi de 9 chiffres."))
    vat_number = StringField(_l("Numéro de TVA intracommunautaire"), validators=[_vat_number],
                             description=_l("FR, une clé de 2 caractères et le SIREN."))
    iban = StringField(_l("IBAN"), validators=[Normalise(normalise_iban)],
                       description=_l("Imprimé sur les factures pour le paiement par virement."),
                       render_kw={"autocomplete": "off"})
    bic = StringField(_l("BIC"), validators=[Normalise(normalise_bic)], render_kw={"autocomplete": "off"})
    training_declaration = StringField(
        _l("Numéro de déclaration d'activité (organisme de formation)"),
        validators=[Normalise(normalise_training_declaration)],
        description=_l("Obligatoire pour facturer des formations exonérées de TVA (art. 261-4-4°-a du CGI)."),
        render_kw={"inputmode": "numeric"})
    email = StringField(_l("Adresse électronique de facturation"), validators=[_email],
                        render_kw={"autocomplete": "email", "inputmode": "email"})
    phone = StringField(_l("Téléphone"), validators=[_phone], render_kw={"autocomplete": "tel", "inputmode": "tel"})
    website = StringField(_l("Site web"), validators=[_url], render_kw={"inputmode": "url", "placeholder": "https://"})

    # Invoicing.
    invoice_prefix = StringField(_l("Préfixe des factures"),
                                 validators=[Normalise(normalise_prefix), _distinct_prefixes],
                                 description=_l("1 à 4 lettres ; le numéro ajoute l'année : F2026-00001."))
    credit_note_prefix = StringField(_l("Préfixe des avoirs"),
                                     validators=[Normalise(normalise_prefix), _distinct_prefixes])
    quote_prefix = StringField(_l("Préfixe des devis"), validators=[Normalise(normalise_prefix), _distinct_prefixes])
    payment_terms_days = IntegerField(
        _l("Délai de paiement (jours)"),
        validators=[InputRequired(), NumberRange(min=1, max=60, message=_l(
            "Entre 1 et 60 jours : 60 jours au plus (art. L441-10 du Code de commerce), 30 jours pour un acheteur "
            "public."))],
        description=_l("30 jours pour un acheteur public ; 60 jours au plus."), render_kw={"inputmode": "numeric"})
    quote_validity_days = IntegerField(
        _l("Durée de validité des devis (jours)"),
        validators=[InputRequired(), NumberRange(min=1, max=365, message=_l("Entre 1 et 365 jours."))],
        render_kw={"inputmode": "numeric"})
    vat_on_debits = BooleanField(_l("Option pour le paiement de la TVA d'après les débits"),
                                 description=_l("La mention « TVA sur les débits » est alors imprimée."))
    early_payment_text = TextAreaField(_l("Conditions d'escompte"), validators=[DataRequired(), Length(max=500)],
                                       description=_l("Par exemple : Pas d'escompte pour paiement anticipé."))
    dunning_days = StringField(_l("Relances (jours après l'échéance)"), validators=[Normalise(parse_days_list)],
                               description=_l("Par exemple : 7, 21, 45 ; la dernière est une mise en demeure."))
    aptic_organisation_id = SelectField(_l("Structure facturée pour les chèques APTIC"), coerce=int,
                                        validate_choice=True)
    aptic_face_value_cents = EuroField(_l("Valeur faciale d'un chèque APTIC (€)"),
                                       validators=[InputRequired(), _positive_cents])

    def values(self) -> dict:
        """The settings to store, by key, normalised."""
        normalised = {}
        for name in COMPANY_FIELDS:
            field = self[name]
            value = getattr(field, "normalised", None)
            normalised[f"company.{name}"] = value if value is not None else (field.data or "").strip()
        normalised.update({
            "billing.invoice_prefix": self.invoice_prefix.normalised,
            "billing.credit_note_prefix": self.credit_note_prefix.normalised,
            "billing.quote_prefix": self.quote_prefix.normalised,
            "billing.payment_terms_days": self.payment_terms_days.data,
            "billing.quote_validity_days": self.quote_validity_days.data,
            "billing.vat_on_debits": bool(self.vat_on_debits.data),
            "billing.early_payment_text": self.early_payment_text.data.strip(),
            "billing.dunning_days": self.dunning_days.normalised,
            "billing.aptic_organisation_id": self.aptic_organisation_id.data or None,
            "billing.aptic_face_value_cents": self.aptic_face_value_cents.data,
        })
        return normalised

    @classmethod
    def initial(cls, current: dict) -> dict:
        """Form data from the stored settings (by key)."""
        data = {name: current.get(f"company.{name}") or "" for name in COMPANY_FIELDS}
        data["iban"] = format_iban(data["iban"])
        for name in ("invoice_prefix", "credit_note_prefix", "quote_prefix", "payment_terms_days",
                     "quote_validity_days", "vat_on_debits", "early_payment_text", "aptic_face_value_cents"):
            data[name] = current.get(f"billing.{name}")
        data["dunning_days"] = ", ".join(str(d) for d in current.get("billing.dunning_days") or [])
        data["aptic_organisation_id"] = current.get("billing.aptic_organisation_id") or 0
        return data


def semester_name(start: date) -> str:
    """A semester in the page's language (« 1er semestre 2027 », « First half of 2027 »); the documents keep
    ``legal.semester_label``, in French."""
    if start.month == 1:
        return _("1er semestre %(year)s", year=start.year)
    return _("2d semestre %(year)s", year=start.year)


def semester_choices(today: date, years: int = 6) -> list[tuple[str, str]]:
    """The semesters a rate may be given for: the next one, the current one, then back ``years`` years."""
    choices, day = [], next_semester(today)
    while day.year >= today.year - years:
        choices.append((day.isoformat(), semester_name(day)))
        day = date(day.year, 1, 1) if day.month == 7 else date(day.year - 1, 7, 1)
    return choices


# The rate field of each kind: its label and its help.
RATE_FIELDS = {
    RateKind.ECB: (_l("Taux de la BCE (%)"),
                   _l("Taux des opérations principales de refinancement, par exemple 2,15.")),
    RateKind.LEGAL_INTEREST: (_l("Taux de l'intérêt légal (%)"),
                              _l("Le taux « pour les autres cas » (créanciers autres que les particuliers), fixé "
                                 "par arrêté chaque semestre, par exemple 2,76.")),
}
RATE_PREFIXES = {RateKind.ECB: "", RateKind.LEGAL_INTEREST: "legal"}  # two forms on one page: distinct ids


class SemesterRateForm(SafeForm):
    """The rate of one kind (``RateKind``) for a semester (1 January or 1 July)."""

    valid_from = SelectField(_l("Semestre"), validate_choice=True,
                             description=_l("Le taux en vigueur au 1er janvier vaut pour le 1er semestre, celui du "
                                            "1er juillet pour le 2d."))
    rate = PercentField(_l("Taux (%)"), low_bp=-100, high_bp=2000, validators=[
        InputRequired(message=_l("Taux invalide : indiquez un pourcentage, par exemple 2,15."))])

    def __init__(self, *args, kind: RateKind | str, today: date, **kwargs):
        self.kind = RateKind(kind)
        super().__init__(*args, prefix=RATE_PREFIXES[self.kind], **kwargs)
        self.rate.label.text, self.rate.description = RATE_FIELDS[self.kind]
        self.valid_from.choices = semester_choices(today)
        if not self.valid_from.data:
            self.valid_from.data = semester_start(today).isoformat()

    @property
    def valid_from_date(self) -> date:
        return date.fromisoformat(self.valid_from.data)


# The French names of the identity fields, for the banner listing what is missing to issue invoices.
MISSING_LABELS = {
    "name": _l("la raison sociale"),
    "legal_form": _l("la forme juridique"),
    "address": _l("l'adresse"),
    "postal_code": _l("le code postal"),
    "city": _l("la commune"),
    "siret": _l("le SIRET"),
    "rcs": _l("l'immatriculation au RCS ou le numéro RNA"),
}
