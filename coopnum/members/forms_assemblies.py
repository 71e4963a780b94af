"""Forms of the assemblies' pages (the coordination's) and of the member's space."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from coopnum.core.forms import SafeForm
from coopnum.members.models import AssemblyKind, AssemblyMode, AttendanceMode, BallotKind, Choice

KIND_LABELS = {AssemblyKind.AGO: _l("Assemblée générale ordinaire (AGO)"),
               AssemblyKind.AGE: _l("Assemblée générale extraordinaire (AGE)")}
MODE_LABELS = {AssemblyMode.ROOM: _l("En salle"), AssemblyMode.REMOTE: _l("À distance"),
               AssemblyMode.HYBRID: _l("Hybride (en salle et à distance)")}
STATUS_LABELS = {"draft": _l("Brouillon"), "convened": _l("Convoquée"), "held": _l("Tenue"),
                 "cancelled": _l("Annulée")}
ATTENDANCE_LABELS = {AttendanceMode.PRESENT: _l("Présent·e"), AttendanceMode.REMOTE: _l("À distance"),
                     AttendanceMode.REPRESENTED: _l("Représenté·e (pouvoir)")}
BALLOT_LABELS = {BallotKind.OPEN: _l("À main levée"), BallotKind.SECRET: _l("À bulletin secret")}
CHOICE_LABELS = {Choice.FOR: _l("Pour"), Choice.AGAINST: _l("Contre"), Choice.ABSTAIN: _l("Abstention"),
                 Choice.BLANK: _l("Blanc")}
RESOLUTION_STATUS_LABELS = {"draft": _l("Vote non ouvert"), "open": _l("Vote ouvert"), "closed": _l("Vote clos")}


class AssemblyForm(SafeForm):
    kind = SelectField(_l("Type"), choices=list(KIND_LABELS.items()))
    convocation = SelectField(_l("Convocation"), coerce=int,
                              choices=[(1, _l("Première convocation")), (2, _l("Seconde convocation"))])
    day = DateField(_l("Date"), validators=[InputRequired(message=_l("Indiquez la date de l'assemblée."))])
    time = TimeField(_l("Heure"), validators=[InputRequired(message=_l("Indiquez l'heure de l'assemblée."))])
    mode = SelectField(_l("Réunion"), choices=list(MODE_LABELS.items()))
    place = StringField(_l("Lieu"), validators=[Length(max=300)])
    remote_link = StringField(_l("Lien de visioconférence"), validators=[Optional(), Length(max=500)])
    title = StringField(_l("Intitulé"), validators=[Optional(), Length(max=200)])
    agenda = TextAreaField(_l("Ordre du jour"), validators=[Length(max=20000)])
    convened_on = DateField(_l("Convoquée hors coopnum le"), validators=[Optional()],
                            description=_l("Seulement si les convocations ont été envoyées par courrier : le délai "
                                           "légal est vérifié à cette date."))


class MinutesForm(SafeForm):
    president = StringField(_l("Président·e de séance"), validators=[Length(max=200)])
    secretary = StringField(_l("Secrétaire de séance"), validators=[Length(max=200)])
    scrutineers = StringField(_l("Scrutateurs"), validators=[Length(max=300)])
    debates = TextAreaField(_l("Résumé des débats"), validators=[Length(max=50000)])


class SignForm(SafeForm):
    signed_by = StringField(_l("Signé par"), validators=[InputRequired(message=_l("Indiquez qui signe.")),
                                                         Length(max=300)])
    signed_on = DateField(_l("Signé le"), validators=[InputRequired(message=_l("Indiquez la date de signature."))])


class DocumentForm(SafeForm):
    title = StringField(_l("Titre du document"), validators=[Length(max=200)])
    file = FileField(_l("Fichier"), validators=[FileRequired(message=_l("Choisissez un fichier."))])


class AttendanceForm(SafeForm):
    member_id = SelectField(_l("Sociétaire"), coerce=int)
    mode = SelectField(_l("Présence"), choices=list(ATTENDANCE_LABELS.items()))
    proxy_holder_id = SelectField(_l("Pouvoir donné à"), coerce=int)


class ResolutionForm(SafeForm):
    title = StringField(_l("Titre"), validators=[InputRequired(message=_l("Donnez un titre à la résolution.")),
                                                 Length(max=300)])
    text = TextAreaField(_l("Texte de la résolution"), validators=[Length(max=20000)])
    ballot = SelectField(_l("Scrutin"), choices=list(BALLOT_LABELS.items()))


class OpenVoteForm(SafeForm):
    online_hours = IntegerField(_l("Vote en ligne pendant (heures)"), validators=[Optional(), NumberRange(1, 24 * 30)],
                                description=_l("Laissez vide pour un vote en séance seulement, clos à la main."))


class BallotForm(SafeForm):
    member_id = SelectField(_l("Sociétaire"), coerce=int)
    choice = RadioField(_l("Vote"), choices=list(CHOICE_LABELS.items()),
                        validators=[InputRequired(message=_l("Choisissez un vote."))])


class ProxyForm(SafeForm):
    proxy_holder_id = SelectField(_l("Donner mon pouvoir à"), coerce=int)


class MyBallotForm(SafeForm):
    member_id = HiddenField()
    choice = HiddenField(validators=[InputRequired()])
