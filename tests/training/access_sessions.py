"""Access rows for the training home, the trainings (list, page, form, cancel, held, levels), signing a half-day, its
QR code and paper scans, the émargement sheet and certificates, and the API of trainings and attendance.

Ids from ``training_world``: ``training`` (planned, next week: the mediator trains the member and an external
person), ``half_day`` (its morning), ``held_training`` (two weeks ago, signed), ``member_person``, ``scan``."""

from tests.test_access import STAFF, only

PLANNERS = STAFF | {"mediator"}
READERS = STAFF | {"mediator", "member"}

ACCESS = {
    "training.sessions": ("GET", "/training/sessions?status=upcoming&q=a", only(READERS)),
    "training.session_new": ("GET", "/training/sessions/new", only(PLANNERS)),
    "training.session_detail": ("GET", "/training/sessions/{training}", only(READERS)),
    # the mediator leads the training
    "training.session_edit": ("GET", "/training/sessions/{training}/edit", only(PLANNERS)),
    # nothing posted (no reason): back to the page with a message, nothing cancelled
    "training.session_cancel": ("POST", "/training/sessions/{training}/cancel", only(PLANNERS, ok=302)),
    # next week's training has not started: refused with a message
    "training.session_held": ("POST", "/training/sessions/{training}/held", only(PLANNERS, ok=302)),
    "training.session_levels": ("GET", "/training/sessions/{training}/levels", only(PLANNERS)),
    # the participants see their signing page; the staff who do not take part are sent back to the training
    "training.session_sign": ("GET", "/training/sessions/half-days/{half_day}/sign",
                              {**only(READERS), "admin": 302, "coordinator": 302}),
    "training.session_qr": ("GET", "/training/sessions/half-days/{half_day}/qr.svg", only(PLANNERS)),
    # no file: a message, nothing stored
    "training.session_scan": ("POST", "/training/sessions/half-days/{half_day}/scan", only(PLANNERS, ok=302)),
    "training.scan_file": ("GET", "/training/scans/{scan}", only(PLANNERS)),
    "training.session_sheet": ("GET", "/training/sessions/{training}/emargement.pdf", only(PLANNERS)),
    # the member's own certificate; the mediator trained it
    "training.session_certificate": ("GET", "/training/sessions/{held_training}/certificates/{member_person}.pdf",
                                     only(READERS)),
    "training.session_certificates_zip": ("GET", "/training/sessions/{held_training}/certificates.zip",
                                          only(PLANNERS)),
    "api.list_training_sessions": ("GET", "/api/v1/training-sessions", {**only(READERS), "anonymous": 401}),
    "api.create_training_session": ("POST", "/api/v1/training-sessions", {**only(PLANNERS, ok=422),
                                                                          "anonymous": 401}),
    "api.get_training_session": ("GET", "/api/v1/training-sessions/{training}", {**only(READERS), "anonymous": 401}),
    "api.sign_training_attendance": ("POST", "/api/v1/training-sessions/{training}/attendance",
                                     {**only(READERS, ok=422), "anonymous": 401}),
}
