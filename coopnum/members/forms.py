"""Forms of the register and the capital: search, a member (candidate), admission, leaving, college move, account
link, colleges, and the capital operations; the labels of the statuses, kinds, bodies and operations. The rules
(¼ paid, the floor, the public bodies' half…) are checked by the services, next to their field."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

from coopnum.core.forms import DecimalTextField, EuroField, SafeForm
from coopnum.members.models import CapitalOperationKind, DecidingBody, MemberKind, MemberStatus

STATUS_LABELS = {
    MemberStatus.CANDIDATE: _l("Candidat·e"),
    MemberStatus.ADMITTED: _l("Sociétaire"),
    MemberStatus.RESIGNED: _l("Démission"),
    MemberStatus.EXCLUDED: _l("Exclusion"),
    MemberStatus.DECEASED: _l("Décès"),
}
STATUS_BADGES = {MemberStatus.CANDIDATE: "badge-info", MemberStatus.ADMITTED: "badge-ok",
                 MemberStatus.RESIGNED: "badge-warn", MemberStatus.EXCLUDED: "badge-bad",
                 MemberStatus.DECEASED: "badge-warn"}
KIND_LABELS = {MemberKind.PERSON: _l("Personne physique"), MemberKind.ORGANISATION: _l("Personne morale")}
BODY_LABELS = {
    DecidingBody.BOARD: _l("Conseil (CA, gérance, conseil coopératif)"),
    DecidingBody.ASSEMBLY: _l("Assemblée générale"),
    DecidingBody.MEMBER: _l("Le ou la sociétaire"),
    DecidingBody.OTHER: _l("Autre"),
}
OPERATION_LABELS = {
    CapitalOperationKind.SUBSCRIPTION: _l("Souscription"),
    CapitalOperationKind.PAYMENT: _l("Libération"),
    CapitalOperationKind.TRANSFER: _l("Cession"),
    CapitalOperationKind.REIMBURSEMENT: _l("Remboursement"),
    CapitalOperationKind.CANCELLATION: _l("Annulation"),
}
LEAVE_LABELS = {k: STATUS_LABELS[k] for k in (MemberStatus.RESIGNED, MemberStatus.EXCLUDED, MemberStatus.DECEASED)}


class RegisterFilterForm(SafeForm):
    """The register's search, read from the query string (colleges filled by the view)."""

    class Meta:
        csrf = False

    q = StringField(_l("Nom, numéro, courriel ou ville"), validators=[Optional(), Length(max=100)])
    college_id = SelectField(_l("Collège"), validators=[Optional()])
    status = SelectField(_l("État"), choices=[("", _l("Tous"))] + [(k.value, v) for k, v in STATUS_LABELS.items()],
                         validators=[Optional()])


class MemberForm(SafeForm):
    """A candidate (new) or a member's contact data (edit: the college and the date are left out)."""

    name = StringField(_l("Nom (ou raison sociale)"), validators=[InputRequired(message=_l("Indiquez le nom.")),
                                                                Length(max=200)])
    kind = SelectField(_l("Nature"), choices=[(k.value, v) for k, v in KIND_LABELS.items()])
    public_body = BooleanField(_l("Collectivité ou organisme public"),
                               description=_l("Ensemble, ils détiennent au plus la moitié du capital (SCIC)."))
    email = EmailField(_l("Courriel (facultatif)"), validators=[Optional(), Email(), Length(max=254)])
    phone = StringField(_l("Téléphone (facultatif)"), validators=[Optional(), Length(max=30)])
    address = StringField(_l("Adresse (facultatif)"), validators=[Optional(), Length(max=300)])
    postal_code = StringField(_l("Code postal (facultatif)"), validators=[Optional(), Length(max=10)])
    city = StringField(_l("Ville (facultatif)"), validators=[Optional(), Length(max=120)])
    college_id = SelectField(_l("Collège de vote"), coerce=int)
    applied_on = DateField(_l("Candidature reçue le"),
                           validators=[InputRequired(message=_l("Indiquez la date de la candidature."))])
    notes = TextAreaField(_l("Notes (facultatif)"), validators=[Optional(), Length(max=5000)])


class AdmitForm(SafeForm):
    on = DateField(_l("Admis·e le"), validators=[InputRequired(message=_l("Indiquez la date d'admission."))])
    body = SelectField(_l("Décision de"), choices=[(k.value, BODY_LABELS[k])
                                                   for k in (DecidingBody.BOARD, DecidingBody.ASSEMBLY)])
    reference = StringField(_l("Référence de la décision (facultatif)"), validators=[Optional(), Length(max=200)],
                            description=_l("Par exemple : CA du 12/03, délibération 4"))
    shares = IntegerField(_l("Parts souscrites à l'admission"), default=1,
                          validators=[Optional(), NumberRange(min=0, max=1_000_000)],
                          description=_l("0 si les parts sont déjà souscrites."))
    paid_cents = EuroField(_l("Montant versé (€, facultatif)"), validators=[Optional()],
                           description=_l("Par défaut, le minimum exigé à la souscription."))


class LeaveForm(SafeForm):
    status = SelectField(_l("Motif de sortie"), choices=[(k.value, v) for k, v in LEAVE_LABELS.items()])
    on = DateField(_l("Date de sortie"), validators=[InputRequired(message=_l("Indiquez la date de sortie."))])
    body = SelectField(_l("Décision de"), choices=[(k.value, v) for k, v in BODY_LABELS.items()])
    reference = StringField(_l("Référence (facultatif)"), validators=[Optional(), Length(max=200)])
    reason = StringField(_l("Motif (facultatif)"), validators=[Optional(), Length(max=500)])


class MoveForm(SafeForm):
    college_id = SelectField(_l("Nouveau collège"), coerce=int)
    on = DateField(_l("À compter du"), validators=[InputRequired(message=_l("Indiquez la date."))])
    reason = StringField(_l("Motif (facultatif)"), validators=[Optional(), Length(max=500)])


class LinkUserForm(SafeForm):
    email = EmailField(_l("Courriel du compte (vide : délier)"), validators=[Optional(), Email(), Length(max=254)])


class CollegeForm(SafeForm):
    name = StringField(_l("Nom du collège"), validators=[InputRequired(message=_l("Indiquez le nom.")),
                                                       Length(max=100)])
    weight_percent = DecimalTextField(_l("Poids (%)"), validators=[InputRequired(message=_l("Indiquez le poids."))],
                                      limit=1000)
    description = StringField(_l("Description (facultatif)"), validators=[Optional(), Length(max=500)])
    active = BooleanField(_l("Actif"), default=True)


class SubscribeForm(SafeForm):
    shares = IntegerField(_l("Nombre de parts"), validators=[InputRequired(message=_l("Indiquez le nombre de parts.")),
                                                             NumberRange(min=1, max=1_000_000)])
    on = DateField(_l("Date"), validators=[InputRequired(message=_l("Indiquez la date."))])
    paid_cents = EuroField(_l("Montant versé (€)"), validators=[InputRequired(message=_l("Indiquez le montant versé."))],
                           description=_l("Au moins le quart de la souscription."))
    reference = StringField(_l("Référence (facultatif)"), validators=[Optional(), Length(max=200)])


class PayForm(SafeForm):
    amount_cents = EuroField(_l("Montant (€)"), validators=[InputRequired(message=_l("Indiquez le montant."))])
    on = DateField(_l("Reçu le"), validators=[InputRequired(message=_l("Indiquez la date."))])
    reference = StringField(_l("Référence (facultatif)"), validators=[Optional(), Length(max=200)])


class TransferForm(SafeForm):
    receiver_id = SelectField(_l("Cessionnaire"), coerce=int)
    shares = IntegerField(_l("Nombre de parts"), validators=[InputRequired(message=_l("Indiquez le nombre de parts.")),
                                                             NumberRange(min=1, max=1_000_000)])
    on = DateField(_l("Date"), validators=[InputRequired(message=_l("Indiquez la date."))])
    reference = StringField(_l("Référence (facultatif)"), validators=[Optional(), Length(max=200)])


class ReimburseForm(SafeForm):
    shares = IntegerField(_l("Nombre de parts"), validators=[InputRequired(message=_l("Indiquez le nombre de parts.")),
                                                             NumberRange(min=1, max=1_000_000)])
    on = DateField(_l("Date"), validators=[InputRequired(message=_l("Indiquez la date."))])
    amount_cents = EuroField(_l("Montant remboursé (€, facultatif)"), validators=[Optional()],
                             description=_l("Par défaut, la valeur nominale ; moins en cas de pertes."))
    reference = StringField(_l("Référence (facultatif)"), validators=[Optional(), Length(max=200)])


class CancelSharesForm(SafeForm):
    shares = IntegerField(_l("Nombre de parts non libérées"),
                          validators=[InputRequired(message=_l("Indiquez le nombre de parts.")),
                                      NumberRange(min=1, max=1_000_000)])
    on = DateField(_l("Date"), validators=[InputRequired(message=_l("Indiquez la date."))])
    reference = StringField(_l("Référence (facultatif)"), validators=[Optional(), Length(max=200)])
