"""The volume's members: up to ``MEMBERS`` members admitted over the years (beneficiaries and supporters, a few
organisations, one in ten gone and reimbursed), each with its register number, its status changes, its first
college and its capital lines (a subscription paid a quarter at once and the rest a year later, as the statutes
allow), numbered after the demo's in the gapless series of the register and of the ledger; then a general
assembly held each June through the services (attendance, votes, minutes), for the years the demo has none."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import extract, func, select

from coopnum.core import settings
from coopnum.demo import DOMAIN, FIRST_NAMES, LAST_NAMES
from coopnum.members.models import (
    Assembly,
    CapitalOperation,
    CapitalOperationKind,
    College,
    CollegeMove,
    DecidingBody,
    Member,
    MemberKind,
    MemberStatus,
    MemberStatusChange,
)
from coopnum.volume.bulk import Bulk, Period, paris, set_counter

MEMBERS = 100
ORGANISATIONS = ["Association {c} Connectée", "Centre social de {c}", "Épicerie solidaire de {c}",
                 "Comité des fêtes de {c}"]


def generate(bulk: Bulk, period: Period, ctx) -> None:
    session = bulk.session
    colleges = _colleges(session, ctx)
    have = session.execute(select(func.count()).select_from(Member)).scalar_one()
    wanted = max(0, MEMBERS - have)
    if wanted:
        _members(bulk, period, ctx, colleges, wanted)
    assemblies(bulk, ctx, period)


def _colleges(session, ctx) -> list[College]:
    """The demo's four colleges (made here when the demo's members were left out)."""
    from coopnum.members.demo import COLLEGES
    from coopnum.members.services import registry

    found = {c.name: c for c in session.execute(select(College)).scalars()}
    for name, weight, text in COLLEGES:
        if name not in found:
            found[name] = registry.create_college(session, ctx.coordinator, name=name, weight_percent=weight,
                                                  description=text, now=ctx.now)
    session.flush()
    return [found[name] for name, _w, _t in COLLEGES]


def _members(bulk: Bulk, period: Period, ctx, colleges: list[College], wanted: int) -> None:
    session, rng = bulk.session, ctx.rng
    nominal = int(settings.get(session, "members.share_nominal_cents"))
    number = session.execute(select(func.max(Member.number))).scalar() or 0
    span = max((period.today - timedelta(days=30) - period.first_month).days, 1)
    members, changes, moves, operations = [], [], [], []
    cities = [p.city for p in ctx.places] or ["Poitiers"]
    for n in range(wanted):
        admitted = period.first_month + timedelta(days=rng.randrange(span))
        member, college = _member(bulk, rng, colleges, n, cities[n % len(cities)], admitted, period.today)
        members.append(member)
        moves.append({"member_id": member["id"], "from_college_id": None, "to_college_id": college.id,
                      "on": admitted, "reason": "Admission", "created_at": member["created_at"],
                      "created_by_id": ctx.coordinator.id})
        changes.append(_change(member["id"], MemberStatus.ADMITTED, admitted, ctx))
        operations += _capital(rng, member, admitted, nominal, period.today)
        if member["status"] == MemberStatus.RESIGNED:
            changes.append(_change(member["id"], MemberStatus.RESIGNED, member["left_on"], ctx))
    members.sort(key=lambda m: m["admitted_on"])
    for m in members:  # the register's numbers in the order of admission
        number += 1
        m["number"] = number
    bulk.insert(Member, members)
    bulk.insert(CollegeMove, moves)
    bulk.insert(MemberStatusChange, changes)
    _ledger(bulk, operations, ctx)
    set_counter(session, "members", number)


def _member(bulk: Bulk, rng, colleges, n: int, city: str, admitted: date, today: date) -> tuple[dict, College]:
    _employees, _authorities, beneficiaries, supporters = colleges
    person = n % 10 != 9
    if person:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        name = f"{first} {last}"
        email = f"{first}.{last}.{n}@adherents.{DOMAIN}".lower().replace(" ", "-")
    else:
        name, email = rng.choice(ORGANISATIONS).format(c=city), None
    college = beneficiaries if n % 2 else supporters
    left = admitted + timedelta(days=rng.randrange(200, 2000)) if n % 10 == 4 else None
    gone = left is not None and left < today
    created = paris(admitted - timedelta(days=20), time(10))
    return {"id": bulk.next_id(Member), "number": None, "kind": MemberKind.PERSON if person else
            MemberKind.ORGANISATION, "name": name, "email": email, "phone": None, "address": "", "postal_code": "",
            "city": city, "user_id": None, "organisation_id": None, "public_body": False, "college_id": college.id,
            "status": MemberStatus.RESIGNED if gone else MemberStatus.ADMITTED,
            "applied_on": admitted - timedelta(days=20), "admitted_on": admitted, "left_on": left if gone else None,
            "notes": "", "created_by_id": None, "created_at": created, "updated_at": created}, college


def _change(member_id: int, status: str, on: date, ctx) -> dict:
    body = DecidingBody.MEMBER if status == MemberStatus.RESIGNED else DecidingBody.BOARD
    reference = "Lettre de démission" if status == MemberStatus.RESIGNED else \
        f"Conseil coopératif du {on.strftime('%d/%m/%Y')}"
    return {"member_id": member_id, "status": status, "on": on, "body": body, "reference": reference, "reason": "",
            "created_at": paris(on, time(18)), "created_by_id": ctx.coordinator.id}


def _capital(rng, member: dict, admitted: date, nominal: int, today: date) -> list[dict]:
    """A subscription, its first quarter paid at once, the rest a year later (when past); a reimbursement of the
    shares of a member who left, three months after."""
    shares = 1 if member["kind"] == MemberKind.PERSON and rng.random() < 0.6 else rng.randint(2, 10)
    value = shares * nominal
    first = value // 4 if rng.random() < 0.5 else value
    ops = [_op(member, CapitalOperationKind.SUBSCRIPTION, admitted, shares, value, nominal,
               due_on=admitted.replace(year=admitted.year + 5) if admitted.month != 2 or admitted.day != 29
               else admitted + timedelta(days=365 * 5)),
           _op(member, CapitalOperationKind.PAYMENT, admitted, 0, first, nominal, related=0)]
    later = admitted + timedelta(days=365)
    if first < value and later < today:
        ops.append(_op(member, CapitalOperationKind.PAYMENT, later, 0, value - first, nominal, related=0))
    paid_up = first == value or later < (member["left_on"] or today)
    if member["left_on"] and paid_up and member["left_on"] + timedelta(days=90) < today:
        back = member["left_on"] + timedelta(days=90)
        ops.append(_op(member, CapitalOperationKind.REIMBURSEMENT, back, -shares, -value, nominal))
    return ops


def _op(member: dict, kind: str, on: date, shares: int, amount: int, nominal: int, *, due_on=None,
        related: int | None = None) -> dict:
    return {"member_id": member["id"], "kind": kind, "on": on, "shares": shares, "amount_cents": amount,
            "nominal_cents": nominal, "counterpart_member_id": None, "_related": related, "due_on": due_on,
            "reference": "Virement" if kind != CapitalOperationKind.SUBSCRIPTION else "Bulletin de souscription",
            "notes": "", "created_at": paris(on, time(11)), "created_by_id": None}


def _ledger(bulk: Bulk, operations: list[dict], ctx) -> None:
    """The ledger's lines in date order, numbered after the demo's; a payment points at its subscription."""
    session = bulk.session
    number = session.execute(select(func.max(CapitalOperation.number))).scalar() or 0
    operations.sort(key=lambda op: (op["on"], op["member_id"], op["kind"] != CapitalOperationKind.SUBSCRIPTION))
    subscription: dict[int, int] = {}
    for op in operations:
        number += 1
        op["id"], op["number"] = bulk.next_id(CapitalOperation), number
        op["created_by_id"] = ctx.coordinator.id
        if op["kind"] == CapitalOperationKind.SUBSCRIPTION:
            subscription[op["member_id"]] = op["id"]
        related = op.pop("_related")
        op["related_id"] = subscription.get(op["member_id"]) if related is not None else None
    bulk.insert(CapitalOperation, operations)
    set_counter(session, "capital", number)


def assemblies(bulk: Bulk, ctx, period: Period) -> None:
    """The annual general assembly (on 20 June) of every year of the period that has none: held, two thirds of the
    voting members there (one represented), two resolutions voted openly, minutes signed. Written in bulk, then
    each vote's result computed and frozen by the members' tally (``tally.compute``), as closing the vote does."""
    from coopnum.core.errors import DomainError
    from coopnum.members.services import assemblies as services
    from coopnum.members.services import tally

    session = bulk.session
    try:
        services.check_colleges(session)
    except DomainError:
        return
    colleges = session.execute(select(College.id).where(College.active.is_(True))).scalars().all()
    for year in range(period.first_month.year, period.today.year + 1):
        day = date(year, 6, 20)
        if not period.first_month <= day < period.today - timedelta(days=5):
            continue
        if session.execute(select(Assembly.id).where(Assembly.kind == "AGO",
                                                     extract("year", Assembly.starts_at) == year)).first():
            continue
        voters = tally.voting_members(session, day)
        if len(voters) >= 3:
            _assembly(bulk, ctx, day, voters, colleges)


def _assembly(bulk: Bulk, ctx, day: date, voters: list[Member], colleges: list[int]) -> None:
    from coopnum.members.models import Attendance, AttendanceMode, BallotCast, BallotCount, Choice, Resolution
    from coopnum.members.services import tally

    session, rng = bulk.session, ctx.rng
    starts, convened = paris(day, time(18)), day - timedelta(days=20)
    held = starts + timedelta(minutes=30)
    aid = bulk.next_id(Assembly)
    bulk.insert(Assembly, [{
        "id": aid, "kind": "AGO", "convocation": 1, "first_assembly_id": None,
        "title": "Assemblée générale annuelle", "starts_at": starts, "place": "Maison des associations, Poitiers",
        "mode": "room", "remote_link": "", "status": "held", "convened_on": convened,
        "agenda": "1. Rapport de gestion\n2. Approbation des comptes\n3. Affectation du résultat",
        "president": voters[0].name, "secretary": voters[1].name, "scrutineers": voters[2].name,
        "debates": "Présentation du rapport de gestion et des comptes ; questions sur les permanences rurales.",
        "minutes_signed_on": day + timedelta(days=3), "minutes_signed_by": f"{voters[0].name}, {voters[1].name}",
        "created_by_id": ctx.coordinator.id, "created_at": paris(convened, time(10)),
        "updated_at": paris(day + timedelta(days=3), time(10))}])
    attending = voters[: max(3, len(voters) * 2 // 3)]
    holder = {m.id: attending[4].id for i, m in enumerate(attending) if i == 3 and len(attending) > 4}
    bulk.insert(Attendance, [{
        "assembly_id": aid, "member_id": m.id, "mode": AttendanceMode.REPRESENTED if m.id in holder else
        (AttendanceMode.PRESENT if i % 4 else AttendanceMode.REMOTE), "proxy_holder_id": holder.get(m.id),
        "recorded_at": held, "recorded_by_id": ctx.coordinator.id} for i, m in enumerate(attending)])
    for position, title in enumerate(("Approbation des comptes", "Affectation du résultat"), start=1):
        rid = bulk.next_id(Resolution)
        bulk.insert(Resolution, [{"id": rid, "assembly_id": aid, "position": position, "title": title,
                                  "text": f"L'assemblée générale adopte la résolution « {title} ».", "ballot": "open",
                                  "status": "open", "opened_at": held, "closes_at": None, "closed_at": None,
                                  "result": None}])
        choices = {m.id: rng.choices(("for", "against", "abstain"), (8, 1, 1))[0] for m in attending}
        bulk.insert(BallotCast, [{
            "resolution_id": rid, "member_id": m.id, "cast_by_member_id": holder.get(m.id),
            "college_id": m.college_id, "choice": choices[m.id], "online": False,
            "recorded_by_id": ctx.coordinator.id, "cast_at": held} for m in attending])
        bulk.insert(BallotCount, [{
            "resolution_id": rid, "college_id": college, "choice": str(choice),
            "count": sum(1 for m in attending if m.college_id == college and choices[m.id] == choice)}
            for college in [*colleges, None] for choice in Choice])
        resolution, assembly = session.get(Resolution, rid), session.get(Assembly, aid)
        result = tally.compute(session, resolution, assembly) | {"frozen": True,
                                                                 "closed_at": (held + timedelta(minutes=10)).isoformat()}
        session.execute(Resolution.__table__.update().where(Resolution.__table__.c.id == rid).values(
            status="closed", closed_at=held + timedelta(minutes=10), result=result))
