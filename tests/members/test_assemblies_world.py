"""Data for the assemblies' tests (no test here): colleges, members with voting rights (admitted, one share),
assemblies, API tokens. Built directly with the models, not through the register's services."""

import itertools
from datetime import timedelta
from decimal import Decimal

from coopnum.core import clock, services
from coopnum.members.models import (
    Assembly,
    AssemblyStatus,
    CapitalOperation,
    CapitalOperationKind,
    College,
    Member,
    MemberStatus,
)
from tests import days, factories

_seq = itertools.count(1)
WORKED_WEIGHTS = (("Salariés", 40), ("Collectivités", 20), ("Bénéficiaires", 20), ("Soutiens", 20))
# for, against, abstain per college (the worked example of governance.md)
WORKED_VOTES = ((10, 2, 1), (1, 4, 0), (8, 12, 3), (5, 8, 0))


def colleges(session, weights=WORKED_WEIGHTS) -> list[College]:
    rows = []
    for position, (name, weight) in enumerate(weights):
        college = College(name=f"{name} {next(_seq)}", weight_percent=Decimal(weight), position=position)
        session.add(college)
        rows.append(college)
    session.flush()
    return rows


def member(session, college: College | None, *, name: str | None = None, email: str | None = "auto", user=None,
           shares: int = 1, admitted_on=None, status: str = MemberStatus.ADMITTED) -> Member:
    n = next(_seq)
    row = Member(number=n, name=name or f"Sociétaire {n}", email=f"societaire{n}@example.org" if email == "auto"
                 else email, college_id=college.id if college else None, status=status,
                 admitted_on=admitted_on or days.days(-100) if status == MemberStatus.ADMITTED else None,
                 user_id=user.id if user else None, address="1 rue de la Paix", postal_code="86200", city="Loudun")
    session.add(row)
    session.flush()
    if shares:
        session.add(CapitalOperation(number=n, member_id=row.id, kind=CapitalOperationKind.SUBSCRIPTION,
                                     on=days.days(-100), shares=shares, amount_cents=shares * 5000,
                                     nominal_cents=5000))
        session.flush()
    return row


def members(session, college: College, count: int) -> list[Member]:
    return [member(session, college) for _ in range(count)]


def assembly(session, *, kind="AGO", convocation=1, starts_at=None, status=AssemblyStatus.CONVENED,
             convened_on=None, place="Salle des fêtes, Loudun") -> Assembly:
    starts_at = starts_at or days.at(days.TODAY, 18)
    row = Assembly(kind=kind, convocation=convocation, starts_at=starts_at, place=place, status=status,
                   agenda="1. Approbation des comptes\n2. Affectation du résultat",
                   convened_on=convened_on or (clock.paris_today(starts_at) - timedelta(days=20)
                                               if status != AssemblyStatus.DRAFT else None))
    session.add(row)
    session.flush()
    return row


def token(session, user) -> str:
    return services.create_token(session, user, user, "test", now=clock.now())[1]


def member_user(session, college, **kw):
    """A member with a user account (role member) and that account."""
    account = factories.user(session, roles=["member"])
    return member(session, college, user=account, **kw), account


class Api:
    """A bearer-authenticated JSON client."""

    def __init__(self, client, clear_token: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {clear_token}"}

    def get(self, url):
        return self.client.get(url, headers=self.headers)

    def post(self, url, json=None):
        return self.client.post(url, json=json if json is not None else {}, headers=self.headers)

    def patch(self, url, json):
        return self.client.patch(url, json=json, headers=self.headers)
