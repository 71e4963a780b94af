"""The bench's arithmetic, with no I/O: percentiles, the targets and their checks, the change since the previous
results. Results are plain dicts (what ``results.json`` holds): a dataset is ``{"backend", "years", "bare",
"pages": [...], "documents": {...}}``, a page ``{"key", "label", "kind", "status", "p50", "p95", "rps",
"queries", ...}``."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from coopnum.core import formats

# The targets (issue 18), checked on the reference data size (5 years) of each backend.
P95_MS = 50.0  # every main page, one client
THROUGHPUT_SHARE = 0.5  # of the bare page's requests per second, 16 clients
MAX_QUERIES = 20  # per page, and the same count on 1 and 10 years
GROWTH = 1.5  # p95 on 10 years ≤ 1.5 × p95 on 1 year
ISSUE_RATIO = 1.5  # issuing an invoice ≤ 1.5 × a bare render + Factur-X embed
MONTHLY_RUN_S = 15.0  # the monthly run of 40 conventions (drafting: one request; issuing them is shown beside)
EXPORT_S = 10.0  # a year's activity export (CSV, XLSX)
EXPORT_MB = 200.0  # its peak memory
REFERENCE_YEARS = 5


def percentile(values: list[float], share: float) -> float:
    """The ``share`` (0–1) percentile by linear interpolation between the closest ranks (numpy's default)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(durations_ms: list[float]) -> dict[str, float]:
    return {"p50": round(percentile(durations_ms, 0.5), 2), "p95": round(percentile(durations_ms, 0.95), 2)}


def ratio(value: float | None, base: float | None) -> float | None:
    if value is None or not base:
        return None
    return value / base


@dataclass
class Target:
    backend: str
    name: str
    ok: bool | None  # None: not measured in this run
    detail: str

    def mark(self) -> str:
        return mark(self.ok)


def mark(ok: bool | None) -> str:
    return "—" if ok is None else ("✓" if ok else "✗")


def page_marks(page: dict, bare: dict) -> dict[str, bool | None]:
    """A page's own checks: p95, throughput next to the bare page's, queries (None: not measured)."""
    served = page.get("status") == 200
    share = ratio(page.get("rps"), bare.get("rps"))
    p95, queries = page.get("p95"), page.get("queries")
    return {"p95": None if p95 is None else served and p95 <= P95_MS,
            "rps": None if share is None else served and share >= THROUGHPUT_SHARE,
            "queries": None if queries is None else queries <= MAX_QUERIES}


def reference(datasets: list[dict]) -> dict | None:
    """The dataset the targets are checked on: 5 years if measured, else the largest measured."""
    if not datasets:
        return None
    exact = [d for d in datasets if d["years"] == REFERENCE_YEARS]
    return exact[0] if exact else max(datasets, key=lambda d: d["years"])


def _pages(dataset: dict) -> dict[str, dict]:
    return {p["key"]: p for p in dataset["pages"]}


def _failing(dataset: dict, check: str) -> list[str]:
    """The pages failing ``check`` (p95, rps, queries), each with its figure."""
    bare = dataset["bare"]
    shown = {"p95": lambda p: f"{p['p95']:.0f} ms",
             "rps": lambda p: f"×{ratio(p['rps'], bare['rps']):.2f}" if p.get("rps") is not None else "",
             "queries": lambda p: str(p["queries"])}[check]
    failing = []
    for page in dataset["pages"]:
        if page_marks(page, bare)[check] is False:
            status = "" if page.get("status") == 200 else f", statut {page.get('status')}"
            failing.append(f"{page['key']} ({shown(page)}{status})")
    return failing


def _page_targets(backend: str, ref: dict) -> list[Target]:
    size = f"{formats.count(ref['years'], 'an', 'ans')}"
    targets = []
    for check, name in (("p95", f"p95 ≤ {P95_MS:g} ms par page, un client ({size})"),
                        ("rps", f"débit ≥ {THROUGHPUT_SHARE:.0%} de la page nue, 16 clients ({size})"),
                        ("queries", f"≤ {MAX_QUERIES} requêtes SQL par page ({size})")):
        failing = _failing(ref, check)
        targets.append(Target(backend, name, not failing, ", ".join(failing) or f"{len(ref['pages'])} pages"))
    return targets


def growth_pairs(backend: str, by_years: dict[int, dict], paired: dict | None) -> dict[str, tuple[float, float]]:
    """Per page, (p95 on 1 year, p95 on 10 years): from the paired measure of both (``growth``) when the run made
    it, else from the two datasets' own passes."""
    if paired:
        return {k: (v["small"]["p95"], v["large"]["p95"]) for k, v in sorted(paired.items())
                if v["small"].get("status") == 200 and v["large"].get("status") == 200}
    one, ten = _pages(by_years[1]), _pages(by_years[10])
    return {k: (one[k]["p95"], ten[k]["p95"]) for k in sorted(set(one) & set(ten))
            if one[k].get("p95") and ten[k].get("p95")}


def _growth_targets(backend: str, by_years: dict[int, dict], paired: dict | None = None) -> list[Target]:
    small, large = by_years.get(1), by_years.get(10)
    if not (small and large):
        return [Target(backend, "mêmes requêtes SQL sur 1 et 10 ans", None, "1 et 10 ans non mesurés ensemble"),
                Target(backend, f"p95(10 ans) ≤ {GROWTH:g} × p95(1 an)", None, "1 et 10 ans non mesurés ensemble")]
    one, ten = _pages(small), _pages(large)
    common = sorted(set(one) & set(ten))
    moved = [f"{k} ({one[k]['queries']}→{ten[k]['queries']})" for k in common
             if one[k].get("queries") != ten[k].get("queries")]
    pairs = growth_pairs(backend, by_years, paired)
    slower = [f"{k} (×{b / a:.1f})" for k, (a, b) in pairs.items() if b > GROWTH * a]
    how = "mesure appariée" if paired else "passages séparés"
    return [Target(backend, "mêmes requêtes SQL sur 1 et 10 ans", not moved, ", ".join(moved) or
                   f"{len(common)} pages"),
            Target(backend, f"p95(10 ans) ≤ {GROWTH:g} × p95(1 an)", not slower,
                   (", ".join(slower) or f"{len(pairs)} pages") + f" ({how})")]


def _document_targets(backend: str, ref: dict) -> list[Target]:
    docs = ref.get("documents") or {}
    size = f"{formats.count(ref['years'], 'an', 'ans')}"
    targets = []
    issue, bare = docs.get("issue_ms"), docs.get("bare_render_ms")
    share = ratio(issue, bare)
    targets.append(Target(backend, f"émission d'une facture ≤ {ISSUE_RATIO:g} × rendu nu + Factur-X",
                          None if share is None else share <= ISSUE_RATIO,
                          "non mesuré" if share is None else f"{issue:.0f} ms / {bare:.0f} ms = ×{share:.2f}"))
    monthly = docs.get("monthly_run_s")  # the run is one request (the drafts); issuing them is another action
    targets.append(Target(backend, f"facturation du mois (40 conventions) ≤ {MONTHLY_RUN_S:g} s ({size})",
                          None if monthly is None else monthly <= MONTHLY_RUN_S,
                          "non mesuré" if monthly is None else
                          f"{docs['monthly_drafts']} brouillons en {monthly:.1f} s (leur émission : "
                          f"{docs['monthly_issue_s']:.1f} s)"))
    for fmt in ("csv", "xlsx"):
        targets.append(_export_target(backend, size, fmt, docs.get(f"export_{fmt}")))
    return targets


def _export_target(backend: str, size: str, fmt: str, export: dict | None) -> Target:
    """A year's export: its time, and the memory it adds to the process at its peak."""
    name = f"export {fmt.upper()} d'une année ≤ {EXPORT_S:g} s et ≤ {EXPORT_MB:g} Mo ({size})"
    if not export:
        return Target(backend, name, None, "non mesuré")
    if "seconds" not in export:
        return Target(backend, name, False, export.get("error") or "échec")
    ok = export["seconds"] <= EXPORT_S and export["added_mb"] <= EXPORT_MB
    return Target(backend, name, ok, f"{export.get('rows', '?')} lignes en {export['seconds']:.1f} s, "
                                     f"+{export['added_mb']:.0f} Mo au pic (processus {export['peak_mb']:.0f} Mo)")


def check_targets(datasets: list[dict], growth: dict | None = None) -> list[Target]:
    """Every target, per backend, on that backend's reference dataset (and 1 vs 10 years for the growth, from
    ``growth[backend]``, the paired measure, when there is one)."""
    targets: list[Target] = []
    for backend in sorted({d["backend"] for d in datasets}):
        mine = [d for d in datasets if d["backend"] == backend]
        ref = reference(mine)
        targets += _page_targets(backend, ref)
        targets += _growth_targets(backend, {d["years"]: d for d in mine}, (growth or {}).get(backend))
        targets += _document_targets(backend, ref)
    return targets


def targets_as_dicts(targets: list[Target]) -> list[dict]:
    return [asdict(t) for t in targets]


@dataclass
class Change:
    backend: str
    years: int
    key: str
    p95_before: float
    p95_after: float
    rps_before: float | None
    rps_after: float | None

    @property
    def p95_percent(self) -> float:
        return percent(self.p95_before, self.p95_after)

    @property
    def rps_percent(self) -> float | None:
        if self.rps_before is None or self.rps_after is None:
            return None
        return percent(self.rps_before, self.rps_after)


def percent(before: float, after: float) -> float:
    return (after - before) / before * 100 if before else 0.0


def compare(previous: dict, current: dict) -> list[Change]:
    """Per page (and the bare page) of the datasets measured in both runs: p95 and throughput, before and after."""
    old = {(d["backend"], d["years"]): d for d in previous.get("datasets", [])}
    changes = []
    for dataset in current.get("datasets", []):
        before = old.get((dataset["backend"], dataset["years"]))
        if before is None:
            continue
        pages_before = {p["key"]: p for p in before["pages"]} | {"(page nue)": before["bare"]}
        for page in dataset["pages"] + [dict(dataset["bare"], key="(page nue)")]:
            then = pages_before.get(page["key"])
            if then and then.get("p95") and page.get("p95"):
                changes.append(Change(dataset["backend"], dataset["years"], page["key"], then["p95"], page["p95"],
                                      then.get("rps"), page.get("rps")))
    return changes


def change_text(changes: list[Change]) -> str:
    """The change against the previous run, one line per page (+: slower / more requests per second)."""
    if not changes:
        return "Pas de mesure précédente comparable (bench/results.json)."
    lines = [f"{'Base':<11} {'ans':>3} {'page':<34} {'p95 avant':>9} {'après':>8} {'Δ p95':>8} {'Δ débit':>8}"]
    for c in changes:
        rps = "" if c.rps_percent is None else f"{c.rps_percent:+.0f} %"
        lines.append(f"{c.backend:<11} {c.years:>3} {c.key:<34} {c.p95_before:>7.1f}ms {c.p95_after:>6.1f}ms "
                     f"{c.p95_percent:>+6.0f} % {rps:>8}")
    return "\n".join(lines)
