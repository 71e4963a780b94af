"""Access rows for the activity reports (CRA), followed beneficiaries and reference lists pages, and the
activities API."""

from tests.test_access import STAFF, only

REPORTERS = STAFF | {"mediator"}

ACCESS = {
    "activities.activities": ("GET", "/missions/activities", only(REPORTERS)),
    "activities.activity_new": ("GET", "/missions/activities/new", only(REPORTERS)),
    "activities.activity_detail": ("GET", "/missions/activities/{own_activity}", only(REPORTERS)),
    "activities.activity_edit": ("GET", "/missions/activities/{own_activity}/edit", only(REPORTERS)),
    "activities.activity_delete": ("POST", "/missions/activities/{own_activity}/delete", only(REPORTERS, ok=302)),
    "activities.beneficiaries": ("GET", "/missions/beneficiaries", only(REPORTERS)),
    "activities.beneficiary_new": ("GET", "/missions/beneficiaries/new", only(REPORTERS)),
    "activities.beneficiary_detail": ("GET", "/missions/beneficiaries/{own_beneficiary}", only(REPORTERS)),
    "activities.beneficiary_edit": ("GET", "/missions/beneficiaries/{own_beneficiary}/edit", only(REPORTERS)),
    # without the confirmation box ticked: nothing is erased, back to the record
    "activities.beneficiary_erase": ("POST", "/missions/beneficiaries/{own_beneficiary}/erase",
                                   only(REPORTERS, ok=302)),
    "activities.beneficiary_duplicates": ("GET", "/missions/beneficiaries/duplicates", only(REPORTERS)),
    "activities.beneficiary_merge": ("POST", "/missions/beneficiaries/merge", only(REPORTERS, ok=302)),
    # an empty form is shown again with its error
    "activities.beneficiaries_retention": ("POST", "/missions/beneficiaries/retention", only(STAFF, ok=400)),
    "activities.reference_lists": ("GET", "/missions/reference-lists", only(STAFF)),
    "activities.reference_entry_save": ("POST", "/missions/reference-lists/thematique/entries/Email",
                                      only(STAFF, ok=302)),
    "activities.reference_entry_add": ("POST", "/missions/reference-lists/thematique/entries", only(STAFF, ok=302)),
    "api.list_activities": ("GET", "/api/v1/activities", only(REPORTERS, anonymous=401)),
    # an empty body: 422 for those who may create
    "api.create_activity": ("POST", "/api/v1/activities", only(REPORTERS, ok=422, anonymous=401)),
}
