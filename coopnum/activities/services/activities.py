"""Activity reports (CRA): create, update and delete individual accompaniments and collective workshops.

Attached to a session, an activity takes its date, place, convention and mediator from the session (no double
entry); otherwise they are given. Values are checked against the national rules (``cra_reference``) and the
coordinator's editable lists (``reference_lists``: local entries allowed, deactivated ones refused on new values
but kept on an old record when unchanged). Nothing dated in a validated month changes (the timesheets domain's month lock, asked through the provider
``months.ensure_open``).

    data = ActivityData(kind="Individuel", duration_minutes=30, session_id=12, thematiques=["Email"])
    activity = create_activity(session, actor, data, now=now)   # ActivityInvalid (all errors, by field)

Errors: ``ActivityInvalid`` (422) carries every message with its field in ``details["errors"]``; ``Forbidden``
(403) when the actor may not report for that session or mediator; ``DuplicateBeneficiary`` (409) when a person
created inline has a namesake."""

import datetime as dt
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlmodel import Session

from coopnum.activities import cra_reference as ref
from coopnum.activities.access import can_edit_activity, can_report
from coopnum.activities.models import Activity, ActivityBeneficiary, Beneficiary
from coopnum.activities.services import beneficiaries, reference_lists
from coopnum.core import audit, formats, slots
from coopnum.core.access import is_staff
from coopnum.core.clock import (
    paris_today,
)
from coopnum.core.commands import Command
from coopnum.core.errors import DomainError, Forbidden
from coopnum.core.models import Role, User
from coopnum.missions.models import MissionSession, SessionStatus
from coopnum.organisations.models import Convention, ConventionStatus, Place

MAX_ACTIVITY_MINUTES = 12 * 60  # stricter than the national 23 h 59: a longer activity is a typing mistake
HISTORY_YEARS = 5  # an activity older than this is not entered any more

# Editable lists used by activities: ActivityData attribute → reference list.
_EDITABLE_MULTI = {"materiel": ref.MATERIEL, "thematiques": ref.THEMATIQUE,
                   "thematiques_demarche": ref.THEMATIQUE_DEMARCHE}
_EDITABLE_SINGLE = {"structure_redirection": ref.STRUCTURE_REDIRECTION, "workshop_level": ref.NIVEAU_ATELIER,
                    "beneficiary_statut_social": ref.STATUT_SOCIAL}
# A national stand-in for a local entry, so that the national rules apply to it (a local theme counts as a theme,
# a local administrative theme still needs « Aide aux démarches administratives »…).
_STAND_IN = {ref.MATERIEL: "Autre", ref.THEMATIQUE: "DiagnosticNumerique",
             ref.THEMATIQUE_DEMARCHE: "PapiersElectionsCitoyennete", ref.STRUCTURE_REDIRECTION: "Autre",
             ref.NIVEAU_ATELIER: "Debutant", ref.STATUT_SOCIAL: "NonCommunique"}
_DEACTIVATED = {ref.MATERIEL: "Matériel désactivé", ref.THEMATIQUE: "Thématique désactivée",
                ref.THEMATIQUE_DEMARCHE: "Thématique de démarche administrative désactivée",
                ref.STRUCTURE_REDIRECTION: "Structure de redirection désactivée",
                ref.NIVEAU_ATELIER: "Niveau d’atelier désactivé", ref.STATUT_SOCIAL: "Statut social désactivé"}
# Which field a message of ``cra_reference.validate_activity`` is about (first match wins).
_FIELD_HINTS = (
    ("type d’activité", "kind"), ("durée", "duration_minutes"), ("commune", "commune"),
    ("type de lieu", "place_type"), ("lieu d’activité", "place_id"), ("nom de la démarche", "precisions_demarche"),
    ("démarche administrative", "thematiques_demarche"), ("thématique", "thematiques"), ("matériel", "materiel"),
    ("autonomie", "autonomie"), ("redirection", "structure_redirection"), ("titre de l’atelier", "workshop_title"),
    ("niveau", "workshop_level"), ("participant", "participants"), ("bénéficiaire", "participants"),
    ("genre", "beneficiary_genre"), ("tranche d’âge", "beneficiary_tranche_age"),
    ("statut social", "beneficiary_statut_social"),
)


class ActivityInvalid(DomainError):
    """Every problem of an activity report at once: ``details["errors"]`` = [{"field", "message"}]."""

    def __init__(self, errors: list[tuple[str | None, str]]):
        first_field, first_message = errors[0]
        super().__init__(first_message, field=first_field,
                         details={"errors": [{"field": f, "message": m} for f, m in errors]})
        self.errors = errors


@dataclass
class ActivityData(Command):
    kind: str = ""
    duration_minutes: int | None = None
    session_id: int | None = None
    mediator_id: int | None = None  # staff reporting for a mediator; a mediator reports for themselves
    date: dt.date | None = None  # without a session
    place_type: str | None = None  # without a session (a session means LieuActivite at its place)
    place_id: int | None = None
    commune: str = ""  # Domicile / Autre
    commune_insee: str | None = None
    commune_postal_code: str | None = None
    convention_id: int | None = None  # optional without a session
    materiel: list[str] = field(default_factory=list)
    thematiques: list[str] = field(default_factory=list)
    thematiques_demarche: list[str] = field(default_factory=list)
    precisions_demarche: str = ""
    autonomie: str | None = None  # individual only
    oriented: bool = False
    structure_redirection: str | None = None
    workshop_title: str = ""  # collective only
    workshop_level: str | None = None
    participants: int | None = None  # collective: everyone (followed + anonymous); individual: 1
    beneficiary_genre: str | None = None  # an anonymous individual's minimal data
    beneficiary_tranche_age: str | None = None
    beneficiary_statut_social: str | None = None
    beneficiary_commune: str = ""
    beneficiary_commune_insee: str | None = None
    beneficiary_postal_code: str | None = None
    beneficiary_ids: list[int] = field(default_factory=list)  # followed people of the mediator
    new_beneficiary: beneficiaries.BeneficiaryData | None = None  # created inline (individual)
    confirm_new_beneficiary: bool = False  # create it even though a namesake exists
    notes: str = ""

    @classmethod
    def from_activity(cls, a: Activity) -> "ActivityData":
        """The data of an existing activity (to edit it)."""
        values = {name: getattr(a, name) for name in (
            "kind", "duration_minutes", "session_id", "mediator_id", "date", "place_type", "place_id", "commune",
            "commune_insee", "commune_postal_code", "convention_id", "precisions_demarche", "autonomie", "oriented",
            "structure_redirection", "workshop_title", "workshop_level", "participants", "beneficiary_genre",
            "beneficiary_tranche_age", "beneficiary_statut_social", "beneficiary_commune",
            "beneficiary_commune_insee", "beneficiary_postal_code", "notes")}
        return cls(**values, materiel=list(a.materiel or []), thematiques=list(a.thematiques or []),
                   thematiques_demarche=list(a.thematiques_demarche or []),
                   beneficiary_ids=[link.beneficiary_id for link in a.beneficiary_links])


# --- access ---------------------------------------------------------------------------------------------------------

def _ensure_open(session: Session, user_id: int, day: date) -> None:
    """Refuse a change dated in a month the coordination validated for this mediator (the timesheets domain's
    month lock: DomainError in French)."""
    slots.provided("months.ensure_open", session, user_id, day)


local_day = paris_today  # the Paris calendar day of an instant (the one clock's helper)


def reportable_session(session: Session, actor: User, session_id: int, *, now: datetime,
                       previous: Activity | None = None) -> MissionSession:
    """The session an activity is reported for, if ``actor`` may report on it (assigned to it, or staff) and it
    took place: ``Forbidden`` or ``DomainError`` otherwise. An activity already attached to it keeps it."""
    s = session.get(MissionSession, session_id)
    if s is None:
        raise DomainError("Séance introuvable.", field="session_id")
    assigned = {a.user_id for a in s.assignments}
    kept = previous is not None and previous.session_id == s.id
    if not is_staff(actor) and actor.id not in assigned and not (kept and previous.mediator_id == actor.id):
        raise Forbidden("Vous n’êtes pas affecté·e à cette séance : vous ne pouvez pas en faire le compte rendu.",
                        field="session_id")
    if kept:
        return s
    if s.status == SessionStatus.CANCELLED:
        raise DomainError("Cette séance est annulée : elle ne peut pas avoir de compte rendu.", field="session_id")
    if s.status == SessionStatus.NOT_HELD:
        raise DomainError("Cette séance n’a pas eu lieu : elle ne peut pas avoir de compte rendu.",
                          field="session_id")
    if s.start > now:
        raise DomainError("Cette séance n’a pas encore commencé : le compte rendu se saisit pendant ou après la "
                          "séance.", field="session_id")
    if not assigned:
        raise DomainError("Aucun médiateur n’est affecté à cette séance.", field="session_id")
    return s


# --- validation -----------------------------------------------------------------------------------------------------

def _field_of(message: str) -> str | None:
    lowered = message.lower()
    return next((name for hint, name in _FIELD_HINTS if hint in lowered), None)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value, limit: int, name: str, label: str, errors: list) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        errors.append((name, f"{label} ne peut pas dépasser {limit} caractères."))
        return text[:limit]
    return text


@dataclass
class _Context:
    mediator_id: int | None = None
    day: date | None = None
    place_type: str | None = None
    place_id: int | None = None
    convention_id: int | None = None
    commune: str = ""
    commune_insee: str | None = None
    commune_postal_code: str | None = None


def _mediator_for(session: Session, actor: User, wanted: int | None, previous: Activity | None,
                  errors: list) -> int | None:
    """The mediator of an activity without a session."""
    if not is_staff(actor):
        if wanted not in (None, actor.id):
            raise Forbidden("Vous ne pouvez saisir que vos propres activités.", field="mediator_id")
        return actor.id
    wanted = wanted or (previous.mediator_id if previous else None)
    if wanted is None:
        if actor.has_role(Role.MEDIATOR):
            return actor.id
        errors.append(("mediator_id", "Choisissez le médiateur qui a réalisé l’activité."))
        return None
    mediator = session.get(User, wanted)
    if mediator is None or not mediator.has_role(Role.MEDIATOR):
        errors.append(("mediator_id", "Médiateur inconnu."))
        return None
    return mediator.id


def _session_context(session: Session, actor: User, data: ActivityData, previous: Activity | None, now: datetime,
                     errors: list) -> _Context:
    s = reportable_session(session, actor, data.session_id, now=now, previous=previous)
    assigned = [a.user_id for a in s.assignments]
    kept = previous is not None and previous.session_id == s.id
    if is_staff(actor):
        mediator_id = data.mediator_id or (previous.mediator_id if kept else None)
        if mediator_id is None:
            if actor.id in assigned:
                mediator_id = actor.id
            elif len(assigned) == 1:
                mediator_id = assigned[0]
        if mediator_id is None:
            errors.append(("mediator_id", "Choisissez le médiateur de la séance qui a réalisé l’activité."))
        elif mediator_id not in assigned and not (kept and mediator_id == previous.mediator_id):
            errors.append(("mediator_id", "Ce médiateur n’est pas affecté à cette séance."))
            mediator_id = None
    else:
        if data.mediator_id not in (None, actor.id):
            raise Forbidden("Vous ne pouvez saisir que vos propres activités.", field="mediator_id")
        mediator_id = actor.id
    return _Context(mediator_id=mediator_id, day=local_day(s.start), place_type=ref.LIEU_ACTIVITE,
                    place_id=s.mission.place_id, convention_id=s.mission.convention_id)


def _free_context(session: Session, actor: User, data: ActivityData, previous: Activity | None, now: datetime,
                  errors: list) -> _Context:
    ctx = _Context(mediator_id=_mediator_for(session, actor, data.mediator_id, previous, errors))
    today = local_day(now)
    if data.date is None:
        errors.append(("date", "La date est obligatoire."))
    elif data.date > today:
        errors.append(("date", "La date de l’activité ne peut pas être dans le futur."))
    elif data.date < today - relativedelta(years=HISTORY_YEARS):
        errors.append(("date", f"La date de l’activité ne peut pas remonter à plus de {HISTORY_YEARS} ans."))
    else:
        ctx.day = data.date
    ctx.place_type = None if _blank(data.place_type) else data.place_type
    if ctx.place_type == ref.LIEU_ACTIVITE and data.place_id:
        place = session.get(Place, data.place_id)
        unchanged = previous is not None and previous.place_id == data.place_id
        if place is None or (place.archived and not unchanged):
            errors.append(("place_id", "Lieu d’activité inconnu ou archivé."))
        else:
            ctx.place_id = place.id
    elif ctx.place_type in ref.LIEUX_AVEC_COMMUNE:
        ctx.commune = _text(data.commune, 120, "commune", "La commune", errors)
        ctx.commune_insee = (data.commune_insee or "").strip().upper() or None
        if ctx.commune_insee and not re.fullmatch(r"\d[\dAB]\d{3}", ctx.commune_insee):
            errors.append(("commune", "Le code INSEE de la commune compte 5 caractères (par exemple 86194)."))
        ctx.commune_postal_code = (data.commune_postal_code or "").strip() or None
        if ctx.commune_postal_code and not re.fullmatch(r"\d{5}", ctx.commune_postal_code):
            errors.append(("commune", "Le code postal compte 5 chiffres."))
    if data.convention_id:
        convention = session.get(Convention, data.convention_id)
        if convention is None:
            errors.append(("convention_id", "Convention inconnue."))
        elif convention.status == ConventionStatus.DRAFT:
            errors.append(("convention_id", "Cette convention n’est pas signée : aucune activité ne peut y être "
                                            "rattachée."))
        elif ctx.day is not None and not convention.start_date <= ctx.day <= convention.end_date:
            errors.append(("convention_id", f"La date de l’activité est hors de la période de la convention "
                                            f"(du {convention.start_date:%d/%m/%Y} au "
                                            f"{convention.end_date:%d/%m/%Y})."))
        else:
            ctx.convention_id = convention.id
    return ctx


def _check_lists(session: Session, data: ActivityData, previous: Activity | None, errors: list) -> dict:
    """Check the values of the editable lists (a deactivated entry only on an old record, unchanged); returns
    the values to give to the national rules, local entries replaced by a national stand-in."""
    entries = {name: {e.value: e for e in reference_lists.entries(session, name)}
               for name in {*_EDITABLE_MULTI.values(), *_EDITABLE_SINGLE.values()}}

    def check(attr: str, list_name: str, value: str, kept: set) -> str:
        entry = entries[list_name].get(value)
        if entry is None:
            return value  # unknown: the national rules give the message
        if not entry.active and value not in kept:
            errors.append((attr, f"{_DEACTIVATED[list_name]} dans la liste de référence : « {entry.label} ». "
                                 "Choisissez une autre valeur."))
        return value if entry.national else _STAND_IN[list_name]

    mapped: dict[str, object] = {}
    for attr, list_name in _EDITABLE_MULTI.items():
        kept = set(getattr(previous, attr) or []) if previous is not None else set()
        mapped[attr] = [check(attr, list_name, v, kept) for v in getattr(data, attr) or [] if not _blank(v)]
    for attr, list_name in _EDITABLE_SINGLE.items():
        value = getattr(data, attr)
        kept = {getattr(previous, attr)} if previous is not None else set()
        mapped[attr] = None if _blank(value) else check(attr, list_name, value, kept)
    return mapped


def _check_fields(session: Session, data: ActivityData, ctx: _Context, previous: Activity | None,
                  linked: list[Beneficiary], errors: list) -> None:
    duration = data.duration_minutes
    own_duration_error = False
    if isinstance(duration, int) and not isinstance(duration, bool):
        if duration <= 0:
            errors.append(("duration_minutes", "La durée doit être supérieure à 0 minute."))
            own_duration_error = True
        elif duration > MAX_ACTIVITY_MINUTES:
            errors.append(("duration_minutes", "La durée d’une activité ne peut pas dépasser 12 heures "
                                               "(720 minutes) : vérifiez la durée saisie."))
            own_duration_error = True
    mapped = _check_lists(session, data, previous, errors)
    individual = data.kind == ref.TYPE_INDIVIDUEL
    participants = data.participants
    if individual:
        participants = 1 if participants is None else participants
        if len(linked) + (data.new_beneficiary is not None) > 1:
            errors.append(("beneficiary_ids", "Un accompagnement individuel concerne une seule personne."))
    elif data.kind == ref.TYPE_COLLECTIF:
        if data.new_beneficiary is not None:
            errors.append(("beneficiary_ids", "Créez d’abord la fiche de la personne, puis cochez-la parmi les "
                                              "participants."))
        if isinstance(participants, int) and participants >= 1 and len(linked) > participants:
            errors.append(("beneficiary_ids", f"{len(linked)} personnes suivies cochées pour "
                                              f"{formats.count(participants, 'participant', 'participants')} : "
                                              "le nombre de participants compte tout le monde."))
    if data.session_id:
        type_lieu = ctx.place_type
    else:
        type_lieu = None if _blank(data.place_type) else data.place_type
    place_reported = any(f == "place_id" for f, _m in errors)
    national = {
        "type": data.kind, "duree": duration, "type_lieu": type_lieu,
        "lieu": "?" if place_reported else ctx.place_id, "lieu_commune": ctx.commune,
        "materiel": mapped["materiel"], "thematiques": mapped["thematiques"],
        "thematiques_demarche": mapped["thematiques_demarche"], "precisions_demarche": data.precisions_demarche,
        "autonomie": data.autonomie, "structure_de_redirection": mapped["structure_redirection"],
        "titre_atelier": data.workshop_title, "niveau_atelier": mapped["workshop_level"],
        "participants": participants,
    }
    if individual and not linked and data.new_beneficiary is None:
        national.update(genre=data.beneficiary_genre, tranche_age=data.beneficiary_tranche_age,
                        statut_social=mapped["beneficiary_statut_social"])
    for message in ref.validate_activity(national):
        if own_duration_error and "durée" in message.lower():
            continue  # our own, clearer message about the same duration
        errors.append((_field_of(message), message))


# --- create / update / delete ---------------------------------------------------------------------------------------

def _linked(session: Session, data: ActivityData, mediator_id: int | None, previous: Activity | None,
            errors: list) -> list[Beneficiary]:
    """The followed people to link: the activity's mediator's (an old link is kept as is)."""
    ids = sorted({i for i in data.beneficiary_ids or [] if i})
    if not ids:
        return []
    found = {b.id: b for b in session.execute(select(Beneficiary).where(Beneficiary.id.in_(ids))).scalars()}
    kept = {link.beneficiary_id for link in previous.beneficiary_links} if previous is not None else set()
    result = []
    for bid in ids:
        b = found.get(bid)
        if b is None or (b.mediator_id != mediator_id and bid not in kept):
            errors.append(("beneficiary_ids", "Personne suivie inconnue, ou suivie par un autre médiateur."))
            continue
        result.append(b)
    return result


def _save(session: Session, actor: User, data: ActivityData, *, now: datetime,
          previous: Activity | None) -> Activity:
    if not can_report(actor):
        raise Forbidden("Seuls les médiateurs et la coordination saisissent des activités.")
    errors: list[tuple[str | None, str]] = []
    if data.session_id:
        ctx = _session_context(session, actor, data, previous, now, errors)
    else:
        ctx = _free_context(session, actor, data, previous, now, errors)
    # The month lock first: it makes every other correction pointless.
    if previous is not None:
        _ensure_open(session, previous.mediator_id, previous.date)
    if ctx.mediator_id is not None and ctx.day is not None:
        _ensure_open(session, ctx.mediator_id, ctx.day)
    linked = _linked(session, data, ctx.mediator_id, previous, errors)
    _check_fields(session, data, ctx, previous, linked, errors)
    notes = _text(data.notes, 2000, "notes", "Les notes", errors)
    precisions = _text(data.precisions_demarche, 200, "precisions_demarche", "Le nom de la démarche", errors)
    title = _text(data.workshop_title, 200, "workshop_title", "Le titre de l’atelier", errors)
    bcommune = _text(data.beneficiary_commune, 120, "beneficiary_commune", "La commune du bénéficiaire", errors)
    if errors:
        raise ActivityInvalid(_unique(errors))

    if data.new_beneficiary is not None:
        person = beneficiaries.create_beneficiary(
            session, actor, data.new_beneficiary, now=now, mediator_id=ctx.mediator_id,
            confirm_duplicate=data.confirm_new_beneficiary, prefix="new_beneficiary_")
        linked = [*linked, person]

    activity = previous or Activity(mediator_id=ctx.mediator_id, date=ctx.day, kind=data.kind,
                                    duration_minutes=data.duration_minutes, place_type=ctx.place_type,
                                    created_at=now, created_by_id=actor.id)
    before = _snapshot(previous) if previous is not None else None
    old_ids = {link.beneficiary_id for link in previous.beneficiary_links} if previous is not None else set()
    _fill(activity, data, ctx, anonymous=data.kind == ref.TYPE_INDIVIDUEL and not linked,
          texts={"precisions": precisions, "title": title, "bcommune": bcommune, "notes": notes})
    activity.updated_at = now
    wanted = {b.id for b in linked}
    activity.beneficiary_links[:] = [link for link in activity.beneficiary_links if link.beneficiary_id in wanted]
    have = {link.beneficiary_id for link in activity.beneficiary_links}
    for bid in sorted(wanted - have):
        activity.beneficiary_links.append(ActivityBeneficiary(beneficiary_id=bid))
    if previous is None:
        session.add(activity)
    session.flush()
    beneficiaries.refresh_last_activity(session, old_ids | wanted)
    label = ref.label(ref.TYPE_ACTIVITE, activity.kind)
    summary = f"Activité n° {activity.id} : {label}, {activity.duration_minutes} min, le {activity.date:%d/%m/%Y}"
    if previous is None:
        audit.record(session, actor, "create", activity, summary=summary + " (créée)", after=_snapshot(activity),
                     now=now)
    else:
        audit.record(session, actor, "update", activity, summary=summary + " (modifiée)", before=before,
                     after=_snapshot(activity), now=now)
    return activity


def _fill(activity: Activity, data: ActivityData, ctx, *, anonymous: bool, texts: dict[str, str]) -> None:
    """Write the checked values on the activity: a workshop has a title and participants, an individual
    accompaniment one participant; the anonymous profile is kept only when no followed beneficiary is linked."""
    individual = data.kind == ref.TYPE_INDIVIDUEL
    activity.mediator_id = ctx.mediator_id
    activity.session_id = data.session_id or None
    activity.convention_id = ctx.convention_id
    activity.place_id = ctx.place_id
    activity.date = ctx.day
    activity.kind = data.kind
    activity.duration_minutes = data.duration_minutes
    activity.place_type = ctx.place_type
    activity.commune, activity.commune_insee = ctx.commune, ctx.commune_insee
    activity.commune_postal_code = ctx.commune_postal_code
    activity.materiel = _dedupe(data.materiel)
    activity.thematiques = _dedupe(data.thematiques)
    activity.thematiques_demarche = _dedupe(data.thematiques_demarche)
    activity.precisions_demarche = texts["precisions"]
    activity.autonomie = (data.autonomie or None) if individual else None
    activity.structure_redirection = data.structure_redirection or None
    activity.oriented = bool(data.oriented or activity.structure_redirection)
    activity.workshop_title = "" if individual else texts["title"]
    activity.workshop_level = None if individual else (data.workshop_level or None)
    activity.participants = 1 if individual else data.participants
    activity.beneficiary_genre = (data.beneficiary_genre or None) if anonymous else None
    activity.beneficiary_tranche_age = (data.beneficiary_tranche_age or None) if anonymous else None
    activity.beneficiary_statut_social = (data.beneficiary_statut_social or None) if anonymous else None
    activity.beneficiary_commune = texts["bcommune"] if anonymous else ""
    activity.beneficiary_commune_insee = ((data.beneficiary_commune_insee or "").strip() or None) if anonymous else None
    activity.beneficiary_postal_code = ((data.beneficiary_postal_code or "").strip() or None) if anonymous else None
    activity.notes = texts["notes"]


def _dedupe(values) -> list[str]:
    seen: list[str] = []
    for v in values or []:
        if v and v not in seen:
            seen.append(v)
    return seen


def _unique(errors: list) -> list:
    seen, result = set(), []
    for item in errors:
        if item not in seen:
            seen.add(item)
            result.append(item)
    return result


def _snapshot(a: Activity) -> dict:
    """The audit record of an activity: no free text (notes), no personal data."""
    data = audit.snapshot(a, [c.key for c in Activity.__table__.columns
                              if c.key not in ("created_at", "updated_at", "notes")])
    data["beneficiary_ids"] = sorted(link.beneficiary_id for link in a.beneficiary_links)
    return data


def create_activity(session: Session, actor: User, data: ActivityData, *, now: datetime) -> Activity:
    return _save(session, actor, data, now=now, previous=None)


def update_activity(session: Session, actor: User, activity: Activity, data: ActivityData, *,
                    now: datetime) -> Activity:
    if not can_edit_activity(actor, activity):
        raise Forbidden("Vous ne pouvez modifier que vos propres activités.")
    return _save(session, actor, data, now=now, previous=activity)


def delete_activity(session: Session, actor: User, activity: Activity, *, now: datetime) -> None:
    if not can_edit_activity(actor, activity):
        raise Forbidden("Vous ne pouvez supprimer que vos propres activités.")
    _ensure_open(session, activity.mediator_id, activity.date)
    ids = {link.beneficiary_id for link in activity.beneficiary_links}
    label = ref.label(ref.TYPE_ACTIVITE, activity.kind)
    audit.record(session, actor, "delete", activity, before=_snapshot(activity), now=now,
                 summary=f"Activité n° {activity.id} : {label}, {activity.duration_minutes} min, "
                         f"le {activity.date:%d/%m/%Y} (supprimée)")
    session.delete(activity)
    session.flush()
    beneficiaries.refresh_last_activity(session, ids)


def recent_sessions(session: Session, mediator_id: int, *, now: datetime, days: int = 21, limit: int = 10):
    """The mediator's sessions of the last ``days`` days that took (or may have taken) place, newest first, with
    the number of activities already reported: [(session, count)]. Two queries."""
    from datetime import timedelta

    from sqlalchemy import func

    from coopnum.missions.models import Assignment

    rows = session.execute(
        select(MissionSession).join(Assignment, Assignment.session_id == MissionSession.id)
        .where(Assignment.user_id == mediator_id, MissionSession.start <= now,
               MissionSession.start >= now - timedelta(days=days),
               MissionSession.status.in_([SessionStatus.PLANNED, SessionStatus.HELD]))
        .order_by(MissionSession.start.desc()).limit(limit)
    ).scalars().unique().all()
    counts = dict(session.execute(
        select(Activity.session_id, func.count()).where(Activity.session_id.in_([s.id for s in rows]),
                                                        Activity.mediator_id == mediator_id)
        .group_by(Activity.session_id)
    ).all()) if rows else {}
    return [(s, counts.get(s.id, 0)) for s in rows]
