"""Read-only queries of the members pages: the lists of assemblies, members by id, names, the account an e-mail
belongs to, what a member's space shows of the convened assemblies (one query per kind of row, whatever the number
of assemblies). The services keep their writes (and the reads their rules need)."""

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import defer
from sqlmodel import Session

from coopnum.core.models import User
from coopnum.members.models import (
    Assembly,
    AssemblyDocument,
    AssemblyStatus,
    Attendance,
    AttendanceMode,
    BallotCast,
    Convocation,
    Member,
    MemberStatus,
    Resolution,
)


def assemblies_newest_first(session: Session) -> list[Assembly]:
    return list(session.execute(select(Assembly).order_by(Assembly.starts_at.desc())).scalars().all())


def held_assemblies(session: Session, *, newest_first: bool = False) -> list[Assembly]:
    order = Assembly.starts_at.desc() if newest_first else Assembly.starts_at
    return list(session.execute(select(Assembly).where(Assembly.status == AssemblyStatus.HELD)
                                .order_by(order)).scalars().all())


def convened_assemblies(session: Session) -> list[Assembly]:
    return list(session.execute(select(Assembly).where(Assembly.status == AssemblyStatus.CONVENED)
                                .order_by(Assembly.starts_at)).scalars().all())


def latest_convocation(session: Session, assembly_id: int, member_id: int) -> Convocation | None:
    return session.execute(select(Convocation).where(Convocation.assembly_id == assembly_id,
                                                     Convocation.member_id == member_id)
                           .order_by(Convocation.id.desc())).scalars().first()


def members_by_id(session: Session, ids: Iterable[int]) -> dict[int, Member]:
    return {m.id: m for m in session.execute(select(Member).where(Member.id.in_(ids))).scalars()}


def member_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Member.id, Member.name)).all())


def transfer_receivers(session: Session, member_id: int) -> list:
    """The members (admitted or candidates) shares may be transferred to: rows (id, name, number), by name."""
    return list(session.execute(select(Member.id, Member.name, Member.number).where(
        Member.id != member_id, Member.status.in_((MemberStatus.ADMITTED, MemberStatus.CANDIDATE)))
        .order_by(Member.name)).all())


def user_by_email(session: Session, email: str) -> User | None:
    return session.execute(select(User).where(User.email == email)).scalar_one_or_none()


# --- a member's view of several assemblies (the member's space) ------------------------------------------------------

def attendances_of_member(session: Session, assembly_ids: list[int], member_id: int) -> dict[int, Attendance]:
    """{assembly id: the member's attendance}."""
    rows = session.execute(select(Attendance).where(Attendance.assembly_id.in_(assembly_ids),
                                                    Attendance.member_id == member_id)).scalars()
    return {a.assembly_id: a for a in rows}


def proxies_held(session: Session, assembly_ids: list[int], holder_id: int) -> dict[int, list[Attendance]]:
    """{assembly id: the attendances of the members represented by ``holder_id``}."""
    result = defaultdict(list)
    for a in session.execute(select(Attendance).where(
            Attendance.assembly_id.in_(assembly_ids), Attendance.mode == AttendanceMode.REPRESENTED,
            Attendance.proxy_holder_id == holder_id).order_by(Attendance.id)).scalars():
        result[a.assembly_id].append(a)
    return result


def latest_convocations(session: Session, assembly_ids: list[int], member_id: int) -> dict[int, Convocation]:
    """{assembly id: the latest convocation sent to the member}."""
    result = {}
    for c in session.execute(select(Convocation).where(Convocation.assembly_id.in_(assembly_ids),
                                                       Convocation.member_id == member_id)
                             .order_by(Convocation.id.desc())).scalars():
        result.setdefault(c.assembly_id, c)
    return result


def documents_by_assembly(session: Session, assembly_ids: list[int]) -> dict[int, list[AssemblyDocument]]:
    """{assembly id: its documents (their contents left unloaded)}."""
    result = defaultdict(list)
    for d in session.execute(select(AssemblyDocument).where(AssemblyDocument.assembly_id.in_(assembly_ids))
                             .options(defer(AssemblyDocument.content)).order_by(AssemblyDocument.id)).scalars():
        result[d.assembly_id].append(d)
    return result


def resolutions_by_assembly(session: Session, assembly_ids: list[int]) -> dict[int, list[Resolution]]:
    result = defaultdict(list)
    for r in session.execute(select(Resolution).where(Resolution.assembly_id.in_(assembly_ids))
                             .order_by(Resolution.position, Resolution.id)).scalars():
        result[r.assembly_id].append(r)
    return result


def ballots_by(session: Session, resolution_ids: list[int], member_ids: list[int]) -> dict[tuple[int, int], BallotCast]:
    """{(resolution id, member id): the ballot cast}."""
    if not resolution_ids or not member_ids:
        return {}
    rows = session.execute(select(BallotCast).where(BallotCast.resolution_id.in_(resolution_ids),
                                                    BallotCast.member_id.in_(member_ids))).scalars()
    return {(b.resolution_id, b.member_id): b for b in rows}
