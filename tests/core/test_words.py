"""The words of the pages: plurals after counts, elision before names, no empty fields shown as « — · — »."""

from coopnum.core.models import Role
from tests import days, factories
from tests.conftest import login, text_of


def test_the_dashboard_counts_accounts_in_the_plural(client, session, users):
    for _ in range(2):
        factories.user(session, roles=[Role.MEMBER])
    session.commit()
    login(client, users["coordinator"])
    page = text_of(client.get("/"))
    assert 'data-testid="count-member"><span class="stat">3</span> sociétaires<' in page
    assert 'data-testid="count-authority"><span class="stat">1</span> compte collectivité / structure<' in page
    assert "3</span>Sociétaire" not in page


def test_a_timesheet_names_its_mediator_with_elision(client, session, users):
    aurelie = factories.user(session, roles=[Role.MEDIATOR], full_name="Aurélie Girard")
    camille = factories.user(session, roles=[Role.MEDIATOR], full_name="Camille Martin")
    session.commit()
    login(client, users["coordinator"])
    month = days.month_key(-1)
    assert "Relevé d'heures d'Aurélie Girard — " in text_of(client.get(f"/missions/timesheets/{aurelie.id}/{month}"))
    assert "Relevé d'heures de Camille Martin — " in text_of(client.get(f"/missions/timesheets/{camille.id}/{month}"))
    assert "de Aurélie" not in text_of(client.get(f"/missions/timesheets/{aurelie.id}/{month}"))


def test_an_unidentified_person_is_said_so_with_only_what_is_known(client, session, users):
    known = factories.activity(session, mediator=users["mediator"], beneficiary_genre="Feminin",
                               beneficiary_commune="Poitiers")
    nothing = factories.activity(session, mediator=users["mediator"])
    session.commit()
    login(client, users["mediator"])
    page = text_of(client.get(f"/missions/activities/{known.id}"))
    assert '<dl class="facts"' in page  # the page's facts laid out as label / value
    assert "Personne non identifiée (Féminin, Poitiers)" in page or "Personne non identifiée (Femme, Poitiers)" in page
    assert "Anonyme" not in page and "— · —" not in page
    page = text_of(client.get(f"/missions/activities/{nothing.id}"))
    assert '<span data-testid="unidentified">Personne non identifiée</span>' in page


def test_a_whole_day_absence_shows_dates_not_midnights(client, session, users):
    from coopnum.missions.models import Absence, AbsenceKind

    first = days.days(10)
    session.add(Absence(user_id=users["mediator"].id, kind=AbsenceKind.LEAVE, start=days.at(first, 0),
                        end=days.at(days.days(13), 0)))
    session.add(Absence(user_id=users["mediator"].id, kind=AbsenceKind.LEAVE, start=days.at(days.days(20), 0),
                        end=days.at(days.days(21), 0)))
    session.commit()
    login(client, users["coordinator"])
    page = text_of(client.get("/missions/absences"))
    cells = page.split('data-testid="absence-when">')[1:]
    assert len(cells) == 2 and "00:00" not in page
    texts = sorted(cell.split("<")[0] for cell in cells)
    assert texts[0].startswith("du ") and texts[1].startswith("le ") and texts[1].endswith("(toute la journée)")


def test_templates_ngettext_follows_each_language_plural_rule(app):
    """French (the source, shown without a catalogue) says « 0 ligne », English « 0 lines »; no « (s) » left."""
    from flask_babel import force_locale

    template = app.jinja_env.from_string(
        '{{ ngettext("Export en cours : %(num)s ligne sur %(total)s (%(percent)s %%).", '
        '"Export en cours : %(num)s lignes sur %(total)s (%(percent)s %%).", n, total=100, percent=p) }}')
    with app.test_request_context():
        with force_locale("fr"):
            assert template.render(n=0, p=0) == "Export en cours : 0 ligne sur 100 (0 %)."
            assert template.render(n=2, p=2) == "Export en cours : 2 lignes sur 100 (2 %)."
        with force_locale("en"):
            assert template.render(n=0, p=0) == "Export in progress: 0 lines of 100 (0%)."
            assert template.render(n=1, p=1) == "Export in progress: 1 line of 100 (1%)."


def test_no_template_counts_with_a_bracketed_plural():
    """« 3 facture(s) »: a count's word agrees with it (ngettext, count, plural_word), in every page."""
    import re

    from coopnum import ROOT

    found = [f"{path.relative_to(ROOT)}: {match}" for path in sorted((ROOT / "templates").rglob("*.html"))
             for match in re.findall(r'_\("[^"]*\w\(s\)[^"]*"', path.read_text(encoding="utf-8"))]
    assert found == []


def test_a_session_named_after_its_place_says_the_place_once_on_the_dashboard(client, session, users):
    place = factories.place(session, name="Médiathèque des Tilleuls")
    convention = factories.convention(session, organisation=factories.organisation(session))
    mission = factories.mission(session, convention=convention, place=place,
                                title="Permanence numérique — Médiathèque des Tilleuls")
    s = factories.mission_session(session, mission=mission, start=days.at(days.days(1), 9),
                                  end=days.at(days.days(1), 12))
    factories.assignment(session, mission_session=s, user=users["mediator"])
    session.commit()
    login(client, users["mediator"])
    page = text_of(client.get("/"))
    assert "Permanence numérique — Médiathèque des Tilleuls" in page
    assert page.count("Médiathèque des Tilleuls") == 1
    # the sessions table of the session's month (tomorrow is next month on the last day of a month)
    hours = client.get(f"/missions/hours?month={days.days(1):%Y-%m}").get_data(as_text=True)
    assert "Médiathèque des Tilleuls</a>" in hours and "<small>Médiathèque des Tilleuls</small>" not in hours


# words of the Python code: counts agree with their number, « de » elides before a vowel --------------------------

BRACKETED_PLURAL = r"\w\((s|x|e|es)\)"
# names another format gives, kept as it writes them: the column of La Coop de la médiation numérique's CRA export
KEPT_AS_THEIR_FORMAT_SAYS = {"Thématique(s) d’accompagnement"}


def _strings(tree):
    """Every string literal of a module, with its line: plain strings, docstrings and the parts of f-strings."""
    import ast

    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def test_no_python_message_counts_with_a_bracketed_plural():
    """« 3 relevé(s) validé(s) », « chèque(s) », « lieu(x) »: a flash, a mail, an audit summary or a CLI line agrees
    its words with the count (``ngettext`` of ``core.i18n``, ``formats.count``/``is_plural``)."""
    import ast
    import re

    from coopnum import ROOT

    pattern = re.compile(BRACKETED_PLURAL)
    found = []
    for path in sorted((ROOT / "coopnum").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found += [f"{path.relative_to(ROOT)}:{line}: {text.strip()[:80]!r}" for line, text in _strings(tree)
                  if pattern.search(text) and text not in KEPT_AS_THEIR_FORMAT_SAYS]
    assert found == [], "\n".join(found)


def test_the_scan_sees_plain_strings_and_f_string_parts():
    import ast
    import re

    source = 'x = f"{n} séance(s) {m}"\ny = "lieu(x)"\nz = f"{a(s)} {b}"\n'
    hits = [line for line, text in _strings(ast.parse(source)) if re.search(BRACKETED_PLURAL, text)]
    assert sorted(hits) == [1, 2]  # a call a(s) in an f-string's expression is code, not words


def test_python_ngettext_follows_each_language_plural_rule(app):
    """Flask-Babel's Python ``ngettext`` takes English's rule for French, the source (« 0 relevés »): core's says
    « 0 relevé » in French and « 0 lines » in English (the catalogue's plural), with the message's variables."""
    from flask_babel import force_locale

    from coopnum.core.i18n import elided, ngettext

    one, other = "%(num)s séance de %(name)s annulée.", "%(num)s séances de %(name)s annulées."
    export = ("Export en cours : %(num)s ligne sur %(total)s (%(percent)s %%).",
              "Export en cours : %(num)s lignes sur %(total)s (%(percent)s %%).")
    with app.test_request_context():
        with force_locale("fr"):
            assert ngettext(one, other, 0, name="Camille") == "0 séance de Camille annulée."
            assert ngettext(one, other, 1, name="Camille") == "1 séance de Camille annulée."
            assert ngettext(one, other, 2, name="Camille") == "2 séances de Camille annulées."
            assert elided(ngettext(one, other, 2, name="Aurélie"), "Aurélie") == "2 séances d'Aurélie annulées."
            assert ngettext(*export, 0, total=100, percent=0) == "Export en cours : 0 ligne sur 100 (0 %)."
        with force_locale("en"):
            assert ngettext(*export, 0, total=100, percent=0) == "Export in progress: 0 lines of 100 (0%)."
            assert ngettext(*export, 1, total=100, percent=1) == "Export in progress: 1 line of 100 (1%)."
            assert elided("Sessions due Aurélie", "Aurélie") == "Sessions due Aurélie"  # English is left as it is


def test_the_locked_month_error_elides_before_april(session, users):
    """« Le mois de avril 2027 est validé » → « Le mois d'avril 2027 »; « Le mois de mai » stays."""
    from datetime import date

    import pytest

    from coopnum.core.errors import DomainError
    from coopnum.timesheets.models import Timesheet, TimesheetStatus
    from coopnum.timesheets.services import locks

    year = days.TODAY.year - 1
    mediator = users["mediator"]
    for month in (4, 5):
        session.add(Timesheet(user_id=mediator.id, month=date(year, month, 1), status=TimesheetStatus.VALIDATED))
    session.flush()
    with pytest.raises(DomainError) as april:
        locks.ensure_open(session, mediator.id, date(year, 4, 17))
    assert april.value.message.startswith(f"Le mois d'avril {year} est validé et verrouillé : ")
    assert "de avril" not in april.value.message
    with pytest.raises(DomainError) as may:
        locks.ensure_open(session, mediator.id, date(year, 5, 17))
    assert may.value.message.startswith(f"Le mois de mai {year} est validé et verrouillé : ")


def test_a_month_not_begun_is_said_with_elision(session, users):
    from datetime import date

    import pytest

    from coopnum.core.errors import DomainError
    from coopnum.timesheets.services import timesheets

    april = date(days.TODAY.year + (days.TODAY.month >= 4), 4, 1)  # the next April, always after this month
    with pytest.raises(DomainError) as excinfo:
        timesheets.submit(session, users["mediator"], april, now=days.NOW)
    assert excinfo.value.message == (f"Le mois d'avril {april.year} n'a pas commencé : il ne peut pas encore être "
                                     "envoyé.")
