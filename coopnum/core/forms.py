"""Core forms. Labels are French msgids translated by Flask-Babel; WTForms' own messages follow the locale."""

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from coopnum.core.models import Role

ROLE_LABELS = {
    Role.ADMIN: _l("Administrateur"),
    Role.COORDINATOR: _l("Coordination"),
    Role.MEDIATOR: _l("Médiateur·rice"),
    Role.MEMBER: _l("Sociétaire"),
    Role.AUTHORITY: _l("Collectivité / structure"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    email = EmailField(_l("Adresse électronique"), validators=[DataRequired(), Email()],
                       render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Rester connecté·e sur cet appareil"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Adresse électronique"), validators=[DataRequired(), Email()],
                       render_kw={"autocomplete": "username"})


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("Nouveau mot de passe"), validators=[DataRequired(), Length(min=10, max=200, message=_l(
                                 "Le mot de passe doit comporter au moins 10 caractères."))],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Confirmation"),
                            validators=[DataRequired(), EqualTo("password", message=_l("Les mots de passe diffèrent."))],
                            render_kw={"autocomplete": "new-password"})


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(_l("Mot de passe actuel"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})


class ProfileForm(FlaskForm):
    full_name = StringField(_l("Nom complet"), validators=[DataRequired(), Length(max=200)])
    phone = StringField(_l("Téléphone"), validators=[Optional(), Length(max=30)])
    locale = SelectField(_l("Langue"), choices=[("fr", "Français"), ("en", "English")])


class TokenForm(FlaskForm):
    name = StringField(_l("Nom du jeton"), validators=[DataRequired(), Length(max=100)],
                       description=_l("Par exemple : tableur de suivi, export comptable…"))


class UserForm(FlaskForm):
    email = EmailField(_l("Adresse électronique"), validators=[DataRequired(), Email(), Length(max=254)])
    full_name = StringField(_l("Nom complet"), validators=[DataRequired(), Length(max=200)])
    phone = StringField(_l("Téléphone"), validators=[Optional(), Length(max=30)])
    roles = MultiCheckboxField(_l("Rôles"), choices=[(r.value, ROLE_LABELS[r]) for r in Role],
                               validators=[DataRequired(message=_l("Choisissez au moins un rôle."))])
    organisation_id = SelectField(_l("Structure (pour un compte collectivité)"), coerce=int, validators=[Optional()])
    active = BooleanField(_l("Compte actif"), default=True)
    send_invitation = BooleanField(_l("Envoyer un lien pour choisir son mot de passe"), default=True)


class AuditFilterForm(FlaskForm):
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

    def __init__(self, label=None, validators=None, message=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        self.message = message or _l("Nombre invalide : écrivez par exemple 12 ou 2,5.")
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
