"""Operations on general assemblies: the legal delay of convening (the convocations themselves: ``convocations``),
attendance and proxies, resolutions, opening and closing votes, ballots (one per member and resolution: the
database's unique constraint decides between concurrent submissions), minutes.

Plain values in, domain objects out, ``DomainError`` (French) when a rule refuses; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Integer, func, literal, or_, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from coopnum.core import audit, formats, settings
from coopnum.core.clock import paris_today, to_paris
from coopnum.core.commands import Command
from coopnum.core.errors import Conflict, DomainError
from coopnum.core.models import User
from coopnum.core.validation import domain_text
from coopnum.members.models import (
    Assembly,
    AssemblyDocument,
    AssemblyKind,
    AssemblyMode,
    AssemblyStatus,
    Attendance,
    AttendanceMode,
    BallotCast,
    BallotCount,
    BallotKind,
    Choice,
    College,
    Member,
    Resolution,
    ResolutionStatus,
)
from coopnum.members.services import tally as tallies

KIND_WORDS = {AssemblyKind.AGO: "assemblée générale ordinaire", AssemblyKind.AGE: "assemblée générale extraordinaire"}
MODE_WORDS = {AssemblyMode.ROOM: "en salle", AssemblyMode.REMOTE: "à distance", AssemblyMode.HYBRID: "en salle et à distance"}
CHOICE_WORDS = {Choice.FOR: "pour", Choice.AGAINST: "contre", Choice.ABSTAIN: "abstention", Choice.BLANK: "blanc"}
ATTENDANCE_WORDS = {AttendanceMode.PRESENT: "présent·e", AttendanceMode.REMOTE: "à distance",
                    AttendanceMode.REPRESENTED: "représenté·e"}
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


def check_colleges(session: Session) -> None:
    from coopnum.members.services.registry import check_colleges as registry_check

    registry_check(session)


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def assembly_label(assembly: Assembly) -> str:
    when = to_paris(assembly.starts_at)
    return (f"{assembly.kind} du {_day(when.date())}"
            + (" (2e convocation)" if assembly.convocation == 2 else ""))


def convocation_delay(session: Session, convocation: int) -> int:
    key = "members.convocation_days_second" if convocation == 2 else "members.convocation_days_first"
    return int(settings.get(session, key))


def check_delay(session: Session, assembly: Assembly, convened_on: date) -> None:
    """Refuse a convocation sent later than the legal delay before the assembly (15 days, 10 on 2nd convocation)."""
    days = convocation_delay(session, assembly.convocation)
    day = paris_today(assembly.starts_at)
    latest = day - timedelta(days=days)
    if convened_on > latest:
        which = "seconde" if assembly.convocation == 2 else "première"
        raise DomainError(
            f"Trop tard pour convoquer : sur {which} convocation, les sociétaires doivent être convoqués au moins "
            f"{days} jours avant l'assemblée du {_day(day)}, soit le {_day(latest)} au plus tard. Reportez "
            "l'assemblée.", field="convened_on")


# --- the assembly ---------------------------------------------------------------------------------------------------

def _check_values(kind: str, convocation: int, mode: str) -> None:
    if kind not in set(AssemblyKind):
        raise DomainError("Type d'assemblée inconnu : AGO ou AGE.", field="kind")
    if convocation not in (1, 2):
        raise DomainError("Convocation : 1 (première) ou 2 (seconde).", field="convocation")
    if mode not in set(AssemblyMode):
        raise DomainError("Mode de réunion inconnu : en salle, à distance ou hybride.", field="mode")


def create_assembly(session: Session, actor: User | None, *, kind: str, convocation: int, starts_at: datetime,
                    place: str = "", mode: str = AssemblyMode.ROOM, agenda: str = "", title: str = "",
                    remote_link: str = "", convened_on: date | None = None, first_assembly_id: int | None = None,
                    now: datetime) -> Assembly:
    """A new assembly (draft). With ``convened_on`` (convocations sent outside coopnum, on paper), it is recorded as
    convened that day, after checking the legal delay and the colleges."""
    _check_values(kind, convocation, mode)
    if mode != AssemblyMode.REMOTE and not place.strip():
        raise DomainError("Indiquez le lieu de l'assemblée.", field="place")
    assembly = Assembly(kind=kind, convocation=convocation, starts_at=starts_at, place=place.strip(), mode=mode,
                        agenda=agenda.strip(), title=title.strip(), remote_link=remote_link.strip(),
                        first_assembly_id=first_assembly_id, created_by_id=actor.id if actor else None)
    if convened_on is not None:
        if convened_on > paris_today(now):
            raise DomainError("La date d'envoi des convocations ne peut pas être dans le futur.", field="convened_on")
        check_delay(session, assembly, convened_on)
        check_colleges(session)
        assembly.convened_on, assembly.status = convened_on, AssemblyStatus.CONVENED
    session.add(assembly)
    session.flush()
    audit.record(session, actor, "create", assembly, summary=f"Assemblée créée : {assembly_label(assembly)}"
                 + (f", convoquée le {_day(convened_on)} hors coopnum" if convened_on else ""), now=now)
    return assembly


@dataclass(frozen=True)
class Bureau(Command):
    """The bureau of an assembly and a summary of its debates, as the minutes (PV) print them."""

    president: str = ""
    secretary: str = ""
    scrutineers: str = ""
    debates: str = ""


def record_bureau(session: Session, actor: User | None, assembly: Assembly, bureau: Bureau, *,
                  now: datetime) -> Assembly:
    """Write the bureau and the debates (at any time until the minutes are signed)."""
    if assembly.minutes_signed_on is not None:
        raise DomainError("Le procès-verbal est signé : l'assemblée ne peut plus être modifiée.")
    before = audit.snapshot(assembly)
    for key, label, limit in (("president", "Le président de séance", 200), ("secretary", "Le secrétaire", 200),
                              ("scrutineers", "Les scrutateurs", 300), ("debates", "Les débats", 50000)):
        setattr(assembly, key, domain_text(getattr(bureau, key), field=key, label=label, max_length=limit,
                                           multiline=key == "debates"))
    session.flush()
    changes = audit.diff(before, audit.snapshot(assembly))
    if changes:
        audit.record(session, actor, "update", assembly, summary=f"Assemblée modifiée : {assembly_label(assembly)}",
                     before={k: v[0] for k, v in changes.items()}, after={k: v[1] for k, v in changes.items()},
                     now=now)
    return assembly


def add_document(session: Session, actor: User | None, assembly: Assembly, *, title: str, filename: str,
                 content: bytes, mimetype: str = "application/pdf", now: datetime) -> AssemblyDocument:
    if not content:
        raise DomainError("Le fichier est vide.", field="file")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise DomainError("Fichier trop volumineux (10 Mo au plus).", field="file")
    document = AssemblyDocument(assembly_id=assembly.id, title=(title or filename).strip()[:200],
                                filename=filename[:200], mimetype=mimetype[:100], size=len(content), content=content,
                                created_at=now)
    session.add(document)
    audit.record(session, actor, "create", document, summary=f"Document « {document.title} » ajouté à "
                 f"l'{assembly_label(assembly)}", now=now)
    return document


def documents_of(session: Session, assembly: Assembly) -> list[AssemblyDocument]:
    return list(session.execute(select(AssemblyDocument).where(AssemblyDocument.assembly_id == assembly.id)
                                .order_by(AssemblyDocument.id)).scalars().all())


def resolutions_of(session: Session, assembly: Assembly) -> list[Resolution]:
    return list(session.execute(select(Resolution).where(Resolution.assembly_id == assembly.id)
                                .order_by(Resolution.position, Resolution.id)).scalars().all())


# --- attendance and proxies -----------------------------------------------------------------------------------------

def _lock_row(session: Session, model, row_id: int) -> None:
    if session.get_bind().dialect.name != "sqlite":
        session.execute(select(model.id).where(model.id == row_id).with_for_update())


def _check_voter(session: Session, assembly: Assembly, member: Member, what: str = "") -> None:
    if member.id not in tallies.voting_member_ids(session, tallies.assembly_day(assembly)):
        raise DomainError(f"{member.name} n'a pas le droit de vote à cette assemblée (sociétaire admis avec au "
                          f"moins une part){what}.", field="member_id")


def _has_voted(session: Session, assembly: Assembly, member_id: int) -> bool:
    return session.execute(select(BallotCast.id).join(Resolution, Resolution.id == BallotCast.resolution_id)
                           .where(Resolution.assembly_id == assembly.id,
                                  (BallotCast.member_id == member_id) | (BallotCast.cast_by_member_id == member_id))
                           .limit(1)).first() is not None


def attendance_of(session: Session, assembly: Assembly, member_id: int) -> Attendance | None:
    return session.execute(select(Attendance).where(Attendance.assembly_id == assembly.id,
                                                    Attendance.member_id == member_id)).scalar_one_or_none()


def record_attendance(session: Session, actor: User | None, assembly: Assembly, member: Member, *, mode: str,
                      proxy_holder: Member | None = None, now: datetime) -> Attendance:
    """Record a member present, remote, or represented by another member (a proxy, within the holder's limit).
    Recorded before the vote: once the member (or its holder for it) has voted, its attendance no longer changes."""
    if assembly.status not in (AssemblyStatus.CONVENED,):
        raise DomainError("L'assemblée n'est pas convoquée (ou elle est close) : la présence ne s'enregistre pas.")
    if mode not in set(AttendanceMode):
        raise DomainError("Présence : present, remote ou represented.", field="mode")
    _check_voter(session, assembly, member)
    if mode == AttendanceMode.REPRESENTED:
        check_proxy(session, assembly, member, proxy_holder)
    elif proxy_holder is not None:
        raise DomainError("Un pouvoir ne s'indique que pour un sociétaire représenté.", field="proxy_holder_id")
    existing = attendance_of(session, assembly, member.id)
    if existing is not None and _has_voted(session, assembly, member.id):
        raise DomainError(f"{member.name} a déjà voté (ou voté pour un autre) : sa présence ne change plus.",
                          field="member_id")
    if mode == AttendanceMode.REPRESENTED and held_proxies(session, assembly, member.id):
        raise DomainError(f"{member.name} détient déjà un pouvoir : il ne peut pas se faire représenter à son tour.",
                          field="member_id")
    if existing is None:
        existing = Attendance(assembly_id=assembly.id, member_id=member.id, mode=mode)
        session.add(existing)
    existing.mode = mode
    existing.proxy_holder_id = proxy_holder.id if mode == AttendanceMode.REPRESENTED else None
    existing.recorded_at, existing.recorded_by_id = now, actor.id if actor else None
    session.flush()
    summary = f"{assembly_label(assembly)} : {member.name} {ATTENDANCE_WORDS[AttendanceMode(mode)]}"
    if proxy_holder is not None:
        summary += f" par {proxy_holder.name}"
    audit.record(session, actor, "attendance", existing, summary=summary, now=now)
    return existing


def held_proxies(session: Session, assembly: Assembly, holder_id: int) -> list[Attendance]:
    return list(session.execute(select(Attendance).where(
        Attendance.assembly_id == assembly.id, Attendance.mode == AttendanceMode.REPRESENTED,
        Attendance.proxy_holder_id == holder_id)).scalars().all())


def check_proxy(session: Session, assembly: Assembly, member: Member, holder: Member | None) -> None:
    """A proxy only to another member with voting rights, within the holder's limit (``members.proxy_limit``)."""
    if holder is None:
        raise DomainError("Un sociétaire représenté doit l'être par un autre sociétaire : indiquez qui porte son "
                          "pouvoir.", field="proxy_holder_id")
    if holder.id == member.id:
        raise DomainError("Un sociétaire ne peut pas se donner pouvoir à lui-même.", field="proxy_holder_id")
    if holder.id not in tallies.voting_member_ids(session, tallies.assembly_day(assembly)):
        raise DomainError(f"Un pouvoir ne se donne qu'à un autre sociétaire ayant le droit de vote : {holder.name} "
                          "ne l'a pas.", field="proxy_holder_id")
    holder_attendance = attendance_of(session, assembly, holder.id)
    if holder_attendance is not None and holder_attendance.mode == AttendanceMode.REPRESENTED:
        raise DomainError(f"{holder.name} est lui-même représenté : il ne peut pas porter de pouvoir.",
                          field="proxy_holder_id")
    _lock_row(session, Member, holder.id)  # two proxies given at once to the same holder: one after the other
    limit = int(settings.get(session, "members.proxy_limit"))
    held = [a for a in held_proxies(session, assembly, holder.id) if a.member_id != member.id]
    if len(held) >= limit:
        raise DomainError(f"{holder.name} porte déjà {formats.count(len(held), 'pouvoir', 'pouvoirs')} : "
                          f"la limite est de {limit} par "
                          "sociétaire.", field="proxy_holder_id")


def attendances_of(session: Session, assembly: Assembly) -> list[Attendance]:
    return list(session.execute(select(Attendance).where(Attendance.assembly_id == assembly.id)
                                .order_by(Attendance.id)).scalars().all())


# --- resolutions and votes ------------------------------------------------------------------------------------------

def add_resolution(session: Session, actor: User | None, assembly: Assembly, *, title: str, text: str = "",
                   ballot: str = BallotKind.OPEN, now: datetime) -> Resolution:
    if assembly.status in (AssemblyStatus.HELD, AssemblyStatus.CANCELLED):
        raise DomainError("L'assemblée est tenue ou annulée : plus de nouvelle résolution.")
    if not title.strip():
        raise DomainError("Donnez un titre à la résolution.", field="title")
    if ballot not in set(BallotKind):
        raise DomainError("Scrutin : open (à main levée) ou secret.", field="ballot")
    position = (session.execute(select(func.max(Resolution.position)).where(Resolution.assembly_id == assembly.id))
                .scalar() or 0) + 1
    resolution = Resolution(assembly_id=assembly.id, position=position, title=title.strip(), text=text.strip(),
                            ballot=ballot)
    session.add(resolution)
    session.flush()
    audit.record(session, actor, "create", resolution, summary=f"{assembly_label(assembly)} : résolution "
                 f"{position} « {resolution.title} »", now=now)
    return resolution


def _transition(session: Session, resolution: Resolution, source: str, **values) -> bool:
    """Move the resolution from ``source`` with one conditional UPDATE: of two requests, one only wins."""
    result = session.execute(update(Resolution).where(Resolution.id == resolution.id, Resolution.status == source)
                             .values(**values).execution_options(synchronize_session=False))
    session.refresh(resolution)
    return result.rowcount == 1


def open_vote(session: Session, actor: User | None, resolution: Resolution, *, now: datetime,
              closes_at: datetime | None = None) -> Resolution:
    """Open the vote (and the online voting window until ``closes_at``, if given): one count per college and
    choice is created, at 0."""
    assembly = session.get(Assembly, resolution.assembly_id)
    if assembly.status != AssemblyStatus.CONVENED:
        raise DomainError("Le vote ne s'ouvre que pour une assemblée convoquée (ni brouillon, ni tenue).")
    if resolution.status != ResolutionStatus.DRAFT:
        raise Conflict("Ce vote a déjà été ouvert." if resolution.status == ResolutionStatus.OPEN
                       else "Ce vote est clos : il ne se rouvre pas.")
    if closes_at is not None and closes_at <= now:
        raise DomainError("La fin du vote en ligne doit être dans le futur.", field="closes_at")
    check_colleges(session)
    if not _transition(session, resolution, ResolutionStatus.DRAFT, status=ResolutionStatus.OPEN, opened_at=now,
                       closes_at=closes_at):
        raise Conflict("Ce vote vient d'être ouvert par une autre personne.")
    colleges = session.execute(select(College.id).where(College.active.is_(True))).scalars().all()
    for college_id in [*colleges, None]:  # None: ballots of a member without a college, if any
        for choice in tallies.CHOICES:
            session.add(BallotCount(resolution_id=resolution.id, college_id=college_id, choice=choice, count=0))
    session.flush()
    audit.record(session, actor, "open_vote", resolution, summary=f"{assembly_label(assembly)} : vote ouvert sur la "
                 f"résolution {resolution.position}", now=now)
    return resolution


def close_vote(session: Session, actor: User | None, resolution: Resolution, *, now: datetime) -> Resolution:
    """Close the vote and freeze its result."""
    assembly = session.get(Assembly, resolution.assembly_id)
    if resolution.status != ResolutionStatus.OPEN:
        raise Conflict("Ce vote n'est pas ouvert." if resolution.status == ResolutionStatus.DRAFT
                       else "Ce vote est déjà clos.")
    if not _transition(session, resolution, ResolutionStatus.OPEN, status=ResolutionStatus.CLOSED, closed_at=now):
        raise Conflict("Ce vote vient d'être clos par une autre personne.")
    result = tallies.compute(session, resolution, assembly)
    result["frozen"] = True
    result["closed_at"] = now.isoformat()
    resolution.result = result
    session.flush()
    audit.record(session, actor, "close_vote", resolution, summary=f"{assembly_label(assembly)} : résolution "
                 f"{resolution.position} {'adoptée' if result['adopted'] else 'rejetée'} "
                 f"({result['weighted_for'] * 100:.2f} % pour)", after={"result": result}, now=now)
    return resolution


def check_window(resolution: Resolution, now: datetime) -> None:
    if resolution.status == ResolutionStatus.DRAFT or resolution.opened_at is None or now < resolution.opened_at:
        raise DomainError("Le vote sur cette résolution n'est pas encore ouvert.")
    if resolution.status == ResolutionStatus.CLOSED:
        raise DomainError("Le vote sur cette résolution est clos : il n'est plus possible de voter.")
    if resolution.closes_at is not None and now >= resolution.closes_at:
        raise DomainError("Le vote en ligne sur cette résolution est terminé "
                          f"(clos le {to_paris(resolution.closes_at):%d/%m/%Y à %H:%M}).")


@dataclass
class Voter:
    """Who a ballot is for (``member``) and who cast it (``holder``: its proxy holder, or None)."""

    member: Member
    holder: Member | None


def voter_for(session: Session, assembly: Assembly, member: Member, *, by_member: Member | None) -> Voter:
    """Check that ``by_member`` (a member voting online; None for the secretary) may cast ``member``'s ballot:
    its own, unless it gave a proxy; another's only with that member's proxy. The secretary records the ballot of
    a member present or remote, or of a represented member through its holder."""
    attendance = attendance_of(session, assembly, member.id)
    if by_member is None:
        if attendance is None:
            raise DomainError(f"{member.name} n'est pas enregistré·e comme présent·e, à distance ou représenté·e : "
                              "enregistrez d'abord sa présence.", field="member_id")
        if attendance.mode == AttendanceMode.REPRESENTED:
            return Voter(member, session.get(Member, attendance.proxy_holder_id))
        return Voter(member, None)
    if by_member.id == member.id:
        if attendance is not None and attendance.mode == AttendanceMode.REPRESENTED:
            holder = session.get(Member, attendance.proxy_holder_id)
            raise DomainError(f"Vous avez donné pouvoir à {holder.name} : c'est à lui ou elle de voter pour vous.")
        return Voter(member, None)
    if attendance is None or attendance.mode != AttendanceMode.REPRESENTED or attendance.proxy_holder_id != by_member.id:
        raise DomainError(f"Vous ne portez pas le pouvoir {formats.of(member.name)} : vous ne pouvez voter que pour vous et "
                          "pour les sociétaires qui vous ont donné pouvoir.", field="member_id")
    return Voter(member, by_member)


def cast_ballot(session: Session, actor: User | None, resolution: Resolution, member: Member, choice: str, *,
                by_member: Member | None = None, now: datetime) -> BallotCast:
    """Record one ballot for ``member`` (online by ``by_member``, or by the secretary when ``by_member`` is None).
    The unique constraint (resolution, member) refuses a second one, even when both arrive at once. A secret ballot
    keeps who voted, never the choice: the choice only increments the count of the member's college."""
    if choice not in set(Choice):
        raise DomainError("Choix : for (pour), against (contre), abstain (abstention) ou blank (blanc).",
                          field="choice")
    assembly = session.get(Assembly, resolution.assembly_id)
    check_window(resolution, now)
    _check_voter(session, assembly, member)
    voter = voter_for(session, assembly, member, by_member=by_member)
    online = by_member is not None
    if online and attendance_of(session, assembly, member.id) is None:
        # a member voting online takes part remotely (it counts for the quorum)
        try:
            with session.begin_nested():  # the same member's second request may have recorded it first
                session.add(Attendance(assembly_id=assembly.id, member_id=member.id, mode=AttendanceMode.REMOTE,
                                       recorded_at=now, recorded_by_id=actor.id if actor else None))
                session.flush()
        except IntegrityError:
            pass
    already = session.execute(select(BallotCast.id).where(BallotCast.resolution_id == resolution.id,
                                                          BallotCast.member_id == member.id)).first()
    if already is not None:
        raise Conflict(double_vote_message(member, resolution))
    secret = resolution.ballot == BallotKind.SECRET
    cast = BallotCast(resolution_id=resolution.id, member_id=member.id,
                      cast_by_member_id=voter.holder.id if voter.holder else None, college_id=member.college_id,
                      choice=None if secret else choice, online=online, recorded_by_id=actor.id if actor else None,
                      cast_at=None if secret else now)
    try:
        with session.begin_nested():
            session.add(cast)
            session.flush()
    except IntegrityError:
        raise Conflict(double_vote_message(member, resolution)) from None
    college = BallotCount.college_id.is_(None) if member.college_id is None \
        else BallotCount.college_id == member.college_id
    counted = session.execute(update(BallotCount).where(BallotCount.resolution_id == resolution.id, college,
                                                        BallotCount.choice == choice)
                              .values(count=BallotCount.count + 1).execution_options(synchronize_session=False))
    if counted.rowcount != 1:
        raise DomainError("Le collège de ce sociétaire n'était pas actif à l'ouverture du vote : son bulletin ne "
                          "peut pas être compté. Vérifiez les collèges.", field="member_id")
    summary = f"{assembly_label(assembly)}, résolution {resolution.position} : {member.name} a voté"
    if voter.holder is not None:
        summary += f" (par pouvoir, porté par {voter.holder.name})"
    audit.record(session, actor, "ballot", object_type="Resolution", object_id=resolution.id, summary=summary,
                 now=now)
    return cast


def double_vote_message(member: Member, resolution: Resolution) -> str:
    return f"{member.name} a déjà voté sur la résolution {resolution.position} : un seul bulletin par sociétaire."


def ballots_of(session: Session, resolution: Resolution) -> list[BallotCast]:
    return list(session.execute(select(BallotCast).where(BallotCast.resolution_id == resolution.id)
                                .order_by(BallotCast.id)).scalars().all())


# --- holding the assembly and the minutes ---------------------------------------------------------------------------

def close_assembly(session: Session, actor: User | None, assembly: Assembly, *, now: datetime) -> Assembly:
    """The meeting took place: every vote is closed, the minutes are to be written and signed."""
    if assembly.status != AssemblyStatus.CONVENED:
        raise DomainError("Seule une assemblée convoquée peut être déclarée tenue.")
    if any(r.status == ResolutionStatus.OPEN for r in resolutions_of(session, assembly)):
        raise DomainError("Un vote est encore ouvert : clôturez-le d'abord.")
    assembly.status = AssemblyStatus.HELD
    session.flush()
    audit.record(session, actor, "hold", assembly, summary=f"{assembly_label(assembly)} tenue", now=now)
    return assembly


def sign_minutes(session: Session, actor: User | None, assembly: Assembly, *, signed_by: str, signed_on: date,
                 now: datetime) -> Assembly:
    if assembly.status != AssemblyStatus.HELD:
        raise DomainError("Le procès-verbal se signe une fois l'assemblée tenue (tous les votes clos).")
    if assembly.minutes_signed_on is not None:
        raise Conflict("Le procès-verbal est déjà signé.")
    if not signed_by.strip():
        raise DomainError("Indiquez qui signe le procès-verbal (le président et le secrétaire de séance).",
                          field="signed_by")
    if signed_on > paris_today(now) or signed_on < paris_today(assembly.starts_at):
        raise DomainError("La date de signature doit être entre le jour de l'assemblée et aujourd'hui.",
                          field="signed_on")
    assembly.minutes_signed_on, assembly.minutes_signed_by = signed_on, signed_by.strip()
    session.flush()
    audit.record(session, actor, "sign_minutes", assembly, summary=f"PV de l'{assembly_label(assembly)} signé "
                 f"par {assembly.minutes_signed_by}", now=now)
    return assembly


def member_for_user(session: Session, user) -> Member | None:
    """The member whose account is ``user`` (one account, one member), if any."""
    if user is None or not getattr(user, "id", None):
        return None
    return session.execute(select(Member).where(Member.user_id == user.id)).scalars().first()


GOVERNANCE_SETTINGS = ("empty_college_rule", "proxy_limit")


def update_governance(session: Session, actor: User | None, *, empty_college_rule: str | None = None,
                      proxy_limit: int | None = None, now: datetime) -> dict:
    if empty_college_rule is not None:
        if empty_college_rule not in tallies.RULES:
            raise DomainError("Règle du collège sans vote : redistribute (poids réparti entre les autres collèges) "
                              "ou zero (compté pour 0).", field="empty_college_rule")
        settings.set_value(session, actor, "members.empty_college_rule", empty_college_rule, now=now)
    if proxy_limit is not None:
        if not 0 <= proxy_limit <= 20:
            raise DomainError("Nombre de pouvoirs par sociétaire : de 0 à 20.", field="proxy_limit")
        settings.set_value(session, actor, "members.proxy_limit", proxy_limit, now=now)
    return governance(session)


def governance(session: Session) -> dict:
    return {"empty_college_rule": settings.get(session, "members.empty_college_rule"),
            "proxy_limit": int(settings.get(session, "members.proxy_limit"))}


def give_proxy(session: Session, actor: User | None, assembly: Assembly, member: Member, holder: Member, *,
               now: datetime) -> Attendance:
    """A member gives its proxy online, from its space, before the assembly starts."""
    if now >= assembly.starts_at:
        raise DomainError("L'assemblée a commencé : remettez votre pouvoir signé au bureau de séance.")
    return record_attendance(session, actor, assembly, member, mode=AttendanceMode.REPRESENTED, proxy_holder=holder,
                             now=now)


def ballot_of(session: Session, resolution: Resolution, member_id: int) -> BallotCast | None:
    return session.execute(select(BallotCast).where(BallotCast.resolution_id == resolution.id,
                                                    BallotCast.member_id == member_id)).scalar_one_or_none()


def pending_for(session: Session, member_id: int, now: datetime) -> tuple[int, list[Assembly]]:
    """For the member's dashboard panel, in two queries whatever the number of assemblies, resolutions or proxies:
    the convened assemblies, and the number of ballots still to cast now (for itself unless it gave its proxy, and
    for the members whose proxy it holds) on their open resolutions whose vote window is open (``check_window``)."""
    assemblies = list(session.execute(select(Assembly).where(Assembly.status == AssemblyStatus.CONVENED)
                                      .order_by(Assembly.starts_at)).scalars())
    gave_proxy = select(Attendance.id).where(Attendance.assembly_id == Assembly.id, Attendance.member_id == member_id,
                                             Attendance.proxy_holder_id.is_not(None)).exists()
    convened = Assembly.status == AssemblyStatus.CONVENED
    voters = union_all(  # (convened assembly, member whose ballot this member casts there)
        select(Assembly.id.label("assembly_id"), literal(member_id, Integer).label("member_id"))
        .where(convened, ~gave_proxy),
        select(Attendance.assembly_id, Attendance.member_id).join(Assembly, Assembly.id == Attendance.assembly_id)
        .where(convened, Attendance.proxy_holder_id == member_id, Attendance.mode == AttendanceMode.REPRESENTED,
               Attendance.member_id != member_id),
    ).subquery()
    cast = select(BallotCast.id).where(BallotCast.resolution_id == Resolution.id,
                                       BallotCast.member_id == voters.c.member_id).exists()
    pending = session.execute(
        select(func.count()).select_from(Resolution).join(voters, voters.c.assembly_id == Resolution.assembly_id)
        .where(Resolution.status == ResolutionStatus.OPEN, Resolution.opened_at.is_not(None),
               Resolution.opened_at <= now, or_(Resolution.closes_at.is_(None), Resolution.closes_at > now), ~cast)
    ).scalar_one()
    return int(pending), assemblies
