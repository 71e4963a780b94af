"""Access rows for the reports to authorities, their share links, the exports of activities and the report API.

A report is for the coordination and for the authority contact of the convention's organisation (another
organisation's convention: 403, see test_reports_views); an export job belongs to whoever started it (others:
404). Share links need no login: the world's link is valid."""

from tests.test_access import STAFF, only, same

REPORT_READERS = STAFF | {"authority"}

ACCESS = {
    "reports.convention_report": ("GET", "/missions/conventions/{own_convention}/report", only(REPORT_READERS)),
    "reports.convention_report_pdf": ("GET", "/missions/conventions/{own_convention}/report.pdf",
                                       only(REPORT_READERS)),
    "reports.convention_report_xlsx": ("GET", "/missions/conventions/{own_convention}/report.xlsx",
                                        only(REPORT_READERS)),
    "reports.report_shares": ("GET", "/missions/conventions/{own_convention}/report/shares", only(STAFF)),
    "reports.report_share_revoke": ("POST", "/missions/report-shares/{share_token}/revoke", only(STAFF, ok=302)),
    "reports_public.report_share": ("GET", "/r/{share_token}", same(200)),
    "reports_public.report_share_pdf": ("GET", "/r/{share_token}.pdf", same(200)),
    "reports_public.report_share_xlsx": ("GET", "/r/{share_token}.xlsx", same(200)),
    # the export runs in the request under TESTING, then redirects to its page
    "activities.activities_export": ("POST", "/missions/activities/export", only(STAFF | {"mediator"}, ok=302)),
    # the world's export job is the mediator's, still pending: its download sends back to its progress page
    "activities.export_job": ("GET", "/missions/exports/{export_job}", only({"mediator"}, denied=404)),
    "activities.export_download": ("GET", "/missions/exports/{export_job}/download",
                                 only({"mediator"}, ok=302, denied=404)),
    # only a failed job starts again; the world's one is pending: back to its progress page
    "activities.export_retry": ("POST", "/missions/exports/{export_job}/retry", only({"mediator"}, ok=302, denied=404)),
    "api.convention_report": ("GET", "/api/v1/conventions/{own_convention}/report",
                              only(REPORT_READERS, anonymous=401)),
}
