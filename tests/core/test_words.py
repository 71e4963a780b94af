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
