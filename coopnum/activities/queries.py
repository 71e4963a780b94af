"""Read-only queries of the activities pages: look-ups for a page of activities, the choices of the filters, a
beneficiary's activities."""

from sqlalchemy import Select, select
from sqlmodel import Session

from coopnum.activities.models import Activity, ActivityBeneficiary
from coopnum.core.models import Role, User, UserRole


def rows_by_id(session: Session, model, ids, *columns) -> dict:
    """Rows (id, *columns) of ``model`` for these ids (empty ones skipped), by id: one query for a page."""
    ids = sorted({i for i in ids if i})
    if not ids:
        return {}
    return {row[0]: row for row in session.execute(select(model.id, *columns).where(model.id.in_(ids))).all()}


def mediator_rows(session: Session) -> list:
    """Rows (id, full_name) of the accounts with the mediator role, by name."""
    return session.execute(
        select(User.id, User.full_name).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.MEDIATOR).order_by(User.full_name)).all()


def has_rows(session: Session, stmt: Select) -> bool:
    """Whether a statement (e.g. ``beneficiaries.duplicate_keys(viewer)``) has at least one row."""
    return session.execute(select(stmt.subquery()).limit(1)).first() is not None


def beneficiary_activities_stmt(beneficiary_id: int) -> Select:
    """The activities a beneficiary took part in, the latest first."""
    return (select(Activity).join(ActivityBeneficiary, ActivityBeneficiary.activity_id == Activity.id)
            .where(ActivityBeneficiary.beneficiary_id == beneficiary_id).order_by(Activity.date.desc(),
                                                                                  Activity.id.desc()))
