"""Browser test: the pages work under the Content-Security-Policy (no inline script or style): opening every page
of the access table as the coordinator and as a mediator logs no CSP violation in the console."""

import pytest

from tests.e2e.conftest import log_in
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
    for _endpoint, (method, path, expected) in ACCESS.items():
        if method != "GET" or path.startswith("/api/") or expected[role] != 200:
            continue
        url = path.format(**data["ids"])
        answer = page.request.get(url)  # a download (CSV, PDF, iCal) is not a page
        if not answer.headers.get("content-type", "").startswith("text/html"):
            continue
        assert answer.headers.get("content-security-policy"), url
        page.goto(url)
        page.wait_for_load_state("load")
        if page.locator("[hx-get]").count():
            page.wait_for_timeout(1500)  # htmx's polling (the export job page) has run at least once
        opened += 1
    assert opened > 15
    csp = [m for m in messages if "Content Security Policy" in m or "Content-Security-Policy" in m]
    assert csp == []
