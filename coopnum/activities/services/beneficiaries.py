"""Followed beneficiaries of activity reports: minimal data only (GDPR), duplicate detection and merge, erasure on
request and after the retention period.

A beneficiary belongs to one mediator (``mediator_id``), who sees and links them; staff see every beneficiary.
Only what the national tool asks is kept: an optional name to recognise the person, birth year (or age band),
gender, social status, commune. Audit entries never carry names: only record numbers.

    find_duplicates(session, viewer, "Jeanne", "Dupont", 1948)   # same normalised name (and birth year when known)
    merge(session, actor, keep, remove, now=now)                  # activity links move to ``keep``
    erase(session, actor, beneficiary, now=now)                   # GDPR erasure: activities stay, anonymous
    purge_expired(session, now)                                   # nightly job (retention setting)
"""

import re
import unicodedata
from dataclasses import dataclass, fields
from datetime import date, datetime, time

from dateutil.relativedelta import relativedelta
from sqlalchemy import Select, and_, delete, func, or_, select, update
from sqlmodel import Session

from coopnum.activities import cra_reference as ref
from coopnum.activities.access import can_edit_beneficiary
from coopnum.activities.models import Activity, ActivityBeneficiary, Beneficiary
from coopnum.activities.services import reference_lists
from coopnum.core import audit, formats, settings
from coopnum.core.access import is_staff
from coopnum.core.clock import PARIS
from coopnum.core.commands import Command
from coopnum.core.errors import DomainError, Forbidden
from coopnum.core.models import Role, User

RETENTION_KEY = "beneficiaries.retention_months"
RETENTION_MIN, RETENTION_MAX = 1, 120
# Age bands of the national tool, from the age reached this year: (upper bound excluded, value).
_AGE_BANDS = ((12, "MoinsDeDouze"), (18, "DouzeDixHuit"), (25, "DixHuitVingtQuatre"), (40, "VingtCinqTrenteNeuf"),
              (60, "QuaranteCinquanteNeuf"), (70, "SoixanteSoixanteNeuf"))


class DuplicateBeneficiary(DomainError):
    """A person of the same name already exists: the caller lets the user pick one or confirm a new record.
    ``candidates`` are the possible duplicates (visible to the user)."""

    code = "duplicate"
    status = 409

    def __init__(self, candidates: list[Beneficiary], *, field: str | None = None):
        super().__init__("Une personne du même nom existe déjà : choisissez-la ou confirmez qu’il s’agit d’une "
                         "autre personne.", field=field, details={"candidates": [b.id for b in candidates]})
        self.candidates = candidates


# --- normalisation --------------------------------------------------------------------------------------------------

def name_key(first_name: str | None, last_name: str | None) -> str:
    """"first last", lowercased, without accents, whitespace normalised: "  Hélène  LE  Gall" → "helene le gall"."""
    text = f"{first_name or ''} {last_name or ''}"
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text).strip().lower()


def tranche_age_for(birth_year: int, today: date) -> str:
    """The national age band of someone born in ``birth_year`` (age reached this calendar year)."""
    age = today.year - birth_year
    for limit, value in _AGE_BANDS:
        if age < limit:
            return value
    return "SoixanteDixPlus"


# --- who sees what --------------------------------------------------------------------------------------------------

def visible_beneficiaries(viewer: User) -> Select:
    """``select(Beneficiary)`` of what ``viewer`` may see: staff all, a mediator their own, others nothing."""
    stmt = select(Beneficiary)
    if is_staff(viewer):
        return stmt
    if viewer.has_role(Role.MEDIATOR):
        return stmt.where(Beneficiary.mediator_id == viewer.id)
    return stmt.where(Beneficiary.id.is_(None))


def search(viewer: User, q: str = "", mediator_id: int | None = None) -> Select:
    """Visible beneficiaries whose name contains ``q`` (accents and case ignored), by name."""
    stmt = visible_beneficiaries(viewer)
    key = name_key(q, "")
    if key:
        stmt = stmt.where(Beneficiary.name_key.like(f"%{key}%"))
    if mediator_id:
        stmt = stmt.where(Beneficiary.mediator_id == mediator_id)
    return stmt.order_by(Beneficiary.last_name, Beneficiary.first_name, Beneficiary.id)


def of_mediator(session: Session, mediator_id: int) -> list[Beneficiary]:
    """The followed people of a mediator, by name (the choices of the activity form)."""
    return list(session.execute(
        select(Beneficiary).where(Beneficiary.mediator_id == mediator_id)
        .order_by(Beneficiary.last_name, Beneficiary.first_name, Beneficiary.id)
    ).scalars())


# --- create / update ------------------------------------------------------------------------------------------------

@dataclass
class BeneficiaryData(Command):
    first_name: str = ""
    last_name: str = ""
    birth_year: int | None = None
    genre: str | None = None
    tranche_age: str | None = None
    statut_social: str | None = None
    commune: str = ""
    commune_insee: str | None = None
    postal_code: str | None = None


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _clean(session: Session, data: BeneficiaryData, *, today: date, previous: Beneficiary | None = None,
           prefix: str = "") -> BeneficiaryData:
    """Checked and normalised data; ``prefix`` is put before field names of errors (inline forms)."""
    first, last = (data.first_name or "").strip(), (data.last_name or "").strip()
    if not first and not last:
        raise DomainError("Indiquez au moins un prénom ou un nom pour suivre cette personne.",
                          field=f"{prefix}first_name")
    if len(first) > 100 or len(last) > 100:
        raise DomainError("Le prénom et le nom ne peuvent pas dépasser 100 caractères.", field=f"{prefix}last_name")
    birth_year = data.birth_year
    if birth_year is not None and not (1900 <= birth_year <= today.year):
        raise DomainError(f"L’année de naissance doit être comprise entre 1900 et {today.year}.",
                          field=f"{prefix}birth_year")
    genre = None if _blank(data.genre) else data.genre
    if genre is not None and genre not in ref.values(ref.GENRE):
        raise DomainError(f"Genre inconnu : {genre}", field=f"{prefix}genre")
    tranche = None if _blank(data.tranche_age) else data.tranche_age
    if birth_year is not None:
        tranche = tranche_age_for(birth_year, today)
    elif tranche is not None and tranche not in ref.values(ref.TRANCHE_AGE):
        raise DomainError(f"Tranche d’âge inconnue : {tranche}", field=f"{prefix}tranche_age")
    statut = None if _blank(data.statut_social) else data.statut_social
    if statut is not None and not (
        (previous is not None and previous.statut_social == statut)
        or reference_lists.is_allowed(session, ref.STATUT_SOCIAL, statut)
    ):
        raise DomainError(f"Statut social inconnu ou désactivé : {statut}", field=f"{prefix}statut_social")
    commune = (data.commune or "").strip()
    if len(commune) > 120:
        raise DomainError("La commune ne peut pas dépasser 120 caractères.", field=f"{prefix}commune")
    insee = (data.commune_insee or "").strip().upper() or None
    if insee is not None and not re.fullmatch(r"\d[\dAB]\d{3}", insee):
        raise DomainError("Le code INSEE de la commune compte 5 caractères (par exemple 86194 ou 2A004).",
                          field=f"{prefix}commune_insee")
    postal = (data.postal_code or "").strip() or None
    if postal is not None and not re.fullmatch(r"\d{5}", postal):
        raise DomainError("Le code postal compte 5 chiffres.", field=f"{prefix}postal_code")
    return BeneficiaryData(first, last, birth_year, genre, tranche, statut, commune, insee, postal)


def find_duplicates(session: Session, viewer: User, first_name: str, last_name: str, birth_year: int | None = None,
                    *, mediator_id: int | None = None, exclude_id: int | None = None) -> list[Beneficiary]:
    """Visible beneficiaries with the same normalised name — and the same birth year when both are known."""
    key = name_key(first_name, last_name)
    if not key:
        return []
    stmt = visible_beneficiaries(viewer).where(Beneficiary.name_key == key)
    if birth_year is not None:
        stmt = stmt.where(or_(Beneficiary.birth_year.is_(None), Beneficiary.birth_year == birth_year))
    if mediator_id is not None:
        stmt = stmt.where(Beneficiary.mediator_id == mediator_id)
    if exclude_id is not None:
        stmt = stmt.where(Beneficiary.id != exclude_id)
    return list(session.execute(stmt.order_by(Beneficiary.id)).scalars())


def _owner(session: Session, actor: User, mediator_id: int | None) -> int:
    """The mediator a new beneficiary belongs to: the acting mediator, or the one staff chose."""
    if mediator_id is None or mediator_id == actor.id:
        if actor.has_role(Role.MEDIATOR):
            return actor.id
        raise DomainError("Choisissez le médiateur qui suit cette personne.", field="mediator_id")
    if not is_staff(actor):
        raise Forbidden("Vous ne pouvez créer une fiche que pour vous-même.", field="mediator_id")
    owner = session.get(User, mediator_id)
    if owner is None or not owner.has_role(Role.MEDIATOR):
        raise DomainError("Médiateur inconnu.", field="mediator_id")
    return owner.id


def create_beneficiary(session: Session, actor: User, data: BeneficiaryData, *, now: datetime,
                       mediator_id: int | None = None, confirm_duplicate: bool = False,
                       prefix: str = "") -> Beneficiary:
    """A new followed person. Raises ``DuplicateBeneficiary`` when a person of the same name exists (among the
    owner's beneficiaries) unless ``confirm_duplicate``."""
    owner_id = _owner(session, actor, mediator_id)
    clean = _clean(session, data, today=now.astimezone(PARIS).date(), prefix=prefix)
    if not confirm_duplicate:
        same = find_duplicates(session, actor, clean.first_name, clean.last_name, clean.birth_year,
                               mediator_id=owner_id)
        if same:
            raise DuplicateBeneficiary(same, field=f"{prefix}first_name")
    b = Beneficiary(mediator_id=owner_id, name_key=name_key(clean.first_name, clean.last_name), created_at=now,
                    updated_at=now, **_as_dict(clean))
    session.add(b)
    session.flush()
    audit.record(session, actor, "create", b, summary=f"Fiche bénéficiaire n° {b.id} créée", now=now)
    return b


def _as_dict(data: BeneficiaryData) -> dict:
    return {f.name: getattr(data, f.name) for f in fields(data)}


def update_beneficiary(session: Session, actor: User, b: Beneficiary, data: BeneficiaryData, *,
                       now: datetime) -> Beneficiary:
    if not can_edit_beneficiary(actor, b):
        raise Forbidden("Vous ne pouvez pas modifier cette fiche.")
    clean = _clean(session, data, today=now.astimezone(PARIS).date(), previous=b)
    changed = [name for name, value in _as_dict(clean).items() if getattr(b, name) != value]
    for name, value in _as_dict(clean).items():
        setattr(b, name, value)
    b.name_key = name_key(clean.first_name, clean.last_name)
    b.updated_at = now
    audit.record(session, actor, "update", b, summary=f"Fiche bénéficiaire n° {b.id} modifiée",
                 after={"champs modifiés": changed}, now=now)
    return b


# --- last activity ------------------------------------------------------------------------------------------------

def refresh_last_activity(session: Session, beneficiary_ids) -> None:
    """Recompute ``last_activity_on`` (the date of their latest activity) of these beneficiaries."""
    ids = sorted({i for i in beneficiary_ids if i is not None})
    if not ids:
        return
    session.flush()
    latest = dict(session.execute(
        select(ActivityBeneficiary.beneficiary_id, func.max(Activity.date))
        .join(Activity, Activity.id == ActivityBeneficiary.activity_id)
        .where(ActivityBeneficiary.beneficiary_id.in_(ids))
        .group_by(ActivityBeneficiary.beneficiary_id)
    ).all())
    for b in session.execute(select(Beneficiary).where(Beneficiary.id.in_(ids))).scalars():
        b.last_activity_on = latest.get(b.id)


# --- duplicates and merge -------------------------------------------------------------------------------------------

def duplicate_keys(viewer: User) -> Select:
    """(mediator_id, name_key, count) of the names met more than once for one mediator, among what ``viewer``
    sees — to paginate the duplicates page."""
    visible = visible_beneficiaries(viewer).where(Beneficiary.name_key != "").subquery()
    return (select(visible.c.mediator_id, visible.c.name_key, func.count().label("n"))
            .group_by(visible.c.mediator_id, visible.c.name_key).having(func.count() > 1)
            .order_by(visible.c.name_key, visible.c.mediator_id))


def duplicate_groups(session: Session, viewer: User, keys: list) -> list[list[Beneficiary]]:
    """The groups of possible duplicates for these (mediator_id, name_key) pairs — one query. Two known and
    different birth years are different people: such a name is split into one group per year (the records
    without a year join every group)."""
    if not keys:
        return []
    wanted = {(k[0], k[1]) for k in keys}
    rows = session.execute(
        visible_beneficiaries(viewer).where(Beneficiary.name_key.in_({k[1] for k in wanted}))
        .order_by(Beneficiary.id)
    ).scalars().all()
    by_key: dict[tuple, list[Beneficiary]] = {}
    for b in rows:
        if (b.mediator_id, b.name_key) in wanted:
            by_key.setdefault((b.mediator_id, b.name_key), []).append(b)
    groups = []
    for key in keys:
        members = by_key.get((key[0], key[1]), [])
        years = sorted({b.birth_year for b in members if b.birth_year is not None})
        if len(years) <= 1:
            candidates = [members]
        else:
            candidates = [[b for b in members if b.birth_year in (None, year)] for year in years]
        groups.extend(g for g in candidates if len(g) > 1)
    return groups


_MERGED_FIELDS = ("first_name", "last_name", "birth_year", "genre", "tranche_age", "statut_social", "commune",
                  "commune_insee", "postal_code")


def merge(session: Session, actor: User, keep: Beneficiary, remove: Beneficiary, *, now: datetime) -> Beneficiary:
    """Merge ``remove`` into ``keep``: its activity links move to ``keep`` (never twice in one activity), the empty
    fields of ``keep`` take its values, then it is deleted. Audited without names."""
    if keep.id == remove.id:
        raise DomainError("Choisissez deux fiches différentes.", field="remove_id")
    if not (can_edit_beneficiary(actor, keep) and can_edit_beneficiary(actor, remove)):
        raise Forbidden("Vous ne pouvez pas fusionner ces fiches.")
    if keep.mediator_id != remove.mediator_id:
        raise DomainError("Ces deux fiches sont suivies par des médiateurs différents : elles ne peuvent pas "
                          "être fusionnées.", field="remove_id")
    already = set(session.execute(
        select(ActivityBeneficiary.activity_id).where(ActivityBeneficiary.beneficiary_id == keep.id)).scalars())
    links = session.execute(
        select(ActivityBeneficiary).where(ActivityBeneficiary.beneficiary_id == remove.id)).scalars().all()
    moved = 0
    for link in links:
        if link.activity_id in already:
            session.delete(link)
        else:
            link.beneficiary = keep
            already.add(link.activity_id)
            moved += 1
    for name in _MERGED_FIELDS:
        if _blank(getattr(keep, name)) and not _blank(getattr(remove, name)):
            setattr(keep, name, getattr(remove, name))
    keep.name_key = name_key(keep.first_name, keep.last_name)
    dates = [d for d in (keep.last_activity_on, remove.last_activity_on) if d is not None]
    keep.last_activity_on = max(dates) if dates else None
    keep.updated_at = now
    removed_id = remove.id
    session.flush()
    session.delete(remove)
    session.flush()
    for activity in session.execute(select(Activity).where(Activity.id.in_(already))).scalars():
        session.expire(activity, ["beneficiary_links"])
    audit.record(session, actor, "merge", keep, summary=f"Fiche bénéficiaire n° {removed_id} fusionnée dans la "
                 f"fiche n° {keep.id} ({formats.count(moved, 'activité rattachée', 'activités rattachées')})",
                 now=now)
    return keep


# --- erasure (GDPR) -----------------------------------------------------------------------------------------------

def _anonymise_activities(session: Session, b: Beneficiary) -> int:
    """Before erasing ``b``: its individual accompaniments keep the anonymous statistics (gender, age band, social
    status, commune) so that reports do not change; no name is kept. Returns the number of activities."""
    activity_ids = list(session.execute(
        select(ActivityBeneficiary.activity_id).where(ActivityBeneficiary.beneficiary_id == b.id)).scalars())
    if not activity_ids:
        return 0
    session.execute(
        update(Activity)
        .where(Activity.id.in_(activity_ids), Activity.kind == ref.TYPE_INDIVIDUEL)
        .values(beneficiary_genre=b.genre, beneficiary_tranche_age=b.tranche_age,
                beneficiary_statut_social=b.statut_social, beneficiary_commune=b.commune or "",
                beneficiary_commune_insee=b.commune_insee, beneficiary_postal_code=b.postal_code)
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(ActivityBeneficiary).where(ActivityBeneficiary.beneficiary_id == b.id)
                    .execution_options(synchronize_session=False))
    for activity in session.execute(select(Activity).where(Activity.id.in_(activity_ids))).scalars():
        session.expire(activity)
    return len(activity_ids)


def erase(session: Session, actor: User | None, b: Beneficiary, *, now: datetime, reason: str = "demande") -> int:
    """Erase a followed person (GDPR): the record is deleted, their activities stay, anonymous. Returns the number
    of activities made anonymous. ``actor`` None: the retention job."""
    if actor is not None and not can_edit_beneficiary(actor, b):
        raise Forbidden("Vous ne pouvez pas effacer cette fiche.")
    session.flush()
    count = _anonymise_activities(session, b)
    bid = b.id
    session.delete(b)
    session.flush()
    why = "à la demande de la personne" if reason == "demande" else "durée de conservation dépassée"
    audit.record(session, actor, "erase", object_type="Beneficiary", object_id=bid,
                 summary=f"Effacement RGPD de la fiche bénéficiaire n° {bid} ({why}) ; "
                         f"{formats.count(count, 'activité conservée', 'activités conservées')} sans données "
                         "nominatives", now=now)
    return count


# --- retention ------------------------------------------------------------------------------------------------------

def retention_months(session: Session) -> int:
    return int(settings.get(session, RETENTION_KEY))


def set_retention(session: Session, actor: User, months: int | None, *, now: datetime) -> None:
    if not is_staff(actor):
        raise Forbidden("Seule la coordination fixe la durée de conservation.")
    if months is None or isinstance(months, bool) or not (RETENTION_MIN <= months <= RETENTION_MAX):
        raise DomainError(f"La durée de conservation est comprise entre {RETENTION_MIN} et {RETENTION_MAX} mois.",
                          field="months")
    settings.set_value(session, actor, RETENTION_KEY, months, now=now)


def expired_stmt(session: Session, now: datetime) -> Select:
    """Beneficiaries whose last activity (or, without any, whose creation) is older than the retention period."""
    cutoff = now.astimezone(PARIS).date() - relativedelta(months=retention_months(session))
    cutoff_at = datetime.combine(cutoff, time.min, PARIS)
    return select(Beneficiary).where(or_(
        and_(Beneficiary.last_activity_on.is_not(None), Beneficiary.last_activity_on < cutoff),
        and_(Beneficiary.last_activity_on.is_(None), Beneficiary.created_at < cutoff_at),
    )).order_by(Beneficiary.id)


def purge_expired(session: Session, now: datetime) -> int:
    """Erase every beneficiary past the retention period (the nightly job); returns how many."""
    expired = session.execute(expired_stmt(session, now)).scalars().all()
    for b in expired:
        erase(session, None, b, now=now, reason="conservation")
    return len(expired)
