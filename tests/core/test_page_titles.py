"""A page's title (the browser tab, the history, what a screen reader announces first) is plain text: no markup in
any template's ``{% block title %}``, not even through a macro that returns some."""

import re
from pathlib import Path

from coopnum import ROOT

TEMPLATES = Path(ROOT) / "templates"
TITLE = re.compile(r"{%-?\s*block title\s*-?%}(.*?){%-?\s*endblock", re.S)
MACRO_CALL = re.compile(r"{{[^}]*?\b(?:(\w+)\.)?(\w+)\(")


def _macro_body(source: str, name: str) -> str | None:
    found = re.search(r"{%-?\s*macro " + re.escape(name) + r"\(.*?%}(.*?){%-?\s*endmacro", source, re.S)
    return found.group(1) if found else None


def _imported(source: str, alias: str | None, name: str) -> str | None:
    """The body of the macro a title calls: ``im.number(…)`` (import … as im) or ``number(…)`` (from … import)."""
    if alias:
        found = re.search(r'{%-?\s*import\s+"([^"]+)"\s+as\s+' + re.escape(alias) + r"\b", source)
        files = [found.group(1)] if found else []
    else:
        files = [m.group(1) for m in re.finditer(r'{%-?\s*from\s+"([^"]+)"\s+import\s+([^%]*)%}', source)
                 if re.search(r"\b" + re.escape(name) + r"\b", m.group(2))]
        if (body := _macro_body(source, name)) is not None:
            return body
    for file in files:
        if (body := _macro_body((TEMPLATES / file).read_text(encoding="utf-8"), name)) is not None:
            return body
    return None


def test_no_markup_in_page_titles():
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        source = path.read_text(encoding="utf-8")
        for title in TITLE.findall(source):
            where = path.relative_to(TEMPLATES).as_posix()
            if "<" in title:
                offenders.append(f"{where}: {title.strip()}")
            for alias, name in MACRO_CALL.findall(title):
                body = _imported(source, alias or None, name)
                if body is not None and "<" in body:
                    offenders.append(f"{where}: {title.strip()} (macro {name} returns markup)")
    assert offenders == [], "page titles with markup: " + "; ".join(offenders)


def test_the_check_sees_a_macro_returning_markup():
    source = '{% import "billing/invoices/_macros.html" as im with context %}'
    assert "<span" in _imported(source, "im", "number")
    assert "<" not in _imported(source, "im", "kind_word")
