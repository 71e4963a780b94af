"""Access rows for places: pages, open-data files (public) and API. Detail rows use the place of another
organisation, which an authority contact may not see (403 on pages, 404 in the API)."""

from tests.test_access import STAFF, only, same

READERS = STAFF | {"mediator", "authority"}

ACCESS = {
    "organisations.places": ("GET", "/missions/places", only(READERS)),
    "organisations.place_new": ("GET", "/missions/places/new", only(STAFF)),
    "organisations.place_detail": ("GET", "/missions/places/{other_place}", only(STAFF | {"mediator"})),
    "organisations.place_edit": ("GET", "/missions/places/{own_place}/edit", only(STAFF)),
    "organisations.place_archive": ("POST", "/missions/places/{own_place}/archive", only(STAFF, ok=302)),
    "organisations.place_restore": ("POST", "/missions/places/{own_place}/restore", only(STAFF, ok=302)),
    "organisations_public.places_csv": ("GET", "/open-data/lieux.csv", same(200)),
    "organisations_public.places_json": ("GET", "/open-data/lieux.json", same(200)),
    "api.list_places": ("GET", "/api/v1/places", {**only(READERS), "anonymous": 401}),
    # no body: staff get the 422 of the body check, the others are stopped before
    "api.create_place": ("POST", "/api/v1/places", {**only(STAFF, ok=422), "anonymous": 401}),
    "api.get_place": ("GET", "/api/v1/places/{other_place}",
                      {**only(STAFF | {"mediator"}), "authority": 404, "anonymous": 401}),
    "api.update_place": ("PATCH", "/api/v1/places/{own_place}", {**only(STAFF, ok=422), "anonymous": 401}),
}
