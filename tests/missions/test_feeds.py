"""iCal feeds: services (one active feed per target, regenerate, revoke), the content of each kind of feed, the
public secret URL and the management page with its per-object checks."""

from datetime import timedelta

import pytest
import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import select

from coopnum.core import settings
from coopnum.core.clock import paris_midnight
from coopnum.core.errors import DomainError, NotFound
from coopnum.core.models import AuditLog
from coopnum.missions import access
from coopnum.missions.models import CalendarFeed, FeedKind, SessionStatus
from coopnum.missions.services import feeds
from coopnum.organisations.models import Organisation
from tests import days, factories
from tests.conftest import login

NOW = days.NOW  # the pinned clock, which the public feed reads


@pytest.fixture
def data(session, users):
    """Two organisations; a mission of A at place A, one of B at place B, and one of A at place B.

    s1 (A/place A, mediator), s2 (A/place A, cancelled, open), s3 (B/place B, other mediator),
    s5 (A/place B, mediator); s_old and s_far (A/place A, mediator) fall outside the feed window (90 days
    back, 400 days ahead). Every session is at 09:00–12:00 in Paris, ``n`` days from today."""
    org_a = session.get(Organisation, users["authority"].organisation_id)
    org_b = factories.organisation(session, name="Commune Voisine")
    other_mediator = factories.user(session, full_name="Zoé Autre")
    conv_a = factories.convention(session, organisation=org_a)
    conv_b = factories.convention(session, organisation=org_b)
    place_a = factories.place(session, organisation=org_a, name="Médiathèque", address="3 rue Haute")
    place_b = factories.place(session, organisation=org_b, name="Mairie Voisine", address="1 place du Marché",
                              city="Voisinville")
    m_a = factories.mission(session, convention=conv_a, place=place_a, title="Permanence numérique")
    m_b = factories.mission(session, convention=conv_b, place=place_b, title="Atelier smartphone")
    m_c = factories.mission(session, convention=conv_a, place=place_b, title="Atelier mails")

    def at(mission, n, **kw):
        day = days.days(n)
        return factories.mission_session(session, mission=mission, start=days.at(day, 9),
                                         end=days.at(day, 12), **kw)

    s1 = at(m_a, 2)
    s2 = at(m_a, 9, status=SessionStatus.CANCELLED, cancel_reason="Salle indisponible", sequence=2)
    s3 = at(m_b, 3)
    s5 = at(m_c, 18)
    s_old = at(m_a, -92)  # more than 90 days before NOW
    s_far = at(m_a, 442)  # more than 400 days after NOW
    for s in (s1, s5, s_old, s_far):
        factories.assignment(session, mission_session=s, user=users["mediator"])
    factories.assignment(session, mission_session=s3, user=other_mediator)
    session.commit()
    return {
        "org_a": org_a, "org_b": org_b, "place_a": place_a, "place_b": place_b, "other_mediator": other_mediator,
        "s1": s1, "s2": s2, "s3": s3, "s5": s5, "s_old": s_old, "s_far": s_far,
    }


def uids(events) -> set[str]:
    return {e.uid for e in events}


def uid(s) -> str:
    return f"session-{s.id}@coopnum.test"


def feed_for(session, users, kind, target_id):
    feed = feeds.get_or_create_feed(session, users["coordinator"], kind, target_id, NOW)
    session.commit()
    return feed


# --- services -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "target", "expected"), [
    (FeedKind.MEDIATOR, "mediator", ("s1", "s5")),
    (FeedKind.MEDIATOR, "other_mediator", ("s3",)),
    (FeedKind.PLACE, "place_a", ("s1", "s2")),
    (FeedKind.PLACE, "place_b", ("s3", "s5")),
    (FeedKind.ORGANISATION, "org_a", ("s1", "s2", "s5")),
    (FeedKind.ORGANISATION, "org_b", ("s3",)),
])
def test_each_kind_of_feed_has_exactly_its_sessions(session, users, data, kind, target, expected):
    target_obj = users["mediator"] if target == "mediator" else data[target]
    feed = feed_for(session, users, kind, target_obj.id)
    events = feeds.feed_events(session, feed, now=NOW, base_url="http://coopnum.test")
    assert uids(events) == {uid(data[name]) for name in expected}


def test_event_content(session, users, data):
    feed = feed_for(session, users, FeedKind.PLACE, data["place_a"].id)
    events = {e.uid: e for e in feeds.feed_events(session, feed, now=NOW, base_url="http://coopnum.test/")}
    s1, s2 = events[uid(data["s1"])], events[uid(data["s2"])]
    assert s1.summary == "Permanence numérique — Médiathèque"
    assert s1.location == "Médiathèque, 3 rue Haute, 86000 Poitiers"
    assert users["mediator"].full_name in s1.description
    assert s1.url == f"http://coopnum.test/missions/sessions/{data['s1'].id}"
    assert s1.url in s1.description
    assert s1.start == data["s1"].start and s1.end == data["s1"].end
    assert s1.last_modified == data["s1"].updated_at
    assert not s1.cancelled and s1.sequence == 0
    assert s2.cancelled and s2.sequence == 2
    assert "Salle indisponible" in s2.description and "à pourvoir" in s2.description


def test_get_or_create_keeps_one_active_feed(session, users, data):
    mediator = users["mediator"]
    first = feeds.get_or_create_feed(session, mediator, FeedKind.MEDIATOR, mediator.id, NOW)
    again = feeds.get_or_create_feed(session, mediator, "mediator", mediator.id, NOW)
    assert first.id == again.id and len(first.token) == 32
    assert first.created_by_id == mediator.id
    audits = session.execute(select(AuditLog).where(AuditLog.object_type == "CalendarFeed")).scalars().all()
    assert [a.action for a in audits] == ["create"]
    assert first.token not in audits[0].summary  # the secret never goes to the audit log


def test_regenerate_revokes_the_old_token(session, users, data):
    mediator = users["mediator"]
    old = feeds.get_or_create_feed(session, mediator, FeedKind.MEDIATOR, mediator.id, NOW)
    new = feeds.regenerate_feed(session, mediator, FeedKind.MEDIATOR, mediator.id, NOW)
    assert new.id != old.id and new.token != old.token
    assert old.revoked_at == NOW and new.revoked_at is None
    assert feeds.active_feed(session, FeedKind.MEDIATOR, mediator.id).id == new.id
    assert feeds.feed_by_token(session, old.token) is None
    assert feeds.feed_by_token(session, new.token).id == new.id
    actions = session.execute(select(AuditLog.action).where(AuditLog.object_type == "CalendarFeed")).scalars().all()
    assert sorted(actions) == ["create", "regenerate"]


def test_revoke(session, users, data):
    feed = feeds.get_or_create_feed(session, users["coordinator"], FeedKind.PLACE, data["place_a"].id, NOW)
    feeds.revoke_feed(session, users["coordinator"], feed, NOW)
    assert feed.revoked_at == NOW and feeds.active_feed(session, FeedKind.PLACE, data["place_a"].id) is None
    with pytest.raises(DomainError, match="déjà révoqué"):
        feeds.revoke_feed(session, users["coordinator"], feed, NOW)
    # a new one can be made afterwards
    assert feeds.get_or_create_feed(session, users["coordinator"], FeedKind.PLACE, data["place_a"].id, NOW).id != feed.id


def test_bad_targets_are_refused(session, users, data):
    with pytest.raises(DomainError, match="inconnu"):
        feeds.get_or_create_feed(session, users["admin"], "calendar", 1, NOW)
    with pytest.raises(NotFound):
        feeds.get_or_create_feed(session, users["admin"], FeedKind.PLACE, 999_999, NOW)
    with pytest.raises(NotFound):  # a member is not a mediator: no mediator feed for them
        feeds.get_or_create_feed(session, users["admin"], FeedKind.MEDIATOR, users["member"].id, NOW)
    assert session.execute(select(CalendarFeed)).scalars().all() == []


def test_can_manage_feed(users, data):
    mediator, authority = users["mediator"], users["authority"]
    assert access.can_manage_feed(users["coordinator"], FeedKind.PLACE, data["place_b"].id)
    assert access.can_manage_feed(mediator, FeedKind.MEDIATOR, mediator.id)
    assert not access.can_manage_feed(mediator, FeedKind.MEDIATOR, data["other_mediator"].id)
    assert not access.can_manage_feed(mediator, FeedKind.ORGANISATION, data["org_a"].id)
    assert access.can_manage_feed(authority, FeedKind.ORGANISATION, data["org_a"].id)
    assert not access.can_manage_feed(authority, FeedKind.ORGANISATION, data["org_b"].id)
    assert not access.can_manage_feed(authority, FeedKind.PLACE, data["place_a"].id)
    assert not access.can_manage_feed(users["member"], FeedKind.MEDIATOR, users["member"].id)


# --- the public URL -------------------------------------------------------------------------------------------

def fetch(client, token):
    return client.get(f"/ical/{token}.ics")


def parse(response) -> Calendar:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return Calendar.from_ical(response.data)


def by_uid(cal):
    return {str(ev["UID"]): ev for ev in cal.walk("VEVENT")}


def test_public_feed_is_a_valid_calendar(client, session, users, data):
    feed = feed_for(session, users, FeedKind.ORGANISATION, data["org_a"].id)
    response = fetch(client, feed.token)
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline; filename=") and disposition.endswith('.ics"')
    cal = parse(response)
    assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/Paris"
    events = by_uid(cal)
    assert set(events) == {uid(data["s1"]), uid(data["s2"]), uid(data["s5"])}
    s1 = events[uid(data["s1"])]
    assert s1["DTSTART"].params["TZID"] == "Europe/Paris"
    assert (s1.start.hour, s1.start.minute) == (9, 0)  # in Paris time, summer or winter
    assert s1.start == data["s1"].start and s1.end == data["s1"].end
    assert str(s1["SUMMARY"]) == "Permanence numérique — Médiathèque"
    assert "3 rue Haute" in str(s1["LOCATION"])
    assert users["mediator"].full_name in str(s1["DESCRIPTION"])
    assert str(s1["URL"]) == f"http://coopnum.test/missions/sessions/{data['s1'].id}"
    assert s1["STATUS"] == "CONFIRMED"
    assert events[uid(data["s2"])]["STATUS"] == "CANCELLED"
    assert "Ville de Testville" in str(cal["X-WR-CALNAME"])
    assert str(cal["X-WR-CALNAME"]).startswith(settings.cooperative_name(session) + " — ")  # not the software's
    # the next ten days hold s1 and s2; s5 is on its own day, in 18 days
    found = recurring_ical_events.of(cal).between(paris_midnight(days.TODAY), paris_midnight(days.days(10)))
    assert {str(ev["UID"]) for ev in found} == {uid(data["s1"]), uid(data["s2"])}
    s5_day = days.days(18)
    on_s5_day = recurring_ical_events.of(cal).at((s5_day.year, s5_day.month, s5_day.day))
    assert {str(ev["UID"]) for ev in on_s5_day} == {uid(data["s5"])}


def test_sequence_increases_with_the_session(client, session, users, data):
    feed = feed_for(session, users, FeedKind.MEDIATOR, users["mediator"].id)
    before = by_uid(parse(fetch(client, feed.token)))[uid(data["s1"])]
    assert before["SEQUENCE"] == 0
    data["s1"].sequence += 1
    data["s1"].start += timedelta(hours=1)
    data["s1"].end += timedelta(hours=1)
    session.commit()
    after = by_uid(parse(fetch(client, feed.token)))[uid(data["s1"])]
    assert after["SEQUENCE"] == 1
    assert after.start.hour == 10


def test_unknown_or_revoked_token_is_a_plain_404(client, session, users, data):
    feed = feed_for(session, users, FeedKind.PLACE, data["place_a"].id)
    unknown = fetch(client, "not-a-real-token")
    assert unknown.status_code == 404
    assert unknown.headers["Content-Type"].startswith("text/plain")
    assert fetch(client, "x" * 300).status_code == 404
    feeds.revoke_feed(session, users["coordinator"], feed, NOW)
    session.commit()
    revoked = fetch(client, feed.token)
    assert revoked.status_code == 404
    assert revoked.data == unknown.data  # no hint that this token once existed
    assert b"BEGIN:VCALENDAR" not in revoked.data


def test_a_deactivated_mediator_feed_is_no_longer_served(client, session, users, data):
    feed = feed_for(session, users, FeedKind.MEDIATOR, users["mediator"].id)
    assert fetch(client, feed.token).status_code == 200
    users["mediator"].active = False
    session.commit()
    assert fetch(client, feed.token).status_code == 404


def test_last_access_is_written_at_most_once_an_hour(client, session, users, data, travel):
    feed = feed_for(session, users, FeedKind.MEDIATOR, users["mediator"].id)
    assert feed.last_accessed_at is None
    assert fetch(client, feed.token).status_code == 200
    session.refresh(feed)
    assert feed.last_accessed_at == NOW
    travel.move_to(NOW + timedelta(minutes=30))
    assert fetch(client, feed.token).status_code == 200
    session.refresh(feed)
    assert feed.last_accessed_at == NOW  # not written again within the hour
    travel.move_to(NOW + timedelta(minutes=61))
    assert fetch(client, feed.token).status_code == 200
    session.refresh(feed)
    assert feed.last_accessed_at == NOW + timedelta(minutes=61)


# --- the management page and its POST routes --------------------------------------------------------------------

def test_mediator_creates_and_regenerates_their_feed(client, session, users, data):
    mediator = users["mediator"]
    login(client, mediator)
    page = client.get("/missions/calendar/feeds")
    assert page.status_code == 200
    assert "Créer mon lien d'abonnement" in page.get_data(as_text=True)
    response = client.post("/missions/calendar/feeds/new", data={"target": f"mediator:{mediator.id}"})
    assert response.status_code == 302 and "#feed-mediator-" in response.headers["Location"]
    feed = feeds.active_feed(session, FeedKind.MEDIATOR, mediator.id)
    text = client.get("/missions/calendar/feeds").get_data(as_text=True)
    assert f"http://coopnum.test/ical/{feed.token}.ics" in text
    assert f"webcal://coopnum.test/ical/{feed.token}.ics" in text
    for app_name in ("Google Agenda", "Outlook", "Thunderbird", "Apple"):
        assert app_name in text
    assert {str(e["UID"]) for e in parse(fetch(client, feed.token)).walk("VEVENT")} == {uid(data["s1"]),
                                                                                          uid(data["s5"])}

    response = client.post(f"/missions/calendar/feeds/mediator/{mediator.id}/regenerate")
    assert response.status_code == 302
    new = feeds.active_feed(session, FeedKind.MEDIATOR, mediator.id)
    assert new.token != feed.token
    assert fetch(client, feed.token).status_code == 404  # the old URL stops working
    assert fetch(client, new.token).status_code == 200
    text = client.get("/missions/calendar/feeds").get_data(as_text=True)
    assert new.token in text and feed.token not in text


def test_mediator_cannot_touch_other_feeds(client, session, users, data):
    other = data["other_mediator"]
    feed = feed_for(session, users, FeedKind.MEDIATOR, other.id)
    login(client, users["mediator"])
    assert client.post(f"/missions/calendar/feeds/mediator/{other.id}/regenerate").status_code == 403
    assert client.post(f"/missions/calendar/feeds/mediator/{other.id}/revoke").status_code == 403
    assert client.post("/missions/calendar/feeds/new", data={"target": f"mediator:{other.id}"}).status_code == 403
    assert client.post("/missions/calendar/feeds/new",
                       data={"target": f"organisation:{data['org_a'].id}"}).status_code == 403
    session.refresh(feed)
    assert feed.revoked_at is None
    assert feed.token not in client.get("/missions/calendar/feeds").get_data(as_text=True)


def test_bad_feed_requests(client, session, users, data):
    login(client, users["coordinator"])
    for target in ("", "n'importe quoi", "calendar:3", "place:abc"):
        response = client.post("/missions/calendar/feeds/new", data={"target": target})
        assert response.status_code == 400, target
        assert "Choisissez un agenda." in response.get_data(as_text=True) or "Agenda inconnu." in \
            response.get_data(as_text=True)
    assert client.post("/missions/calendar/feeds/new", data={"target": "place:999999"}).status_code == 404
    assert client.post("/missions/calendar/feeds/calendar/1/regenerate").status_code == 404
    assert client.post("/missions/calendar/feeds/place/999999/regenerate").status_code == 404
    assert client.post(f"/missions/calendar/feeds/place/{data['place_a'].id}/revoke").status_code == 404  # none
    assert session.execute(select(CalendarFeed)).scalars().all() == []


def test_staff_manage_any_feed(client, session, users, data):
    login(client, users["coordinator"])
    page = client.get("/missions/calendar/feeds").get_data(as_text=True)
    assert "Mairie Voisine" in page and "Zoé Autre" in page  # offered as targets
    response = client.post("/missions/calendar/feeds/new", data={"target": f"place:{data['place_b'].id}"})
    assert response.status_code == 302
    feed = feeds.active_feed(session, FeedKind.PLACE, data["place_b"].id)
    page = client.get("/missions/calendar/feeds").get_data(as_text=True)
    assert f"http://coopnum.test/ical/{feed.token}.ics" in page
    assert f'id="feed-place-{data["place_b"].id}"' in page
    assert client.post(f"/missions/calendar/feeds/place/{data['place_b'].id}/revoke").status_code == 302
    assert fetch(client, feed.token).status_code == 404
    assert feeds.active_feed(session, FeedKind.PLACE, data["place_b"].id) is None
    # and a mediator's feed
    assert client.post("/missions/calendar/feeds/new",
                       data={"target": f"mediator:{data['other_mediator'].id}"}).status_code == 302
    assert feeds.active_feed(session, FeedKind.MEDIATOR, data["other_mediator"].id) is not None


def test_authority_sees_and_regenerates_its_organisation_feed(client, session, users, data):
    authority = users["authority"]
    login(client, authority)
    page = client.get("/missions/calendar/feeds").get_data(as_text=True)
    assert "Ville de Testville" in page and "Mairie Voisine" not in page
    assert client.post("/missions/calendar/feeds/new",
                       data={"target": f"organisation:{data['org_a'].id}"}).status_code == 302
    feed = feeds.active_feed(session, FeedKind.ORGANISATION, data["org_a"].id)
    assert feed.token in client.get("/missions/calendar/feeds").get_data(as_text=True)
    assert client.post(f"/missions/calendar/feeds/organisation/{data['org_a'].id}/regenerate").status_code == 302
    assert fetch(client, feed.token).status_code == 404
    assert client.post(f"/missions/calendar/feeds/organisation/{data['org_b'].id}/regenerate").status_code == 403
    assert client.post("/missions/calendar/feeds/new",
                       data={"target": f"organisation:{data['org_b'].id}"}).status_code == 403
    assert client.post(f"/missions/calendar/feeds/place/{data['place_a'].id}/regenerate").status_code == 403


def test_member_has_no_feed_page(client, users):
    login(client, users["member"])
    assert client.get("/missions/calendar/feeds").status_code == 403


def test_a_coordinator_who_is_also_a_mediator_sees_their_feed_once(client, session, users, data):
    both = factories.user(session, roles=("coordinator", "mediator"), full_name="Camille Double")
    session.commit()
    login(client, both)
    assert client.post("/missions/calendar/feeds/new", data={"target": f"mediator:{both.id}"}).status_code == 302
    page = client.get("/missions/calendar/feeds").get_data(as_text=True)
    token = feeds.active_feed(session, FeedKind.MEDIATOR, both.id).token
    assert "Mon agenda de médiateur·rice" in page and token in page
    assert page.count(f'id="feed-mediator-{both.id}"') == 1  # the own block; the table row has no duplicate id
