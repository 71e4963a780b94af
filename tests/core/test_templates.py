"""Templates: no inline <style> in served pages (the Content-Security-Policy forbids them), the list macros, and every
web page's title and empty lists through them."""
from pathlib import Path

from flask import render_template_string

from coopnum import ROOT
from tests.conftest import login, text_of

TEMPLATES = Path(ROOT) / "templates"

# Rendered to PDF by WeasyPrint only (never served as a page): their styles stay inline.
PDF_ONLY_WITH_STYLE = {
    "inventory/assets/pdf/labels.html",            # the QR labels sheet (inventory.labels_pdf)
    "members/assemblies/pdf/_style.html",          # included by the assembly PDFs and the annual report's PDF
    "members/pdf/certificate.html",                # the certificate of shares (members.registry)
    "reports/reports/pdf.html",                    # the activity report's PDF (reports.views.reports.render_pdf)
    "training/sessions/pdf/_style.html",           # included by the attendance sheet and the training certificate
}


def test_served_templates_have_no_inline_style():
    offenders = sorted(
        path.relative_to(TEMPLATES).as_posix()
        for path in TEMPLATES.rglob("*.html")
        if "<style" in path.read_text(encoding="utf-8").lower()
        and path.relative_to(TEMPLATES).as_posix() not in PDF_ONLY_WITH_STYLE
    )
    assert offenders == [], "move these styles to coopnum/static/css/ (or list a PDF-only template): " + ", ".join(offenders)


LISTS = """{% from "_lists.html" import list_filters, list_table %}
{% call list_filters(_("Filtrer les devis")) %}<div>FIELDS</div>{% endcall %}
{% call(part) list_table([_("Numéro"), (_("Total HT"), "num"), (_("Actions"), "visually-hidden") if manage, _("Date")],
                         caption=_("Devis"), rows=rows, empty=_("Aucun devis."), attrs={"data-quotes": ""}, foot=True) %}
{% if part == "foot" %}<tr><td>FOOT</td></tr>{% else %}{% for r in rows %}<tr><td>{{ r }}</td></tr>{% endfor %}{% endif %}
{% endcall %}"""


def test_the_list_macros_render_the_filter_form_and_the_table(app):
    with app.test_request_context("/"):
        html = render_template_string(LISTS, rows=["Q-1", "Q-2"], manage=False)
    assert '<form method="get" class="filters" role="search" aria-label="Filtrer les devis">' in html
    assert '<div>FIELDS</div>' in html and '<div><button type="submit" class="secondary">Filtrer</button></div>' in html
    # the table scrolls in its own box, a region named after the caption that a keyboard reaches
    assert ('<div class="table-scroll" tabindex="0" role="region" aria-label="Devis">\n<table data-quotes="">'
            in html)
    assert '<caption class="visually-hidden">Devis</caption>' in html
    assert ('<thead><tr><th scope="col">Numéro</th><th scope="col" class="num">Total HT</th>'
            '<th scope="col">Date</th></tr></thead>') in html  # the "Actions" column is left out when not managing
    assert "<tr><td>Q-1</td></tr><tr><td>Q-2</td></tr>" in html and "<tfoot><tr><td>FOOT</td></tr></tfoot>" in html
    assert "Aucun devis." not in html

    with app.test_request_context("/"):
        html = render_template_string(LISTS, rows=[], manage=True)
    assert "<table" not in html and '<p class="empty">Aucun devis.</p>' in html


PAGE = """{% from "_lists.html" import page_header, empty_state %}
{{ page_header(_("Devis"), actions=[(_("Nouveau devis"), "/new"), (_("Exporter"), "/export")], lead="Tous les devis.") }}
{% call page_header("Facture") %}<form method="post" class="inline"><button>Émettre</button></form>{% endcall %}
{{ page_header("Seul") }}
{{ empty_state("Aucun devis.", ("Créer un devis", "/new")) }}"""


def test_the_page_macros_render_the_title_its_actions_and_the_empty_state(app):
    with app.test_request_context("/"):
        html = render_template_string(PAGE)
    assert ('<div class="page-header">\n  <h1>Devis</h1>\n  <div class="page-actions">\n'
            '    <a href="/new" class="button-link">Nouveau devis</a>\n'
            '    <a href="/export" class="button-link secondary">Exporter</a>') in html
    assert '<p class="page-lead">Tous les devis.</p>' in html
    assert '<h1>Facture</h1>\n  <div class="page-actions">\n<form method="post" class="inline">' in html
    assert '<div class="page-header">\n  <h1>Seul</h1>\n</div>' in html  # no actions: no empty box
    assert ('<p class="empty">Aucun devis.</p>\n<p class="empty-action"><a href="/new" class="button-link secondary">'
            'Créer un devis</a></p>') in html


HEADS = """{% from "_lists.html" import page_header %}
{{ page_header("PC-0042", small="ThinkPad T480") }}
{% call page_header(_("Prêt n° %(id)s", id=3), badges=[("En cours", "badge-info", {"data-loan-status": "open"}),
                                                       ("en retard", "badge-bad") if late, ("sans classe", "")]) %}
<a href="/edit">Modifier</a>{% endcall %}
{% call page_header("Lecture seule") %}{% if manage %}<a href="/edit">Modifier</a>{% endif %}{% endcall %}"""


def test_the_page_header_holds_a_second_part_and_badges_in_the_title(app):
    with app.test_request_context("/"):
        html = render_template_string(HEADS, late=False)
    assert '<h1>PC-0042 <small>ThinkPad T480</small></h1>' in html
    assert ('<h1>Prêt n° 3 <span class="badge badge-info" data-loan-status="open">En cours</span>'
            ' <span class="badge">sans classe</span></h1>\n  <div class="page-actions">') in html
    assert "en retard" not in html  # a false badge is left out
    assert '<h1>Lecture seule</h1>\n</div>' in html  # actions that render nothing: no empty box
    with app.test_request_context("/"):
        html = render_template_string(HEADS, late=True)
    assert 'En cours</span> <span class="badge badge-bad">en retard</span> <span class="badge">' in html


def test_a_list_page_uses_them(client, users):
    """The accounts page: its title and action, its filter form (button not wrapped) and its table."""
    login(client, users["coordinator"])
    page = text_of(client.get("/users"))
    assert '<form method="get" class="filters" role="search">' in page
    assert '<button type="submit" class="secondary">Filtrer</button>' in page
    assert '<th scope="col">Courriel</th><th scope="col">Rôles</th>' in page
    assert '<h1>Comptes</h1>' in page and 'class="button-link">Nouveau compte</a>' in page
    assert '<div class="table-scroll" tabindex="0" role="region" aria-label="Comptes">' in page
    assert users["member"].email in page
    empty = text_of(client.get("/users?q=nobody-has-this-name"))
    assert users["member"].email not in empty and "Aucun résultat." in empty


# Pages with a layout of their own: the error page and the narrow login and password pages (no page head).
OWN_HEADING = {"errors/error.html", "core/login.html", "core/forgot_password.html", "core/reset_password.html"}
# A calendar day's cell says it has no session in small print.
OWN_EMPTY = {"missions/calendars/week.html"}


def _web_templates(root: Path = TEMPLATES):
    """Every template but the macros' own file and the documents WeasyPrint renders (in a pdf/ folder or pdf.html)."""
    for path in sorted(root.rglob("*.html")):
        name = path.relative_to(root).as_posix()
        if name != "_lists.html" and "pdf" not in (*path.relative_to(root).parent.parts, path.stem):
            yield name, path.read_text(encoding="utf-8")


def _own_titles(root: Path = TEMPLATES) -> list[str]:
    return [name for name, source in _web_templates(root) if "<h1" in source.lower() and name not in OWN_HEADING]


def _own_empty_paragraphs(root: Path = TEMPLATES) -> list[str]:
    return [name for name, source in _web_templates(root) if '<p class="empty">' in source and name not in OWN_EMPTY]


def test_every_web_page_title_goes_through_page_header():
    """So that the look of a page's head is one change: no web page writes its own <h1>."""
    offenders = _own_titles()
    assert offenders == [], "write the title with page_header (templates/_lists.html): " + ", ".join(offenders)


def test_every_empty_list_goes_through_empty_state():
    offenders = _own_empty_paragraphs()
    assert offenders == [], "say it with empty_state (templates/_lists.html): " + ", ".join(offenders)


def test_the_checks_name_a_page_writing_its_own_title_or_empty_list(tmp_path):
    (tmp_path / "billing" / "pdf").mkdir(parents=True)
    (tmp_path / "billing" / "pdf" / "invoice.html").write_text("<h1>Facture</h1>")  # a PDF: its own
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "pdf.html").write_text('<h1>Rapport</h1><p class="empty">Rien.</p>')
    (tmp_path / "billing" / "detail.html").write_text('<H1 class="x">Facture</H1><p class="empty">Aucune ligne.</p>')
    (tmp_path / "billing" / "list.html").write_text("{{ page_header(_('Factures')) }}")
    (tmp_path / "errors").mkdir()
    (tmp_path / "errors" / "error.html").write_text("<h1>Erreur</h1>")
    (tmp_path / "_lists.html").write_text('<h1>{{ title }}</h1><p class="empty">{{ text }}</p>')
    assert _own_titles(tmp_path) == ["billing/detail.html"]
    assert _own_empty_paragraphs(tmp_path) == ["billing/detail.html"]
