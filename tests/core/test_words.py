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
    hours = client.get("/missions/hours").get_data(as_text=True)  # the month's sessions table
    assert "Médiathèque des Tilleuls</a>" in hours and "<small>Médiathèque des Tilleuls</small>" not in hours
