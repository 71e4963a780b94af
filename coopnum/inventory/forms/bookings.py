"""Forms of reservations and loans: a reservation (new, change), the availability search, the lists' filters, a
checkout (from scratch or from a reservation), a return, an extension, a loss; the labels of statuses, conditions and
borrower kinds. Dates are typed in Paris time (``datetime-local``); the rules (no overlap, lengths, statuses) are the
services', shown next to their field."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, Optional

from coopnum.core import clock
from coopnum.core.clock import PARIS
from coopnum.core.forms import MultiCheckboxField, SafeForm
from coopnum.inventory.forms import CATEGORY_PLURAL as CATEGORY_LABELS  # noqa: F401  (re-exported)
from coopnum.inventory.models import BorrowerKind, Condition, LoanStatus, ReservationStatus

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"

RESERVATION_STATUS_LABELS = {
    ReservationStatus.ACTIVE: _l("Active"),
    ReservationStatus.CANCELLED: _l("Annulée"),
    ReservationStatus.CONVERTED: _l("Transformée en prêt"),
}
RESERVATION_STATUS_BADGES = {ReservationStatus.ACTIVE: "badge-info", ReservationStatus.CANCELLED: "badge-warn",
                             ReservationStatus.CONVERTED: "badge-ok"}
LOAN_STATUS_LABELS = {LoanStatus.OPEN: _l("En cours"), LoanStatus.RETURNED: _l("Rendu"), LoanStatus.LOST: _l("Perdu")}
LOAN_STATUS_BADGES = {LoanStatus.OPEN: "badge-info", LoanStatus.RETURNED: "badge-ok", LoanStatus.LOST: "badge-bad"}
CONDITION_LABELS = {Condition.NEW: _l("Neuf"), Condition.GOOD: _l("Bon état"), Condition.WORN: _l("Usé"),
                    Condition.DAMAGED: _l("Endommagé")}
BORROWER_LABELS = {
    BorrowerKind.MEDIATOR: _l("Un·e médiateur·rice"),
    BorrowerKind.SESSION: _l("Une séance"),
    BorrowerKind.MISSION: _l("Une mission"),
    BorrowerKind.PERSON: _l("Une personne sans compte"),
}


def aware(value: datetime | None) -> datetime | None:
    """A ``datetime-local`` value (Paris wall time) as an aware instant."""
    return value.replace(tzinfo=PARIS) if value is not None else None


def local(value: datetime | None) -> datetime | None:
    """An instant as the naive Paris wall time a ``datetime-local`` input shows."""
    return clock.to_paris(value).replace(tzinfo=None, second=0, microsecond=0) if value is not None else None


def _optional_id(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class ReservationForm(SafeForm):
    """A new reservation (the view fills the choices; ``user_id`` is removed for a mediator: always for itself)."""

    user_id = SelectField(_l("Pour"), coerce=int)
    session_id = HiddenField()
    starts_at = DateTimeLocalField(_l("Début"), format=DATETIME_FORMAT, validators=[Optional()])
    ends_at = DateTimeLocalField(_l("Fin"), format=DATETIME_FORMAT, validators=[Optional()])
    kit_id = SelectField(_l("Un kit entier (facultatif)"), coerce=_optional_id, validators=[Optional()])
    assets = MultiCheckboxField(_l("Appareils"), coerce=int, validators=[Optional()])
    notes = StringField(_l("Note (facultatif)"), validators=[Optional(), Length(max=500)])


class ReservationChangeForm(SafeForm):
    starts_at = DateTimeLocalField(_l("Début"), format=DATETIME_FORMAT,
                                   validators=[InputRequired(message=_l("Indiquez le début."))])
    ends_at = DateTimeLocalField(_l("Fin"), format=DATETIME_FORMAT,
                                 validators=[InputRequired(message=_l("Indiquez la fin."))])
    notes = StringField(_l("Note (facultatif)"), validators=[Optional(), Length(max=500)])


class ReservationFilterForm(SafeForm):
    class Meta:
        csrf = False

    status = SelectField(_l("État"), choices=[("", _l("Toutes")), ("upcoming", _l("À venir et en cours")),
                                              *[(k.value, v) for k, v in RESERVATION_STATUS_LABELS.items()]],
                         validators=[Optional()])
    user_id = SelectField(_l("Médiateur·rice"), validators=[Optional()])


class AvailabilityForm(SafeForm):
    """« Quelles tablettes sont libres jeudi matin ? »"""

    class Meta:
        csrf = False

    category = SelectField(_l("Catégorie"), choices=[("", _l("Toutes"))] + [(k.value, v) for k, v
                                                                            in CATEGORY_LABELS.items()],
                           validators=[Optional()])
    day = DateField(_l("Jour"), validators=[InputRequired(message=_l("Indiquez le jour."))])
    start = TimeField(_l("De"), validators=[InputRequired(message=_l("Indiquez l'heure de début."))])
    end = TimeField(_l("À"), validators=[InputRequired(message=_l("Indiquez l'heure de fin."))])
    place_id = SelectField(_l("Lieu"), validators=[Optional()])


class LoanFilterForm(SafeForm):
    class Meta:
        csrf = False

    status = SelectField(_l("État"), choices=[("open", _l("En cours")), ("overdue", _l("En retard")),
                                              ("returned", _l("Rendus")), ("lost", _l("Perdus")), ("all", _l("Tous"))],
                         validators=[Optional()])


def _signature_field():
    return HiddenField(_l("Signature"), validators=[Optional(), Length(max=500_000)])


class CheckoutForm(SafeForm):
    """A loan from scratch (the view fills the choices)."""

    borrower_kind = SelectField(_l("Type d'emprunteur"), choices=[(k.value, v) for k, v in BORROWER_LABELS.items()])
    user_id = SelectField(_l("Médiateur·rice (emprunteur ou responsable)"), coerce=_optional_id,
                          validators=[Optional()])
    session_id = SelectField(_l("Séance"), coerce=_optional_id, validators=[Optional()])
    mission_id = SelectField(_l("Mission"), coerce=_optional_id, validators=[Optional()])
    borrower_name = StringField(_l("Nom de la personne"), validators=[Optional(), Length(max=200)])
    borrower_phone = StringField(_l("Téléphone"), validators=[Optional(), Length(max=30)])
    borrower_commune = StringField(_l("Commune"), validators=[Optional(), Length(max=120)])
    kit_id = SelectField(_l("Un kit entier (facultatif)"), coerce=_optional_id, validators=[Optional()])
    assets = MultiCheckboxField(_l("Appareils"), coerce=int, validators=[Optional()])
    due_at = DateTimeLocalField(_l("Retour prévu"), format=DATETIME_FORMAT,
                                validators=[InputRequired(message=_l("Indiquez la date de retour prévue."))])
    condition_out = SelectField(_l("État au départ"), choices=[(k.value, v) for k, v in CONDITION_LABELS.items()],
                                default=Condition.GOOD.value)
    condition_out_notes = StringField(_l("Remarques sur l'état (facultatif)"), validators=[Optional(), Length(max=500)])
    notes = StringField(_l("Note (facultatif)"), validators=[Optional(), Length(max=500)])
    signature = _signature_field()


class ReservationCheckoutForm(SafeForm):
    """« Transformer en prêt »: the reservation gives the assets and the borrower."""

    due_at = DateTimeLocalField(_l("Retour prévu"), format=DATETIME_FORMAT,
                                validators=[InputRequired(message=_l("Indiquez la date de retour prévue."))])
    condition_out = SelectField(_l("État au départ"), choices=[(k.value, v) for k, v in CONDITION_LABELS.items()],
                                default=Condition.GOOD.value)
    condition_out_notes = StringField(_l("Remarques sur l'état (facultatif)"), validators=[Optional(), Length(max=500)])
    signature = _signature_field()


class CheckinForm(SafeForm):
    condition_in = SelectField(_l("État au retour"), choices=[(k.value, v) for k, v in CONDITION_LABELS.items()],
                               default=Condition.GOOD.value)
    damaged = MultiCheckboxField(_l("Appareils endommagés (par défaut : tous, si l'état est « endommagé »)"),
                                 coerce=int, validators=[Optional()])
    notes = TextAreaField(_l("Remarques (facultatif)"), validators=[Optional(), Length(max=500)])


class ExtendForm(SafeForm):
    due_at = DateTimeLocalField(_l("Nouveau retour prévu"), format=DATETIME_FORMAT,
                                validators=[InputRequired(message=_l("Indiquez la nouvelle date de retour."))])


class LostForm(SafeForm):
    assets = MultiCheckboxField(_l("Matériel perdu"), coerce=int,
                                validators=[InputRequired(message=_l("Choisissez le matériel perdu."))])
