"""The bench's output: ``bench/results.json`` (everything measured) and ``bench/results.md`` (a table per backend
and data size, the targets ✓/✗, the machine), and the change against the previous ``results.json``."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import sys
from pathlib import Path

from coopnum.bench import stats
from coopnum.bench.stats import mark, page_marks, ratio
from coopnum.core import formats

BACKENDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
ANALYSIS = "analysis.md"


def machine() -> dict:
    """The machine the figures belong to (and how busy it was when the run started)."""
    info = {"system": platform.platform(), "python": sys.version.split()[0], "sqlite": sqlite3.sqlite_version,
            "cpus": os.cpu_count(), "load": [round(x, 2) for x in os.getloadavg()]}
    cpuinfo, meminfo = Path("/proc/cpuinfo"), Path("/proc/meminfo")
    if cpuinfo.exists():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                 if line.startswith("model name")]
        info["cpu"] = names[0] if names else ""
    if meminfo.exists():
        total = next((line.split()[1] for line in meminfo.read_text().splitlines() if line.startswith("MemTotal")),
                     "0")
        info["memory_gb"] = round(int(total) / 1024 / 1024, 1)
    return info


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _x(value: float | None) -> str:
    return "—" if value is None else f"×{value:.2f}"


def _page_row(page: dict, bare: dict) -> str:
    marks = page_marks(page, bare)
    p95_share, rps_share = ratio(page.get("p95"), bare.get("p95")), ratio(page.get("rps"), bare.get("rps"))
    errors = f" ({page['errors']} err.)" if page.get("errors") else ""
    return (f"| {page['label']} | {page['role']} | {page.get('status', '—')} | {_ms(page.get('p50'))} | "
            f"{_ms(page.get('p95'))} {mark(marks['p95'])} | {_x(p95_share)} | {_ms(page.get('rps'))}{errors} | "
            f"{_x(rps_share)} {mark(marks['rps'])} | {page.get('queries', '—')} {mark(marks['queries'])} | "
            f"{page.get('kb', '—')} |")


def _pages_table(dataset: dict) -> list[str]:
    bare = dataset["bare"]
    lines = ["| Page | Rôle | Statut | p50 ms | p95 ms | p95 / nue | req/s (16 clients) | débit / nue | "
             "Requêtes SQL | Ko |", "|---|---|---|---|---|---|---|---|---|---|",
             f"| **Page nue** (Flask + SQLAlchemy + Jinja, {bare.get('rows', 50)} lignes jointes ; moyenne avant "
             f"et après les pages) | — | "
             f"{bare.get('status', '—')} | {_ms(bare.get('p50'))} | {_ms(bare.get('p95'))} | ×1 | "
             f"{_ms(bare.get('rps'))} | ×1 | {bare.get('queries', 1)} | {bare.get('kb', '—')} |"]
    lines += [_page_row(p, bare) for p in dataset["pages"] if p.get("kind", "page") == "page"]
    api = [p for p in dataset["pages"] if p.get("kind") == "api"]
    if api:
        lines.append("| **API JSON** (jeton de la coordination) | | | | | | | | | |")
        lines += [_page_row(p, bare) for p in api]
    return lines


def _documents(dataset: dict) -> list[str]:
    docs = dataset.get("documents") or {}
    if not docs:
        return []
    lines = ["", "| Traitement | Mesure |", "|---|---|"]
    if "issue_ms" in docs:
        lines.append(f"| Émission d'une facture (numéro, PDF/A-3, Factur-X, stockée) | {docs['issue_ms']:.0f} ms, "
                     f"rendu nu WeasyPrint + Factur-X {docs['bare_render_ms']:.0f} ms "
                     f"({_x(ratio(docs['issue_ms'], docs['bare_render_ms']))}) |")
    if "monthly_total_s" in docs:
        lines.append(f"| Facturation du mois, 40 conventions | {docs['monthly_drafts']} brouillons en "
                     f"{docs['monthly_run_s']:.2f} s, émis en {docs['monthly_issue_s']:.2f} s "
                     f"(total {docs['monthly_total_s']:.1f} s) |")
    for fmt in ("csv", "xlsx"):
        export = docs.get(f"export_{fmt}")
        if export and "seconds" in export:
            lines.append(f"| Export {fmt.upper()} des activités d'une année | {export['rows']} lignes en "
                         f"{export['seconds']:.2f} s, mémoire +{export['added_mb']:.0f} Mo au pic "
                         f"(processus {export['peak_mb']:.0f} Mo), fichier {export.get('file_mb')} Mo |")
        elif export:
            lines.append(f"| Export {fmt.upper()} des activités d'une année | échec : {export.get('error')} |")
    if pdf := docs.get("report_pdf"):
        lines.append(f"| Rapport de convention PDF sur un an | {pdf['ms']:.0f} ms (statut {pdf['status']}, "
                     f"{pdf['kb']} Ko) |")
    return lines


def _dataset_section(dataset: dict) -> list[str]:
    build = dataset.get("build", {})
    counts = ", ".join(f"{k} {v}" for k, v in (build.get("counts") or {}).items())
    return [f"## {BACKENDS.get(dataset['backend'], dataset['backend'])} — {formats.count(dataset['years'], 'an', 'ans')}", "",
            f"Données : {counts}.  ",
            f"Construites le {str(build.get('built_at', '?'))[:10]} par `{build.get('generator', '?')}` "
            f"(version {build.get('version', '?')}, {build.get('mediators', '?')} médiateurs demandés) en "
            f"{build.get('build_seconds', '?')} s. Charge de la machine à la fin : {dataset.get('load_after', '?')}.",
            "", *_pages_table(dataset), *_documents(dataset), ""]


def _growth_section(backend: str, paired: dict, datasets: list[dict]) -> list[str]:
    """The paired measure of 1 and 10 years (``growth``): per page, both p50/p95 and the ratio of the p95."""
    labels = {p["key"]: p["label"] for d in datasets if d["backend"] == backend for p in d["pages"]}
    lines = [f"## {BACKENDS.get(backend, backend)} — croissance de 1 à 10 ans (mesure appariée)", "",
             "Les deux bases servies en même temps, chaque page demandée sur l'une puis sur l'autre en alternance : "
             "les deux mesures voient la même charge de la machine.", "",
             "| Page | p50 1 an | p95 1 an | p50 10 ans | p95 10 ans | p95 10 ans / 1 an |", "|---|---|---|---|---|---|"]
    for key, pair in paired.items():
        small, large = pair["small"], pair["large"]
        share = ratio(large.get("p95"), small.get("p95"))
        ok = None if share is None else share <= stats.GROWTH
        failed = "" if small.get("status") == large.get("status") == 200 else \
            f" (statut {small.get('status')} / {large.get('status')})"
        lines.append(f"| {labels.get(key, key)}{failed} | {_ms(small.get('p50'))} | {_ms(small.get('p95'))} | "
                     f"{_ms(large.get('p50'))} | {_ms(large.get('p95'))} | {_x(share)} {mark(ok)} |")
    return lines + [""]


def _targets_section(targets: list[dict]) -> list[str]:
    lines = ["## Cibles", "", "| Base | Cible | | Détail |", "|---|---|---|---|"]
    for t in targets:
        lines.append(f"| {BACKENDS.get(t['backend'], t['backend'])} | {t['name']} | {mark(t['ok'])} | "
                     f"{t['detail']} |")
    return lines + [""]


def markdown(results: dict, analysis: str | None = None) -> str:
    """The readable page of a run's results (with a link to ``analysis``, the reading of them, if given)."""
    m = results.get("machine", {})
    o = results.get("options", {})
    lines = ["# Bench de coopnum", "",
             *([f"Lecture des résultats, causes des cibles manquées : [{analysis}]({analysis}).", ""]
               if analysis else []),
             f"Mesuré le {results.get('date', '?')[:16].replace('T', ' ')} (UTC) sur {m.get('cpu', '?')}, "
             f"{m.get('cpus', '?')} cœurs, {m.get('memory_gb', '?')} Go, {m.get('system', '?')} ; Python "
             f"{m.get('python', '?')}, SQLite {m.get('sqlite', '?')}"
             + (f", {m['postgresql']}" if m.get("postgresql") else "")
             + f" ; charge au départ {m.get('load', '?')}.", "",
             f"gunicorn {o.get('workers', '?')} workers ({o.get('worker_class', '?')}) ; un client : "
             f"{o.get('runs', '?')} requêtes après échauffement (p50/p95) ; débit : {o.get('clients', '?')} clients "
             f"(threads) pendant {o.get('duration', '?')} s par page ; requêtes SQL comptées dans le processus "
             "(client de test, 2e requête). Ratios : la page rapportée à la page nue de la même base, "
             "mesurée dans le même passage.", "",
             *_targets_section(results.get("targets", []))]
    for dataset in results.get("datasets", []):
        lines += _dataset_section(dataset)
    for backend, paired in (results.get("growth") or {}).items():
        lines += _growth_section(backend, paired, results.get("datasets", []))
    return "\n".join(lines).rstrip() + "\n"


def write(results: dict, folder: Path) -> str:
    """Write results.json and results.md in ``folder``; returns the change against the previous results.json."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "results.json"
    previous = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    path.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    # the reading of the figures, written by hand after a run, is linked when there is one
    analysis = ANALYSIS if (folder / ANALYSIS).exists() else None
    (folder / "results.md").write_text(markdown(results, analysis), encoding="utf-8")
    if previous is None:
        return "Première mesure : pas de results.json précédent."
    return stats.change_text(stats.compare(previous, results))
