"""« Mon compte » shows the calendar feed through the registry (core knows no domain): the missions domain's panel
« Mon agenda (iCal) » with the user's feed link, or the button creating it, which comes back to the account page."""

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
