"""A bench run: for each backend and data size, the database (built or reused), the SQL queries per page (in the
process), the bare page then the application served by gunicorn and measured over HTTP, the documents; then the
targets, ``bench/results.json`` and ``bench/results.md``, and the change since the previous run."""

from __future__ import annotations

import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from coopnum import ROOT
from coopnum.bench import bare, data, documents, growth, pages, queries, report, served, stats
from coopnum.core import clock, formats


@dataclass
class Options:
    years: tuple[int, ...] = (1, 5, 10)
    backends: tuple[str, ...] = ("sqlite", "postgresql")
    mediators: int = 20
    runs: int = 20  # timed requests per page, one client, after the warm-up
    clients: int = 16  # concurrent clients of the throughput
    duration: float = 3.0  # seconds of throughput per page
    workers: int = 2
    worker_class: str = "sync"
    threads: int = 1
    pg_url: str = data.PG_URL
    pg_prefix: str = data.PG_PREFIX
    rebuild: bool = False
    api: bool = True
    documents: bool = True
    out: Path = field(default_factory=lambda: ROOT / "bench")
    cache: Path = field(default_factory=lambda: data.CACHE)

    def shown(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k not in ("out", "cache", "pg_url")}


def _server(options: Options, target: str, env: dict) -> served.Server:
    return served.Server(target, env, workers=options.workers, worker_class=options.worker_class,
                         threads=options.threads)


def measure_bare(url: str, options: Options) -> dict:
    with _server(options, "coopnum.bench.bare:create_app()", {"BENCH_DATABASE_URL": url}) as server:
        result = served.measure(served.Client(server.port), "/", runs=options.runs, clients=options.clients,
                                duration=options.duration)
    return result | {"rows": bare.ROWS, "queries": 1}


def both_bare(before: dict, after: dict) -> dict:
    """The bare page measured before and after the pages (the machine's load moves meanwhile): their mean."""
    mean = {k: round((before[k] + after[k]) / 2, 2) for k in ("p50", "p95", "rps")}
    return before | mean | {"status": max(before["status"], after["status"]), "before": before, "after": after}


def app_env(url: str, instance: str) -> dict:
    """The environment of the application served on ``url`` (its instance folder, no login rate limit)."""
    return {"DATABASE_URL": url, "SECRET_KEY": "bench", "COOPNUM_INSTANCE": instance,
            "COOPNUM_LOGIN_MAX_FAILURES": "1000000", "COOPNUM_LOGIN_SLOWDOWN_SECONDS": "0"}


def measure_pages(url: str, measured: list[pages.Page], token: str | None, options: Options, log) -> dict:
    """Every page over HTTP, each role logged in through the login form (CSRF token read from it)."""
    with tempfile.TemporaryDirectory(prefix="coopnum-bench-instance-") as instance:
        with _server(options, "coopnum:create_app()", app_env(url, instance)) as server:
            clients: dict[str, served.Client] = {}
            results = {}
            for page in measured:
                client = served.client_for(server, page, token, clients)
                results[page.key] = served.measure(client, page.path, runs=options.runs, clients=options.clients,
                                                   duration=options.duration)
                r = results[page.key]
                log(f"    {page.label:<42} {r['status']:>4} p95 {r['p95']:7.1f} ms  {r['rps']:7.1f} req/s")
    return results


def measure_documents(app, url: str, ids: pages.Ids, options: Options, log) -> dict:
    start, end = pages.year_span(ids.today)
    log("    documents : facture, facturation du mois, rapport PDF, exports…")
    figures = documents.billing_figures(app, runs=min(options.runs, 5))
    figures["report_pdf"] = documents.report_pdf(app, ids.convention, start, end)
    for fmt in ("csv", "xlsx"):
        figures[f"export_{fmt}"] = documents.export(url, fmt, start, end)
    return figures


def measure_dataset(url: str, backend: str, years: int, build: dict, options: Options, log) -> dict:
    app = queries.bench_app(url)
    try:
        ids, measured = pages.resolve(app, api=options.api)
        token = pages.create_token(app) if options.api else None
        counted = {c.key: c for c in queries.count_queries(app, measured, token)}
        log(f"    page nue (gunicorn {options.workers} × {options.worker_class})…")
        first = measure_bare(url, options)
        _log_bare(log, first)
        timed = measure_pages(url, measured, token, options, log)
        bare_page = both_bare(first, _log_bare(log, measure_bare(url, options)))
        docs = measure_documents(app, url, ids, options, log) if options.documents else {}
    finally:
        app.extensions["coopnum_db"].dispose()
    rows = [asdict(p) | timed[p.key] | {"queries": counted[p.key].queries,
                                        "status_in_process": counted[p.key].status} for p in measured]
    return {"backend": backend, "years": years, "url": _without_password(url), "build": build, "bare": bare_page,
            "pages": rows, "documents": docs, "load_after": [round(x, 2) for x in os.getloadavg()]}


def _log_bare(log, result: dict) -> dict:
    log(f"    {'page nue':<42} {result['status']:>4} p95 {result['p95']:7.1f} ms  {result['rps']:7.1f} req/s")
    return result


def _without_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _postgresql_version(options: Options) -> str:
    engine = create_engine(options.pg_url.rstrip("/") + "/postgres")
    try:
        with engine.connect() as conn:
            return "PostgreSQL " + conn.execute(text("SHOW server_version")).scalar()
    except OperationalError as exc:
        raise RuntimeError(f"PostgreSQL injoignable ({_without_password(options.pg_url)}) : donnez --pg-url, ou "
                           f"--backend sqlite pour mesurer sans lui.\n{exc.orig}") from None
    finally:
        engine.dispose()


def measure_growth(options: Options, log) -> dict:
    """Per backend measured on 1 and 10 years: every page on both, in pairs (``growth``)."""
    found = {}
    if not {1, 10} <= set(options.years):
        return found
    for backend in options.backends:
        log(f"{report.BACKENDS.get(backend, backend)}, croissance de 1 à 10 ans (mesure appariée) :")
        small, large = (data.database_url(backend, y, pg_url=options.pg_url, pg_prefix=options.pg_prefix,
                                          cache=options.cache) for y in (1, 10))
        found[backend] = growth.measure(
            small, large, runs=options.runs * 2, api=options.api, env_for=app_env,
            server_for=lambda env: _server(options, "coopnum:create_app()", env), log=log)
    return found


def run(options: Options, log=print) -> dict:
    """The whole run; writes ``results.json`` and ``results.md`` in ``options.out`` and returns the results."""
    now = clock.now()
    results = {"date": now.isoformat(), "machine": report.machine(), "options": options.shown(), "datasets": []}
    if "postgresql" in options.backends:
        results["machine"]["postgresql"] = _postgresql_version(options)
    for backend in options.backends:
        for years in sorted(options.years):
            log(f"{report.BACKENDS.get(backend, backend)}, {formats.count(years, 'an', 'ans')} :")
            url = data.database_url(backend, years, pg_url=options.pg_url, pg_prefix=options.pg_prefix,
                                    cache=options.cache)
            build = data.build_database(url, years, options.mediators, now, rebuild=options.rebuild, log=log)
            results["datasets"].append(measure_dataset(url, backend, years, build, options, log))
    results["growth"] = measure_growth(options, log)
    targets = stats.check_targets(results["datasets"], results["growth"])
    results["targets"] = stats.targets_as_dicts(targets)
    change = report.write(results, Path(options.out))
    log("")
    for t in targets:
        log(f"{t.mark()} {report.BACKENDS.get(t.backend, t.backend):<10} {t.name} — {t.detail}")
    log(f"\nRésultats : {Path(options.out) / 'results.md'} et results.json\n\nÉvolution depuis la mesure "
        f"précédente :\n{change}")
    return results
