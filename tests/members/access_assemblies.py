"""Access rows for the assemblies' pages and API. The world of the access test holds no assembly yet (the lead
adds one to ``factories.world``), so the ids here are unknown ones: the roles allowed reach the view and get its
404, the others the role check's 403. The per-object rules (a member sees convened assemblies, votes for itself and
its proxies only, reads a result once closed) are tested in test_assemblies*.py and test_votes.py."""

from tests.test_access import STAFF, only

MEMBERS = STAFF | {"member"}
NONE = 999999

ACCESS = {
    "members.assemblies": ("GET", "/members/assemblies", only(MEMBERS)),
    "members.assembly_new": ("GET", "/members/assemblies/new", only(STAFF)),
    "members.assembly": ("GET", f"/members/assemblies/{NONE}", only(MEMBERS, ok=404)),
    "members.assembly_convene": ("POST", f"/members/assemblies/{NONE}/convene", only(STAFF, ok=404)),
    "members.assembly_document_new": ("POST", f"/members/assemblies/{NONE}/documents", only(STAFF, ok=404)),
    "members.assembly_document": ("GET", f"/members/assemblies/documents/{NONE}", only(MEMBERS, ok=404)),
    "members.assembly_proxy_form": ("GET", f"/members/assemblies/{NONE}/proxy-form.pdf", only(MEMBERS, ok=404)),
    "members.assembly_attendance": ("POST", f"/members/assemblies/{NONE}/attendance", only(STAFF, ok=404)),
    "members.resolution_new": ("POST", f"/members/assemblies/{NONE}/resolutions", only(STAFF, ok=404)),
    "members.resolution_open": ("POST", f"/members/resolutions/{NONE}/open", only(STAFF, ok=404)),
    "members.resolution_close": ("POST", f"/members/resolutions/{NONE}/close", only(STAFF, ok=404)),
    "members.resolution": ("GET", f"/members/resolutions/{NONE}", only(STAFF, ok=404)),
    "members.assembly_minutes": ("POST", f"/members/assemblies/{NONE}/minutes", only(STAFF, ok=404)),
    "members.assembly_hold": ("POST", f"/members/assemblies/{NONE}/hold", only(STAFF, ok=404)),
    "members.assembly_sign": ("POST", f"/members/assemblies/{NONE}/sign", only(STAFF, ok=404)),
    "members.assembly_minutes_pdf": ("GET", f"/members/assemblies/{NONE}/minutes.pdf", only(MEMBERS, ok=404)),
    "members.assembly_attendance_pdf": ("GET", f"/members/assemblies/{NONE}/attendance.pdf", only(STAFF, ok=404)),
    "members.deliberations": ("GET", "/members/deliberations", only(MEMBERS)),
    # the member's space: the member role (an admin passes every role check); a coordinator is not a member
    "members.my_space": ("GET", "/members/me", only({"admin", "member"})),
    # the access test's member user has no member record: nothing to give or vote (403)
    "members.my_proxy": ("POST", f"/members/me/assemblies/{NONE}/proxy", only(set())),
    "members.my_vote": ("POST", f"/members/me/resolutions/{NONE}/vote", only(set())),
    "api.list_assemblies": ("GET", "/api/v1/assemblies", only(MEMBERS, anonymous=401)),
    "api.create_assembly": ("POST", "/api/v1/assemblies", only(STAFF, ok=422, anonymous=401)),
    "api.record_attendance": ("POST", f"/api/v1/assemblies/{NONE}/attendance", only(STAFF, ok=404, anonymous=401)),
    "api.create_resolution": ("POST", f"/api/v1/assemblies/{NONE}/resolutions", only(STAFF, ok=404, anonymous=401)),
    "api.open_resolution": ("POST", f"/api/v1/resolutions/{NONE}/open", only(STAFF, ok=404, anonymous=401)),
    "api.close_resolution": ("POST", f"/api/v1/resolutions/{NONE}/close", only(STAFF, ok=404, anonymous=401)),
    "api.cast_ballot": ("POST", f"/api/v1/resolutions/{NONE}/ballots", only(MEMBERS, ok=404, anonymous=401)),
    "api.resolution_result": ("GET", f"/api/v1/resolutions/{NONE}/result", only(MEMBERS, ok=404, anonymous=401)),
    "api.governance_settings": ("GET", "/api/v1/governance/settings", only(STAFF, anonymous=401)),
    "api.update_governance_settings": ("PATCH", "/api/v1/governance/settings", only(STAFF, ok=422, anonymous=401)),
}
