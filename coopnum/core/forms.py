"""Core forms. Labels are French msgids translated by Flask-Babel; WTForms' own messages follow the locale.

Every form of the application derives from ``SafeForm`` (a sub-form of a ``FieldList``/``FormField`` from
``SafeSubForm``): whatever its fields, what is posted is checked at the boundary against ``core.validation``
before any other validator runs — no NUL or control character in any text (tab and line breaks in a text area
only), no text longer than its column (an explicit ``Length`` or a default cap), no integer beyond the database's
INTEGER, no non-finite or huge decimal, no date outside the years ``MIN_YEAR``..``MAX_YEAR``. A refused field
stops its validation with a French message, so that no view and no service ever receives such a value from a page.
"""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

import wtforms
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    FileField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from coopnum.core import validation
from coopnum.core.models import Role
from coopnum.core.widgets import use_fast_select

use_fast_select()  # every select of the app renders its options faster, to the same HTML

# The longest text a field without its own ``Length`` accepts: one line (a name, a code, a search…) or a text area
# (notes, a message). Columns of a fixed length have their ``Length(max=…)`` on the field itself.
MAX_LINE_LENGTH = 1000
MAX_TEXT_LENGTH = 20000
# The largest decimal a field accepts unless it says otherwise (``limit``): Numeric(10, 2) holds less than 10^8.
DECIMAL_LIMIT = Decimal(10) ** 8


def _multiline(field) -> bool:
    return isinstance(field, TextAreaField)


def _has_length(field) -> bool:
    return any(isinstance(v, Length) and v.max not in (None, -1) for v in field.validators or ())


def _numbers(data):
    values = data if isinstance(data, (list, tuple, set)) else [data]
    for value in values:
        if isinstance(value, (int, Decimal, float)) and not isinstance(value, bool):
            yield value


def boundary_problem(field) -> str | None:
    """What is wrong with what was posted into ``field`` (a French message), or None."""
    if isinstance(field, (FileField, BooleanField)):
        return None
    cap = None if _has_length(field) else (MAX_TEXT_LENGTH if _multiline(field) else MAX_LINE_LENGTH)
    for raw in field.raw_data or ():
        if not isinstance(raw, str):
            continue
        if validation.forbidden_chars(raw, multiline=_multiline(field)):
            return _("Ce texte contient des caractères de contrôle ou invisibles non autorisés.")
        if cap is not None and len(raw) > cap:
            return _("Texte trop long (%(length)s caractères, au plus %(max)s).", length=len(raw), max=cap)
    for value in _numbers(field.data):
        if isinstance(value, int):
            ok = validation.int_in_range(value)
        elif isinstance(value, Decimal):
            ok = value.is_finite() and abs(value) < getattr(field, "limit", DECIMAL_LIMIT)
        else:
            ok = value == value and abs(value) < 1e15  # neither NaN nor infinite
        if not ok:
            return _("Nombre hors des limites autorisées.")
    if isinstance(field.data, (dt.date, dt.datetime)) and not validation.date_in_range(field.data):
        return _("Date hors des limites autorisées (années %(min)s à %(max)s).",
                 min=validation.MIN_YEAR, max=validation.MAX_YEAR)
    return None


def _checked_process(field):
    """``field.process`` that, when the value read from the request is out of bounds, empties ``data`` (a filter
    form read without ``validate()`` then filters on nothing) and records the problem for ``boundary_check``."""
    process = field.process

    def checked(formdata, *args, **kwargs):
        field.boundary_error = None
        process(formdata, *args, **kwargs)
        if formdata is not None and field.raw_data and (problem := boundary_problem(field)):
            field.boundary_error = problem
            field.data = "" if isinstance(field.data, str) else [] if isinstance(field.data, list) else None

    return checked


def boundary_check(form, field) -> None:
    """The first validator of every field: its boundary problem, alone, stops its validation (French)."""
    if problem := getattr(field, "boundary_error", None):
        field.errors[:] = []  # one message: ours (not WTForms' « not a valid choice » on the emptied value)
        raise StopValidation(problem)


class SafeMeta:
    """Meta of every form: each bound field checks what it read (``_checked_process``) and gets
    ``boundary_check`` in front of its own validators; WTForms' messages follow the page's language."""

    def bind_field(self, form, unbound_field, options):
        field = unbound_field.bind(form=form, **options)
        if not isinstance(field, (wtforms.FormField, wtforms.FieldList)):
            field.process = _checked_process(field)
            field.validators = [boundary_check, *(field.validators or ())]  # a new list: never the class's
        return field

    def get_translations(self, form):
        """As Flask-WTF does for its forms, for the sub-forms too (« Choix non valide » rather than English)."""
        from flask import current_app
        from flask_wtf.i18n import translations

        if not current_app.config.get("WTF_I18N_ENABLED", True):
            return super().get_translations(form)
        return translations


class SafeForm(FlaskForm):
    """The base of every form of the application (CSRF from Flask-WTF, the boundary checks from ``SafeMeta``)."""

    class Meta(SafeMeta):
        pass

    def validate(self, extra_validators=None) -> bool:
        if super().validate(extra_validators):
            return True
        self.flash_unshown_errors()
        return False

    def flash_unshown_errors(self) -> None:
        """The errors of the fields a page shows no message for (hidden fields, radio buttons): a flash, so that
        a refused value is never refused in silence."""
        from flask import flash, has_request_context

        if not has_request_context():
            return
        for field in self:
            if field.errors and isinstance(field, (HiddenField, RadioField)) and not field.name.endswith("csrf_token"):
                label = field.label.text if field.label and field.label.text != field.name else field.name
                flash(_("Valeur refusée (%(label)s) : %(error)s", label=label, error=field.errors[0]), "error")


class SafeSubForm(wtforms.Form):
    """The base of the sub-forms repeated in a ``FieldList(FormField(…))`` (no CSRF of their own)."""

    class Meta(SafeMeta):
        pass

ROLE_LABELS = {
    Role.ADMIN: _l("Administrateur"),
    Role.COORDINATOR: _l("Coordination"),
    Role.MEDIATOR: _l("Médiateur·rice"),
    Role.MEMBER: _l("Sociétaire"),
    Role.AUTHORITY: _l("Collectivité / structure"),
}
# The same in the plural, after a count: « 31 sociétaires », « 1 sociétaire » (core.formats.count chooses).
ROLE_COUNT_LABELS = {
    Role.ADMIN: (_l("administrateur"), _l("administrateurs")),
    Role.COORDINATOR: (_l("personne à la coordination"), _l("personnes à la coordination")),
    Role.MEDIATOR: (_l("médiateur·rice"), _l("médiateur·rice·s")),
    Role.MEMBER: (_l("sociétaire"), _l("sociétaires")),
    Role.AUTHORITY: (_l("compte collectivité / structure"), _l("comptes collectivité / structure")),
}


# The audit log's actions, in words (a domain's own actions are prefixed with its name: « inventory.checkout »).
AUDIT_ACTION_LABELS = {
    "create": _l("Création"), "update": _l("Modification"), "delete": _l("Suppression"), "archive": _l("Archivage"),
    "restore": _l("Restauration"), "activate": _l("Activation"), "login": _l("Connexion"), "logout": _l("Déconnexion"),
    "password": _l("Mot de passe changé"), "revoke": _l("Révocation"), "send": _l("Envoi"), "resend": _l("Renvoi"),
    "remind": _l("Relance"), "issue": _l("Émission"), "accept": _l("Acceptation"), "decline": _l("Refus"),
    "cancel": _l("Annulation"), "expire": _l("Expiration"), "assign": _l("Affectation"),
    "unassign": _l("Retrait d'une affectation"), "confirm": _l("Confirmation"), "unconfirm": _l("Confirmation annulée"),
    "hold": _l("Séance tenue"), "move": _l("Déplacement"), "merge": _l("Fusion"), "erase": _l("Effacement"),
    "end": _l("Fin"), "submit": _l("Soumission"), "validate": _l("Validation"), "send_back": _l("Renvoi pour correction"),
    "reopen": _l("Réouverture"), "regenerate": _l("Régénération"), "attach": _l("Pièce jointe"),
    "grant_access": _l("Accès ouvert"), "attendance": _l("Présences"), "ballot": _l("Bulletin de vote"),
    "open_vote": _l("Ouverture du vote"), "close_vote": _l("Clôture du vote"), "convene": _l("Convocation"),
    "sign": _l("Signature"), "sign_minutes": _l("Signature du procès-verbal"),
    "inventory.asset_create": _l("Matériel ajouté"), "inventory.asset_update": _l("Matériel modifié"),
    "inventory.asset_retire": _l("Matériel réformé"), "inventory.asset_lost": _l("Matériel perdu"),
    "inventory.asset_found": _l("Matériel retrouvé"), "inventory.asset_photo": _l("Photo du matériel"),
    "inventory.asset_photo_delete": _l("Photo du matériel supprimée"),
    "inventory.borrower_erased": _l("Emprunteur effacé"), "inventory.checkout": _l("Prêt remis"),
    "inventory.checkin": _l("Prêt rendu"), "inventory.kit_create": _l("Kit créé"), "inventory.kit_update": _l("Kit modifié"),
    "inventory.kit_deactivate": _l("Kit désactivé"), "inventory.loan_extend": _l("Prêt prolongé"),
    "inventory.loan_lost": _l("Prêt perdu"), "inventory.loan_reminder": _l("Relance de prêt"),
    "inventory.maintenance_open": _l("Maintenance ouverte"), "inventory.maintenance_update": _l("Maintenance suivie"),
    "inventory.maintenance_close": _l("Maintenance close"), "inventory.reserve": _l("Réservation"),
    "inventory.reservation_change": _l("Réservation modifiée"), "inventory.reservation_cancel": _l("Réservation annulée"),
    "inventory.reservation_convert": _l("Réservation convertie en prêt"), "inventory.audit_start": _l("Inventaire ouvert"),
    "inventory.audit_close": _l("Inventaire clos"),
    "training.create": _l("Formation planifiée"), "training.update": _l("Formation modifiée"),
    "training.cancel": _l("Formation annulée"), "training.held": _l("Formation tenue"), "training.sign": _l("Émargement"),
    "training.paper": _l("Émargement papier"), "training.scan": _l("Feuille d'émargement numérisée"),
    "training.levels": _l("Niveaux atteints"), "training.certification_reminder": _l("Rappel de certification"),
    "training.requirement_add": _l("Compétence requise ajoutée"),
    "training.requirement_change": _l("Compétence requise modifiée"),
    "training.requirement_remove": _l("Compétence requise retirée"),
}


def audit_action_label(action: str) -> str:
    label = AUDIT_ACTION_LABELS.get(action)
    return str(label) if label is not None else action


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(SafeForm):
    email = EmailField(_l("Adresse électronique"), validators=[DataRequired(), Email()],
                       render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Rester connecté·e sur cet appareil"))


class ForgotPasswordForm(SafeForm):
    email = EmailField(_l("Adresse électronique"), validators=[DataRequired(), Email()],
                       render_kw={"autocomplete": "username"})


class ResetPasswordForm(SafeForm):
    password = PasswordField(_l("Nouveau mot de passe"), validators=[DataRequired(), Length(min=10, max=200, message=_l(
                                 "Le mot de passe doit comporter au moins 10 caractères."))],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Confirmation"),
                            validators=[DataRequired(), EqualTo("password", message=_l("Les mots de passe diffèrent."))],
                            render_kw={"autocomplete": "new-password"})


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(_l("Mot de passe actuel"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})


class ProfileForm(SafeForm):
    full_name = StringField(_l("Nom complet"), validators=[DataRequired(), Length(max=200)])
    phone = StringField(_l("Téléphone"), validators=[Optional(), Length(max=30)])
    locale = SelectField(_l("Langue"), choices=[("fr", "Français"), ("en", "English")])


class TokenForm(SafeForm):
    name = StringField(_l("Nom du jeton"), validators=[DataRequired(), Length(max=100)],
                       description=_l("Par exemple : tableur de suivi, export comptable…"))


class UserForm(SafeForm):
    email = EmailField(_l("Adresse électronique"), validators=[DataRequired(), Email(), Length(max=254)])
    full_name = StringField(_l("Nom complet"), validators=[DataRequired(), Length(max=200)])
    phone = StringField(_l("Téléphone"), validators=[Optional(), Length(max=30)])
    roles = MultiCheckboxField(_l("Rôles"), choices=[(r.value, ROLE_LABELS[r]) for r in Role],
                               validators=[DataRequired(message=_l("Choisissez au moins un rôle."))])
    organisation_id = SelectField(_l("Structure (pour un compte collectivité)"), coerce=int, validators=[Optional()])
    active = BooleanField(_l("Compte actif"), default=True)
    send_invitation = BooleanField(_l("Envoyer un lien pour choisir son mot de passe"), default=True)


class AuditFilterForm(SafeForm):
    class Meta:
        csrf = False

    q = StringField(_l("Recherche"), validators=[Optional()])
    actor = StringField(_l("Auteur (courriel)"), validators=[Optional()])
    action = SelectField(_l("Action"), validators=[Optional()])
    object_type = SelectField(_l("Type d'objet"), validators=[Optional()])
    date_from = StringField(_l("Du"), validators=[Optional()], render_kw={"type": "date"})
    date_to = StringField(_l("Au"), validators=[Optional()], render_kw={"type": "date"})


class EuroField(StringField):
    """An amount typed in euros ("1 234,56", "45", "45.5") stored as integer cents in ``data``."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return f"{self.data // 100},{self.data % 100:02d}" if self.data >= 0 else f"-{-self.data // 100},{-self.data % 100:02d}"

    def process_formdata(self, valuelist):
        from coopnum.core.money import parse_euros

        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = parse_euros(valuelist[0])
            except ValueError as exc:
                self.data = None
                raise ValueError(str(exc)) from exc


class DecimalTextField(StringField):
    """A number typed the French way ("2,5", "1 200") kept as a Decimal in ``data``."""

    def __init__(self, label=None, validators=None, message=None, limit=DECIMAL_LIMIT, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        self.message = message or _l("Nombre invalide : écrivez par exemple 12 ou 2,5.")
        self.limit = Decimal(limit)  # exclusive, in absolute value (boundary_check refuses more)
        super().__init__(label, validators, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format(Decimal(self.data).normalize(), "f").replace(".", ",")

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            text = re.sub(r"[\s\u00a0\u202f%]", "", valuelist[0]).replace(",", ".")
            try:
                self.data = Decimal(text)
                if not self.data.is_finite():
                    raise InvalidOperation
            except InvalidOperation as exc:
                self.data = None
                raise ValueError(str(self.message)) from exc


PERCENT_RE = re.compile(r"^-?\d{1,3}([.,]\d{1,2})?$")


def percent_input(bp: int | None) -> str:
    """215 → '2,15', 1200 → '12,00': a rate in hundredths of a percent as typed in a field (French)."""
    if bp is None:
        return ""
    return f"{(Decimal(bp) / 100).quantize(Decimal('0.01'))}".replace(".", ",")


def parse_percent_bp(value: str | None, *, low_bp: int, high_bp: int) -> int:
    """'2,15' or '2,15 %' (a percentage with at most two decimals) → 215 hundredths of a percent, between the
    bounds; ValueError with a French message."""
    text = re.sub(r"[\s%\u00a0\u202f]", "", value or "")
    if not PERCENT_RE.match(text):
        raise ValueError(_("Taux invalide : un pourcentage avec au plus deux décimales, par exemple 2,15."))
    rate = int(Decimal(text.replace(",", ".")) * 100)
    if not low_bp <= rate <= high_bp:
        def bound(bp: int) -> str:
            return f"{(Decimal(bp) / 100).normalize():f}".replace(".", ",")
        raise ValueError(_("Taux invalide : entre %(low)s et %(high)s (en pour cent).", low=bound(low_bp),
                           high=bound(high_bp)))
    return rate


class PercentField(StringField):
    """A rate typed as a percentage ("2,15", "12 %") kept in ``data`` as integer hundredths of a percent (None when
    empty), between ``low_bp`` and ``high_bp``."""

    def __init__(self, label=None, validators=None, low_bp: int = 0, high_bp: int = 10000, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        self.low_bp, self.high_bp = low_bp, high_bp
        super().__init__(label, validators, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return percent_input(self.data)

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            self.data = parse_percent_bp(valuelist[0], low_bp=self.low_bp, high_bp=self.high_bp)
