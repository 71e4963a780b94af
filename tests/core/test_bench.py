"""The bench's pure parts: percentiles, the targets, the comparison with the previous run, the results page.
Nothing here is timed and nothing runs the bench itself."""

import json
import sys
import types

import pytest

from coopnum.bench import data, report, stats
from coopnum.bench.served import Client


def page(key, p95=20.0, rps=80.0, queries=8, status=200, kind="page"):
    return {"key": key, "label": key.title(), "role": "coordination", "kind": kind, "status": status,
            "p50": p95 / 2, "p95": p95, "rps": rps, "queries": queries, "kb": 12.5, "errors": 0}


def dataset(years, pages, backend="sqlite", bare_rps=100.0, documents=None):
    return {"backend": backend, "years": years, "bare": {"p50": 4.0, "p95": 5.0, "rps": bare_rps, "status": 200},
            "pages": pages, "documents": documents or {},
            "build": {"counts": {"activities": 1000 * years}, "generator": "coopnum.demo.seed", "version": "abc",
                      "built_at": "2026-12-01T10:00:00+00:00", "mediators": 20, "build_seconds": 30.0}}


GOOD_DOCUMENTS = {"issue_ms": 600.0, "bare_render_ms": 500.0, "monthly_drafts": 40, "monthly_run_s": 3.0,
                  "monthly_issue_s": 20.0, "monthly_total_s": 23.0,
                  "export_csv": {"seconds": 2.0, "rows": 3600, "peak_mb": 140.0, "added_mb": 10.0, "file_mb": 1.2},
                  "export_xlsx": {"seconds": 4.0, "rows": 3600, "peak_mb": 150.0, "added_mb": 20.0, "file_mb": 0.4},
                  "report_pdf": {"ms": 900.0, "status": 200, "kb": 60.0}}


def by_name(targets, backend="sqlite"):
    return {t.name.split(" (")[0]: t for t in targets if t.backend == backend}


def test_percentiles_interpolate_between_ranks():
    values = [float(v) for v in range(1, 21)]  # 1..20, shuffled order does not matter
    assert stats.percentile(list(reversed(values)), 0.5) == 10.5
    assert stats.percentile(values, 0.95) == pytest.approx(19.05)
    assert stats.percentile([7.0], 0.95) == 7.0
    assert stats.summary([10.0, 30.0, 20.0]) == {"p50": 20.0, "p95": 29.0}
    with pytest.raises(ValueError):
        stats.percentile([], 0.5)


def test_a_page_is_checked_against_the_targets_and_the_bare_page():
    bare = {"rps": 100.0}
    assert stats.page_marks(page("a"), bare) == {"p95": True, "rps": True, "queries": True}
    assert stats.page_marks(page("a", p95=50.1, rps=49.9, queries=21), bare) == {"p95": False, "rps": False,
                                                                                  "queries": False}
    assert stats.page_marks(page("a", p95=50.0, rps=50.0, queries=20), bare) == {"p95": True, "rps": True,
                                                                                  "queries": True}
    # a page that does not answer 200 fails, however fast its error page is
    assert stats.page_marks(page("a", status=302), bare)["p95"] is False
    assert stats.page_marks(page("a", rps=None, queries=None), bare) == {"p95": True, "rps": None, "queries": None}


def test_targets_are_checked_on_five_years_and_growth_on_one_against_ten():
    one = dataset(1, [page("dashboard", p95=10), page("activities", p95=10, queries=8)])
    five = dataset(5, [page("dashboard", p95=60), page("activities", rps=40, queries=25)],
                   documents=GOOD_DOCUMENTS)
    ten = dataset(10, [page("dashboard", p95=14), page("activities", p95=16, queries=9)])
    targets = by_name(stats.check_targets([ten, one, five]))
    assert not targets["p95 ≤ 50 ms par page, un client"].ok
    assert targets["p95 ≤ 50 ms par page, un client"].detail == "dashboard (60 ms)"
    assert "(5 ans)" in next(t.name for t in stats.check_targets([one, five]) if t.name.startswith("p95 ≤"))
    assert targets["débit ≥ 50% de la page nue, 16 clients"].detail == "activities (×0.40)"
    assert targets["≤ 20 requêtes SQL par page"].detail == "activities (25)"
    assert targets["mêmes requêtes SQL sur 1 et 10 ans"].detail == "activities (8→9)"
    growth = targets["p95(10 ans) ≤ 1.5 × p95(1 an)"]
    assert not growth.ok and growth.detail == "activities (×1.6) (passages séparés)"
    assert targets["émission d'une facture ≤ 1.5 × rendu nu + Factur-X"].ok
    assert targets["facturation du mois"].ok and "40 brouillons en 3.0 s" in targets["facturation du mois"].detail
    assert targets["export CSV d'une année ≤ 10 s et ≤ 200 Mo"].ok
    assert targets["export XLSX d'une année ≤ 10 s et ≤ 200 Mo"].ok


def test_without_five_years_the_largest_size_is_the_reference_and_unmeasured_targets_say_so():
    slow_documents = GOOD_DOCUMENTS | {"issue_ms": 800.0, "monthly_run_s": 16.0,
                                       "export_xlsx": {"seconds": 10.5, "rows": 9, "peak_mb": 150.0,
                                                       "added_mb": 20.0},
                                       "export_csv": {"error": "export en échec : disque plein"}}
    targets = stats.check_targets([dataset(1, [page("a", p95=70)], backend="postgresql"),
                                   dataset(2, [page("a")], backend="postgresql", documents=slow_documents)])
    named = by_name(targets, "postgresql")
    assert named["p95 ≤ 50 ms par page, un client"].ok  # on 2 years, not on 1
    assert named["mêmes requêtes SQL sur 1 et 10 ans"].ok is None
    assert named["mêmes requêtes SQL sur 1 et 10 ans"].mark() == "—"
    assert named["émission d'une facture ≤ 1.5 × rendu nu + Factur-X"].ok is False
    assert named["facturation du mois"].ok is False
    assert named["export XLSX d'une année ≤ 10 s et ≤ 200 Mo"].ok is False
    assert named["export CSV d'une année ≤ 10 s et ≤ 200 Mo"].detail == "export en échec : disque plein"
    unmeasured = by_name(stats.check_targets([dataset(5, [page("a")])]))
    assert unmeasured["facturation du mois"].ok is None and unmeasured["facturation du mois"].detail == "non mesuré"


def test_the_change_against_the_previous_run_is_per_page_and_per_dataset():
    before = {"datasets": [dataset(1, [page("a", p95=20, rps=80), page("gone")]),
                           dataset(5, [page("a", p95=40)], backend="postgresql")]}
    after = {"datasets": [dataset(1, [page("a", p95=25, rps=60), page("new")], bare_rps=50.0),
                          dataset(10, [page("a")])]}
    changes = stats.compare(before, after)
    assert [(c.backend, c.years, c.key) for c in changes] == [("sqlite", 1, "a"), ("sqlite", 1, "(page nue)")]
    assert changes[0].p95_percent == 25.0 and changes[0].rps_percent == -25.0
    assert changes[1].rps_percent == -50.0
    text = stats.change_text(changes)
    assert "+25 %" in text and "-25 %" in text and "(page nue)" in text
    assert "Pas de mesure précédente" in stats.change_text([])


def test_the_results_page_shows_every_dataset_the_targets_and_the_machine():
    five = dataset(5, [page("dashboard", p95=60), page("api.activities", kind="api", queries=30)],
                   documents=GOOD_DOCUMENTS)
    results = {"date": "2026-12-07T10:00:00+00:00", "options": {"workers": 2, "worker_class": "sync", "runs": 20,
                                                                "clients": 16, "duration": 3.0},
               "machine": {"cpu": "AMD EPYC", "cpus": 2, "memory_gb": 23.5, "postgresql": "PostgreSQL 15.2"},
               "datasets": [five, dataset(1, [page("dashboard")], backend="postgresql")]}
    results["targets"] = stats.targets_as_dicts(stats.check_targets(results["datasets"]))
    text = report.markdown(results)
    assert "## SQLite — 5 ans" in text and "## PostgreSQL — 1 an" in text
    assert "AMD EPYC, 2 cœurs" in text and "PostgreSQL 15.2" in text
    assert "| Dashboard | coordination | 200 | 30.0 | 60.0 ✗ | ×12.00 | 80.0 | ×0.80 ✓ | 8 ✓ | 12.5 |" in text
    assert "**API JSON**" in text and "| Api.Activities | coordination | 200 |" in text and "30 ✗" in text
    assert "| SQLite | p95 ≤ 50 ms par page, un client (5 ans) | ✗ | dashboard (60 ms) |" in text
    assert "40 brouillons en 3.00 s, émis en 20.00 s" in text
    assert "3600 lignes en 4.00 s, mémoire +20 Mo au pic (processus 150 Mo)" in text
    assert "Rapport de convention PDF sur un an | 900 ms" in text


def test_results_are_written_and_compared_with_the_previous_ones(tmp_path):
    first = {"datasets": [dataset(1, [page("a", p95=20)])], "targets": []}
    assert "Première mesure" in report.write(first, tmp_path / "bench")
    saved = json.loads((tmp_path / "bench" / "results.json").read_text(encoding="utf-8"))
    assert saved["datasets"][0]["pages"][0]["p95"] == 20
    change = report.write({"datasets": [dataset(1, [page("a", p95=30)])], "targets": []}, tmp_path / "bench")
    assert "+50 %" in change
    written = (tmp_path / "bench" / "results.md").read_text(encoding="utf-8")
    assert written.startswith("# Bench de coopnum") and "analysis.md" not in written
    # the reading written by hand beside the results is linked from them
    (tmp_path / "bench" / "analysis.md").write_text("# Lecture\n", encoding="utf-8")
    report.write(first, tmp_path / "bench")
    written = (tmp_path / "bench" / "results.md").read_text(encoding="utf-8")
    assert written.startswith("# Bench de coopnum\n\nLecture des résultats, causes des cibles manquées : "
                              "[analysis.md](analysis.md).\n")


def test_the_http_client_keeps_and_drops_cookies_as_the_server_says():
    client = Client(0)
    client._keep_cookies(["coopnum_session=abc.def; HttpOnly; Path=/; SameSite=Lax", "remember=1; Path=/"])
    assert client.cookies == {"coopnum_session": "abc.def", "remember": "1"}
    client._keep_cookies(["remember=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/"])
    assert client.cookies == {"coopnum_session": "abc.def"}
    twin = client.copy()
    twin.cookies["x"] = "y"
    assert "x" not in client.cookies


def test_each_backend_and_size_has_its_own_database(tmp_path):
    assert data.database_url("sqlite", 5, cache=tmp_path) == f"sqlite:///{tmp_path / 'coopnum_bench_5y.db'}"
    assert data.database_url("postgresql", 10, pg_url="postgresql+psycopg://u@h:5432/", pg_prefix="b") == \
        "postgresql+psycopg://u@h:5432/b_10y"
    assert data.version() == data.version() and len(data.version()) == 12
    assert data.read_marker(f"sqlite:///{tmp_path / 'missing.db'}") is None
    assert not (tmp_path / "missing.db").exists()


def test_a_database_is_built_once_then_reused_until_its_generator_or_parameters_change(tmp_path, monkeypatch):
    """The cache: built by ``coopnum.volume.generate`` when it exists (a fake one here), marked, then reused."""
    from coopnum.core.clock import paris_midnight
    from tests import days

    calls = []

    def generate(session, *, years, mediators, seed, now):
        calls.append((years, mediators, seed, now))
        return {"activities": 0}

    monkeypatch.setitem(sys.modules, "coopnum.volume", types.SimpleNamespace(generate=generate))
    now = paris_midnight(days.TODAY)
    url = data.database_url("sqlite", 2, cache=tmp_path)
    quiet = {"log": lambda *_: None}
    first = data.build_database(url, 2, 20, now, **quiet)
    assert calls == [(2, 20, data.SEED, now)]
    assert first["generator"] == "coopnum.volume.generate" and not first["reused"]
    assert first["counts"]["activities"] == 0 and first["built_at"] == now.isoformat()
    assert data.read_marker(url)["version"] == data.version()
    assert data.build_database(url, 2, 20, now, **quiet)["reused"] and len(calls) == 1
    assert not data.build_database(url, 2, 30, now, **quiet)["reused"] and len(calls) == 2  # other parameters
    assert not data.build_database(url, 2, 30, now, rebuild=True, **quiet)["reused"] and len(calls) == 3
    monkeypatch.setattr(data, "version", lambda: "another")
    assert not data.build_database(url, 2, 30, now, **quiet)["reused"] and len(calls) == 4  # another generator


def test_the_bare_page_is_the_mean_of_its_measures_before_and_after_the_pages():
    from coopnum.bench.runner import both_bare

    before = {"p50": 4.0, "p95": 6.0, "rps": 100.0, "status": 200, "rows": 50}
    after = {"p50": 6.0, "p95": 10.0, "rps": 80.0, "status": 200, "rows": 50}
    bare = both_bare(before, after)
    assert (bare["p50"], bare["p95"], bare["rps"], bare["rows"]) == (5.0, 8.0, 90.0, 50)
    assert bare["before"] == before and bare["after"] == after
    assert both_bare(before, after | {"status": 500})["status"] == 500  # a failure shows


def test_growth_is_checked_on_the_paired_measure_when_the_run_made_one():
    one = dataset(1, [page("dashboard", p95=10), page("activities", p95=10)])
    ten = dataset(10, [page("dashboard", p95=30), page("activities", p95=10)])
    alone = by_name(stats.check_targets([one, ten]))["p95(10 ans) ≤ 1.5 × p95(1 an)"]
    assert not alone.ok and alone.detail == "dashboard (×3.0) (passages séparés)"
    # measured in pairs, the dashboard's ×3 was the machine: both sides saw it
    paired = {"sqlite": {"dashboard": {"small": {"p95": 20.0, "status": 200}, "large": {"p95": 22.0, "status": 200}},
                         "activities": {"small": {"p95": 10.0, "status": 200},
                                        "large": {"p95": 16.0, "status": 200}}}}
    growth = by_name(stats.check_targets([one, ten], paired))["p95(10 ans) ≤ 1.5 × p95(1 an)"]
    assert not growth.ok and growth.detail == "activities (×1.6) (mesure appariée)"
    assert stats.growth_pairs("sqlite", {}, paired["sqlite"]) == {"activities": (10.0, 16.0),
                                                                  "dashboard": (20.0, 22.0)}
    # a page that failed on either side is not compared (the status target shows it)
    paired["sqlite"]["activities"]["large"]["status"] = 500
    assert by_name(stats.check_targets([one, ten], paired))["p95(10 ans) ≤ 1.5 × p95(1 an)"].ok
    # another backend's pairs do not stand in for this one's
    assert not by_name(stats.check_targets([one, ten], {"postgresql": paired["sqlite"]}))[
        "p95(10 ans) ≤ 1.5 × p95(1 an)"].ok


def test_a_paired_measure_alternates_the_two_databases():
    from coopnum.bench import growth

    calls = []

    class Fake:
        def __init__(self, name, status=200):
            self.name, self.status = name, status

        def get(self, path):
            calls.append(self.name)
            return self.status, b""

    small, large = growth.paired(Fake("a"), "/x", Fake("b", 500), "/y", runs=4, warmup=1)
    assert calls == ["a", "b", "a", "b", "b", "a", "a", "b", "b", "a"]  # warm-up, then A B, B A, A B, B A
    assert small["status"] == 200 and large["status"] == 500
    assert set(small) == {"p50", "p95", "status"} and small["p95"] >= small["p50"] >= 0


def test_the_results_page_shows_the_paired_growth():
    one = dataset(1, [page("dashboard", p95=10)])
    ten = dataset(10, [page("dashboard", p95=30)])
    paired = {"sqlite": {"dashboard": {"small": {"p50": 8.0, "p95": 10.0, "status": 200},
                                       "large": {"p50": 9.0, "p95": 12.0, "status": 200}}}}
    results = {"datasets": [one, ten], "growth": paired,
               "targets": stats.targets_as_dicts(stats.check_targets([one, ten], paired))}
    text = report.markdown(results)
    assert "## SQLite — croissance de 1 à 10 ans (mesure appariée)" in text
    assert "| Dashboard | 8.0 | 10.0 | 9.0 | 12.0 | ×1.20 ✓ |" in text
