"""Browser test: the pages work under the Content-Security-Policy (no inline script or style): opening every page
of the access table as the coordinator and as a mediator logs no CSP violation in the console."""

import pytest
from playwright.sync_api import Error

from tests.e2e.conftest import log_in
from tests.e2e.test_walk import FILE_RULE, NOT_PAGES
from tests.test_access import ACCESS, _build

# Every violation also fires this event (the init script runs outside the page's CSP).
LISTEN = """document.addEventListener("securitypolicyviolation", function (e) {
  console.error("Content Security Policy violation: " + e.violatedDirective + " " + e.blockedURI);
});"""


@pytest.mark.parametrize("role", ["coordinator", "mediator"])
def test_no_csp_violation_on_the_main_pages(page, session, role):
    data = _build(session)
    session.commit()
    messages: list[str] = []
    page.add_init_script(LISTEN)
    page.on("console", lambda message: messages.append(f"{page.url}: {message.text}"))
    log_in(page, data["users"][role].email)

    opened = 0
    for endpoint, (method, path, expected) in ACCESS.items():
        if method != "GET" or path.startswith("/api/") or expected[role] != 200:
            continue
        if endpoint in NOT_PAGES or FILE_RULE.search(path):  # a download (CSV, PDF, iCal…) is not a page
            continue
        url = path.format(**data["ids"])
        try:
            response = page.goto(url)
        except Error as exc:
            if "Download is starting" in str(exc):  # a download the lists above do not name
                continue
            raise
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        assert response.headers.get("content-security-policy"), url
        if page.locator("[hx-get]").count():
            page.wait_for_load_state("networkidle")  # htmx's requests (a preview, a polling) have run
        opened += 1
    assert opened > 15
    csp = [m for m in messages if "Content Security Policy" in m or "Content-Security-Policy" in m]
    assert csp == []
