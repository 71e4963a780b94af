"""Read-only queries of the members pages: the lists of assemblies, members by id, names, the account an e-mail
belongs to. The services keep their writes (and the reads their rules need)."""

from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import Session

from coopnum.core.models import User
from coopnum.members.models import Assembly, AssemblyStatus, Convocation, Member, MemberStatus


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
