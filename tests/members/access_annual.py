"""Access rows for the annual report (the year's figures for the AGO): the staff and the members read it (page and
PDF); the staff attaches it to the world's AGO (convened, not held). The member user of the access world has a
member record; a member-role user without one is refused (tested in test_annual_report.py)."""

from tests.test_access import STAFF, only

MEMBERS = STAFF | {"member"}

ACCESS = {
    "members.annual_report": ("GET", "/members/annual-report/{year}", only(MEMBERS)),
    "members.annual_report_pdf": ("GET", "/members/annual-report/{year}.pdf", only(MEMBERS)),
    "members.assembly_annual_report": ("POST", "/members/assemblies/{assembly}/annual-report", only(STAFF, ok=302)),
}
