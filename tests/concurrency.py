"""Running requests at the same moment: threads released together by a barrier (each with its own test client,
hence its own request context, database session and connection)."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_together(work: Callable[[int], object], count: int, *, timeout: float = 120) -> list:
    """Run ``work(i)`` in ``count`` threads released together; the list of results (or of the exceptions raised,
    which are results the tests assert on)."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(i: int) -> None:
        try:
            barrier.wait(30)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads)
    return results


def flashes(client) -> list[tuple[str, str]]:
    """The flash messages waiting in a test client's session."""
    with client.session_transaction() as sess:
        return list(sess.get("_flashes", []))


def logged_in_clients(app, people) -> list:
    """One test client per person, each logged in (its own cookies, its own requests)."""
    from tests.conftest import login

    clients = []
    for person in people:
        client = app.test_client()
        login(client, person)
        clients.append(client)
    return clients
