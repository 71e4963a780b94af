"""The walk: each role of the demo logs in and visits every page it can reach, on a laptop (1280 × 900) and on a
phone (390 × 844), as a person clicking through the menus and the pages would.

Breadth first from the dashboard, following the links of the menus and of the pages (GET only, same origin; the
logout and language forms are not links; downloads — PDF, CSV, workbooks, calendars, images — are left out), at
most PER_RULE pages of one URL rule (two invoices, not all of them): every rule a role reaches is walked once, the
second pages of a rule only while the role has walked fewer than CAP pages. Each page is loaded at
both widths (two browser contexts, each logged in), and the walk fails on:

- a page wider than the window (the document scrolls sideways: a table or a long word pushes it);
- a response 4xx/5xx (the page or anything it loads), a console error (a blocked script or style is one: CSP),
  an uncaught JavaScript error;
- a serious or critical axe-core violation (at both widths: the phone menu and the scrolling tables differ);
- in the roles walked in English, a French sentence of the catalogue whose translation differs (untranslated).

The screenshots (full page) go to $COOPNUM_WALK_SHOTS (default tests/e2e/.walk-shots/, ignored by git), one folder
per role, with walk.txt listing the pages walked: the CI keeps the folder as an artefact.

Known failures that wait for another issue are listed in ALLOWED, each with the issue it waits for."""

import os
import re
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from coopnum import ROOT
from tests.conftest import PG_URL
from tests.e2e.conftest import axe_violations

LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
CAP = 45  # pages a role, beyond which a rule's second page is left out (its first never is)
PER_RULE = 2  # pages of one URL rule (/billing/invoices/<int:invoice_id>)

# role: (demo login, language of the walk, links taken from the last). Three roles walk in English (untranslated
# strings), two in French (the longer words: the layout's harder case). The administrator and the coordination share
# the office's menu: the administrator takes each page's links from the last, so that between them the two walks
# reach more of the office's pages within their caps.
ROLES = {
    "admin": ("admin@demo.coopnum.fr", "en", True),
    "coordinator": ("coordination@demo.coopnum.fr", "fr", False),
    "mediator": ("camille.martin@demo.coopnum.fr", "fr", False),
    "member": ("chloe.fontaine@demo.coopnum.fr", "en", False),
    "authority": ("numerique@ville-poitiers.demo.coopnum.fr", "en", False),
}

# Not pages: downloads and files (by endpoint), and rules that end like a file.
NOT_PAGES = {
    "static", "core.healthz", "billing.invoice_document", "billing.portal_invoice_document",
    "billing.accounting_fec", "inventory.asset_photo", "inventory.loan_signature", "members.assembly_document",
    "organisations.convention_file", "activities.export_download", "training.scan_file",
    "inventory.assets_export", "inventory.usage_export", "members.register_export",
}
FILE_RULE = re.compile(r"(\.(pdf|csv|xlsx|ics|zip|json|xml|png|svg|<fmt>)|/download|/pdf)$")

# French sentences of the catalogue that are also French data of the demo, shown as they are stored: a service's
# name (the catalogue is data), a credit note's stored line (a legal document's wording is French).
FRENCH_DATA = {"Formation des professionnels", "Avoir sur la facture"}

# Known failures, each waiting for an issue: (role or None, width or None, path regex, kind) -> why.
# kind: "overflow", "status", "console", "axe:<rule>", "untranslated".
ALLOWED: dict[tuple[str | None, int | None, str, str], str] = {}


AXED: set[str | None] = set()  # the URL rules axe-core has checked (the first page of each rule, any role)


@dataclass
class Walk:
    role: str
    pages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)
    seconds: float = 0.0


@pytest.fixture(scope="module")
def demo(databases, tmp_path_factory):
    """The demo cooperative (``coopnum seed-demo``), built once for the module with a quick invoice renderer."""
    from tests.billing.factories import fake_render

    def build(session):
        from coopnum.demo import seed

        seed(render=fake_render)
        return {}

    with databases.seed(build, tmp_path_factory.mktemp("walk")) as data:
        yield data


@pytest.fixture
def app_config(app_config):
    # the browser keeps the static files for the walk instead of asking for them again at every page
    return {**app_config, "SEND_FILE_MAX_AGE_DEFAULT": 3600}


@pytest.fixture
def database_url(databases, demo):
    """Each walk starts from the demo: on SQLite a copy of the seeded file; on PostgreSQL the seeded rows stay for
    the module's walks (a walk only reads, but for its logins) and ``databases.seed`` empties the tables at the end."""
    if not PG_URL:
        databases.restore_sqlite()
    yield databases.url


@pytest.fixture(scope="module")
def shots_dir() -> Path:
    path = Path(os.environ.get("COOPNUM_WALK_SHOTS") or ROOT / "tests" / "e2e" / ".walk-shots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def french_sentences() -> list[tuple[str, str]]:
    """(fragment, msgid): the French text of the catalogue's messages whose English differs, cut at their
    placeholders; only fragments of 15 characters or more (shorter ones hit names and English words)."""
    from babel.messages.pofile import read_po

    with open(ROOT / "coopnum" / "translations" / "en" / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    found = []
    for message in catalog:
        if not message.id or not message.string or isinstance(message.id, tuple):
            continue
        english = message.string
        for fragment in re.split(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|\n", message.id):
            fragment = fragment.strip(" .:,;«»()—-")
            if (len(fragment) >= 15 and len(fragment.split()) >= 3 and fragment not in english
                    and fragment not in FRENCH_DATA):
                found.append((fragment, message.id))
    return found


def _allowed(role: str, width: int, path: str, kind: str) -> str | None:
    for (a_role, a_width, pattern, a_kind), why in ALLOWED.items():
        if a_role in (None, role) and a_width in (None, width) and a_kind == kind and re.search(pattern, path):
            return why
    return None


class Walker:
    def __init__(self, app, browser, base: str, role: str, shots: Path, french):
        self.app, self.browser, self.base, self.role = app, browser, base, role
        self.email, self.locale, self.reverse = ROLES[role]
        self.shots = shots / role
        self.shots.mkdir(parents=True, exist_ok=True)
        for old in [*self.shots.glob("*.png"), *self.shots.glob("*.jpg")]:
            old.unlink()
        self.french = french if self.locale == "en" else []
        self.walk = Walk(role)
        self.adapter = app.url_map.bind("127.0.0.1")
        self.per_rule: Counter = Counter()
        self.current: tuple[str, int] = ("", 0)
        self.pages = {width: self._page(width) for width in (LAPTOP["width"], PHONE["width"])}

    # --- the browser ----------------------------------------------------------------------------------------------
    def _page(self, width: int):
        from coopnum.demo import DEMO_PASSWORD

        viewport = LAPTOP if width == LAPTOP["width"] else PHONE
        context = self.browser.new_context(base_url=self.base, locale="fr-FR", viewport=viewport,
                                           is_mobile=width == PHONE["width"], has_touch=width == PHONE["width"])
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.on("console", lambda m, w=width: m.type == "error" and self._problem(w, "console", m.text))
        page.on("pageerror", lambda e, w=width: self._problem(w, "console", f"JavaScript: {e}"))
        page.on("response", lambda r, w=width: r.status >= 400 and r.url.startswith(self.base)
                and self._problem(w, "status", f"{r.status} {r.url[len(self.base):]}"))
        page.goto("/login")
        page.fill("input[name=email]", self.email)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        assert urlsplit(page.url).path == "/", f"{self.role} could not log in: {page.url}"
        if self.locale == "en":
            page.get_by_role("button", name="EN").click()
            page.wait_for_load_state()
            assert page.locator("html").get_attribute("lang") == "en"
        return page

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()

    # --- problems -------------------------------------------------------------------------------------------------
    def _problem(self, width: int, kind: str, what: str) -> None:
        path, _ = self.current
        why = _allowed(self.role, width, path, kind)
        line = f"{self.role} {width}px {path}: {kind}: {what}"
        if why:
            self.walk.allowed.append(f"{line} (allowed: {why})")
        else:
            self.walk.problems.append(line)

    # --- links ----------------------------------------------------------------------------------------------------
    def _rule(self, path: str) -> str | None:
        """The URL rule of a page worth visiting (None: not a page, a download, or no rule)."""
        try:
            rule, _ = self.adapter.match(path, method="GET", return_rule=True)
        except Exception:  # noqa: BLE001 - a redirect, a 404 or a 405: not a page of the walk
            return None
        if rule.endpoint in NOT_PAGES or FILE_RULE.search(rule.rule):
            return None
        return rule.rule

    def _links(self, page) -> list[str]:
        hrefs = page.eval_on_selector_all(
            "a[href]:not([download])", "els => els.map(a => a.href)")
        found = []
        for href in hrefs:
            parts = urlsplit(href)
            if f"{parts.scheme}://{parts.netloc}" != self.base or parts.path.startswith(("/static/", "/api/")):
                continue
            found.append(urlunsplit(("", "", parts.path, parts.query, "")))
        return found

    # --- the walk -------------------------------------------------------------------------------------------------
    def run(self) -> Walk:
        """Breadth first; the first page of a URL rule comes before the second page of any rule (another month,
        another invoice). Every rule reached is walked (one invoice, the coordinator's report…); the cap only cuts
        the repeats."""
        started = time.monotonic()
        fresh, again, seen = deque(["/"]), deque(), {"/"}
        self.per_rule[self._rule("/")] += 1
        while fresh or (again and len(self.walk.pages) < CAP):
            links = self._visit((fresh or again).popleft())
            if self.reverse:
                links.reverse()
            for link in links:
                if link in seen:
                    continue
                seen.add(link)
                rule = self._rule(urlsplit(link).path)
                if rule is None or self.per_rule[rule] >= PER_RULE:
                    continue
                self.per_rule[rule] += 1
                (fresh if self.per_rule[rule] == 1 else again).append(link)
        self.walk.seconds = time.monotonic() - started
        (self.shots / "walk.txt").write_text(
            f"{self.role} ({self.locale}): {len(self.walk.pages)} pages at {LAPTOP['width']} and {PHONE['width']} px,"
            f" {self.walk.seconds:.0f} s\n" + "\n".join(self.walk.pages) + "\n", encoding="utf-8")
        return self.walk

    def _visit(self, url: str) -> list[str]:
        n = len(self.walk.pages)
        self.rule = self._rule(urlsplit(url).path)
        self.walk.pages.append(url)
        slug = re.sub(r"[^a-zA-Z0-9]+", "_", url).strip("_")[:80] or "dashboard"
        links: list[str] = []
        for width, page in self.pages.items():
            self.current = (url, width)
            try:
                response = page.goto(url)
            except Exception as exc:  # noqa: BLE001 - e.g. a download started: reported, the walk goes on
                self._problem(width, "status", f"not loaded: {str(exc).splitlines()[0]}")
                continue
            if response is None or urlsplit(page.url).path.startswith("/login"):
                self._problem(width, "status", f"not a page (ended on {page.url})")
                continue
            if response.status >= 400:  # the response listener reported it
                continue
            if "text/html" not in (response.headers.get("content-type") or ""):
                continue
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
            self._check(page, width)
            page.screenshot(path=str(self.shots / f"{n:02d}-{slug}-{width}.jpg"), full_page=True, type="jpeg",
                            quality=60)
            if width == LAPTOP["width"]:
                links = self._links(page)
        return links

    def _check(self, page, width: int) -> None:
        wide = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        if wide[0] > wide[1] + 1:
            culprit = page.evaluate(WIDEST)
            self._problem(width, "overflow", f"the page is {wide[0]} px wide in {wide[1]} ({culprit})")
        if width == LAPTOP["width"]:
            if self.rule not in AXED:  # axe-core takes ~0.5 s: once a URL rule (whichever role comes first)
                AXED.add(self.rule)
                self._axe(page, width)
        elif len(self.walk.pages) == 1:  # each role's dashboard, with the phone menu open and a group unfolded
            page.get_by_role("button", name=re.compile("^(Menu)$")).click()
            groups = page.locator("#main-menu details[data-nav-group]:not([open]) > summary")
            if groups.count():
                groups.first.click()
            self._axe(page, width)

    def _axe(self, page, width: int) -> None:
        for v in axe_violations(page):
            self._problem(width, f"axe:{v['id']}", f"{v['help']} {[n['target'] for n in v['nodes'][:3]]}")
        if self.french and width == LAPTOP["width"]:
            text = page.inner_text("body")
            for fragment, msgid in self.french:
                if fragment in text and re.search(rf"(?<!\w){re.escape(fragment)}(?!\w)", text):
                    self._problem(width, "untranslated", f"« {msgid[:80]} »")


# The element that sticks out furthest on the right, to name it in the message.
WIDEST = """() => {
  let worst = null, right = window.innerWidth;
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > right + 1) { right = r.right; worst = el; }
  }
  if (!worst) return "?";
  const name = worst.tagName.toLowerCase() + (worst.id ? "#" + worst.id : "") +
    (worst.className && typeof worst.className === "string" ? "." + worst.className.trim().split(/\\s+/).join(".") : "");
  return name + " reaching " + Math.round(right) + " px: " + (worst.textContent || "").trim().slice(0, 60);
}"""


# The five walks share one demo database, built once (~30 s): on one xdist worker (run with --dist loadgroup).
@pytest.mark.xdist_group("walk")
@pytest.mark.parametrize("role", list(ROLES))
def test_walk(role, app, browser, live_server, shots_dir, french_sentences):
    walker = Walker(app, browser, live_server, role, shots_dir, french_sentences)
    try:
        walk = walker.run()
    finally:
        walker.close()
    print(f"\nwalk {role}: {len(walk.pages)} pages × 2 widths in {walk.seconds:.0f} s; "
          f"screenshots in {walker.shots}")
    for line in walk.allowed:
        print("  allowed:", line)
    assert len(walk.pages) >= 5, walk.pages
    assert walk.problems == [], f"{len(walk.problems)} problems:\n" + "\n".join(walk.problems)
