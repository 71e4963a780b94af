"""Access rows for the calendars (week, month, « Ma semaine ») and the iCal feeds."""

from tests.test_access import STAFF, only, same

ACCESS = {
    "missions.calendar_week": ("GET", "/missions/calendar/week", only(STAFF | {"mediator"})),
    "missions.calendar_month": ("GET", "/missions/calendar/month?date={month_start}", only(STAFF | {"mediator"})),
    # « Ma semaine » is a mediator's page (an admin passes every role check)
    "missions.my_week": ("GET", "/missions/my-week?date={tomorrow}", only({"admin", "mediator"})),
    "missions.calendar_feeds": ("GET", "/missions/calendar/feeds", only(STAFF | {"mediator", "authority"})),
    # no target posted: the form is refused (400) for those who may create feeds
    "missions.calendar_feed_new": ("POST", "/missions/calendar/feeds/new",
                                   only(STAFF | {"mediator", "authority"}, ok=400)),
    # the mediator's own feed: staff and the mediator themself; nobody else
    "missions.calendar_feed_regenerate": ("POST", "/missions/calendar/feeds/mediator/{mediator}/regenerate",
                                          only(STAFF | {"mediator"}, ok=302)),
    # the authority's organisation's feed: staff and its contact; a mediator may not touch it
    "missions.calendar_feed_revoke": ("POST", "/missions/calendar/feeds/organisation/{own_org}/revoke",
                                      only(STAFF | {"authority"}, ok=302)),
    # the secret URL needs no login; the token is the key
    "missions_public.ical_feed": ("GET", "/ical/{mediator_feed}.ics", same(200)),
}
