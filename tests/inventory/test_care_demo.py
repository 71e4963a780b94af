"""The care demo, on a park of assets built here (the assets demo fills ``ctx.assets``): an open "écran fissuré"
case, a closed one with its cost and supplier, a closed audit with one missing asset, a convention whose report
lists the equipment."""

from types import SimpleNamespace

from sqlalchemy import select

from coopnum.inventory import demo_care
from coopnum.inventory.models import AssetCategory, AssetStatus, Audit, MaintenanceCase
from tests import days, factories
from tests.inventory import factories_inventory as inv


def test_the_care_demo(session, users):
    org = factories.organisation(session)
    place = factories.place(session, organisation=org)
    convention = factories.convention(session, organisation=org)
    assets = [inv.asset(session, place_id=place.id) for _ in range(5)]
    assets += [inv.asset(session, category=AssetCategory.LAPTOP, place_id=place.id) for _ in range(2)]
    assets.append(inv.asset(session, category=AssetCategory.PROJECTOR))
    ctx = SimpleNamespace(assets=assets, coordinator=users["coordinator"], mediators=[users["mediator"]],
                          conventions=[convention])
    demo_care.seed(session, ctx, days.NOW)
    cases = session.execute(select(MaintenanceCase).order_by(MaintenanceCase.id)).scalars().all()
    assert len(cases) == 3
    assert "Écran fissuré" in cases[0].issue and cases[0].closed_on is None
    assert cases[1].closed_on is not None and cases[1].cost_cents == 8900 and cases[1].supplier
    assert sum(a.status == AssetStatus.MAINTENANCE for a in assets) == 2
    audit = session.execute(select(Audit)).scalar_one()
    assert audit.place_id == place.id and audit.closed_at is not None and audit.missing_count == 1
    assert convention.report_equipment is True
    # without assets (the assets demo not merged yet): only the convention
    demo_care.seed(session, SimpleNamespace(conventions=[convention]), days.NOW)
