"""The bench's databases: N years of a cooperative with its mediators, built once and kept.

A database is built by ``coopnum.volume.generate`` (the demo plus the bulk volume) when that module exists, else by
the demo's ``seed(years=…)``, on a schema made by ``metadata.create_all``. It then carries a ``bench_meta`` table
saying which generator built it, with which parameters and which *version* — a hash of the generator's sources and
of the schema. A later run reuses it when all of these match, and rebuilds it otherwise (or with ``--rebuild``).

SQLite files live in ``bench/.cache/`` (git-ignored); PostgreSQL databases are ``coopnum_bench_1y``, ``_5y``…
on the server of ``--pg-url``, created (or dropped and created again) here."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

import coopnum
from coopnum import ROOT
from coopnum.core import clock, formats

CACHE = ROOT / "bench" / ".cache"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/"
PG_PREFIX = "coopnum_bench"
SEED = 2026
MARKER = "bench_meta"
COUNTED = ("users", "organisations", "conventions", "sessions", "activities", "beneficiaries", "time_entries",
           "invoices", "payments", "members", "assets", "loans")


def database_url(backend: str, years: int, *, pg_url: str = PG_URL, pg_prefix: str = PG_PREFIX,
                 cache: Path = CACHE) -> str:
    if backend == "sqlite":
        return f"sqlite:///{Path(cache) / f'coopnum_bench_{years}y.db'}"
    return pg_url.rstrip("/") + f"/{pg_prefix}_{years}y"


def generator():
    """(name, build function) of the data generator: ``coopnum.volume.generate`` if present, else the demo."""
    try:
        from coopnum.volume import generate
    except ImportError:
        return "coopnum.demo.seed", _demo_generate
    return "coopnum.volume.generate", generate


def _demo_generate(session, *, years: int, mediators: int, seed: int = SEED, now: datetime) -> dict[str, int]:
    """Today's path: the demo cooperative with ``years`` years of conventions (its own 15 mediators: the demo
    does not take a number)."""
    from coopnum.demo import seed as seed_demo

    year = clock.paris_today(now).year
    seed_demo(now=now, rng_seed=seed, years=list(range(year - years + 1, year + 1)), render=placeholder_documents)
    return {}


def placeholder_documents(invoice):
    """The bench's years of invoices get placeholder documents (pages are measured, not the PDFs); the real
    rendering is measured by ``documents.billing_figures``."""
    from coopnum.billing.documents import Rendered

    body = f"%PDF-1.7 placeholder {invoice.number}".encode()
    return [Rendered("pdf", f"{invoice.number}.pdf", body), Rendered("facturx", f"{invoice.number}-facturx.pdf", body)]


def version() -> str:
    """A hash of what makes the data: the generator's sources (the volume module, the demo of every domain) and
    the schema (tables, columns, types, indexes)."""
    from coopnum import import_models
    from coopnum.core.db import metadata

    package = Path(coopnum.__file__).parent
    sources = [package / "demo.py", *sorted(package.glob("*/demo*.py")), *sorted(package.glob("volume*.py")),
               *sorted(package.glob("volume/**/*.py"))]
    digest = hashlib.sha256()
    digest.update(b"ANALYZE after the build; VACUUM too on PostgreSQL")  # as a real database has them
    for path in sources:
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    import_models()
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        digest.update(f"{table.name}:".encode() + ",".join(f"{c.name} {c.type!r}" for c in table.columns).encode())
        digest.update(",".join(sorted(f"{i.name} {[str(e) for e in i.expressions]}" for i in table.indexes)).encode())
    return digest.hexdigest()[:12]


def _exists(url: str) -> bool:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return bool(parsed.database) and Path(parsed.database).is_file()
    with _server(url).connect() as conn:
        return conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                            {"n": parsed.database}).first() is not None


def _server(url: str):
    """An autocommit engine on the server's maintenance database (to create and drop databases)."""
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def read_marker(url: str) -> dict | None:
    """What built this database (``bench_meta``), or None (no database, or not built to the end)."""
    if not _exists(url):
        return None
    engine = create_engine(url)
    try:
        if not inspect(engine).has_table(MARKER):
            return None
        with engine.connect() as conn:
            raw = conn.execute(text(f"SELECT value FROM {MARKER} WHERE name = 'build'")).scalar()
        return json.loads(raw) if raw else None
    finally:
        engine.dispose()


def _write_marker(engine, info: dict) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE IF NOT EXISTS {MARKER} (name VARCHAR(40) PRIMARY KEY, value TEXT)"))
        conn.execute(text(f"DELETE FROM {MARKER}"))
        conn.execute(text(f"INSERT INTO {MARKER} (name, value) VALUES ('build', :v)"), {"v": json.dumps(info)})


def reset(url: str) -> None:
    """An empty database at ``url``: the SQLite file (and its WAL) removed, the PostgreSQL database dropped and
    created again."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    engine = _server(url)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    engine.dispose()


def table_counts(session) -> dict[str, int]:
    return {name: session.execute(text(f"SELECT count(*) FROM {name}")).scalar_one() for name in COUNTED}


def build_database(url: str, years: int, mediators: int, now: datetime, *, rebuild: bool = False,
                   log=print) -> dict:
    """The database at ``url`` with ``years`` years of data and ``mediators`` mediators: reused when built by the
    same generator version with the same parameters, else built (schema by ``create_all``, then the generator).
    Returns what built it: generator, version, parameters, ``built_at``, ``build_seconds``, ``counts``,
    ``reused``."""
    name, generate = generator()
    wanted = {"generator": name, "version": version(), "years": years, "mediators": mediators, "seed": SEED}
    found = None if rebuild else read_marker(url)
    if found and all(found.get(k) == v for k, v in wanted.items()):
        log(f"  base {_shown(url)} : reprise (construite le {found['built_at'][:10]})")
        return found | {"reused": True}
    log(f"  base {_shown(url)} : construction de {formats.count(years, 'an', 'ans')} par {name}…")
    reset(url)
    info = _build(url, wanted, generate, now)
    log(f"  construite en {info['build_seconds']:.0f} s : "
        + ", ".join(f"{k} {v}" for k, v in info["counts"].items()))
    return info | {"reused": False}


def _build(url: str, wanted: dict, generate, now: datetime) -> dict:
    from coopnum import create_app
    from coopnum.core.db import db, metadata, writing
    from coopnum.core.maintenance import analyze

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": False})
    try:
        with app.app_context():
            metadata.create_all(db.engine)
            started = time.perf_counter()
            with writing():
                generated = generate(db.session, years=wanted["years"], mediators=wanted["mediators"],
                                     seed=wanted["seed"], now=now) or {}
                db.session.commit()
            elapsed = time.perf_counter() - started
            info = wanted | {"built_at": now.isoformat(), "build_seconds": round(elapsed, 1),
                             "counts": table_counts(db.session), "generated": generated}
            db.session.rollback()
            _write_marker(db.engine, info)
            analyze(db.engine)  # the statistics a real database has (job core.analyze)
    finally:
        app.extensions["coopnum_db"].dispose()
    return info


def _shown(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database)
        return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
    return f"{parsed.get_backend_name()}/{parsed.database}"
