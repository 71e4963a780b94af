"""Certifications held by people (Pix certification, the blocks of the title, PSC1…) with their expiry, the list of
those expiring soon, and the reminders before expiry (written into the outbox by the daily job).

Reminders: a certification is reminded once when it comes within ``training.certification_reminder_days`` days of its
expiry (default 60), and once more within ``training.certification_last_reminder_days`` days (default 15); never
after it expired. ``reminders_sent`` counts the thresholds already reminded (claimed with a conditional UPDATE, so
two runs at once, or twice a day, never send the same reminder twice); a certification first seen inside the last
threshold gets one reminder, not two. Changing the expiry starts the count again. The mail goes to the person (its
account's email, or its own) and, when it has none, to the coordinators."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from coopnum.core import audit, clock, formats, mail, outbox, settings
from coopnum.core.errors import DomainError
from coopnum.core.models import Role, User, UserRole
from coopnum.core.validation import date_in_range
from coopnum.training.models import Certification, CertificationKind, Person

MAIL_KIND = "training.certification_reminder"


def register_mail_kind() -> None:
    outbox.register_kind(MAIL_KIND, _l("Rappel d'échéance de certification"))


# --- add and edit ---------------------------------------------------------------------------------------------------

def _check(kind: str, name: str, obtained_on: date | None, expires_on: date | None, today: date) -> str:
    if kind not in set(CertificationKind):
        raise DomainError("Type de certification inconnu.", field="kind")
    name = (name or "").strip()
    if not name:
        raise DomainError("Indiquez l'intitulé de la certification.", field="name")
    if len(name) > 200:
        raise DomainError("Intitulé trop long (200 caractères au plus).", field="name")
    if obtained_on is None:
        raise DomainError("Indiquez la date d'obtention.", field="obtained_on")
    if not date_in_range(obtained_on):
        raise DomainError("Date d'obtention hors des limites autorisées.", field="obtained_on")
    if obtained_on > today:
        raise DomainError("La date d'obtention ne peut pas être dans le futur.", field="obtained_on")
    if expires_on is not None:
        if not date_in_range(expires_on):
            raise DomainError("Date d'échéance hors des limites autorisées.", field="expires_on")
        if expires_on < obtained_on:
            raise DomainError("L'échéance ne peut pas précéder la date d'obtention.", field="expires_on")
    return name


def add_certification(session, actor, person: Person, *, kind: str, name: str, obtained_on: date,
                      expires_on: date | None = None, issuer: str = "", reference: str = "", notes: str = "",
                      now: datetime) -> Certification:
    name = _check(kind, name, obtained_on, expires_on, clock.paris_today(now))
    cert = Certification(person_id=person.id, kind=kind, name=name, obtained_on=obtained_on, expires_on=expires_on,
                         issuer=(issuer or "").strip()[:200], reference=(reference or "").strip()[:100],
                         notes=(notes or "").strip()[:1000], created_by_id=actor.id if actor else None,
                         created_at=now, updated_at=now)
    session.add(cert)
    session.flush()
    audit.record(session, actor, "create", cert, summary=f"Certification {name} {formats.of(person.full_name)}"[:500],
                 after=audit.snapshot(cert), now=now)
    return cert


def update_certification(session, actor, cert: Certification, *, kind: str, name: str, obtained_on: date,
                         expires_on: date | None = None, issuer: str = "", reference: str = "", notes: str = "",
                         now: datetime) -> Certification:
    name = _check(kind, name, obtained_on, expires_on, clock.paris_today(now))
    before = audit.snapshot(cert)
    if expires_on != cert.expires_on:  # renewed or corrected: the reminders start again
        cert.reminders_sent, cert.last_reminded_at = 0, None
    cert.kind, cert.name, cert.obtained_on, cert.expires_on = kind, name, obtained_on, expires_on
    cert.issuer, cert.reference = (issuer or "").strip()[:200], (reference or "").strip()[:100]
    cert.notes, cert.updated_at = (notes or "").strip()[:1000], now
    session.flush()
    after = audit.snapshot(cert)
    if audit.diff(before, after):
        audit.record(session, actor, "update", cert, summary=f"Certification {name} modifiée"[:500],
                     before=before, after=after, now=now)
    return cert


# --- status, expiring -----------------------------------------------------------------------------------------------

def status(cert: Certification, today: date, within_days: int) -> str:
    """``expired``, ``soon`` (within ``within_days``), ``valid`` or ``permanent`` (no expiry)."""
    if cert.expires_on is None:
        return "permanent"
    if cert.expires_on < today:
        return "expired"
    if cert.expires_on <= today + timedelta(days=within_days):
        return "soon"
    return "valid"


def reminder_days(session) -> tuple[int, int]:
    """(first threshold, last threshold) in days before expiry."""
    values = settings.get_many(session, ["training.certification_reminder_days",
                                         "training.certification_last_reminder_days"])
    first = max(1, int(values["training.certification_reminder_days"]))
    last = max(0, min(first, int(values["training.certification_last_reminder_days"])))
    return first, last


def of_person(session, person_id: int) -> list[Certification]:
    return list(session.execute(select(Certification).where(Certification.person_id == person_id)
                                .order_by(Certification.expires_on.is_(None), Certification.expires_on.desc(),
                                          Certification.obtained_on.desc(), Certification.id)).scalars())


def expiring(session, today: date, within_days: int, *, person_ids: list[int] | None = None,
             include_expired_days: int = 0) -> list[tuple[Certification, Person]]:
    """Certifications expiring from ``today`` (or ``include_expired_days`` earlier) to ``today + within_days``,
    soonest first, with their person (active people only)."""
    stmt = (select(Certification, Person).join(Person, Person.id == Certification.person_id)
            .where(Certification.expires_on.is_not(None),
                   Certification.expires_on >= today - timedelta(days=include_expired_days),
                   Certification.expires_on <= today + timedelta(days=within_days), Person.active)
            .order_by(Certification.expires_on, Certification.id))
    if person_ids is not None:
        stmt = stmt.where(Certification.person_id.in_(person_ids))
    return [(c, p) for c, p in session.execute(stmt).all()]


# --- reminders ------------------------------------------------------------------------------------------------------

def thresholds_reached(days_left: int, thresholds: tuple[int, int]) -> int:
    """How many thresholds (first, last) a certification ``days_left`` days from its expiry has reached."""
    first, last = thresholds
    return (1 if days_left <= first else 0) + (1 if days_left <= last else 0)


def _coordinators(session) -> list[User]:
    return list(session.execute(select(User).join(UserRole, UserRole.user_id == User.id).where(
        UserRole.role == Role.COORDINATOR, User.active).order_by(User.id)).unique().scalars())


def recipients(session, person: Person) -> list[str]:
    user = session.get(User, person.user_id) if person.user_id else None
    if user is not None and user.active and user.email:
        return [user.email]
    if person.email:
        return [person.email]
    return [u.email for u in _coordinators(session)]


def _body(cert: Certification, person: Person, days_left: int, link: str) -> tuple[str, str]:
    days = formats.count(days_left, "jour", "jours")
    subject = f"Certification à renouveler : {cert.name} ({person.full_name}) expire dans {days}"
    lines = [
        "Bonjour,",
        "",
        f"La certification « {cert.name} » {formats.of(person.full_name)} arrive à échéance le "
        f"{cert.expires_on.strftime('%d/%m/%Y')}, dans {days}.",
        f"Obtenue le {cert.obtained_on.strftime('%d/%m/%Y')}" + (f" ({cert.issuer})" if cert.issuer else "") + ".",
        "",
        "Pensez à la renouveler, puis à enregistrer la nouvelle échéance :",
        link,
    ]
    return subject, "\n".join(lines) + "\n"


def send_reminders(session, *, now: datetime, base_url: str = "") -> tuple[int, int]:
    """Queue the reminders due today; (mails queued, certifications without any recipient). Does not commit."""
    today = clock.paris_today(now)
    thresholds = reminder_days(session)
    queued = missing = 0
    rows = session.execute(select(Certification, Person).join(Person, Person.id == Certification.person_id).where(
        Person.active, Certification.expires_on.is_not(None), Certification.expires_on >= today,
        Certification.expires_on <= today + timedelta(days=thresholds[0]))
        .order_by(Certification.expires_on, Certification.id)).all()
    for cert, person in rows:
        days_left = (cert.expires_on - today).days
        reached = thresholds_reached(days_left, thresholds)
        if cert.reminders_sent >= reached:
            continue
        claimed = session.execute(update(Certification).where(Certification.id == cert.id,
                                                              Certification.reminders_sent == cert.reminders_sent)
                                  .values(reminders_sent=reached, last_reminded_at=now)
                                  .execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            continue
        session.refresh(cert)
        to = recipients(session, person)
        if not to:
            missing += 1
            continue
        subject, body = _body(cert, person, days_left, f"{base_url}/training/people/{person.id}#certifications")
        outbox.queue(session, mail.Mail(to=to, subject=subject, body=body), kind=MAIL_KIND, about=cert, now=now)
        audit.record(session, None, "training.certification_reminder", cert,
                     summary=f"Rappel d'échéance {formats.of(cert.name)} ({person.full_name}) à {', '.join(to)}"[:500],
                     now=now)
        queued += 1
    session.flush()
    return queued, missing


def dashboard_rows(session, today: date, *, user_id: int | None = None, limit: int = 200,
                   expired_days: int = 30) -> tuple[list[tuple[Certification, Person, str]], int]:
    """The dashboard's certifications expiring within ``training.certification_reminder_days`` (or expired less than
    ``expired_days`` ago), of everyone or of one user's person, with their status, and that number of days — in one
    query (the setting is read by a join; a window of a year bounds the rows)."""
    from coopnum.core.models import Setting

    key = "training.certification_reminder_days"
    stmt = (select(Certification, Person, Setting.value)
            .join(Person, Person.id == Certification.person_id)
            .outerjoin(Setting, Setting.key == key)
            .where(Certification.expires_on.is_not(None), Person.active,
                   Certification.expires_on >= today - timedelta(days=expired_days),
                   Certification.expires_on <= today + timedelta(days=366))
            .order_by(Certification.expires_on, Certification.id).limit(limit))
    if user_id is not None:
        stmt = stmt.where(Person.user_id == user_id)
    rows = session.execute(stmt).all()
    within = settings.DEFAULTS[key]
    if rows and rows[0][2] is not None:
        within = max(1, int(rows[0][2]))
    return [(c, p, status(c, today, within)) for c, p, _v in rows
            if c.expires_on <= today + timedelta(days=within)], within
