"""The benchmark (``make bench``, ``coopnum bench``): the application measured at real volume, served by gunicorn
under concurrent use, next to a bare Flask + SQLAlchemy + Jinja page over the same database.

    coopnum bench                                   # 1, 5 and 10 years, SQLite and PostgreSQL: everything
    coopnum bench --years 1 --backend sqlite        # a quick pass

Rooms: ``data`` (the databases, built once and cached), ``pages`` (what is requested, per role, and the API
lists), ``queries`` (SQL statements per page, counted in the process), ``served`` (gunicorn and the HTTP client:
p50/p95 with one client, requests per second with 16), ``bare`` (the baseline application), ``documents`` (invoice
issue, monthly run, report PDF, exports; ``export_probe`` runs one export in a process of its own), ``stats`` (the
arithmetic and the targets), ``report`` (results.md, results.json, the change since the last run), ``runner``.

Timings are wall-clock on whatever else the machine is doing: read a page's figure next to the bare page of the
same run, not across machines."""

from coopnum.bench.runner import Options, run

__all__ = ["Options", "run"]
