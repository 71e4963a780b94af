"""Browser tests: the real app served on a free port, driven by Playwright in Debian's Chromium.

The browser starts once per test session; each test gets a new context (fresh cookies). Without Chromium the
tests are skipped, except when COOPNUM_REQUIRE_BROWSER=1 (CI), where they fail."""

import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import TEST_PASSWORD

CHROMIUM = os.environ.get("COOPNUM_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("COOPNUM_REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.real_commits)  # the live server's threads read the test's data


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if REQUIRED:
            pytest.fail(f"Chromium is required for browser tests but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM}: browser tests skipped. Install Debian's Chromium with "
                    "`sudo apt-get install chromium` (or point COOPNUM_CHROMIUM at a Chromium binary); "
                    "set COOPNUM_REQUIRE_BROWSER=1 to fail instead of skipping")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["COOPNUM_BASE_URL"] = base
    yield base
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)  # a PDF rendered on a busy two-core machine may take seconds
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def log_in(page, email: str, password: str = TEST_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def axe_violations(page, allowed: tuple[str, ...] = ()) -> list[dict]:
    """Run axe-core on the page: its serious or critical violations (but the ``allowed`` rules)."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Error

    # A click on a link returns before the next page has replaced this one: axe must run on a settled document,
    # not on one being torn down ("Cannot read properties of null", "Execution context was destroyed").
    for attempt in range(3):
        page.wait_for_load_state()
        try:
            results = Axe().run(page)
            break
        except Error as exc:
            if attempt == 2 or not any(s in str(exc) for s in ("documentElement", "context was destroyed",
                                                                 "navigat")):
                raise
            page.wait_for_timeout(200)
    return [v for v in results.response["violations"]
            if v.get("impact") in ("serious", "critical") and v["id"] not in allowed]


def assert_accessible(page, allowed: tuple[str, ...] = ()) -> None:
    """Run axe-core on the page; fail on serious or critical violations."""
    bad = axe_violations(page, allowed)
    assert bad == [], "\n".join(f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: "
                                f"{[n['target'] for n in v['nodes'][:3]]})" for v in bad)


def go_to(page, name: str) -> None:
    """Follow a menu entry as a person would: open the phone menu or the entry's group first if needed."""
    nav = page.get_by_role("navigation", name="Navigation principale")
    named = page.locator("a", has_text=re.compile(rf"^\s*{re.escape(name)}\s*$"))
    link = nav.locator("a", has_text=re.compile(rf"^\s*{re.escape(name)}\s*$"))
    if not link.is_visible():
        toggle = page.get_by_role("button", name="Menu", exact=True)  # in the header, beside the account
        if toggle.is_visible():
            toggle.click()
        group = nav.locator("details", has=named)
        if group.count() and not link.is_visible():
            group.locator("summary").click()
    link.click()
