"""Security headers on every response (coopnum/core/headers.py), secure cookies and HSTS with an https base URL,
werkzeug's ProxyFix with COOPNUM_TRUSTED_PROXIES, and no inline script or style in any served page (the
Content-Security-Policy forbids them)."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import request
from sqlalchemy import select

from coopnum import ROOT, create_app
from coopnum.core import clock, services
from coopnum.core.models import LoginAttempt
from tests.conftest import TEST_PASSWORD, login

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
ALWAYS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def assert_security_headers(response):
    for name, value in ALWAYS.items():
        assert response.headers.get(name) == value, f"{name} on {response.request.path}"
    csp = response.headers.get("Content-Security-Policy", "")
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert csp == CSP


def no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


def test_a_page_of_a_logged_in_user(client, users):
    login(client, users["coordinator"])
    response = client.get("/")
    assert response.status_code == 200
    assert_security_headers(response)
    assert no_store(response)
    assert "Strict-Transport-Security" not in response.headers  # http base URL in the tests
    # htmx is told not to inject its indicator <style> (the stylesheet has its rules)
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>""" in response.get_data(True)


def test_the_login_page_is_not_no_store(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert_security_headers(response)
    assert not no_store(response)


def test_the_login_answer_and_the_pages_after_it_are_no_store(client, users):
    response = login(client, users["mediator"])
    assert_security_headers(response)
    assert no_store(response)
    assert no_store(client.get("/account"))
    client.post("/logout")
    assert not no_store(client.get("/login"))


@pytest.mark.parametrize("logged_in", [False, True])
def test_error_pages(client, users, logged_in):
    if logged_in:
        login(client, users["member"])
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert_security_headers(response)
    assert no_store(response) == logged_in
    if logged_in:
        forbidden = client.get("/users")
        assert forbidden.status_code == 403
        assert_security_headers(forbidden)
        assert no_store(forbidden)


def test_api_answers(client, users, session):
    _token, clear = services.create_token(session, users["mediator"], users["mediator"], "t", now=clock.now())
    session.commit()
    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {clear}"})
    assert answer.status_code == 200
    assert_security_headers(answer)
    assert no_store(answer)
    refused = client.get("/api/v1/me", headers={"Authorization": "Bearer cn_nope"})
    assert refused.status_code == 401
    assert_security_headers(refused)
    assert no_store(refused)  # a request carrying a token
    public = client.get("/api/v1/openapi.json")
    assert public.status_code == 200
    assert_security_headers(public)
    assert not no_store(public)
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert_security_headers(missing)


def test_static_files_stay_cacheable(client, users):
    login(client, users["coordinator"])
    response = client.get("/static/css/coopnum.css")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert not no_store(response)
    response.close()


def session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("coopnum_session=")]
    assert cookies, response.headers.getlist("Set-Cookie")
    return cookies[-1]


def test_cookies_over_http_are_httponly_and_lax_but_not_secure(client, users):
    cookie = session_cookie(login(client, users["member"]))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    assert "Strict-Transport-Security" not in client.get("/").headers


@pytest.fixture
def fresh_app(app_config):
    """Build an app of its own configuration (create_app), on the test's database."""
    built = []

    def make(**config):
        app = create_app({**app_config, **config})
        built.append(app)
        return app

    yield make
    for app in built:
        app.extensions["coopnum_db"].dispose()


@pytest.mark.real_commits  # the https app has its own connections: the login's writes are real
def test_an_https_base_url_turns_on_hsts_and_secure_cookies(fresh_app, users):
    app = fresh_app(COOPNUM_BASE_URL="https://coop.example.fr")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    client = app.test_client()
    anonymous = client.get("/login", base_url="https://coop.example.fr")
    assert anonymous.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert_security_headers(anonymous)
    response = client.post("/login", data={"email": users["member"].email, "password": TEST_PASSWORD,
                                           "remember": "y"}, base_url="https://coop.example.fr")
    assert response.status_code == 302
    cookie = session_cookie(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/", base_url="https://coop.example.fr")
    assert page.status_code == 200
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert no_store(page)


def whoami_app(make, proxies: int):
    app = make(COOPNUM_TRUSTED_PROXIES=proxies)
    app.add_url_rule("/_whoami", "whoami", lambda: {"ip": request.remote_addr, "scheme": request.scheme})
    return app


def test_forwarded_headers_are_ignored_without_trusted_proxies(fresh_app):
    client = whoami_app(fresh_app, 0).test_client()
    answer = client.get("/_whoami", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    assert answer.json == {"ip": "127.0.0.1", "scheme": "http"}


def test_trusted_proxies_give_the_client_address_and_scheme(fresh_app):
    client = whoami_app(fresh_app, 1).test_client()
    answer = client.get("/_whoami", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    assert answer.json == {"ip": "203.0.113.7", "scheme": "https"}
    # one proxy: only its own entry is trusted, not what the client wrote before it
    spoofed = client.get("/_whoami", headers={"X-Forwarded-For": "10.0.0.1, 203.0.113.7"})
    assert spoofed.json["ip"] == "203.0.113.7"
    assert answer.headers["X-Frame-Options"] == "DENY"


@pytest.mark.real_commits  # the app of its own configuration writes the login attempts with its own connections
@pytest.mark.parametrize(("proxies", "expected"), [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_login_throttling_sees_the_client_behind_the_proxy(fresh_app, users, session, proxies, expected):
    client = fresh_app(COOPNUM_TRUSTED_PROXIES=proxies).test_client()
    response = client.post("/login", data={"email": users["member"].email, "password": "wrong"},
                           headers={"X-Forwarded-For": "203.0.113.7"})
    assert response.status_code != 302  # refused
    session.expire_all()
    assert session.execute(select(LoginAttempt.ip)).scalars().all() == [expected]


# --- no inline script or style in the served pages -------------------------------------------------------------

def _pdf_template(path: Path) -> bool:
    """Rendered by WeasyPrint into PDF files, never served as pages: their <style> stays."""
    return "pdf" in path.parts or path.name == "pdf.html"


class InlineFinder(HTMLParser):
    """Collects what the Content-Security-Policy would block: <style> blocks, style="…" attributes, <script>
    without src, on…= event handlers and javascript: URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name.lower(): value or "" for name, value in attrs}
        text = self.get_starttag_text()
        if tag == "style":
            self.found.append(text)
        if tag == "script" and not names.get("src"):
            self.found.append(text)
        if "style" in names:
            self.found.append(text)
        if any(name.startswith("on") for name in names):
            self.found.append(text)
        if any(names.get(a, "").strip().lower().startswith("javascript:") for a in ("href", "src", "action")):
            self.found.append(text)

    handle_startendtag = handle_starttag


def inline_parts(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def test_the_finder_finds_inline_code():
    html = ('<style>p{}</style><p style="color:red">x</p><script>alert(1)</script><script src="/a.js"></script>'
            '<button onclick="x()">b</button><svg><rect fill="#fff"/></svg><a href="javascript:x()">y</a>')
    assert len(inline_parts(html)) == 5


INLINE_IN_SOURCE = re.compile(r"<style\b|\sstyle\s*=|<script\b(?![^>]*\ssrc=)|\son[a-z]+\s*=\s*[\"']", re.I)


def test_no_served_template_has_inline_script_or_style():
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        if _pdf_template(path.relative_to(ROOT / "templates")):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if INLINE_IN_SOURCE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


@pytest.fixture(scope="module")
def seeded(databases, tmp_path_factory):
    from tests.test_access import _build

    with databases.seed(_build, tmp_path_factory.mktemp("headers")) as data:
        yield data


@pytest.mark.parametrize("role", ["anonymous", "admin", "coordinator", "mediator", "member", "authority"])
def test_no_served_page_has_inline_script_or_style(role, seeded, client):
    """Every GET page of the access table, as each role: the HTML has no inline script or style, and every
    answer carries the security headers."""
    from tests.test_access import ACCESS

    if role != "anonymous":
        login(client, seeded["users"][role])
    offenders, pages = {}, 0
    for endpoint, (method, path, _expected) in ACCESS.items():
        if method != "GET" or path.startswith("/api/") or endpoint == "core.logout":
            continue
        url = path.format(**seeded["ids"])
        response = client.get(url)
        assert_security_headers(response)
        if role != "anonymous":
            assert no_store(response), url
        if response.mimetype != "text/html":
            continue
        pages += 1
        found = inline_parts(response.get_data(as_text=True))
        if found:
            offenders[url] = found
    assert pages > 20
    assert offenders == {}
