"""Access rows for the catalogue, organisations with their contacts, and conventions (pages and API).

Detail rows use the *other* organisation's objects: the authority contact must be refused them (its own are
checked in test_organisations.py and test_conventions.py)."""

from tests.test_access import LOGGED_IN, STAFF, only

READERS = STAFF | {"authority"}


def api(allowed, ok=200, denied=403):
    return {**only(allowed, ok=ok, denied=denied), "anonymous": 401}


ACCESS = {
    # catalogue
    "organisations.catalogue": ("GET", "/missions/catalogue", only(STAFF | {"mediator", "authority"})),
    "organisations.service_new": ("GET", "/missions/catalogue/new", only(STAFF)),
    "organisations.service_edit": ("GET", "/missions/catalogue/{service}/edit", only(STAFF)),
    "organisations.service_deactivate": ("POST", "/missions/catalogue/{service}/deactivate", only(STAFF, ok=302)),
    "organisations.service_activate": ("POST", "/missions/catalogue/{service}/activate", only(STAFF, ok=302)),
    # organisations and contacts
    "organisations.organisations": ("GET", "/missions/organisations", only(STAFF)),
    "organisations.organisation_new": ("GET", "/missions/organisations/new", only(STAFF)),
    "organisations.organisation_detail": ("GET", "/missions/organisations/{other_org}", only(STAFF)),
    "organisations.organisation_edit": ("GET", "/missions/organisations/{own_org}/edit", only(STAFF)),
    "organisations.organisation_archive": ("POST", "/missions/organisations/{other_org}/archive", only(STAFF, ok=302)),
    "organisations.organisation_restore": ("POST", "/missions/organisations/{other_org}/restore", only(STAFF, ok=302)),
    "organisations.contact_new": ("GET", "/missions/organisations/{own_org}/contacts/new", only(STAFF)),
    "organisations.contact_edit": ("GET", "/missions/contacts/{own_contact}/edit", only(STAFF)),
    "organisations.contact_delete": ("POST", "/missions/contacts/{own_contact}/delete", only(STAFF, ok=302)),
    "organisations.contact_create_login": ("POST", "/missions/contacts/{own_contact}/access", only(STAFF, ok=302)),
    # conventions
    "organisations.conventions": ("GET", "/missions/conventions", only(READERS)),
    "organisations.convention_new": ("GET", "/missions/conventions/new", only(STAFF)),
    "organisations.convention_detail": ("GET", "/missions/conventions/{other_convention}", only(STAFF)),
    "organisations.convention_edit": ("GET", "/missions/conventions/{own_convention}/edit", only(STAFF)),
    # no date given: the form is sent back with its error (400)
    "organisations.convention_sign": ("POST", "/missions/conventions/{own_convention}/sign", only(STAFF, ok=400)),
    "organisations.convention_end": ("POST", "/missions/conventions/{own_convention}/end", only(STAFF, ok=302)),
    # no file given: the form is sent back with its error (400)
    "organisations.convention_upload": ("POST", "/missions/conventions/{own_convention}/file", only(STAFF, ok=400)),
    # no PDF attached yet: 404 for those who may see the convention, 403 for the others
    "organisations.convention_file": ("GET", "/missions/conventions/{other_convention}/signed.pdf",
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
