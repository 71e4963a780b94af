"""The assets' demo: ~80 assets in the 6 categories, 5 kits (« Kit atelier tablettes 1 »: 8 tablets and a hotspot),
funding and purchases over four years, homes among the demo's places; deterministic; ``ctx.assets`` and
``ctx.kits`` for the demos that follow."""

import random
from collections import Counter

from sqlalchemy import func, select

from coopnum.demo import DemoContext
from coopnum.inventory import demo_assets
from coopnum.inventory.models import Asset, AssetCategory, AssetStatus
from tests import days, factories


def _seed(session, users, seed=7):
    ctx = DemoContext(rng=random.Random(seed), now=days.NOW, coordinator=users["coordinator"],
                      places=[factories.place(session, name=f"Lieu {i}") for i in range(4)])
    demo_assets.seed(session, ctx, days.NOW)
    return ctx


def test_the_demo_assets_and_kits(session, users):
    ctx = _seed(session, users)
    assert 75 <= len(ctx.assets) <= 90
    assert set(Counter(a.category for a in ctx.assets)) == set(AssetCategory)
    assert all(a.status == AssetStatus.AVAILABLE for a in ctx.assets)
    assert {a.place_id for a in ctx.assets} <= {p.id for p in ctx.places}
    assert len(ctx.kits) == 5
    first = next(k for k in ctx.kits if k.name == "Kit atelier tablettes 1")
    assert Counter(a.category for a in first.assets) == {AssetCategory.TABLET: 8, AssetCategory.HOTSPOT: 1}
    years = {a.purchase_date.year for a in ctx.assets}
    assert len(years) >= 4 and all(a.purchase_date <= days.TODAY for a in ctx.assets)
    assert "Plan France Relance 2021" in {a.funding for a in ctx.assets}
    assert len({a.tag for a in ctx.assets}) == len(ctx.assets)
    retired = session.execute(select(Asset).where(Asset.status == AssetStatus.RETIRED)).scalars().all()
    assert len(retired) == 1 and retired[0] not in ctx.assets


def test_the_demo_is_deterministic(session, users):
    first = [(a.tag, a.serial, a.purchase_date, a.place_id) for a in _seed(session, users).assets]
    session.rollback()
    assert session.execute(select(func.count()).select_from(Asset)).scalar_one() == 0
    again = [(a.tag, a.serial, a.purchase_date, a.place_id) for a in _seed(session, users).assets]
    places = sorted({p for *_x, p in again})
    offset = places[0] - sorted({p for *_x, p in first})[0]  # new places, new ids
    assert [(t, s, d, p + offset) for t, s, d, p in first] == again
