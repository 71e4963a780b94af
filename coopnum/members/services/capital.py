"""The share-capital ledger: subscriptions, payments, transfers, reimbursements, cancellations, and the values
derived from it (a member's balance, the total capital, its history, who has voting rights).

- The ledger is append-only and numbered without gaps: every operation first takes the next number of the
  ``capital`` series (``billing.numbering``: the counter row is locked ``FOR UPDATE`` on PostgreSQL, SQLite
  writing transactions are ``BEGIN IMMEDIATE``), so two operations never share a number and the checks below run
  one operation at a time (no two reimbursements pass the floor rule together).
- A subscription line holds the shares and their value (``amount_cents`` = shares × nominal, ``due_on`` = the day
  it must be fully paid: 5 years by default); the money paid at subscription (¼ at least by default) is a payment
  line linked to it (``related_id``).
- A member's capital (subscribed) is the sum of shares × nominal of its lines; its paid capital is the sum of its
  payments and transfers, less the nominal value of the shares reimbursed. Only paid-up shares are transferred or
  reimbursed; only unpaid ones are cancelled.
- The floor rule: a reimbursement (or a cancellation) may not bring the capital below the greater of the statutory
  minimum and ¼ of the highest capital ever reached.
- SCIC: public bodies hold together at most ``members.public_bodies_max`` (½) of the capital after an operation.

Services take plain values, the acting user and ``now``; they flush, never commit. Refusals are DomainError
(French)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from sqlalchemy import case, func, literal, select, union_all
from sqlmodel import Session

from coopnum.billing import numbering
from coopnum.core import audit, formats, settings
from coopnum.core.clock import paris_today
from coopnum.core.errors import DomainError
from coopnum.core.models import User
from coopnum.core.validation import domain_text
from coopnum.members.models import CapitalOperation, CapitalOperationKind, Member, MemberStatus

SERIES = "capital"
MAX_SHARES = 1_000_000
LEFT = (MemberStatus.RESIGNED, MemberStatus.EXCLUDED, MemberStatus.DECEASED)
KIND_WORDS = {
    CapitalOperationKind.SUBSCRIPTION: "Souscription",
    CapitalOperationKind.PAYMENT: "Libération",
    CapitalOperationKind.TRANSFER: "Cession",
    CapitalOperationKind.REIMBURSEMENT: "Remboursement",
    CapitalOperationKind.CANCELLATION: "Annulation",
}


def euros(cents: int) -> str:
    """12345 → '123,45 €' (French, for messages)."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(int(cents)), 100)
    return f"{sign}{whole:,}".replace(",", "\u202f") + f",{rest:02d}\u00a0€"


def fraction(value) -> Fraction:
    """A setting such as "1/4", "0", 0.5 → Fraction."""
    return Fraction(str(value).strip().replace(",", "."))


def nominal_cents(session: Session) -> int:
    return int(settings.get(session, "members.share_nominal_cents"))


def _pct(value: float) -> str:
    """52.38 → '52,4 %' (50.0 → '50 %')."""
    text = f"{value:.1f}".removesuffix(".0").replace(".", ",")
    return f"{text}\u00a0%"


def _parts(n: int) -> str:
    """« 1 part », « 3 parts »."""
    return formats.count(n, "part", "parts")


def _day(on: date) -> str:
    return on.strftime("%d/%m/%Y")


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# --- derived values -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Balance:
    shares: int = 0
    subscribed_cents: int = 0
    paid_cents: int = 0

    @property
    def unpaid_cents(self) -> int:
        return self.subscribed_cents - self.paid_cents


# capital (subscribed) of a line: its shares × the nominal of the day
CAPITAL_OF_LINE = CapitalOperation.shares * CapitalOperation.nominal_cents
# paid capital of a line: payments and transfers move money; a reimbursement removes the shares' nominal value
_PAID = case(
    (CapitalOperation.kind.in_((CapitalOperationKind.PAYMENT, CapitalOperationKind.TRANSFER)),
     CapitalOperation.amount_cents),
    (CapitalOperation.kind == CapitalOperationKind.REIMBURSEMENT, CAPITAL_OF_LINE),
    else_=0)


def _sums(session: Session, *where) -> Balance:
    shares, subscribed, paid = session.execute(
        select(func.coalesce(func.sum(CapitalOperation.shares), 0), func.coalesce(func.sum(CAPITAL_OF_LINE), 0),
               func.coalesce(func.sum(_PAID), 0)).where(*where)).one()
    return Balance(shares=int(shares), subscribed_cents=int(subscribed), paid_cents=int(paid))


def balance(session: Session, member_id: int, on: date | None = None) -> Balance:
    """The member's shares, subscribed, paid and unpaid capital (on a day: the lines dated up to it)."""
    where = [CapitalOperation.member_id == member_id]
    if on is not None:
        where.append(CapitalOperation.on <= on)
    return _sums(session, *where)


def balances(session: Session, member_ids) -> dict[int, Balance]:
    """The balances of several members in one query (for lists)."""
    ids = list(member_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(CapitalOperation.member_id, func.sum(CapitalOperation.shares), func.sum(CAPITAL_OF_LINE), func.sum(_PAID))
        .where(CapitalOperation.member_id.in_(ids)).group_by(CapitalOperation.member_id)).all()
    found = {r[0]: Balance(int(r[1] or 0), int(r[2] or 0), int(r[3] or 0)) for r in rows}
    return {i: found.get(i, Balance()) for i in ids}


def total(session: Session, on: date | None = None) -> Balance:
    """The cooperative's shares, subscribed and paid capital (on a day)."""
    return _sums(session, *([CapitalOperation.on <= on] if on is not None else []))


def total_capital(session: Session, on: date | None = None) -> int:
    """The share capital (subscribed), in cents, on a day (None: every line)."""
    return total(session, on).subscribed_cents


def public_bodies_capital(session: Session, on: date | None = None) -> int:
    where = [CapitalOperation.member_id.in_(select(Member.id).where(Member.public_body.is_(True)))]
    if on is not None:
        where.append(CapitalOperation.on <= on)
    return _sums(session, *where).subscribed_cents


@dataclass(frozen=True)
class HistoryPoint:
    on: date
    shares: int
    subscribed_cents: int
    paid_cents: int


def history(session: Session, date_from: date | None = None, date_to: date | None = None) -> list[HistoryPoint]:
    """The capital after each day that has ledger lines (cumulative), oldest first; the days before ``date_from``
    are folded into its first point."""
    rows = session.execute(
        select(CapitalOperation.on, func.sum(CapitalOperation.shares), func.sum(CAPITAL_OF_LINE), func.sum(_PAID))
        .group_by(CapitalOperation.on).order_by(CapitalOperation.on)).all()
    points: list[HistoryPoint] = []
    shares = subscribed = paid = 0
    for on, d_shares, d_capital, d_paid in rows:
        shares, subscribed, paid = shares + int(d_shares or 0), subscribed + int(d_capital or 0), paid + int(d_paid or 0)
        if date_to is not None and on > date_to:
            break
        point = HistoryPoint(on, shares, subscribed, paid)
        if date_from is not None and on < date_from:
            points = [HistoryPoint(date_from, shares, subscribed, paid)]
            continue
        points.append(point)
    return points


def highest_capital(session: Session) -> int:
    """The highest capital ever reached: after any line of the ledger, in the order of their dates and numbers (a
    peak within one day counts)."""
    highest = running = 0
    for value in session.execute(select(CAPITAL_OF_LINE).order_by(CapitalOperation.on, CapitalOperation.number)).scalars():
        running += int(value or 0)
        highest = max(highest, running)
    return highest


def capital_floor(session: Session) -> int:
    """The capital a reimbursement may not go below: the statutory minimum, or ¼ of the highest capital ever
    reached, whichever is greater."""
    minimum = int(settings.get(session, "members.minimum_capital_cents") or 0)
    return max(minimum, math.ceil(highest_capital(session) / 4))


def _voting_on(on: date) -> tuple:
    """The conditions of a member with voting rights on a day: admitted on or before it, not gone, holding at least
    one share (lines dated up to that day)."""
    held = (select(CapitalOperation.member_id).where(CapitalOperation.on <= on)
            .group_by(CapitalOperation.member_id).having(func.sum(CapitalOperation.shares) >= 1))
    return (Member.admitted_on.is_not(None), Member.admitted_on <= on,
            Member.status.in_((MemberStatus.ADMITTED, *LEFT)), (Member.left_on.is_(None)) | (Member.left_on > on),
            Member.id.in_(held))


def voting_members(session: Session, on: date) -> list[Member]:
    """The members with voting rights on a day (``_voting_on``). By name."""
    stmt = select(Member).where(*_voting_on(on)).order_by(Member.name, Member.id)
    return list(session.execute(stmt).unique().scalars())


def voting_members_on(session: Session, days: Iterable[date]) -> dict[date, list[Member]]:
    """``voting_members`` of several days in two queries, whatever the number of days: {day: members by name}."""
    days = sorted(set(days))
    if not days:
        return {}
    pairs = union_all(*(select(literal(n).label("day"), Member.id.label("member_id")).where(*_voting_on(on))
                        for n, on in enumerate(days)))
    rows = session.execute(pairs).all()
    ids = {row.member_id for row in rows}
    by_day = {n: set() for n in range(len(days))}
    for row in rows:
        by_day[row.day].add(row.member_id)
    members = list(session.execute(select(Member).where(Member.id.in_(ids)).order_by(Member.name, Member.id))
                   .unique().scalars()) if ids else []
    return {on: [m for m in members if m.id in by_day[n]] for n, on in enumerate(days)}


def operations_stmt(member_id: int | None = None, kind: str | None = None):
    stmt = select(CapitalOperation).order_by(CapitalOperation.number.desc())
    if member_id is not None:
        stmt = stmt.where(CapitalOperation.member_id == member_id)
    if kind:
        stmt = stmt.where(CapitalOperation.kind == kind)
    return stmt


def operations_of(session: Session, member_id: int) -> list[CapitalOperation]:
    return list(session.execute(operations_stmt(member_id).order_by(None)
                                .order_by(CapitalOperation.number)).unique().scalars())


def last_number(session: Session) -> int:
    return numbering.current_value(session, SERIES)


# --- checks ---------------------------------------------------------------------------------------------------------

def _lock(session: Session) -> int:
    """The next line number; locks the ledger for the rest of the transaction (one operation at a time)."""
    return numbering.next_value(session, SERIES)


def _check_date(on: date | None, now: datetime) -> None:
    if on is None:
        raise DomainError("Indiquez la date de l'opération.", field="on")
    if on > paris_today(now):
        raise DomainError("La date de l'opération ne peut pas être dans le futur.", field="on")


def _check_shares(shares, field: str = "shares") -> int:
    try:
        shares = int(shares)
    except (TypeError, ValueError) as exc:
        raise DomainError("Nombre de parts invalide.", field=field) from exc
    if shares < 1:
        raise DomainError("Indiquez au moins une part.", field=field)
    if shares > MAX_SHARES:
        raise DomainError("Nombre de parts trop élevé.", field=field)
    return shares


def _check_not_gone(member: Member, what: str) -> None:
    if member.status in LEFT:
        raise DomainError(f"{member.name} n'est plus sociétaire : {what} impossible.")


def _check_keeps_a_share(session: Session, member: Member, removed: int) -> Balance:
    held = balance(session, member.id)
    if removed > held.shares:
        raise DomainError(f"{member.name} ne détient que {_parts(held.shares)}.", field="shares")
    if member.status == MemberStatus.ADMITTED and held.shares - removed < 1:
        raise DomainError(f"{member.name} est sociétaire : il ou elle garde au moins une part. Enregistrez "
                          "d'abord sa sortie (démission, exclusion ou décès).", field="shares")
    return held


def _check_public_bodies(session: Session, *, public_delta: int, total_delta: int) -> None:
    """After the operation, the public bodies' capital ≤ public_bodies_max × the total (refused only when the
    operation makes their share greater)."""
    limit = fraction(settings.get(session, "members.public_bodies_max"))
    total_before = total_capital(session)
    public_before = public_bodies_capital(session)
    total_after, public_after = total_before + total_delta, public_before + public_delta
    if public_after <= 0 or total_after <= 0:
        return
    after = Fraction(public_after, total_after)
    before = Fraction(public_before, total_before) if total_before > 0 else Fraction(0)
    if after > limit and after > before:
        percent = float(after * 100)
        raise DomainError(
            f"Refusé : les collectivités et organismes publics détiendraient ensemble {euros(public_after)} sur "
            f"{euros(total_after)} de capital, soit {_pct(percent)}, au-delà de la limite de "
            f"{_pct(float(limit * 100))} (SCIC : art. 19 septies de la loi de 1947).", field="shares")


def _check_floor(session: Session, removed_cents: int, what: str) -> None:
    capital = total_capital(session)
    after = capital - removed_cents
    floor = capital_floor(session)
    if after < floor:
        minimum = int(settings.get(session, "members.minimum_capital_cents") or 0)
        highest = highest_capital(session)
        raise DomainError(
            f"{what} refusé : le capital passerait de {euros(capital)} à {euros(after)}, sous le plancher de "
            f"{euros(floor)} (le plus élevé du minimum statutaire, {euros(minimum)}, et du quart du capital le "
            f"plus élevé atteint, {euros(highest)}). Différez-le ou réduisez le nombre de parts.", field="shares")


def _add(session: Session, actor: User | None, *, number: int, member: Member, kind: str, on: date, shares: int = 0,
         amount_cents: int = 0, nominal: int, now: datetime, **kw) -> CapitalOperation:
    line = CapitalOperation(number=number, member_id=member.id, kind=kind, on=on, shares=shares,
                            amount_cents=amount_cents, nominal_cents=nominal, created_at=now,
                            created_by_id=actor.id if actor else None, **kw)
    line.member = member
    session.add(line)
    session.flush()
    return line


def _audit(session: Session, actor: User | None, line: CapitalOperation, summary: str, now: datetime) -> None:
    audit.record(session, actor, "create", line, summary=f"Capital, ligne {line.number} : {summary}",
                 after=audit.snapshot(line), now=now)


def _texts(reference: str, notes: str) -> tuple[str, str]:
    return (domain_text(reference, field="reference", label="La référence", max_length=200),
            domain_text(notes, field="notes", label="La note", max_length=500))


# --- operations -----------------------------------------------------------------------------------------------------

def subscribe(session: Session, actor: User | None, member: Member, shares: int, *, on: date, paid_cents: int,
              reference: str = "", notes: str = "", now: datetime) -> CapitalOperation:
    """Record a subscription of ``shares`` shares and the money paid with it (at least
    ``members.min_paid_at_subscription`` of it); the rest is due within ``members.payment_delay_years``."""
    shares = _check_shares(shares)
    _check_date(on, now)
    _check_not_gone(member, "une souscription est")
    reference, notes = _texts(reference, notes)
    try:
        paid_cents = int(paid_cents or 0)
    except (TypeError, ValueError) as exc:
        raise DomainError("Montant versé invalide.", field="paid_cents") from exc
    number = _lock(session)
    nominal = nominal_cents(session)
    value = shares * nominal
    minimum = math.ceil(value * fraction(settings.get(session, "members.min_paid_at_subscription")))
    if paid_cents < 0:
        raise DomainError("Le montant versé ne peut pas être négatif.", field="paid_cents")
    if paid_cents < minimum:
        raise DomainError(f"Au moins {euros(minimum)} doivent être versés à la souscription de {_parts(shares)} "
                          f"de {euros(nominal)} (soit {euros(value)}) ; versé : {euros(paid_cents)}.",
                          field="paid_cents")
    if paid_cents > value:
        raise DomainError(f"Le montant versé ({euros(paid_cents)}) dépasse la valeur des parts souscrites "
                          f"({euros(value)}).", field="paid_cents")
    _check_public_bodies(session, public_delta=value if member.public_body else 0, total_delta=value)
    years = int(settings.get(session, "members.payment_delay_years"))
    due_on = _add_years(on, years) if paid_cents < value else None
    line = _add(session, actor, number=number, member=member, kind=CapitalOperationKind.SUBSCRIPTION, on=on,
                shares=shares, amount_cents=value, nominal=nominal, due_on=due_on, reference=reference, notes=notes,
                now=now)
    _audit(session, actor, line, f"souscription de {_parts(shares)} ({euros(value)}) par {member.name} le {_day(on)}",
           now)
    if paid_cents:
        payment = _add(session, actor, number=_lock(session), member=member, kind=CapitalOperationKind.PAYMENT,
                       on=on, amount_cents=paid_cents, nominal=nominal, related_id=line.id, reference=reference,
                       now=now)
        _audit(session, actor, payment, f"versement de {euros(paid_cents)} par {member.name} à la souscription", now)
    return line


def pay(session: Session, actor: User | None, member: Member, amount_cents: int, *, on: date, reference: str = "",
        notes: str = "", now: datetime) -> CapitalOperation:
    """Record money paid on subscribed shares (never more than what remains unpaid)."""
    _check_date(on, now)
    reference, notes = _texts(reference, notes)
    try:
        amount_cents = int(amount_cents)
    except (TypeError, ValueError) as exc:
        raise DomainError("Montant invalide.", field="amount_cents") from exc
    if amount_cents <= 0:
        raise DomainError("Le montant d'une libération est positif.", field="amount_cents")
    number = _lock(session)
    held = balance(session, member.id)
    if held.unpaid_cents <= 0:
        raise DomainError(f"Les parts {formats.of(member.name)} sont entièrement libérées : rien n'est à verser.",
                          field="amount_cents")
    if amount_cents > held.unpaid_cents:
        raise DomainError(f"Le montant ({euros(amount_cents)}) dépasse ce qui reste à libérer "
                          f"({euros(held.unpaid_cents)}).", field="amount_cents")
    due = session.execute(select(CapitalOperation.id).where(
        CapitalOperation.member_id == member.id, CapitalOperation.kind == CapitalOperationKind.SUBSCRIPTION,
        CapitalOperation.due_on.is_not(None)).order_by(CapitalOperation.due_on, CapitalOperation.number)
        .limit(1)).scalar()
    line = _add(session, actor, number=number, member=member, kind=CapitalOperationKind.PAYMENT, on=on,
                amount_cents=amount_cents, nominal=nominal_cents(session), related_id=due, reference=reference,
                notes=notes, now=now)
    _audit(session, actor, line, f"libération de {euros(amount_cents)} par {member.name} le {_day(on)}", now)
    return line


def transfer(session: Session, actor: User | None, giver: Member, receiver: Member, shares: int, *, on: date,
             reference: str = "", notes: str = "", now: datetime) -> tuple[CapitalOperation, CapitalOperation]:
    """Pass paid-up shares from one member to another: two lines (−n, +n) linked to each other."""
    shares = _check_shares(shares)
    _check_date(on, now)
    reference, notes = _texts(reference, notes)
    if giver.id == receiver.id:
        raise DomainError("Une cession se fait entre deux sociétaires différents.", field="receiver_id")
    _check_not_gone(receiver, "recevoir des parts est")
    number = _lock(session)
    nominal = nominal_cents(session)
    held = _check_keeps_a_share(session, giver, shares)
    value = shares * nominal
    if held.paid_cents < value:
        raise DomainError(f"Seules des parts libérées se cèdent : {giver.name} a libéré {euros(held.paid_cents)}, "
                          f"la cession de {_parts(shares)} en demande {euros(value)}.", field="shares")
    if giver.public_body != receiver.public_body:
        _check_public_bodies(session, public_delta=value if receiver.public_body else -value, total_delta=0)
    out = _add(session, actor, number=number, member=giver, kind=CapitalOperationKind.TRANSFER, on=on,
               shares=-shares, amount_cents=-value, nominal=nominal, counterpart_member_id=receiver.id,
               reference=reference, notes=notes, now=now)
    into = _add(session, actor, number=_lock(session), member=receiver, kind=CapitalOperationKind.TRANSFER, on=on,
                shares=shares, amount_cents=value, nominal=nominal, counterpart_member_id=giver.id,
                related_id=out.id, reference=reference, notes=notes, now=now)
    out.related_id = into.id
    session.flush()
    summary = f"cession de {_parts(shares)} {formats.of(giver.name)} à {receiver.name} le {_day(on)}"
    _audit(session, actor, out, summary, now)
    _audit(session, actor, into, summary, now)
    return out, into


def reimburse(session: Session, actor: User | None, member: Member, shares: int, *, on: date,
              amount_cents: int | None = None, reference: str = "", notes: str = "",
              now: datetime) -> CapitalOperation:
    """Pay back paid-up shares (at nominal value, or less: ``amount_cents`` after the share of losses), never
    below the capital floor."""
    shares = _check_shares(shares)
    _check_date(on, now)
    reference, notes = _texts(reference, notes)
    number = _lock(session)
    nominal = nominal_cents(session)
    held = _check_keeps_a_share(session, member, shares)
    value = shares * nominal
    if held.paid_cents < value:
        raise DomainError(f"Seules des parts libérées se remboursent : {member.name} a libéré "
                          f"{euros(held.paid_cents)} ; annulez plutôt les parts non libérées.", field="shares")
    money = value if amount_cents is None else int(amount_cents)
    if money < 0 or money > value:
        raise DomainError(f"Le montant remboursé est compris entre 0 et la valeur nominale des parts "
                          f"({euros(value)}).", field="amount_cents")
    _check_floor(session, value, "Remboursement")
    if not member.public_body:
        _check_public_bodies(session, public_delta=0, total_delta=-value)
    line = _add(session, actor, number=number, member=member, kind=CapitalOperationKind.REIMBURSEMENT, on=on,
                shares=-shares, amount_cents=-money, nominal=nominal, reference=reference, notes=notes, now=now)
    _audit(session, actor, line, f"remboursement de {_parts(shares)} à {member.name} ({euros(money)}) le {_day(on)}",
           now)
    return line


def cancel(session: Session, actor: User | None, member: Member, shares: int, *, on: date, reference: str = "",
           notes: str = "", now: datetime) -> CapitalOperation:
    """Cancel subscribed shares that were not paid up (e.g. the rest of a subscription never paid)."""
    shares = _check_shares(shares)
    _check_date(on, now)
    reference, notes = _texts(reference, notes)
    number = _lock(session)
    nominal = nominal_cents(session)
    held = _check_keeps_a_share(session, member, shares)
    value = shares * nominal
    if held.unpaid_cents < value:
        raise DomainError(f"Seules des parts non libérées s'annulent : il reste {euros(held.unpaid_cents)} à libérer "
                          f"pour {member.name}, l'annulation de {_parts(shares)} représente {euros(value)}.",
                          field="shares")
    _check_floor(session, value, "Annulation")
    if not member.public_body:
        _check_public_bodies(session, public_delta=0, total_delta=-value)
    line = _add(session, actor, number=number, member=member, kind=CapitalOperationKind.CANCELLATION, on=on,
                shares=-shares, nominal=nominal, reference=reference, notes=notes, now=now)
    _audit(session, actor, line, f"annulation de {formats.count(shares, 'part non libérée', 'parts non libérées')} {formats.of(member.name)} le {_day(on)}",
           now)
    return line


def overdue(session: Session, today: date) -> list[tuple[Member, int, date]]:
    """Members whose earliest due date has passed with capital still unpaid: (member, unpaid, due_on)."""
    rows = session.execute(
        select(CapitalOperation.member_id, func.min(CapitalOperation.due_on))
        .where(CapitalOperation.kind == CapitalOperationKind.SUBSCRIPTION, CapitalOperation.due_on.is_not(None),
               CapitalOperation.due_on < today).group_by(CapitalOperation.member_id)).all()
    found = []
    all_balances = balances(session, [r[0] for r in rows])
    for member_id, due_on in rows:
        if all_balances[member_id].unpaid_cents > 0:
            found.append((session.get(Member, member_id), all_balances[member_id].unpaid_cents, due_on))
    return found
