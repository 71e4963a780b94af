"""Forms of the missions domain: requests for services (the contact's side and the coordination's answers) and
the filters of the authority portal."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from coopnum.core.forms import SafeForm
from coopnum.missions.models import RequestStatus, SessionStatus

REQUEST_STATUS_LABELS = {
    RequestStatus.NEW: _l("Nouvelle"),
    RequestStatus.IN_REVIEW: _l("En cours d'étude"),
    RequestStatus.QUOTED: _l("Devis proposé"),
    RequestStatus.PLANNED: _l("Planifiée"),
    RequestStatus.DECLINED: _l("Refusée"),
}
REQUEST_STATUS_BADGES = {
    RequestStatus.NEW: "badge-info",
    RequestStatus.IN_REVIEW: "badge-warn",
    RequestStatus.QUOTED: "badge-info",
    RequestStatus.PLANNED: "badge-ok",
    RequestStatus.DECLINED: "badge-bad",
}
SESSION_STATUS_LABELS = {
    SessionStatus.PLANNED: _l("Prévue"),
    SessionStatus.CANCELLED: _l("Annulée"),
    SessionStatus.HELD: _l("Réalisée"),
    SessionStatus.NOT_HELD: _l("Non tenue"),
}
SESSION_STATUS_BADGES = {
    SessionStatus.PLANNED: "badge-info",
    SessionStatus.CANCELLED: "badge-bad",
    SessionStatus.HELD: "badge-ok",
    SessionStatus.NOT_HELD: "badge-warn",
}
CONVENTION_STATUS_LABELS = {
    "draft": _l("En préparation"),
    "signed": _l("Signée"),
    "ended": _l("Terminée"),
}

OTHER_PLACE = 0  # the "autre lieu" choice of the place select


class ServiceRequestForm(SafeForm):
    # The choices are checked by the service (active service, a place of the contact's organisation), with its
    # French messages: no generic "not a valid choice" here.
    service_id = SelectField(_l("Prestation souhaitée"), coerce=int, validate_choice=False,
                             validators=[DataRequired(message=_l("Choisissez une prestation du catalogue."))])
    place_id = SelectField(_l("Lieu"), coerce=int, validate_choice=False, validators=[Optional()])
    place_text = StringField(_l("Autre lieu (adresse, salle…)"), validators=[Optional(), Length(max=300)],
                             description=_l("Si le lieu n'est pas dans la liste."))
    wished_start = DateField(_l("Début souhaité"), validators=[Optional()])
    wished_end = DateField(_l("Fin souhaitée"), validators=[Optional()])
    schedule_note = StringField(_l("Jours et horaires souhaités"), validators=[Optional(), Length(max=300)],
                                description=_l("Par exemple : le mardi matin, hors vacances scolaires."))
    audience = StringField(_l("Public"), validators=[Optional(), Length(max=300)],
                           description=_l("Par exemple : seniors, demandeurs d'emploi, parents d'élèves."))
    expected_participants = IntegerField(
        _l("Nombre de participants attendus"),
        validators=[Optional(), NumberRange(min=1, max=100000,
                                            message=_l("Le nombre de participants attendus doit être d'au moins 1."))],
        render_kw={"min": 1, "inputmode": "numeric"},
    )
    description = TextAreaField(
        _l("Votre besoin"),
        validators=[DataRequired(message=_l("Décrivez votre besoin.")),
                    Length(max=2000, message=_l("La description ne doit pas dépasser 2000 caractères."))],
        render_kw={"rows": 5, "maxlength": 2000},
    )


class RequestFilterForm(SafeForm):
    class Meta:
        csrf = False

    status = SelectField(_l("État"), validators=[Optional()],
                         choices=[("", _l("Tous"))] + [(s.value, label) for s, label in REQUEST_STATUS_LABELS.items()])


class DeclineForm(SafeForm):
    message = TextAreaField(_l("Motif du refus"),
                            validators=[DataRequired(message=_l("Écrivez un message pour la structure.")),
                                        Length(max=2000)],
                            description=_l("Envoyé à la structure : expliquez pourquoi la demande est refusée."),
                            render_kw={"rows": 3})


class QuoteForm(SafeForm):
    quote_reference = StringField(_l("Référence du devis"),
                                  validators=[DataRequired(message=_l("Indiquez la référence du devis.")),
                                              Length(max=40)])
    message = TextAreaField(_l("Message accompagnant le devis"), validators=[Optional(), Length(max=2000)],
                            render_kw={"rows": 3})


class PlanForm(SafeForm):
    mission_id = SelectField(_l("Mission"), coerce=int, validate_choice=False,  # checked by the service
                             validators=[DataRequired(message=_l("Choisissez une mission."))])
    message = TextAreaField(_l("Message accompagnant la mission"), validators=[Optional(), Length(max=2000)],
                            render_kw={"rows": 3})


class PortalSessionsForm(SafeForm):
    """Filters of the portal's sessions page (GET, no CSRF)."""

    class Meta:
        csrf = False

    convention_id = SelectField(_l("Convention"), coerce=int, validators=[Optional()])
    date_from = DateField(_l("Du"), validators=[Optional()])
    date_to = DateField(_l("Au"), validators=[Optional()])
