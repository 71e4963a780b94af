"""The members' demo: seeded on the demo's users and organisations, it obeys every rule of the register and the
capital (the services refuse anything else) and gives the pages something to show."""

import random

from sqlalchemy import func, select

from coopnum.core import clock
from coopnum.members import demo as members_demo
from coopnum.members.models import CapitalOperation, Member
from coopnum.members.services import capital, registry
from tests import days


def test_the_demo_members_and_capital(app, session):
    from coopnum.demo import DemoContext, seed_core

    ctx = DemoContext(rng=random.Random(2026), now=clock.now())
    seed_core(ctx)
    session.flush()
    summary = members_demo.seed(session, ctx, clock.now())
    registry.check_colleges(session)  # the four colleges of the statutes are valid
    members = session.execute(select(func.count()).select_from(Member)).scalar_one()
    assert members == summary["members"] >= 30
    chloe = session.execute(select(Member).where(Member.email.like("chloe.fontaine@%"))).unique().scalar_one()
    assert chloe.user_id is not None and chloe.number is not None
    kinds = set(session.execute(select(CapitalOperation.kind)).scalars())
    assert kinds == {"subscription", "payment", "transfer", "reimbursement"}
    total = capital.total_capital(session)
    assert 0 < capital.public_bodies_capital(session) * 2 <= total
    assert len({p.on.year for p in capital.history(session)}) >= 4
    assert len(capital.voting_members(session, days.TODAY)) == members - 2  # one resigned, one candidate
    numbers = list(session.execute(select(CapitalOperation.number).order_by(CapitalOperation.number)).scalars())
    assert numbers == list(range(1, len(numbers) + 1))
