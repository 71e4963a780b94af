"""The growth from 1 to 10 years, measured in pairs.

Each dataset is measured in its own pass, minutes apart, and the machine's load moves meanwhile: between two passes
the bare page itself went from 2.8 to 4.8 ms (×1.7), so comparing the p95 of two passes measured the machine more
than the data. Here both databases are served at once (one gunicorn each) and every page is requested on one then
the other, alternately (ABBA: neither always goes first), so that both p95 see the same moments of the machine."""

from __future__ import annotations

import tempfile
import time

from coopnum.bench import pages, queries, served
from coopnum.bench.stats import summary


def _resolved(url: str, api: bool) -> tuple[list[pages.Page], str | None]:
    app = queries.bench_app(url)
    try:
        _ids, measured = pages.resolve(app, api=api)
        return measured, pages.create_token(app) if api else None
    finally:
        app.extensions["coopnum_db"].dispose()


def _timed(client: served.Client, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    status, _data = client.get(path)
    return (time.perf_counter() - started) * 1000, status


def paired(client_a: served.Client, path_a: str, client_b: served.Client, path_b: str, *, runs: int,
           warmup: int = 2) -> tuple[dict, dict]:
    """For one page: ``runs`` requests on each side, alternating A B B A…, after ``warmup`` on each; p50/p95 and
    the last status of each side."""
    for _ in range(warmup):
        client_a.get(path_a)
        client_b.get(path_b)
    sides = [(client_a, path_a, []), (client_b, path_b, [])]
    statuses = [0, 0]
    for i in range(runs):
        for side in ((0, 1) if i % 2 == 0 else (1, 0)):
            client, path, times = sides[side]
            ms, statuses[side] = _timed(client, path)
            times.append(ms)
    return (summary(sides[0][2]) | {"status": statuses[0]}, summary(sides[1][2]) | {"status": statuses[1]})


def measure(small_url: str, large_url: str, *, runs: int, api: bool, env_for, server_for, log) -> dict:
    """Every page measured in pairs on the two databases; ``{key: {"small": {p50, p95, status}, "large": …}}``.
    ``env_for(url, instance)`` gives the server's environment, ``server_for(env)`` the gunicorn server."""
    small_pages, small_token = _resolved(small_url, api)
    large_pages, large_token = _resolved(large_url, api)
    by_key = {p.key: p for p in large_pages}
    results = {}
    with tempfile.TemporaryDirectory(prefix="coopnum-bench-a-") as one, \
            tempfile.TemporaryDirectory(prefix="coopnum-bench-b-") as two, \
            server_for(env_for(small_url, one)) as server_a, server_for(env_for(large_url, two)) as server_b:
        clients_a: dict = {}
        clients_b: dict = {}
        for page in small_pages:
            other = by_key.get(page.key)
            if other is None:
                continue
            a = served.client_for(server_a, page, small_token, clients_a)
            b = served.client_for(server_b, other, large_token, clients_b)
            served.warm(a, page.path)
            served.warm(b, other.path)
            first, second = paired(a, page.path, b, other.path, runs=runs)
            results[page.key] = {"small": first, "large": second}
            ratio = second["p95"] / first["p95"] if first["p95"] else 0
            log(f"    {page.label:<42} p95 {first['p95']:7.1f} → {second['p95']:7.1f} ms  ×{ratio:.2f}")
    return results
