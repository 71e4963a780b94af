"""Access rows for the assemblies' pages and API, on the access test's world (``assemblies_world``: an AGO
convened on paper with a document and an open resolution; the member user is a member with voting rights). The
per-object rules (a member sees convened assemblies, votes for itself and its proxies only, reads a result once
closed) are tested in test_assemblies*.py and test_votes.py."""

from tests.test_access import STAFF, only

MEMBERS = STAFF | {"member"}

ACCESS = {
    "members.assemblies": ("GET", "/members/assemblies", only(MEMBERS)),
    "members.assembly_new": ("GET", "/members/assemblies/new", only(STAFF)),
    "members.assembly": ("GET", "/members/assemblies/{assembly}", only(MEMBERS)),
    "members.assembly_convene": ("POST", "/members/assemblies/{assembly}/convene", only(STAFF, ok=302)),
    "members.assembly_document_new": ("POST", "/members/assemblies/{assembly}/documents", only(STAFF, ok=302)),
    "members.assembly_document": ("GET", "/members/assemblies/documents/{assembly_document}", only(MEMBERS)),
    "members.assembly_proxy_form": ("GET", "/members/assemblies/{assembly}/proxy-form.pdf", only(MEMBERS)),
    "members.assembly_attendance": ("POST", "/members/assemblies/{assembly}/attendance", only(STAFF, ok=302)),
    "members.resolution_new": ("POST", "/members/assemblies/{assembly}/resolutions", only(STAFF, ok=302)),
    "members.resolution_open": ("POST", "/members/resolutions/{resolution}/open", only(STAFF, ok=302)),
    "members.resolution_close": ("POST", "/members/resolutions/{resolution}/close", only(STAFF, ok=302)),
    "members.resolution": ("GET", "/members/resolutions/{resolution}", only(STAFF)),
    "members.assembly_minutes": ("POST", "/members/assemblies/{assembly}/minutes", only(STAFF, ok=302)),
    "members.assembly_hold": ("POST", "/members/assemblies/{assembly}/hold", only(STAFF, ok=302)),
    "members.assembly_sign": ("POST", "/members/assemblies/{assembly}/sign", only(STAFF, ok=302)),
    # the minutes of an assembly not held yet: none to read for a member (404); the staff sees the draft
    "members.assembly_minutes_pdf": ("GET", "/members/assemblies/{assembly}/minutes.pdf", {**only(STAFF), "member": 404}),
    "members.assembly_attendance_pdf": ("GET", "/members/assemblies/{assembly}/attendance.pdf", only(STAFF)),
    "members.deliberations": ("GET", "/members/deliberations", only(MEMBERS)),
    # the member's space: the member role (an admin passes every role check); a coordinator is not a member
    "members.my_space": ("GET", "/members/me", only({"admin", "member"})),
    # an admin passes the role check but has no member record: nothing to give or vote (403)
    "members.my_proxy": ("POST", "/members/me/assemblies/{assembly}/proxy", only({"member"}, ok=302)),
    "members.my_vote": ("POST", "/members/me/resolutions/{resolution}/vote", only({"member"}, ok=302)),
    "api.list_assemblies": ("GET", "/api/v1/assemblies", only(MEMBERS, anonymous=401)),
    "api.create_assembly": ("POST", "/api/v1/assemblies", only(STAFF, ok=422, anonymous=401)),
    "api.record_attendance": ("POST", "/api/v1/assemblies/{assembly}/attendance", only(STAFF, ok=422, anonymous=401)),
    "api.create_resolution": ("POST", "/api/v1/assemblies/{assembly}/resolutions", only(STAFF, ok=422, anonymous=401)),
    # the world's resolution is open already: opening it again is a conflict
    "api.open_resolution": ("POST", "/api/v1/resolutions/{resolution}/open", only(STAFF, ok=409, anonymous=401)),
    "api.close_resolution": ("POST", "/api/v1/resolutions/{resolution}/close", only(STAFF, ok=200, anonymous=401)),
    "api.cast_ballot": ("POST", "/api/v1/resolutions/{resolution}/ballots", only(MEMBERS, ok=422, anonymous=401)),
    # a member reads a result once the vote is closed
    "api.resolution_result": ("GET", "/api/v1/resolutions/{resolution}/result", {**only(STAFF, anonymous=401), "member": 403}),
    "api.governance_settings": ("GET", "/api/v1/governance/settings", only(STAFF, anonymous=401)),
    "api.update_governance_settings": ("PATCH", "/api/v1/governance/settings", only(STAFF, ok=422, anonymous=401)),
}
