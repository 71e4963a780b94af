"""Access rows for the activity reports (CRA), followed beneficiaries and reference lists pages, and the
activities API."""

from tests.test_access import STAFF, only

REPORTERS = STAFF | {"mediator"}

ACCESS = {
    "missions.activities": ("GET", "/missions/activities", only(REPORTERS)),
    "missions.activity_new": ("GET", "/missions/activities/new", only(REPORTERS)),
    "missions.activity_detail": ("GET", "/missions/activities/{own_activity}", only(REPORTERS)),
    "missions.activity_edit": ("GET", "/missions/activities/{own_activity}/edit", only(REPORTERS)),
    "missions.activity_delete": ("POST", "/missions/activities/{own_activity}/delete", only(REPORTERS, ok=302)),
    "missions.beneficiaries": ("GET", "/missions/beneficiaries", only(REPORTERS)),
    "missions.beneficiary_new": ("GET", "/missions/beneficiaries/new", only(REPORTERS)),
    "missions.beneficiary_detail": ("GET", "/missions/beneficiaries/{own_beneficiary}", only(REPORTERS)),
    "missions.beneficiary_edit": ("GET", "/missions/beneficiaries/{own_beneficiary}/edit", only(REPORTERS)),
    # without the confirmation box ticked: nothing is erased, back to the record
    "missions.beneficiary_erase": ("POST", "/missions/beneficiaries/{own_beneficiary}/erase",
                                   only(REPORTERS, ok=302)),
    "missions.beneficiary_duplicates": ("GET", "/missions/beneficiaries/duplicates", only(REPORTERS)),
    "missions.beneficiary_merge": ("POST", "/missions/beneficiaries/merge", only(REPORTERS, ok=302)),
    # an empty form is shown again with its error
    "missions.beneficiaries_retention": ("POST", "/missions/beneficiaries/retention", only(STAFF, ok=400)),
    "missions.reference_lists": ("GET", "/missions/reference-lists", only(STAFF)),
    "missions.reference_entry_save": ("POST", "/missions/reference-lists/thematique/entries/Email",
                                      only(STAFF, ok=302)),
    "missions.reference_entry_add": ("POST", "/missions/reference-lists/thematique/entries", only(STAFF, ok=302)),
    "api.list_activities": ("GET", "/api/v1/activities", only(REPORTERS, anonymous=401)),
    # an empty body: 422 for those who may create
    "api.create_activity": ("POST", "/api/v1/activities", only(REPORTERS, ok=422, anonymous=401)),
}
