"""Access rows for the register, a member's page and its operations, the certificate, the colleges and the capital
page, and the API of colleges, members and capital operations. Coordination only (an admin passes every role
check), except the certificate and ``GET /api/v1/members/{id}``, which the member itself may read (its own only).
Ids from ``registry_world``: ``college``, ``own_member`` (the member user's), ``other_member``,
``candidate_member``."""

from tests.test_access import STAFF, only

API_STAFF = {**only(STAFF, denied=403), "anonymous": 401}
API_READERS = {**only(STAFF | {"member"}), "anonymous": 401}
# a POST without a body: 422 for the staff (the body is checked after the role)
API_STAFF_POST = {**only(STAFF, ok=422), "anonymous": 401}

ACCESS = {
    "members.register_export": ("GET", "/members/register.csv?q=a", only(STAFF)),
    "members.member_new": ("GET", "/members/new", only(STAFF)),
    "members.member": ("GET", "/members/{own_member}", only(STAFF)),
    "members.member_edit": ("GET", "/members/{other_member}/edit", only(STAFF)),
    # nothing posted: the page is shown again with the form's errors
    "members.member_action": ("POST", "/members/{candidate_member}/admit", only(STAFF, ok=400)),
    # the member may read its own certificate, not another's
    "members.certificate": ("GET", "/members/{own_member}/certificate.pdf", only(STAFF | {"member"})),
    "members.colleges": ("GET", "/members/colleges", only(STAFF)),
    "members.college_edit": ("POST", "/members/colleges/{college}", only(STAFF, ok=400)),
    "members.capital_page": ("GET", "/members/capital", only(STAFF)),
    "api.list_colleges": ("GET", "/api/v1/colleges", API_STAFF),
    "api.create_college": ("POST", "/api/v1/colleges", API_STAFF_POST),
    "api.list_members": ("GET", "/api/v1/members", API_READERS),
    "api.get_member": ("GET", "/api/v1/members/{own_member}", API_READERS),
    "api.create_member": ("POST", "/api/v1/members", API_STAFF_POST),
    "api.list_operations": ("GET", "/api/v1/capital/operations", API_STAFF),
    "api.create_operation": ("POST", "/api/v1/capital/operations", API_STAFF_POST),
}
