"""Read-only queries of the reports pages."""

from sqlalchemy import select
from sqlmodel import Session

from coopnum.reports.models import ReportShare


def share_by_token(session: Session, token: str) -> ReportShare | None:
    """The share link with this token (valid or not: the page says which), or None."""
    return session.execute(select(ReportShare).where(ReportShare.token == token)).scalar_one_or_none()
