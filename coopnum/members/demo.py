"""Demo members: the four colleges of the statutes (employees 40 %, authorities 20 %, beneficiaries 20 %, supporters
20 %), the demo accounts with the member role as members (the coordinator and the mediators in the employees'
college, the other members among beneficiaries and supporters), two local authorities of the demo as public-body
members, two associations, and four years of capital: subscriptions (¼ paid, the rest paid later), a transfer, a
resignation and its reimbursement, one candidate waiting.

``seed(session, ctx, now)`` is called by ``coopnum.demo.seed`` with its context (users, organisations)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from coopnum.core.clock import paris_today
from coopnum.members.models import DecidingBody, MemberKind, MemberStatus
from coopnum.members.services import capital, registry

COLLEGES = (("Salariés", 40, "Les salarié·es de la coopérative"),
            ("Collectivités", 20, "Collectivités territoriales et organismes publics"),
            ("Bénéficiaires", 20, "Structures et personnes accompagnées"),
            ("Soutiens", 20, "Partenaires, bénévoles et soutiens"))
ASSOCIATIONS = (("Association Les Petits Débrouillards Vienne", "Poitiers", "86000"),
                ("Centre social des Trois Cités", "Poitiers", "86000"))
NOMINAL = 5000


def _admit(session, actor, college, *, name, on: date, shares: int, paid_quarters: int = 4, now: datetime,
           user=None, **contact):
    member = registry.create_candidate(session, actor, registry.ContactDetails(name=name, **contact),
                                       college_id=college.id, applied_on=on, now=now)
    if user is not None:
        registry.link_user(session, actor, member, user, now=now)
    paid = shares * NOMINAL * paid_quarters // 4
    registry.admit(session, actor, member, on=on, body=DecidingBody.BOARD,
                   reference=f"Conseil coopératif du {on.strftime('%d/%m/%Y')}", shares=shares, paid_cents=paid,
                   now=now)
    return member


def seed(session, ctx, now: datetime) -> dict:
    """Create the demo's colleges, members and capital ledger; returns a summary (counts)."""
    from coopnum.core import settings

    settings.set_value(session, None, "members.share_nominal_cents", NOMINAL, now=now)
    today = paris_today(now)
    start = date(today.year - 4, 1, 1) + timedelta(days=14)
    actor = ctx.coordinator
    colleges = [registry.create_college(session, actor, name=name, weight_percent=weight, description=text, now=now)
                for name, weight, text in COLLEGES]
    created = _admit_members(session, ctx, colleges, start=start, today=today, now=now)
    _ledger_events(session, actor, created, colleges, today=today, now=now)
    # a candidate waiting for the next board (among the beneficiaries)
    registry.create_candidate(session, actor, registry.ContactDetails(
        name="Maison de quartier Saint-Éloi", kind=MemberKind.ORGANISATION, city="Poitiers"),
        college_id=colleges[2].id, applied_on=today - timedelta(days=10), now=now)
    session.flush()
    return {"colleges": 4, "members": len(created) + 1, "capital_cents": capital.total_capital(session)}


def _admit_members(session, ctx, colleges, *, start: date, today: date, now: datetime) -> list:
    """The founders (the coordinator and the first mediators), the other member accounts over the years, two
    associations and two local authorities."""
    employees, authorities, beneficiaries, supporters = colleges
    actor = ctx.coordinator
    rng = ctx.rng

    def day(offset: int) -> date:
        return min(start + timedelta(days=offset), today - timedelta(days=1))

    created = []
    # the founders: the coordinator and the first mediators, on the day of the constitution
    staff = [ctx.coordinator, *ctx.mediators]
    for i, user in enumerate(staff):
        on = day(0 if i < 6 else 90 * (i - 5))
        created.append(_admit(session, actor, employees, name=user.full_name, email=user.email, phone=user.phone,
                              on=on, shares=4, paid_quarters=1 if i % 3 else 4, now=now, user=user))
    # the other member accounts: beneficiaries and supporters, over the years
    others = [u for u in ctx.members if u not in staff]
    for i, user in enumerate(others):
        college = beneficiaries if i % 2 == 0 else supporters
        on = day(120 + 75 * i)
        created.append(_admit(session, actor, college, name=user.full_name, email=user.email, on=on,
                              shares=1 if college is beneficiaries else 2 + rng.randrange(5), now=now, user=user))
    # two associations among the supporters
    for i, (name, city, postal_code) in enumerate(ASSOCIATIONS):
        created.append(_admit(session, actor, supporters if i == 0 else beneficiaries, name=name,
                              kind=MemberKind.ORGANISATION, city=city, postal_code=postal_code, on=day(200 + 300 * i),
                              shares=10, now=now))
    # two local authorities of the demo (public bodies: together at most half of the capital)
    for i, org in enumerate(ctx.organisations[:2]):
        created.append(_admit(session, actor, authorities, name=org.name, kind=MemberKind.ORGANISATION,
                              public_body=True, organisation_id=org.id, email=org.email, city=org.city,
                              postal_code=org.postal_code, address=org.address, on=day(400 + 365 * i),
                              shares=20, now=now))
    return created


def _ledger_events(session, actor, created: list, colleges, *, today: date, now: datetime) -> None:
    """The later lines of the ledger: the rest of the subscriptions paid, a transfer, a resignation and its
    reimbursement."""
    employees, _authorities, beneficiaries, supporters = colleges
    # the rest of the subscriptions paid a year after (those still within their five years stay partly unpaid)
    for member in created:
        held = capital.balance(session, member.id)
        if held.unpaid_cents and member.admitted_on + timedelta(days=365) < today - timedelta(days=200):
            capital.pay(session, actor, member, held.unpaid_cents, on=member.admitted_on + timedelta(days=365),
                        reference="Virement", now=now)
    # a transfer: a supporter passes two paid-up shares to a beneficiary
    giver = next(m for m in created if m.college_id == supporters.id and capital.balance(session, m.id).shares >= 3
                 and capital.balance(session, m.id).unpaid_cents == 0)
    receiver = next(m for m in created if m.college_id == beneficiaries.id and m.kind == MemberKind.PERSON)
    capital.transfer(session, actor, giver, receiver, 2, on=today - timedelta(days=150), reference="Acte de cession",
                     now=now)
    # a mediator who left: resignation, then the reimbursement of its paid-up shares
    leaver = next(m for m in created[1:] if m.college_id == employees.id
                  and capital.balance(session, m.id).unpaid_cents == 0)
    registry.leave(session, actor, leaver, status=MemberStatus.RESIGNED, on=today - timedelta(days=120),
                   body=DecidingBody.MEMBER, reference="Lettre de démission", now=now)
    capital.reimburse(session, actor, leaver, capital.balance(session, leaver.id).shares,
                      on=today - timedelta(days=60), reference="Virement de remboursement", now=now)
