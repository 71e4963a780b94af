"""Demo data of hours and activity reports: every past session confirmed (a few did not take place, the last
days' partly still to confirm), its activity reports (individual accompaniments at permanences, a collective
workshop for workshop series), extra hours, a few followed beneficiaries (two of them duplicates, to merge) and
the timesheets of past months validated.

Rows are inserted directly (not through the services) so that a year — or, for the benchmark, five years — of
data loads in seconds; the values follow the national reference lists, like the services' validation."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coopnum.activities import cra_reference as ref
from coopnum.activities.models import Activity, ActivityBeneficiary, Beneficiary
from coopnum.activities.services.beneficiaries import name_key, tranche_age_for
from coopnum.core.clock import PARIS, month_start
from coopnum.missions.models import MissionKind, MissionSession, NotHeldReason, SessionStatus
from coopnum.timesheets.models import TimeCategory, TimeEntry, Timesheet, TimesheetStatus

# Weights of the themes met at a permanence (most frequent first), from the field's usual distribution.
THEMES = [("AideAuxDemarchesAdministratives", 30), ("Email", 14), ("PrendreEnMainDuMateriel", 12),
          ("NavigationSurInternet", 9), ("SecuriteNumerique", 7), ("BanqueEtAchatsEnLigne", 6), ("Sante", 6),
          ("Bureautique", 4), ("ReseauxSociaux", 3), ("InsertionProfessionnelle", 3), ("GereSesContenusNumeriques", 3),
          ("DiagnosticNumerique", 3), ("Parentalite", 2), ("ScolariteEtNumerique", 2), ("CultureNumerique", 2),
          ("IntelligenceArtificielle", 2), ("MaintenanceDeMateriel", 2), ("CreerAvecLeNumerique", 1),
          ("Entrepreneuriat", 1)]
DEMARCHES = [("SocialSante", 8), ("ArgentImpots", 7), ("PapiersElectionsCitoyennete", 6), ("TravailFormation", 5),
             ("Logement", 4), ("FamilleScolarite", 3), ("TransportsMobilite", 2), ("EtrangersEurope", 2),
             ("Justice", 1), ("LoisirsSportsCulture", 1)]
PRECISIONS = ["Déclaration de revenus", "Demande de carte grise", "Dossier CAF", "Compte Ameli",
              "Inscription France Travail", "Demande de passeport", "Dossier de retraite", "Compte CPF", ""]
AGES = [("SoixanteDixPlus", 28), ("SoixanteSoixanteNeuf", 24), ("QuaranteCinquanteNeuf", 20),
        ("VingtCinqTrenteNeuf", 12), ("DixHuitVingtQuatre", 6), ("NonCommunique", 10)]
STATUSES = [("Retraite", 45), ("SansEmploi", 20), ("EnEmploi", 18), ("Scolarise", 3), ("NonCommunique", 14)]
GENRES = [("Feminin", 55), ("Masculin", 40), ("NonCommunique", 5)]
AUTONOMY = [("EntierementAccompagne", 45), ("PartiellementAutonome", 40), ("Autonome", 15)]
MATERIAL = [("Ordinateur", 45), ("Telephone", 40), ("Tablette", 10), ("Aucun", 5)]
REDIRECTIONS = [("Administration", 30), ("AideSociale", 20), ("OperateurOuOrganismeEnCharge", 20),
                ("InsertionProfessionnelle", 10), ("AideAuxDemarchesAdministratives", 10), ("Autre", 10)]
DURATIONS = [(15, 10), (30, 35), (45, 25), (60, 20), (90, 10)]
WORKSHOP_TITLES = ["Premiers pas sur le smartphone", "Naviguer en sécurité", "Mes démarches en ligne",
                   "Échanger avec ses proches en visio", "Trier et sauvegarder ses photos"]
FOLLOWED = [("Jeanne", "Dupont", 1948), ("Marcel", "Girard", 1951), ("Fatima", "Benali", 1975),
            ("Louis", "Perrin", 1944), ("Nathalie", "Roche", 1969), ("Kevin", "Marchand", 2001),
            ("Monique", "Lemaire", 1940), ("Ahmed", "Haddad", 1983)]


def _pick(rng, weighted):
    values = [v for v, _w in weighted]
    return rng.choices(values, weights=[w for _v, w in weighted])[0]


def _themes(rng) -> tuple[list[str], list[str], str]:
    themes = {_pick(rng, THEMES)}
    if rng.random() < 0.3:
        themes.add(_pick(rng, THEMES))
    demarches: list[str] = []
    precision = ""
    if ref.THEMATIQUE_AIDE_DEMARCHES in themes:
        demarches = [_pick(rng, DEMARCHES)]
        precision = rng.choice(PRECISIONS)
    return sorted(themes), demarches, precision


def _individual(rng, s: MissionSession, mediator_id: int, created: datetime) -> Activity:
    themes, demarches, precision = _themes(rng)
    oriented = rng.random() < 0.15
    a = Activity(mediator_id=mediator_id, session_id=s.id, convention_id=s.mission.convention_id,
                 place_id=s.mission.place_id, date=s.start.astimezone(PARIS).date(), kind=ref.TYPE_INDIVIDUEL,
                 duration_minutes=_pick(rng, DURATIONS), place_type="LieuActivite",
                 materiel=[_pick(rng, MATERIAL)], thematiques=themes, thematiques_demarche=demarches,
                 precisions_demarche=precision, autonomie=_pick(rng, AUTONOMY), oriented=oriented,
                 structure_redirection=_pick(rng, REDIRECTIONS) if oriented else None, participants=1,
                 beneficiary_genre=_pick(rng, GENRES), beneficiary_tranche_age=_pick(rng, AGES),
                 beneficiary_statut_social=_pick(rng, STATUSES), beneficiary_commune=s.mission.place.city,
                 beneficiary_commune_insee=s.mission.place.insee_code,
                 beneficiary_postal_code=s.mission.place.postal_code, created_by_id=mediator_id)
    a.created_at = a.updated_at = created
    return a


def _workshop(rng, s: MissionSession, mediator_id: int, created: datetime) -> Activity:
    title = s.mission.title.split("«")[-1].strip(" »") if "«" in s.mission.title else rng.choice(WORKSHOP_TITLES)
    a = Activity(mediator_id=mediator_id, session_id=s.id, convention_id=s.mission.convention_id,
                 place_id=s.mission.place_id, date=s.start.astimezone(PARIS).date(), kind=ref.TYPE_COLLECTIF,
                 duration_minutes=s.duration_minutes, place_type="LieuActivite", materiel=["Telephone"],
                 thematiques=["PrendreEnMainDuMateriel", "NavigationSurInternet"], workshop_title=title,
                 workshop_level=rng.choice(["Debutant", "Debutant", "Intermediaire"]),
                 participants=rng.randint(4, 10), created_by_id=mediator_id)
    a.created_at = a.updated_at = created
    return a


def log_past_work(session, rng, sessions: Iterable[MissionSession], *, now: datetime,
                  coordinator_id: int | None) -> dict[str, int]:
    """Confirm the past ``sessions`` (loaded with their mission and assignments), with their time entries and
    activity reports, as mediators would have. Returns counts (for the benchmark's summary)."""
    counts = {"held": 0, "not_held": 0, "activities": 0, "entries": 0}
    recent = now - timedelta(days=6)
    for s in sessions:
        if s.status != SessionStatus.PLANNED or not s.assignments or s.end > now:
            continue
        if s.start > recent and rng.random() < 0.5:
            continue  # the last days: some sessions still to confirm
        mediator_ids = [a.user_id for a in s.assignments]
        confirmed = s.end + timedelta(hours=rng.randint(1, 30))
        day = s.start.astimezone(PARIS).date()
        if rng.random() < 0.04:
            s.status, s.not_held_reason = SessionStatus.NOT_HELD, NotHeldReason.NO_PUBLIC
            s.cancel_reason = "Personne ne s'est présenté."
            minutes = s.duration_minutes
            counts["not_held"] += 1
        else:
            s.status = SessionStatus.HELD
            s.held_minutes = minutes = s.duration_minutes + rng.choice([0, 0, 0, 0, -15, 15])
            counts["held"] += 1
        s.confirmed_at, s.confirmed_by_id, s.sequence = confirmed, mediator_ids[0], s.sequence + 1
        for mediator_id in mediator_ids:
            session.add(TimeEntry(user_id=mediator_id, day=day, minutes=minutes, category=TimeCategory.SESSION,
                                  session_id=s.id, convention_id=s.mission.convention_id, created_by_id=mediator_id,
                                  created_at=confirmed, updated_at=confirmed))
            counts["entries"] += 1
        if s.status != SessionStatus.HELD or (s.start > recent and rng.random() < 0.4):
            continue  # held but not reported yet: shows in "sessions without a report"
        if s.mission.kind == MissionKind.WORKSHOP_SERIES:
            session.add(_workshop(rng, s, mediator_ids[0], confirmed))
            counts["activities"] += 1
        else:
            for _ in range(rng.randint(2, 6)):
                session.add(_individual(rng, s, rng.choice(mediator_ids), confirmed))
                counts["activities"] += 1
    return counts


def add_extra_hours(session, rng, mediator_ids: list[int], first_day: date, last_day: date) -> int:
    """Preparation every week and a team meeting on the first Monday of each month, per mediator."""
    n = 0
    day = first_day - timedelta(days=first_day.weekday())
    while day <= last_day:
        for mediator_id in mediator_ids:
            prep = day + timedelta(days=rng.randint(0, 4))
            if first_day <= prep <= last_day:
                session.add(TimeEntry(user_id=mediator_id, day=prep, minutes=rng.choice([30, 60, 60, 90]),
                                      category=TimeCategory.PREPARATION, note="Préparation des permanences",
                                      created_by_id=mediator_id))
                n += 1
            if day.day <= 7 and first_day <= day <= last_day:
                session.add(TimeEntry(user_id=mediator_id, day=day, minutes=120, category=TimeCategory.MEETING,
                                      note="Réunion d'équipe mensuelle", created_by_id=mediator_id))
                n += 1
        day += timedelta(days=7)
    return n


def validate_past_months(session, mediator_ids: list[int], first_month: date, now: datetime,
                         coordinator_id: int | None) -> None:
    """Months before last month: validated; last month: submitted; this month: open (created on use)."""
    this_month = month_start(now.astimezone(PARIS).date())
    last_month = month_start(this_month - timedelta(days=1))
    month = first_month
    while month < this_month:
        for mediator_id in mediator_ids:
            if month < last_month:
                session.add(Timesheet(user_id=mediator_id, month=month, status=TimesheetStatus.VALIDATED,
                                      submitted_at=now - timedelta(days=40), validated_at=now - timedelta(days=35),
                                      validated_by_id=coordinator_id))
            else:
                session.add(Timesheet(user_id=mediator_id, month=month, status=TimesheetStatus.SUBMITTED,
                                      submitted_at=now - timedelta(days=20)))
        month = month_start(month + timedelta(days=32))


def add_followed_beneficiaries(session, rng, mediator_id: int, today: date) -> None:
    """A few followed people of one mediator, linked to some of their individual accompaniments; "Jeanne Dupont"
    was created twice (a duplicate to merge)."""
    activities = session.execute(
        select(Activity).where(Activity.mediator_id == mediator_id, Activity.kind == ref.TYPE_INDIVIDUEL)
        .order_by(Activity.date).limit(60)
    ).scalars().all()
    people = []
    for first, last, year in FOLLOWED + [FOLLOWED[0]]:
        b = Beneficiary(mediator_id=mediator_id, first_name=first, last_name=last, name_key=name_key(first, last),
                        birth_year=year,
                        genre="Feminin" if first in ("Jeanne", "Fatima", "Nathalie", "Monique") else "Masculin",
                        tranche_age=tranche_age_for(year, today), statut_social="Retraite" if year < 1960 else "EnEmploi",
                        commune="Poitiers", commune_insee="86194", postal_code="86000")
        session.add(b)
        people.append(b)
    session.flush()
    for i, activity in enumerate(activities):
        if i % 3:
            continue
        b = people[(i // 3) % len(people)]
        activity.beneficiary_links.append(ActivityBeneficiary(beneficiary_id=b.id))
        activity.beneficiary_genre = activity.beneficiary_tranche_age = activity.beneficiary_statut_social = None
        activity.beneficiary_commune = ""
        b.last_activity_on = max(b.last_activity_on or activity.date, activity.date)


def past_sessions_stmt(now: datetime):
    return (select(MissionSession).where(MissionSession.end <= now)
            .options(selectinload(MissionSession.assignments)).order_by(MissionSession.start))


def seed_activities(ctx) -> None:
    """The demo's year of work: confirmations, hours, activity reports, beneficiaries, timesheets."""
    from coopnum.core.db import db

    session = db.session
    sessions = session.execute(past_sessions_stmt(ctx.now)).scalars().all()
    log_past_work(session, ctx.rng, sessions, now=ctx.now, coordinator_id=ctx.coordinator.id)
    mediator_ids = [m.id for m in ctx.mediators]
    today = ctx.now.astimezone(PARIS).date()
    first = min((s.start.astimezone(PARIS).date() for s in sessions), default=today)
    add_extra_hours(session, ctx.rng, mediator_ids, first, today - timedelta(days=1))
    validate_past_months(session, mediator_ids, month_start(first), ctx.now, ctx.coordinator.id)
    session.flush()
    add_followed_beneficiaries(session, ctx.rng, ctx.mediators[0].id, today)
    session.flush()
