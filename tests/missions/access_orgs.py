"""Access rows for the catalogue, organisations with their contacts, and conventions (pages and API).

Detail rows use the *other* organisation's objects: the authority contact must be refused them (its own are
checked in test_organisations.py and test_conventions.py)."""

from tests.test_access import LOGGED_IN, STAFF, only

READERS = STAFF | {"authority"}


def api(allowed, ok=200, denied=403):
    return {**only(allowed, ok=ok, denied=denied), "anonymous": 401}


ACCESS = {
    # catalogue
    "missions.catalogue": ("GET", "/missions/catalogue", only(STAFF | {"mediator", "authority"})),
    "missions.service_new": ("GET", "/missions/catalogue/new", only(STAFF)),
    "missions.service_edit": ("GET", "/missions/catalogue/{service}/edit", only(STAFF)),
    "missions.service_deactivate": ("POST", "/missions/catalogue/{service}/deactivate", only(STAFF, ok=302)),
    "missions.service_activate": ("POST", "/missions/catalogue/{service}/activate", only(STAFF, ok=302)),
    # organisations and contacts
    "missions.organisations": ("GET", "/missions/organisations", only(STAFF)),
    "missions.organisation_new": ("GET", "/missions/organisations/new", only(STAFF)),
    "missions.organisation_detail": ("GET", "/missions/organisations/{other_org}", only(STAFF)),
    "missions.organisation_edit": ("GET", "/missions/organisations/{own_org}/edit", only(STAFF)),
    "missions.organisation_archive": ("POST", "/missions/organisations/{other_org}/archive", only(STAFF, ok=302)),
    "missions.organisation_restore": ("POST", "/missions/organisations/{other_org}/restore", only(STAFF, ok=302)),
    "missions.contact_new": ("GET", "/missions/organisations/{own_org}/contacts/new", only(STAFF)),
    "missions.contact_edit": ("GET", "/missions/contacts/{own_contact}/edit", only(STAFF)),
    "missions.contact_delete": ("POST", "/missions/contacts/{own_contact}/delete", only(STAFF, ok=302)),
    "missions.contact_create_login": ("POST", "/missions/contacts/{own_contact}/access", only(STAFF, ok=302)),
    # conventions
    "missions.conventions": ("GET", "/missions/conventions", only(READERS)),
    "missions.convention_new": ("GET", "/missions/conventions/new", only(STAFF)),
    "missions.convention_detail": ("GET", "/missions/conventions/{other_convention}", only(STAFF)),
    "missions.convention_edit": ("GET", "/missions/conventions/{own_convention}/edit", only(STAFF)),
    # no date given: the form is sent back with its error (400)
    "missions.convention_sign": ("POST", "/missions/conventions/{own_convention}/sign", only(STAFF, ok=400)),
    "missions.convention_end": ("POST", "/missions/conventions/{own_convention}/end", only(STAFF, ok=302)),
    # no file given: the form is sent back with its error (400)
    "missions.convention_upload": ("POST", "/missions/conventions/{own_convention}/file", only(STAFF, ok=400)),
    # no PDF attached yet: 404 for those who may see the convention, 403 for the others
    "missions.convention_file": ("GET", "/missions/conventions/{other_convention}/signed.pdf",
                                 only(STAFF, ok=404)),
    # API (no body sent: 422 for those allowed to write)
    "api.list_organisations": ("GET", "/api/v1/organisations", api(READERS)),
    "api.create_organisation": ("POST", "/api/v1/organisations", api(STAFF, ok=422)),
    "api.get_organisation": ("GET", "/api/v1/organisations/{other_org}", {**api(STAFF), "authority": 404}),
    "api.update_organisation": ("PATCH", "/api/v1/organisations/{own_org}", api(STAFF, ok=422)),
    "api.list_conventions": ("GET", "/api/v1/conventions", api(READERS)),
    "api.create_convention": ("POST", "/api/v1/conventions", api(STAFF, ok=422)),
    "api.get_convention": ("GET", "/api/v1/conventions/{other_convention}", {**api(STAFF), "authority": 404}),
    "api.update_convention": ("PATCH", "/api/v1/conventions/{own_convention}", api(STAFF, ok=422)),
}

assert LOGGED_IN >= READERS
