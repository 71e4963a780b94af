"""What the bench requests: the main pages of every role and the main lists of the JSON API, with the ids and
periods of the database at hand (the convention with the most activity reports, the last issued invoice, the
resolution with the most ballots…). Each must answer 200: the measure records the status and a target fails
otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from coopnum.core import clock
from coopnum.demo import DOMAIN

LOGINS = {  # the demo's accounts, one per role
    "coordination": f"coordination@{DOMAIN}",
    "médiatrice": f"camille.martin@{DOMAIN}",
    "administration": f"admin@{DOMAIN}",
    "sociétaire": f"chloe.fontaine@{DOMAIN}",
    "collectivité": f"numerique@ville-poitiers.{DOMAIN}",
}
API_ROLE = "coordination"  # the API is measured with a token of this account
API_LISTS = ("activities", "sessions", "missions", "conventions", "organisations", "places", "invoices", "payments",
             "members", "capital/operations", "assemblies", "assets", "loans", "reservations", "people", "skills",
             "training-sessions")
MAX_REPORT_DAYS = 5 * 366 - 1  # the reports' longest period (reports.MAX_PERIOD_DAYS)


@dataclass(frozen=True)
class Page:
    key: str  # stable across runs: the results are compared by it
    label: str
    role: str  # a key of LOGINS
    path: str
    kind: str = "page"  # or "api"


@dataclass(frozen=True)
class Ids:
    """The objects and periods the pages show, read from the database."""

    today: date
    first_day: date  # of the activity reports
    convention: int
    mediator: int
    invoice: int
    assembly: int
    resolution: int


def read_ids(session) -> Ids:
    from coopnum.activities.models import Activity
    from coopnum.billing.models import Invoice, InvoiceStatus
    from coopnum.core.models import User
    from coopnum.members.models import Assembly, BallotCast, Resolution

    def first(stmt, default=0):
        value = session.execute(stmt.limit(1)).scalar()
        return default if value is None else value

    today = clock.today()
    convention = first(select(Activity.convention_id).where(Activity.convention_id.is_not(None))
                       .group_by(Activity.convention_id).order_by(func.count().desc(), Activity.convention_id))
    resolution = first(select(BallotCast.resolution_id).group_by(BallotCast.resolution_id)
                       .order_by(func.count().desc(), BallotCast.resolution_id))
    if not resolution:
        resolution = first(select(Resolution.id).order_by(Resolution.id.desc()))
    assembly = first(select(Resolution.assembly_id).where(Resolution.id == resolution)) or first(
        select(Assembly.id).order_by(Assembly.starts_at.desc()))
    return Ids(today=today, first_day=first(select(func.min(Activity.date)), today), convention=convention,
               mediator=first(select(User.id).where(User.email == LOGINS["médiatrice"])),
               invoice=first(select(Invoice.id).where(Invoice.status == InvoiceStatus.ISSUED)
                             .order_by(Invoice.id.desc())),
               assembly=assembly, resolution=resolution)


def year_span(today: date) -> tuple[date, date]:
    """The last twelve months up to today: a year of data whatever the day."""
    return today - timedelta(days=364), today


def all_years_span(ids: Ids) -> tuple[date, date]:
    """From the first activity report to today, at most the reports' longest period."""
    return max(ids.first_day, ids.today - timedelta(days=MAX_REPORT_DAYS)), ids.today


def _coordination(ids: Ids) -> list[Page]:
    start, end = year_span(ids.today)
    every_start, every_end = all_years_span(ids)
    c = ids.convention
    tomorrow = ids.today + timedelta(days=1)
    return [
        Page("dashboard", "Tableau de bord", "coordination", "/"),
        Page("calendar.week", "Calendrier de la semaine", "coordination", "/missions/calendar/week"),
        Page("calendar.month", "Calendrier du mois", "coordination", "/missions/calendar/month"),
        Page("missions", "Missions", "coordination", "/missions/"),
        Page("timesheets", "Relevés d'heures du mois", "coordination", "/missions/timesheets"),
        Page("hours.overview", "Tableau de bord des heures", "coordination", "/missions/hours/overview"),
        Page("activities", "Activités (page 1)", "coordination", "/missions/activities"),
        Page("activities.p40", "Activités (page 40)", "coordination", "/missions/activities?page=40"),
        Page("activities.year_theme", "Activités : année + thème", "coordination",
             f"/missions/activities?from={start}&to={end}&theme=Email"),
        Page("activities.mediator_kind", "Activités : médiatrice + collectif", "coordination",
             f"/missions/activities?mediator={ids.mediator}&kind=Collectif"),
        Page("activities.convention", "Activités : convention", "coordination",
             f"/missions/activities?convention={c}"),
        Page("beneficiaries", "Bénéficiaires", "coordination", "/missions/beneficiaries"),
        Page("conventions", "Conventions", "coordination", "/missions/conventions"),
        Page("report.year", "Rapport de convention (un an)", "coordination",
             f"/missions/conventions/{c}/report?from={start}&to={end}"),
        Page("report.all", "Rapport de convention (toutes années)", "coordination",
             f"/missions/conventions/{c}/report?from={every_start}&to={every_end}"),
        Page("invoices", "Factures (page 1)", "coordination", "/billing/invoices"),
        Page("invoices.overdue", "Factures en retard", "coordination", "/billing/invoices?state=overdue"),
        Page("invoice", "Une facture émise", "coordination", f"/billing/invoices/{ids.invoice}"),
        Page("payments", "Règlements", "coordination", "/billing/payments"),
        Page("receivables", "Balance âgée", "coordination", "/billing/receivables"),
        Page("members", "Sociétaires", "coordination", "/members/"),
        Page("assembly", "Une assemblée", "coordination", f"/members/assemblies/{ids.assembly}"),
        Page("resolution", "Dépouillement d'une résolution", "coordination",
             f"/members/resolutions/{ids.resolution}"),
        Page("assets", "Matériel", "coordination", "/inventory/assets"),
        Page("availability", "Matériel disponible (recherche)", "coordination",
             f"/inventory/availability?day={tomorrow}&start=09:00&end=12:00"),
        Page("skills.matrix", "Matrice des compétences", "coordination", "/training/matrix"),
    ]


def _others() -> list[Page]:
    return [
        Page("mediator.dashboard", "Tableau de bord (médiatrice)", "médiatrice", "/"),
        Page("mediator.week", "Ma semaine", "médiatrice", "/missions/my-week"),
        Page("mediator.hours", "Mes heures", "médiatrice", "/missions/hours"),
        Page("mediator.activities", "Mes activités", "médiatrice", "/missions/activities"),
        Page("admin.dashboard", "Tableau de bord (administration)", "administration", "/"),
        Page("admin.users", "Comptes", "administration", "/users"),
        Page("admin.audit", "Journal d'audit", "administration", "/audit"),
        Page("member.space", "Mon espace sociétaire", "sociétaire", "/members/me"),
        Page("member.dashboard", "Tableau de bord (sociétaire)", "sociétaire", "/"),
        Page("authority.portal", "Portail de la collectivité", "collectivité", "/missions/portal"),
        Page("authority.sessions", "Séances de la collectivité", "collectivité", "/missions/portal/sessions"),
        Page("authority.invoices", "Factures de la collectivité", "collectivité", "/billing/portal/invoices"),
    ]


def _api() -> list[Page]:
    return [Page(f"api.{name}", f"API {name}", API_ROLE, f"/api/v1/{name}", kind="api") for name in API_LISTS]


def pages(ids: Ids, *, api: bool = True) -> list[Page]:
    return _coordination(ids) + _others() + (_api() if api else [])


def resolve(app, *, api: bool = True) -> tuple[Ids, list[Page]]:
    """The pages to measure on the database of ``app``."""
    from coopnum.core.db import db

    with app.app_context():
        ids = read_ids(db.session)
        db.session.rollback()
    return ids, pages(ids, api=api)


def create_token(app) -> str:
    """A fresh API token of the API role's account (the bench's previous tokens are deleted first)."""
    from coopnum.core import services
    from coopnum.core.db import db, writing
    from coopnum.core.models import ApiToken, User

    with app.app_context(), writing():
        user = db.session.execute(select(User).where(User.email == LOGINS[API_ROLE])).scalar_one()
        for old in db.session.execute(select(ApiToken).where(ApiToken.name == "bench")).scalars():
            db.session.delete(old)
        _token, clear = services.create_token(db.session, None, user, "bench", now=clock.now())
        db.session.commit()
    return clear
