"""A cooperative at real volume, for the benchmark and for trying the pages on years of data:
``coopnum seed-demo --years N --mediators M [--seed S]``, or from Python::

    from coopnum.volume import generate
    with app.app_context():
        counts = generate(db.session, years=10, mediators=20, now=clock.now())  # commits

What it makes, deterministic from ``seed`` (same seed, same ``now``: same rows):

- the demo's people and settings, through the demo's own parts (``coopnum.demo``): its logins (admin@,
  coordination@, camille.martin@, chloe.fontaine@, numerique@ville-poitiers… with ``DEMO_PASSWORD``), its 12
  authorities, the catalogue, the requests, the quotes, members and assemblies, equipment and trainings around
  today;
- ``M`` working mediators (the demo's first ``M``, the others without sessions; new ones past its fifteen), 40
  authorities with one signed convention per calendar year (the demo's terms), 80 places;
- ``N`` years of work ending with the last full month, then the current month and eight weeks of planned sessions
  (``planning``): about 500 sessions and 1,200 activity reports per mediator and year, the hours of every session
  and the month timesheets (``work``); the monthly invoices of the validated months and their payments
  (``billing``); 100 members with their capital and a general assembly per year (``members``); 300 assets with
  years of loans and reservations (``inventory``); a year of peer trainings per year (``training``).

The bulk of it is written as rows (``bulk.Bulk``), not through the services one object at a time: the rows are
those the services would make (the invoices' lines and totals by the billing's own functions, the assemblies'
results by the members' tally), and the few things whose result must be exactly the app's and whose count is
small (the catalogue, the credit note, the reminders, the quotes, the demo's parts around today) go through the
services. Invoices' documents are placeholders. 10 years × 20 mediators: about 80 s of CPU on SQLite."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select

from coopnum.volume.bulk import Bulk, Period

DEFAULT_SEED = 2026


def generate(session, *, years: int, mediators: int, seed: int = DEFAULT_SEED, now: datetime,
             demo_parts: bool = True) -> dict[str, int]:
    """Fill an empty database (``session``: the app's ``db.session``) with ``years`` years of a cooperative of
    ``mediators`` mediators, commit, and return the row counts of the main tables.

    ``demo_parts=False`` leaves out the demo's parts that go through the services around today (``_around_today``:
    some twenty seconds, mostly PDF and PNG rendering), for the volume's own tests."""
    from coopnum.core.db import writing
    from coopnum.demo import DemoContext

    if years < 1 or mediators < 1:
        raise ValueError("years and mediators must be at least 1")
    period = Period(now, years)
    ctx = DemoContext(rng=random.Random(seed), now=now, years=list(period.calendar_years))
    bulk = Bulk(session)
    with writing():
        working = _people(ctx, bulk, mediators)
        planner = _work(ctx, bulk, period, working)
        session.flush()
        bulk.forget_ids()
        if demo_parts:
            _around_today(ctx, session, period)
        _more(ctx, bulk, period, working, planner)
        session.commit()
    return counts(session)


def _people(ctx, bulk: Bulk, mediators: int) -> list:
    """The demo's accounts and organisations, the volume's mediators, authorities, places and conventions."""
    from coopnum.demo import seed_core
    from coopnum.organisations.demo import seed_catalogue
    from coopnum.organisations.demo_places import enrich_demo_places
    from coopnum.volume import people

    seed_core(ctx)
    working = people.add_mediators(ctx, mediators)
    people.add_authorities(ctx)
    seed_catalogue(ctx)
    enrich_demo_places(ctx)
    people.add_conventions(bulk, ctx)
    return working


def _work(ctx, bulk: Bulk, period: Period, working: list):
    """Year by year: the planning, its logged work and the sessions to bill; then the bills."""
    from coopnum.billing.demo import identity
    from coopnum.core import settings
    from coopnum.volume import work
    from coopnum.volume.billing import Biller
    from coopnum.volume.planning import Planner

    session = bulk.session
    for key, value in identity().items():
        settings.set_value(session, ctx.coordinator, key, value, now=ctx.now)
    session.flush()
    places_by_org = defaultdict(list)
    for place in ctx.places:
        places_by_org[place.organisation_id].append(place)
    by_year = defaultdict(list)
    for convention in ctx.conventions:
        by_year[convention.start_date.year].append(convention)
    planner = Planner(bulk, period, ctx.rng, working, ctx.coordinator, {s.code: s for s in ctx.services})
    logbook = work.Logbook(bulk, period, ctx.rng, ctx.coordinator)
    biller = Biller(bulk, period, ctx.rng, ctx.coordinator, ctx.conventions)
    for year in period.calendar_years:
        sessions = planner.year(year, by_year[year], places_by_org)
        logbook.log(sessions)
        biller.collect(sessions)
    logbook.finish()
    planner.contract_volumes(ctx.conventions)
    ids = [m.id for m in working]
    work.extra_hours(bulk, period, ctx.rng, ids, planner.on_leave)
    work.timesheets(bulk, period, ids, ctx.coordinator.id)
    biller.run()
    return planner


def _around_today(ctx, session, period: Period) -> None:
    """The demo's parts that go through the services: requests, a credit note, ECB rates and reminders, quotes,
    a cancelled session and an absence next week, members and assemblies, equipment, trainings."""
    from coopnum.billing.demo import seed_quotes, seed_rates
    from coopnum.billing.services import dunning
    from coopnum.inventory.demo import seed as seed_inventory
    from coopnum.members.demo import seed as seed_members
    from coopnum.members.demo_assemblies import seed as seed_assemblies
    from coopnum.missions.demo import seed_exceptions
    from coopnum.missions.demo_requests import seed_requests
    from coopnum.timesheets.demo import add_followed_beneficiaries
    from coopnum.training.demo import seed as seed_training
    from coopnum.volume.billing import credit_note

    ctx.missions = []
    seed_exceptions(ctx, session)
    seed_requests(ctx)
    add_followed_beneficiaries(session, ctx.rng, ctx.mediators[0].id, period.today)
    credit_note(session, ctx.coordinator, period)
    seed_rates(session, ctx)
    dunning.run(session, now=ctx.now)
    seed_quotes(session, ctx)
    seed_members(session, ctx, ctx.now)
    seed_assemblies(session, ctx, ctx.now)
    seed_inventory(session, ctx, ctx.now)
    seed_training(session, ctx, ctx.now)
    session.flush()


def _more(ctx, bulk: Bulk, period: Period, working: list, planner) -> None:
    """Members, equipment and trainings past the demo's: up to the volume's counts, over the years."""
    from coopnum.volume import inventory, members, training

    bulk.forget_ids()  # the services wrote rows since
    members.generate(bulk, period, ctx)
    inventory.generate(bulk, period, ctx, working)
    training.generate(bulk, period, ctx, working, planner.free)


def counts(session) -> dict[str, int]:
    """Row counts of the main tables (what ``coopnum seed-demo --years`` prints)."""
    from coopnum import import_models
    from coopnum.core.db import metadata

    import_models()
    names = ["users", "organisations", "places", "conventions", "missions", "sessions", "assignments",
             "time_entries", "timesheets", "activities", "beneficiaries", "activity_beneficiaries", "invoices",
             "invoice_lines", "payments", "members", "capital_operations", "assemblies", "assets", "loans",
             "reservations", "training_sessions", "attendance_signatures"]
    return {name: session.execute(select(func.count()).select_from(metadata.tables[name])).scalar_one()
            for name in names}
