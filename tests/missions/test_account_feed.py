"""« Mon compte » shows the calendar feed through the registry (core knows no domain): the missions domain's panel
« Mon agenda (iCal) » with the user's feed link, or the button creating it, which comes back to the account page."""

import re

from sqlalchemy import select

from coopnum.missions.models import CalendarFeed, FeedKind
from tests import factories
from tests.conftest import login, text_of


def test_mediator_creates_their_feed_from_the_account_page(client, session, users):
    login(client, users["mediator"])
    page = client.get("/account").get_data(as_text=True)
    assert "Mon agenda (iCal)" in page and "Créer mon lien d" in page
    response = client.post("/missions/calendar/feeds/new",
                           data={"target": f"mediator:{users['mediator'].id}", "next": "/account#agenda"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account#agenda")
    feed = session.execute(select(CalendarFeed).where(CalendarFeed.kind == FeedKind.MEDIATOR,
                                                      CalendarFeed.target_id == users["mediator"].id)).scalar_one()
    page = client.get("/account").get_data(as_text=True)
    assert f"/ical/{feed.token}.ics" in page and "webcal://" in page


def test_authority_sees_their_organisation_feed(client, session, users):
    factories.world(session, users, billing=False)  # the organisation's feed exists
    session.commit()
    login(client, users["authority"])
    text = text_of(client.get("/account"))
    assert "Mon agenda (iCal)" in text and "Les séances de" in text


def test_no_panel_for_a_member(client, users):
    login(client, users["member"])
    assert "Mon agenda (iCal)" not in text_of(client.get("/account"))


def test_an_outside_next_is_ignored(client, session, users):
    login(client, users["mediator"])
    response = client.post("/missions/calendar/feeds/new",
                           data={"target": f"mediator:{users['mediator'].id}", "next": "https://evil.example/"})
    assert response.status_code == 302 and "evil" not in response.headers["Location"]


def _create_form(page: str) -> str:
    """The form whose button creates the feed (one macro for both pages)."""
    (form,) = re.findall(r"<form [^>]*calendar/feeds/new[^>]*>(?:(?!</form>).)*Créer mon lien d'abonnement"
                         r"(?:(?!</form>).)*</form>", page, re.S)
    return form


def test_the_create_form_is_the_same_on_both_pages_but_for_next(client, users):
    mediator = users["mediator"]
    login(client, mediator)
    account = _create_form(client.get("/account").get_data(as_text=True))
    feeds_page = _create_form(client.get("/missions/calendar/feeds").get_data(as_text=True))
    target = f'<input type="hidden" name="target" value="mediator:{mediator.id}">'
    assert target in account and target in feeds_page
    assert 'name="csrf_token"' in account and 'name="csrf_token"' in feeds_page
    assert '<input type="hidden" name="next" value="/account#agenda">' in account  # back to the account page
    assert 'name="next"' not in feeds_page  # the feeds page: back to the feed's own section
    assert account.replace('<input type="hidden" name="next" value="/account#agenda">', "").split() == \
        feeds_page.split()
