"""100 invoices issued from 4 concurrent processes (each with its own engine, as gunicorn workers): the numbers are
exactly 1..100, without gap or duplicate, although some issues fail and roll back on the way (a failed issue gives
its number back). Runs on SQLite (BEGIN IMMEDIATE) and on PostgreSQL (SELECT … FOR UPDATE on the counter row)."""

import multiprocessing

import pytest
from sqlalchemy import select

from coopnum.billing.models import Invoice, InvoiceStatus
from tests.billing import factories as bf

PROCESSES = 4
PER_PROCESS = 25


def _issue_all(database_url: str, invoice_ids: list[int], actor_id: int, queue) -> None:
    """In a fresh process: issue each draft; every 7th attempt fails after taking its number and rolls back."""
    from coopnum import create_app
    from coopnum.billing.models import Invoice
    from coopnum.billing.services import issuing
    from coopnum.core.db import db
    from coopnum.core.models import User
    from tests.billing.factories import NOW, fake_render

    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "x"})
    failures = 0
    with app.app_context():
        for n, invoice_id in enumerate(invoice_ids):
            if n % 7 == 3:
                def broken(_invoice):
                    raise RuntimeError("the renderer crashed")

                try:
                    issuing.issue(db.session, db.session.get(User, actor_id), db.session.get(Invoice, invoice_id),
                                   now=NOW, render=broken)
                except RuntimeError:
                    db.session.rollback()
                    failures += 1
            issuing.issue(db.session, db.session.get(User, actor_id), db.session.get(Invoice, invoice_id),
                           now=NOW, render=fake_render)
            db.session.commit()
    app.extensions["coopnum_db"].dispose()
    queue.put(failures)


@pytest.mark.real_commits  # the processes read the drafts the test commits
def test_concurrent_processes_get_gapless_numbers(app, session, users, database_url):
    coordinator = users["coordinator"]
    bf.company(session)
    org = bf.factories.organisation(session)
    ids = [bf.draft_invoice(session, coordinator, organisation=org).id for _ in range(PROCESSES * PER_PROCESS)]
    actor_id = coordinator.id
    session.commit()
    session.close()

    ctx = multiprocessing.get_context("spawn")  # never fork a process holding a connection pool
    queue = ctx.Queue()
    workers = [ctx.Process(target=_issue_all, args=(database_url, ids[i::PROCESSES], actor_id, queue))
               for i in range(PROCESSES)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0] * PROCESSES
    failures = sum(queue.get(timeout=5) for _ in workers)
    assert failures >= PROCESSES  # every process rolled back at least one issue

    rows = session.execute(select(Invoice.sequence, Invoice.number, Invoice.status)).all()
    assert all(status == InvoiceStatus.ISSUED for _seq, _num, status in rows)
    assert sorted(seq for seq, _num, _status in rows) == list(range(1, PROCESSES * PER_PROCESS + 1))
    assert len({num for _seq, num, _status in rows}) == PROCESSES * PER_PROCESS
