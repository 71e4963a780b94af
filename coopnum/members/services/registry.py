"""The register of members and the voting colleges.

- Colleges are created and edited one by one; the set is checked (``check_colleges``) when an assembly is convened
  or a vote opens: at least 3 active colleges, each weighing 10 % to 50 %, summing to 100 %.
- A member is first a candidate; admission (dated, by a body) gives it the next register number (never reused:
  a gapless counter, locked like the billing numbers) and requires at least one subscribed share (subscribed in the
  same call when given). It then leaves by resignation, exclusion or death, dated, with the body and a reference.
- A member belongs to one college at a time; each entry into a college is a dated ``CollegeMove``.

Services take plain values, the acting user and ``now``; they flush, never commit."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, or_, select
from sqlmodel import Session

from coopnum.billing import numbering
from coopnum.core import audit, formats, settings
from coopnum.core.clock import paris_today
from coopnum.core.commands import Command
from coopnum.core.errors import DomainError
from coopnum.core.models import Role, User
from coopnum.core.validation import domain_text
from coopnum.members.models import (
    College,
    CollegeMove,
    DecidingBody,
    Member,
    MemberKind,
    MemberStatus,
    MemberStatusChange,
)
from coopnum.members.services import capital

REGISTER_SERIES = "members"
MIN_COLLEGES = 3
MIN_WEIGHT = Decimal(10)
MAX_WEIGHT = Decimal(50)
LEAVING = (MemberStatus.RESIGNED, MemberStatus.EXCLUDED, MemberStatus.DECEASED)
STATUS_WORDS = {
    MemberStatus.CANDIDATE: "candidat·e",
    MemberStatus.ADMITTED: "admis·e",
    MemberStatus.RESIGNED: "démission",
    MemberStatus.EXCLUDED: "exclusion",
    MemberStatus.DECEASED: "décès",
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _day(on: date) -> str:
    return on.strftime("%d/%m/%Y")


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",") + "\u00a0%"


# --- colleges -------------------------------------------------------------------------------------------------------

def colleges(session: Session, *, active_only: bool = False) -> list[College]:
    stmt = select(College).order_by(College.position, College.name)
    if active_only:
        stmt = stmt.where(College.active.is_(True))
    return list(session.execute(stmt).scalars())


def college_problems(session: Session) -> list[str]:
    """What makes the set of active colleges invalid (French sentences), empty when it is valid."""
    active = colleges(session, active_only=True)
    problems = []
    if len(active) < MIN_COLLEGES:
        problems.append(f"il faut au moins {MIN_COLLEGES} collèges actifs (il y en a {len(active)})")
    for college in active:
        weight = Decimal(college.weight_percent)
        if not MIN_WEIGHT <= weight <= MAX_WEIGHT:
            problems.append(f"le collège « {college.name} » pèse {_percent(weight)}, hors de l'intervalle "
                            f"{_percent(MIN_WEIGHT)} – {_percent(MAX_WEIGHT)}")
    total = sum((Decimal(c.weight_percent) for c in active), Decimal(0))
    if total != 100:
        problems.append(f"la somme des poids des collèges est de {_percent(total)} au lieu de 100\u00a0%")
    return problems


def check_colleges(session: Session) -> None:
    """DomainError naming every problem of the set of colleges (for convening an assembly or opening a vote)."""
    problems = college_problems(session)
    if problems:
        raise DomainError("Les collèges de vote ne sont pas valides : " + " ; ".join(problems) + ".",
                          field="colleges", details={"problems": problems})


def _weight(value) -> Decimal:
    try:
        weight = Decimal(str(value).replace(",", ".").replace("%", "").strip())
    except (InvalidOperation, ValueError) as exc:
        raise DomainError("Poids invalide : écrivez par exemple 20 ou 12,5.", field="weight_percent") from exc
    if not weight.is_finite() or weight <= 0 or weight > 100:
        raise DomainError("Le poids d'un collège est compris entre 0 et 100\u00a0%.", field="weight_percent")
    if weight != weight.quantize(Decimal("0.01")):
        raise DomainError("Le poids a au plus deux décimales.", field="weight_percent")
    return weight.quantize(Decimal("0.01"))


def _college_name(session: Session, name: str, college: College | None = None) -> str:
    name = domain_text(name, field="name", label="Le nom", max_length=100, required=True)
    clash = session.execute(select(College.id).where(func.lower(College.name) == name.lower())).scalar()
    if clash is not None and (college is None or clash != college.id):
        raise DomainError(f"Un collège s'appelle déjà « {name} ».", field="name")
    return name


def create_college(session: Session, actor: User | None, *, name: str, weight_percent, description: str = "",
                   position: int | None = None, now: datetime) -> College:
    name = _college_name(session, name)
    if position is None:
        position = (session.execute(select(func.max(College.position))).scalar() or 0) + 1
    college = College(name=name, weight_percent=_weight(weight_percent), position=position, created_at=now,
                      updated_at=now,
                      description=domain_text(description, field="description", label="La description",
                                              max_length=500))
    session.add(college)
    session.flush()
    audit.record(session, actor, "create", college, summary=f"Collège « {name} » créé ({college.weight_percent} %)",
                 after=audit.snapshot(college), now=now)
    return college


def update_college(session: Session, actor: User | None, college: College, *, name: str | None = None,
                   weight_percent=None, description: str | None = None, active: bool | None = None,
                   now: datetime) -> College:
    before = audit.snapshot(college)
    if name is not None:
        college.name = _college_name(session, name, college)
    if weight_percent is not None:
        college.weight_percent = _weight(weight_percent)
    if description is not None:
        college.description = domain_text(description, field="description", label="La description", max_length=500)
    if active is not None and active != college.active:
        if not active:
            count = session.execute(select(func.count()).select_from(Member).where(
                Member.college_id == college.id, Member.status.in_((MemberStatus.CANDIDATE, MemberStatus.ADMITTED))
            )).scalar_one()
            if count:
                them = "changez-les" if formats.is_plural(count) else "changez-le"
                raise DomainError(f"Le collège « {college.name} » compte encore "
                                  f"{formats.count(count, 'sociétaire', 'sociétaires')} : {them} "
                                  "d'abord de collège.", field="active")
        college.active = active
    college.updated_at = now
    session.flush()
    changes = audit.diff(before, audit.snapshot(college))
    if changes:
        audit.record(session, actor, "update", college, summary=f"Collège « {college.name} » modifié",
                     before=before, after=audit.snapshot(college), now=now)
    return college


def _college(session: Session, college_id, *, field: str = "college_id") -> College:
    college = session.get(College, college_id) if college_id else None
    if college is None:
        raise DomainError("Choisissez un collège de vote.", field=field)
    if not college.active:
        raise DomainError(f"Le collège « {college.name} » n'est plus actif.", field=field)
    return college


# --- members --------------------------------------------------------------------------------------------------------

def _check_on(on: date | None, now: datetime, field: str = "on") -> date:
    if on is None:
        raise DomainError("Indiquez la date.", field=field)
    if on > paris_today(now):
        raise DomainError("La date ne peut pas être dans le futur.", field=field)
    return on


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()


@dataclass(frozen=True)
class ContactDetails(Command):
    """A member's name, nature and contact details as a form or the API gives them (plain values): the command of
    ``create_candidate``, ``create_member`` and ``update_contact``. A field left ``UNSET`` is not written (a change
    of some fields only)."""
    name: object = UNSET
    kind: object = UNSET
    email: object = UNSET
    phone: object = UNSET
    address: object = UNSET
    postal_code: object = UNSET
    city: object = UNSET
    notes: object = UNSET
    public_body: object = UNSET
    organisation_id: object = UNSET

    def given(self, key: str) -> bool:
        return getattr(self, key) is not UNSET


def _contact(details: ContactDetails) -> dict:
    clean = {}
    for key, label, size in (("name", "Le nom", 200), ("email", "Le courriel", 254), ("phone", "Le téléphone", 30),
                             ("address", "L'adresse", 300), ("postal_code", "Le code postal", 10),
                             ("city", "La ville", 120)):
        if details.given(key):
            clean[key] = domain_text(getattr(details, key), field=key, label=label, max_length=size,
                                     required=key == "name")
    if clean.get("email"):
        if not _EMAIL.match(clean["email"]):
            raise DomainError("Adresse électronique invalide.", field="email")
        clean["email"] = clean["email"].lower()
    for key in ("email", "phone"):
        if key in clean and not clean[key]:
            clean[key] = None
    if details.given("kind"):
        if details.kind not in {k.value for k in MemberKind}:
            raise DomainError("Nature inconnue : personne physique ou morale.", field="kind")
        clean["kind"] = str(details.kind)
    if details.given("notes"):
        clean["notes"] = domain_text(details.notes, field="notes", label="Les notes", multiline=True,
                                     max_length=5000)
    if details.given("public_body"):
        clean["public_body"] = bool(details.public_body)
    if details.given("organisation_id"):
        clean["organisation_id"] = details.organisation_id or None
    return clean


def _record_status(session: Session, actor: User | None, member: Member, status: str, on: date, body: str,
                   reference: str, reason: str, now: datetime) -> MemberStatusChange:
    if body not in {b.value for b in DecidingBody}:
        raise DomainError("Organe de décision inconnu.", field="body")
    change = MemberStatusChange(
        member_id=member.id, status=status, on=on, body=body, created_at=now,
        reference=domain_text(reference, field="reference", label="La référence", max_length=200),
        reason=domain_text(reason, field="reason", label="Le motif", max_length=500),
        created_by_id=actor.id if actor else None)
    session.add(change)
    return change


def create_candidate(session: Session, actor: User | None, details: ContactDetails, *, college_id: int,
                     applied_on: date, now: datetime) -> Member:
    """A candidate (not numbered yet), in its college from the day it applied; a person unless ``details`` says."""
    if not details.given("name"):
        details = details.but(name="")  # refused below: a candidate has a name
    if not details.given("kind"):
        details = details.but(kind=MemberKind.PERSON)
    values = _contact(details)
    college = _college(session, college_id)
    _check_on(applied_on, now, "applied_on")
    member = Member(**values, college_id=college.id, status=MemberStatus.CANDIDATE, applied_on=applied_on,
                    created_at=now, updated_at=now, created_by_id=actor.id if actor else None)
    member.college = college
    session.add(member)
    session.flush()
    session.add(CollegeMove(member_id=member.id, to_college_id=college.id, on=applied_on, reason="Candidature",
                            created_at=now, created_by_id=actor.id if actor else None))
    _record_status(session, actor, member, MemberStatus.CANDIDATE, applied_on, DecidingBody.MEMBER, "", "", now)
    session.flush()
    audit.record(session, actor, "create", member, summary=f"Candidature {formats.of(member.name)} ({college.name})",
                 after=audit.snapshot(member), now=now)
    return member


def admit(session: Session, actor: User | None, member: Member, *, on: date, body: str = DecidingBody.BOARD,
          reference: str = "", shares: int = 0, paid_cents: int | None = None, now: datetime) -> Member:
    """Admit a candidate: the next register number; at least one subscribed share (``shares`` subscribed now,
    ``paid_cents`` paid with them: by default the minimum the statutes ask)."""
    if member.status != MemberStatus.CANDIDATE:
        raise DomainError(f"{member.name} n'est pas candidat·e : seule une candidature s'admet.")
    _check_on(on, now)
    if member.applied_on and on < member.applied_on:
        raise DomainError(f"L'admission ne peut pas précéder la candidature ({_day(member.applied_on)}).",
                          field="on")
    if shares:
        if paid_cents is None:
            value = int(shares) * capital.nominal_cents(session)
            paid_cents = math.ceil(value * capital.fraction(settings.get(session,
                                                                         "members.min_paid_at_subscription")))
        capital.subscribe(session, actor, member, shares, on=on, paid_cents=paid_cents, reference=reference, now=now)
    if capital.balance(session, member.id).shares < 1:
        raise DomainError(f"L'admission demande au moins une part souscrite : {member.name} n'en a aucune.",
                          field="shares")
    member.number = numbering.next_value(session, REGISTER_SERIES)
    member.status = MemberStatus.ADMITTED
    member.admitted_on = on
    member.updated_at = now
    _record_status(session, actor, member, MemberStatus.ADMITTED, on, body, reference, "", now)
    session.flush()
    audit.record(session, actor, "update", member,
                 summary=f"Admission {formats.of(member.name)} le {_day(on)} : sociétaire n° {member.number}",
                 after={"number": member.number, "status": member.status, "admitted_on": on.isoformat()}, now=now)
    return member


def leave(session: Session, actor: User | None, member: Member, *, status: str, on: date, body: str,
          reference: str = "", reason: str = "", now: datetime) -> Member:
    """A member leaves: resignation, exclusion or death (dated, with the deciding body). Its shares stay until they
    are reimbursed."""
    if status not in LEAVING:
        raise DomainError("Motif de sortie inconnu : démission, exclusion ou décès.", field="status")
    if member.status not in (MemberStatus.ADMITTED, MemberStatus.CANDIDATE):
        raise DomainError(f"{member.name} n'est plus sociétaire depuis le "
                          f"{_day(member.left_on) if member.left_on else '?'}.")
    _check_on(on, now)
    start = member.admitted_on or member.applied_on
    if start and on < start:
        raise DomainError(f"La sortie ne peut pas précéder l'entrée ({_day(start)}).", field="on")
    if status == MemberStatus.EXCLUDED and body not in (DecidingBody.BOARD, DecidingBody.ASSEMBLY):
        raise DomainError("Une exclusion est décidée par le conseil ou l'assemblée.", field="body")
    _record_status(session, actor, member, status, on, body, reference, reason, now)
    before = member.status
    member.status = status
    member.left_on = on
    member.updated_at = now
    session.flush()
    audit.record(session, actor, "update", member,
                 summary=f"Sortie {formats.of(member.name)} ({STATUS_WORDS[MemberStatus(status)]}) le {_day(on)}",
                 before={"status": before}, after={"status": status, "left_on": on.isoformat()}, now=now)
    return member


def move_college(session: Session, actor: User | None, member: Member, college_id: int, *, on: date,
                 reason: str = "", now: datetime) -> CollegeMove:
    college = _college(session, college_id)
    _check_on(on, now)
    if member.status in LEAVING:
        raise DomainError(f"{member.name} n'est plus sociétaire.")
    if member.college_id == college.id:
        raise DomainError(f"{member.name} est déjà dans le collège « {college.name} ».", field="college_id")
    last = session.execute(select(func.max(CollegeMove.on)).where(CollegeMove.member_id == member.id)).scalar()
    if last and on < last:
        raise DomainError(f"Le changement de collège ne peut pas précéder le dernier ({_day(last)}).", field="on")
    move = CollegeMove(member_id=member.id, from_college_id=member.college_id, to_college_id=college.id, on=on,
                       reason=domain_text(reason, field="reason", label="Le motif", max_length=500), created_at=now,
                       created_by_id=actor.id if actor else None)
    session.add(move)
    old = member.college.name if member.college else "—"
    member.college_id = college.id
    member.college = college
    member.updated_at = now
    session.flush()
    audit.record(session, actor, "update", member,
                 summary=f"{member.name} passe du collège « {old} » au collège « {college.name} » le {_day(on)}",
                 now=now)
    return move


def update_contact(session: Session, actor: User | None, member: Member, details: ContactDetails, *,
                   now: datetime) -> Member:
    """Write the fields given in ``details`` (the others keep their value)."""
    clean = _contact(details)
    if "public_body" in clean and clean["public_body"] != member.public_body:
        held = capital.balance(session, member.id)
        if held.subscribed_cents:
            raise DomainError("Ce sociétaire détient des parts : sa qualité d'organisme public ne change pas "
                              "(la part des collectivités dans le capital en dépend).", field="public_body")
    before = audit.snapshot(member)
    for key, value in clean.items():
        setattr(member, key, value)
    member.updated_at = now
    session.flush()
    after = audit.snapshot(member)
    if audit.diff(before, after):
        audit.record(session, actor, "update", member, summary=f"Coordonnées {formats.of(member.name)} modifiées",
                     before=before, after=after, now=now)
    return member


def link_user(session: Session, actor: User | None, member: Member, user: User | None, *, now: datetime) -> Member:
    """Link the member to a user account (None: unlink). One account, one member; the account gets the member
    role."""
    before = member.user_id
    if user is not None:
        other = session.execute(select(Member).where(Member.user_id == user.id, Member.id != member.id)).scalars().first()
        if other is not None:
            raise DomainError(f"Ce compte est déjà celui du sociétaire {other.name}.", field="user_id")
        if not user.has_role(Role.MEMBER):
            user.set_roles(sorted({r.role for r in user.roles} | {Role.MEMBER.value}))
    member.user_id = user.id if user else None
    member.updated_at = now
    session.flush()
    audit.record(session, actor, "update", member,
                 summary=(f"Compte {user.email} lié au sociétaire {member.name}" if user
                          else f"Compte délié du sociétaire {member.name}"),
                 before={"user_id": before}, after={"user_id": member.user_id}, now=now)
    return member


def create_member(session: Session, actor: User | None, details: ContactDetails, *, college_id: int, shares: int,
                  admitted_on: date, paid_cents: int | None = None, body: str = DecidingBody.BOARD,
                  reference: str = "", now: datetime) -> Member:
    """A member admitted at once (the API's ``POST /members``): candidate, subscription, admission, one day."""
    if not shares or int(shares) < 1:
        raise DomainError("L'admission demande au moins une part souscrite.", field="shares")
    member = create_candidate(session, actor, details, college_id=college_id, applied_on=admitted_on, now=now)
    return admit(session, actor, member, on=admitted_on, body=body, reference=reference, shares=shares,
                 paid_cents=paid_cents, now=now)


# --- reading --------------------------------------------------------------------------------------------------------

def member_of_user(session: Session, user) -> Member | None:
    if user is None or not getattr(user, "id", None):
        return None
    return session.execute(select(Member).where(Member.user_id == user.id)).unique().scalar_one_or_none()


def search_stmt(q: str = "", *, college_id: int | None = None, status: str | None = None, public_body=None):
    """The register, filtered: ``q`` matches the name, the e-mail or the register number; by number then name."""
    stmt = select(Member)
    q = (q or "").strip()
    if q:
        digits = q.lstrip("nN°º# ").strip()
        like = f"%{q.lower()}%"
        conditions = [func.lower(Member.name).like(like), func.lower(Member.email).like(like),
                      func.lower(Member.city).like(like)]
        if digits.isdigit() and len(digits) <= 9:
            conditions.append(Member.number == int(digits))
        stmt = stmt.where(or_(*conditions))
    if college_id:
        stmt = stmt.where(Member.college_id == college_id)
    if status:
        stmt = stmt.where(Member.status == status)
    if public_body is not None:
        stmt = stmt.where(Member.public_body.is_(bool(public_body)))
    return stmt.order_by(Member.number.is_(None), Member.number, Member.name, Member.id)


def status_history(session: Session, member_id: int) -> list[MemberStatusChange]:
    return list(session.execute(select(MemberStatusChange).where(MemberStatusChange.member_id == member_id)
                                .order_by(MemberStatusChange.on, MemberStatusChange.id)).scalars())


def college_history(session: Session, member_id: int) -> list[CollegeMove]:
    return list(session.execute(select(CollegeMove).where(CollegeMove.member_id == member_id)
                                .order_by(CollegeMove.on, CollegeMove.id)).scalars())


def college_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(College.id, College.name)).all())


def counts_by_college(session: Session) -> dict[int, int]:
    return dict(session.execute(select(Member.college_id, func.count()).where(Member.status == MemberStatus.ADMITTED)
                                .group_by(Member.college_id)).all())
