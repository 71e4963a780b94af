"""Forms: the cooperative's skills, people, assessments, certifications, target profiles, the filters of the lists
and of the matrix; the labels of kinds, evidence and certifications. The rules (level within the skill's range, no
future date, expiry after obtaining…) are the services', shown next to their field."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

from coopnum.core.forms import SafeForm
from coopnum.training.models import CertificationKind, EvidenceKind, PersonKind, SkillFramework

KIND_LABELS = {
    PersonKind.STAFF: _l("Salarié·e (médiation, coordination)"),
    PersonKind.CNFS: _l("Conseiller·e numérique France Services accueilli·e"),
    PersonKind.MEMBER: _l("Sociétaire"),
    PersonKind.EXTERNAL: _l("Personne extérieure"),
}
KIND_SHORT = {
    PersonKind.STAFF: _l("Salarié·e"),
    PersonKind.CNFS: _l("CNFS"),
    PersonKind.MEMBER: _l("Sociétaire"),
    PersonKind.EXTERNAL: _l("Extérieur·e"),
}
EVIDENCE_LABELS = {
    EvidenceKind.PIX_RESULT: _l("Résultat Pix (profil, campagne)"),
    EvidenceKind.PIX_CERTIFICATION: _l("Certification Pix"),
    EvidenceKind.TRAINER: _l("Évaluation par un·e formateur·rice"),
    EvidenceKind.TRAINING: _l("Formation suivie"),
    EvidenceKind.SELF: _l("Auto-évaluation"),
    EvidenceKind.OTHER: _l("Autre"),
}
CERTIFICATION_LABELS = {
    CertificationKind.PIX: _l("Certification Pix"),
    CertificationKind.CCP1: _l("CCP1 du titre Médiateur numérique"),
    CertificationKind.CCP2: _l("CCP2 du titre Médiateur numérique"),
    CertificationKind.CCP3: _l("CCP3 du titre Médiateur numérique"),
    CertificationKind.TITLE: _l("Titre professionnel Médiateur numérique"),
    CertificationKind.PSC1: _l("PSC1 (premiers secours)"),
    CertificationKind.OTHER: _l("Autre"),
}
FRAMEWORK_LABELS = {
    SkillFramework.PIX: _l("Pix (CRCN)"),
    SkillFramework.TITLE: _l("Titre Médiateur numérique"),
    SkillFramework.CUSTOM: _l("Compétences de la coopérative"),
}
CERT_STATUS_LABELS = {"expired": _l("Expirée"), "soon": _l("Expire bientôt"), "valid": _l("Valide"),
                      "permanent": _l("Sans échéance")}
CERT_STATUS_BADGES = {"expired": "badge-bad", "soon": "badge-warn", "valid": "badge-ok", "permanent": "badge-info"}


class SkillForm(SafeForm):
    """A skill of the cooperative (a reference skill: only its title, description and whether it is offered)."""

    code = StringField(_l("Code"), validators=[InputRequired(message=_l("Indiquez le code.")), Length(max=20)],
                       description=_l("Par exemple : AIDANTS-CONNECT"))
    title = StringField(_l("Intitulé"), validators=[InputRequired(message=_l("Indiquez l'intitulé.")),
                                                    Length(max=300)])
    max_level = IntegerField(_l("Niveau maximal"), default=4,
                             validators=[InputRequired(message=_l("Indiquez le niveau maximal.")),
                                         NumberRange(min=1, max=8, message=_l("Entre 1 et 8."))],
                             description=_l("1 : acquis ou non ; jusqu'à 8 comme Pix."))
    domain_title = StringField(_l("Domaine (facultatif)"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Description (facultatif)"), validators=[Optional(), Length(max=5000)])
    active = BooleanField(_l("Proposée (décocher pour la désactiver)"), default=True)


class PeopleFilterForm(SafeForm):
    class Meta:
        csrf = False

    q = StringField(_l("Nom, courriel ou structure"), validators=[Optional(), Length(max=100)])
    kind = SelectField(_l("Type"), choices=[("", _l("Tous"))] + [(k.value, v) for k, v in KIND_SHORT.items()],
                       validators=[Optional()])
    profile_id = SelectField(_l("Profil cible"), validators=[Optional()])


class PersonForm(SafeForm):
    full_name = StringField(_l("Nom complet"), validators=[InputRequired(message=_l("Indiquez le nom.")),
                                                           Length(max=200)])
    kind = SelectField(_l("Type"), choices=[(k.value, v) for k, v in KIND_LABELS.items()])
    email = EmailField(_l("Courriel (facultatif)"), validators=[Optional(), Email(), Length(max=254)],
                       description=_l("Pour les rappels d'échéance de ses certifications."))
    organisation = StringField(_l("Structure (facultatif)"), validators=[Optional(), Length(max=200)])
    target_profile_id = SelectField(_l("Profil cible"), validators=[Optional()])
    notes = TextAreaField(_l("Notes (facultatif)"), validators=[Optional(), Length(max=1000)])
    active = BooleanField(_l("Active"), default=True)


class AssessmentForm(SafeForm):
    skill_id = SelectField(_l("Compétence"), coerce=int,
                           validators=[InputRequired(message=_l("Choisissez la compétence."))])
    level = IntegerField(_l("Niveau"), validators=[InputRequired(message=_l("Indiquez le niveau.")),
                                                   NumberRange(min=0, max=8, message=_l("Entre 0 et 8."))],
                         description=_l("0 : niveau plus acquis. Pix : 1 à 8 ; un bloc du titre : 1 = acquis."))
    assessed_on = DateField(_l("Évalué le"), validators=[InputRequired(message=_l("Indiquez la date."))])
    evidence_kind = SelectField(_l("Preuve"), choices=[(k.value, v) for k, v in EVIDENCE_LABELS.items()])
    evidence = StringField(_l("Détail de la preuve (facultatif)"), validators=[Optional(), Length(max=500)],
                           description=_l("Par exemple : Pix, campagne du 12/03, score 3"))


class CertificationForm(SafeForm):
    kind = SelectField(_l("Type"), choices=[(k.value, v) for k, v in CERTIFICATION_LABELS.items()])
    name = StringField(_l("Intitulé"), validators=[InputRequired(message=_l("Indiquez l'intitulé.")),
                                                   Length(max=200)],
                       description=_l("Par exemple : Certification Pix (score 512)"))
    obtained_on = DateField(_l("Obtenue le"), validators=[InputRequired(message=_l("Indiquez la date d'obtention."))])
    expires_on = DateField(_l("Échéance (facultatif)"), validators=[Optional()])
    issuer = StringField(_l("Délivrée par (facultatif)"), validators=[Optional(), Length(max=200)])
    reference = StringField(_l("Numéro ou code de vérification (facultatif)"), validators=[Optional(),
                                                                                          Length(max=100)])
    notes = TextAreaField(_l("Notes (facultatif)"), validators=[Optional(), Length(max=1000)])


class ProfileForm(SafeForm):
    name = StringField(_l("Nom du profil"), validators=[InputRequired(message=_l("Indiquez le nom.")),
                                                        Length(max=200)],
                       description=_l("Par exemple : CNFS — socle"))
    description = StringField(_l("Description (facultatif)"), validators=[Optional(), Length(max=1000)])
    active = BooleanField(_l("Actif"), default=True)


class ProfileLevelForm(SafeForm):
    skill_id = SelectField(_l("Compétence"), coerce=int,
                           validators=[InputRequired(message=_l("Choisissez la compétence."))])
    level = IntegerField(_l("Niveau requis"), validators=[InputRequired(message=_l("Indiquez le niveau.")),
                                                          NumberRange(min=0, max=8, message=_l("Entre 0 et 8."))],
                         description=_l("0 : retirer cette compétence du profil."))


class MatrixFilterForm(SafeForm):
    class Meta:
        csrf = False

    q = StringField(_l("Nom"), validators=[Optional(), Length(max=100)])
    kind = SelectField(_l("Type"), choices=[("", _l("Tous"))] + [(k.value, v) for k, v in KIND_SHORT.items()],
                       validators=[Optional()])
    profile_id = SelectField(_l("Profil cible"), validators=[Optional()])
    framework = SelectField(_l("Référentiel"), choices=[("", _l("Tous"))] + [(k.value, v) for k, v in
                                                                           FRAMEWORK_LABELS.items()],
                            validators=[Optional()])
    year = IntegerField(_l("Année des heures de formation"), validators=[Optional(), NumberRange(min=2000,
                                                                                                 max=2100)])
    skill_id = SelectField(_l("Qui peut former sur"), validators=[Optional()])
