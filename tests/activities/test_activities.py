"""Activity reports (CRA), the service: national rules and editable lists, session prefill, month lock, access,
beneficiaries of an activity, audit."""

from datetime import timedelta

import pytest
from babel.dates import format_date
from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from coopnum.activities import access
from coopnum.activities.models import Activity, Beneficiary
from coopnum.activities.services import activities, reference_lists
from coopnum.activities.services.activities import ActivityData, ActivityInvalid
from coopnum.activities.services.beneficiaries import BeneficiaryData, DuplicateBeneficiary
from coopnum.core import formats
from coopnum.core.errors import DomainError, Forbidden
from coopnum.core.models import AuditLog
from coopnum.missions.models import MissionSession, SessionStatus
from coopnum.organisations.models import ConventionStatus
from coopnum.timesheets.models import Timesheet, TimesheetStatus
from tests import days, factories

LAST_MONTH = days.month_start(-1)  # wholly past, still open
SESSION_DAY = factories.LAST_MONTH_10TH + timedelta(days=7)  # the world's past session (the 17th of last month)
FREE_DAY = LAST_MONTH.replace(day=20)  # an activity without a session, after the past session
LAST_MONTH_LABEL = format_date(LAST_MONTH, "MMMM y", locale="fr")  # « novembre 2026 »


@pytest.fixture
def world(session, users):
    ids = factories.world(session, users, billing=False)
    session.commit()
    return ids


def individual(**kw) -> ActivityData:
    values = {"kind": "Individuel", "duration_minutes": 30, "thematiques": ["Email"], "materiel": ["Ordinateur"]}
    values.update(kw)
    return ActivityData(**values)


def free(world, **kw) -> ActivityData:
    """Without a session: at the own place, on the 20th of last month."""
    values = {"date": FREE_DAY, "place_type": "LieuActivite", "place_id": world["own_place"]}
    values.update(kw)
    return individual(**values)


def errors_of(excinfo) -> dict:
    return {e["field"]: e["message"] for e in excinfo.value.details["errors"]}


# --- session prefill ------------------------------------------------------------------------------------------------

def test_a_session_fills_date_place_convention_and_mediator(session, users, world, now):
    a = activities.create_activity(session, users["mediator"], individual(session_id=world["past_session"]), now=now)
    s = session.get(MissionSession, world["past_session"])
    assert a.date == SESSION_DAY
    assert (a.place_type, a.place_id, a.convention_id) == ("LieuActivite", s.mission.place_id, world["own_convention"])
    assert a.mediator_id == users["mediator"].id and a.session_id == s.id and a.participants == 1
    assert s.status == SessionStatus.PLANNED  # confirming the session is the hours' business


def test_date_and_place_given_with_a_session_are_ignored(session, users, world, now):
    data = individual(session_id=world["past_session"], date=LAST_MONTH, place_type="Domicile",
                      place_id=world["other_place"], convention_id=world["other_convention"])
    a = activities.create_activity(session, users["mediator"], data, now=now)
    assert a.date == SESSION_DAY and a.place_type == "LieuActivite"
    assert a.place_id == world["own_place"] and a.convention_id == world["own_convention"]


def test_another_mediators_session_is_forbidden(session, users, world, now):
    other = session.get(MissionSession, world["other_session"])
    other.start = days.at(SESSION_DAY + timedelta(days=1), 9)  # a past session, of another mediator
    other.end = days.at(SESSION_DAY + timedelta(days=1), 12)
    factories.assignment(session, mission_session=other, user=session.get(type(users["mediator"]),
                                                                          world["other_mediator"]))
    session.commit()
    with pytest.raises(Forbidden) as excinfo:
        activities.create_activity(session, users["mediator"], individual(session_id=other.id), now=now)
    assert "pas affecté·e à cette séance" in excinfo.value.message
    with pytest.raises(Forbidden):
        activities.create_activity(session, users["mediator"],
                                   individual(session_id=world["past_session"], mediator_id=world["other_mediator"]),
                                   now=now)


def test_staff_report_for_the_assigned_mediator(session, users, world, now):
    a = activities.create_activity(session, users["coordinator"], individual(session_id=world["past_session"]),
                                   now=now)
    assert a.mediator_id == users["mediator"].id and a.created_by_id == users["coordinator"].id
    with pytest.raises(ActivityInvalid) as excinfo:
        activities.create_activity(session, users["coordinator"],
                                   individual(session_id=world["past_session"], mediator_id=world["other_mediator"]),
                                   now=now)
    assert errors_of(excinfo)["mediator_id"] == "Ce médiateur n’est pas affecté à cette séance."


@pytest.mark.parametrize(("change", "message"), [
    ({"status": SessionStatus.CANCELLED}, "Cette séance est annulée"),
    ({"status": SessionStatus.NOT_HELD}, "n’a pas eu lieu"),
])
def test_a_cancelled_or_not_held_session_is_refused(session, users, world, now, change, message):
    s = session.get(MissionSession, world["past_session"])
    for key, value in change.items():
        setattr(s, key, value)
    session.commit()
    with pytest.raises(DomainError) as excinfo:
        activities.create_activity(session, users["mediator"], individual(session_id=s.id), now=now)
    assert message in excinfo.value.message and excinfo.value.field == "session_id"


def test_a_future_session_is_refused(session, users, world, now):
    with pytest.raises(DomainError) as excinfo:
        activities.create_activity(session, users["mediator"], individual(session_id=world["assigned_session"]),
                                   now=now)
    assert "pas encore commencé" in excinfo.value.message


# --- without a session ----------------------------------------------------------------------------------------------

def test_without_a_session(session, users, world, now):
    a = activities.create_activity(session, users["mediator"], free(world, convention_id=world["own_convention"]),
                                   now=now)
    assert (a.date, a.place_id, a.convention_id, a.session_id) == (
        FREE_DAY, world["own_place"], world["own_convention"], None)
    home = activities.create_activity(
        session, users["mediator"], free(world, place_type="Domicile", place_id=world["own_place"],
                                         commune="Poitiers", commune_postal_code="86000"), now=now)
    assert home.place_id is None and home.commune == "Poitiers" and home.commune_postal_code == "86000"


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"date": days.days(1)}, "date", "La date de l’activité ne peut pas être dans le futur."),
    ({"date": days.TODAY - relativedelta(years=5, days=1)}, "date", "ne peut pas remonter à plus de 5 ans"),
    ({"date": None}, "date", "La date est obligatoire."),
    ({"place_type": None}, "place_type", "Le type de lieu est obligatoire."),
    ({"place_id": None}, "place_id", "Le lieu d’activité est obligatoire"),
    ({"place_type": "Domicile"}, "commune", "La commune est obligatoire pour le type de lieu « À domicile »."),
    ({"place_type": "Lune"}, "place_type", "Type de lieu inconnu : Lune"),
    ({"place_id": 999999}, "place_id", "Lieu d’activité inconnu ou archivé."),
])
def test_date_and_place_rules(session, users, world, now, changes, field, message):
    with pytest.raises(ActivityInvalid) as excinfo:
        activities.create_activity(session, users["mediator"], free(world, **changes), now=now)
    assert message in errors_of(excinfo)[field]


def test_the_convention_must_be_signed_and_cover_the_date(session, users, world, now):
    from coopnum.organisations.models import Convention

    conv = session.get(Convention, world["own_convention"])
    with pytest.raises(ActivityInvalid) as excinfo:
        activities.create_activity(session, users["mediator"],
                                   free(world, date=conv.start_date - timedelta(days=1), convention_id=conv.id),
                                   now=now)
    assert (f"hors de la période de la convention (du {conv.start_date:%d/%m/%Y} au {conv.end_date:%d/%m/%Y})"
            in errors_of(excinfo)["convention_id"])
    conv.status = ConventionStatus.DRAFT
    session.commit()
    with pytest.raises(ActivityInvalid) as excinfo:
        activities.create_activity(session, users["mediator"], free(world, convention_id=conv.id), now=now)
    assert "pas signée" in errors_of(excinfo)["convention_id"]


def test_staff_choose_the_mediator_without_a_session(session, users, world, now):
    with pytest.raises(ActivityInvalid) as excinfo:
        activities.create_activity(session, users["coordinator"], free(world), now=now)
    assert "Choisissez le médiateur" in errors_of(excinfo)["mediator_id"]
    a = activities.create_activity(session, users["coordinator"], free(world, mediator_id=users["mediator"].id),
                                   now=now)
    assert a.mediator_id == users["mediator"].id
    with pytest.raises(Forbidden):
        activities.create_activity(session, users["mediator"], free(world, mediator_id=world["other_mediator"]),
                                   now=now)


# --- national rules and durations -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"duration_minutes": -15}, "duration_minutes", "La durée doit être supérieure à 0 minute."),
    ({"duration_minutes": 0}, "duration_minutes", "La durée doit être supérieure à 0 minute."),
    ({"duration_minutes": 721}, "duration_minutes", "ne peut pas dépasser 12 heures"),
    ({"duration_minutes": 5000}, "duration_minutes", "ne peut pas dépasser 12 heures"),
    ({"duration_minutes": None}, "duration_minutes", "La durée est obligatoire."),
    ({"thematiques": []}, "thematiques", "Au moins une thématique de médiation numérique est obligatoire."),
    ({"thematiques": ["Astrologie"]}, "thematiques", "Thématique inconnue : Astrologie"),
    ({"thematiques_demarche": ["Logement"]}, "thematiques_demarche", "supposent la thématique « Aide aux démarches"),
    ({"precisions_demarche": "CAF"}, "precisions_demarche", "Le nom de la démarche administrative suppose"),
    ({"materiel": ["Fax"]}, "materiel", "Matériel inconnu : Fax"),
    ({"autonomie": "Totale"}, "autonomie", "Niveau d’autonomie inconnu : Totale"),
    ({"structure_redirection": "Mairie"}, "structure_redirection", "Structure de redirection inconnue : Mairie"),
    ({"kind": "Demarche"}, "kind", "Type d’activité inconnu : Demarche"),
    ({"workshop_title": "Atelier"}, "workshop_title", "ne concerne que les ateliers collectifs"),
    ({"participants": 3}, "participants", "Un accompagnement individuel concerne un seul bénéficiaire."),
    ({"beneficiary_genre": "Autre"}, "beneficiary_genre", "Genre inconnu : Autre"),
])
def test_national_rules_with_their_field(session, users, world, now, changes, field, message):
    with pytest.raises(ActivityInvalid) as excinfo:
        activities.create_activity(session, users["mediator"], free(world, **changes), now=now)
    assert message in errors_of(excinfo)[field], errors_of(excinfo)
    assert session.execute(select(Activity).where(Activity.date == FREE_DAY)).first() is None


def test_every_error_is_reported_at_once(session, users, world, now):
    with pytest.raises(ActivityInvalid) as excinfo:
        activities.create_activity(session, users["mediator"],
                                   free(world, duration_minutes=-5, thematiques=[], place_id=None), now=now)
    assert set(errors_of(excinfo)) >= {"duration_minutes", "thematiques", "place_id"}


def test_a_collective_workshop(session, users, world, now):
    data = ActivityData(kind="Collectif", duration_minutes=120, session_id=world["past_session"],
                        thematiques=["PrendreEnMainDuMateriel"], workshop_title="Premiers pas sur le smartphone",
                        workshop_level="Debutant", participants=8, materiel=["Telephone"])
    a = activities.create_activity(session, users["mediator"], data, now=now)
    assert (a.kind, a.participants, a.workshop_level, a.autonomie) == ("Collectif", 8, "Debutant", None)
    for changes, field, message in [
        ({"workshop_title": ""}, "workshop_title", "Le titre de l’atelier est obligatoire"),
        ({"participants": 0}, "participants", "Un atelier collectif compte au moins un participant."),
        ({"participants": None}, "participants", "Un atelier collectif compte au moins un participant."),
        ({"autonomie": "Autonome"}, "autonomie", "ne concerne que les accompagnements individuels"),
    ]:
        values = {**data.__dict__, **changes}
        with pytest.raises(ActivityInvalid) as excinfo:
            activities.create_activity(session, users["mediator"], ActivityData(**values), now=now)
        assert message in errors_of(excinfo)[field]


def test_administrative_help_with_its_themes(session, users, world, now):
    a = activities.create_activity(session, users["mediator"], free(
        world, thematiques=["AideAuxDemarchesAdministratives"], thematiques_demarche=["SocialSante"],
        precisions_demarche="Dossier CAF", structure_redirection="AideSociale"), now=now)
    assert a.thematiques_demarche == ["SocialSante"] and a.precisions_demarche == "Dossier CAF"
    assert a.oriented and a.structure_redirection == "AideSociale"


# --- editable lists -------------------------------------------------------------------------------------------------

def test_a_local_theme_is_accepted_and_counts_as_a_theme(session, users, world, now):
    local = reference_lists.add_entry(session, users["coordinator"], "thematique", "Jeux vidéo", now=now)
    demarche = reference_lists.add_entry(session, users["coordinator"], "thematique_demarche_administrative",
                                         "Cantine scolaire", now=now)
    session.commit()
    a = activities.create_activity(session, users["mediator"], free(world, thematiques=[local.value]), now=now)
    assert a.thematiques == [local.value]
    # a local administrative theme still needs « Aide aux démarches administratives »
    with pytest.raises(ActivityInvalid) as excinfo:
        activities.create_activity(session, users["mediator"], free(world, thematiques_demarche=[demarche.value]),
                                   now=now)
    assert "supposent la thématique" in errors_of(excinfo)["thematiques_demarche"]


def test_a_deactivated_theme_is_refused_for_new_records_and_kept_on_old_ones(session, users, world, now):
    a = activities.create_activity(session, users["mediator"], free(world, thematiques=["Email", "Sante"]), now=now)
    reference_lists.save_entry(session, users["coordinator"], "thematique", "Sante", label="Santé", position=80,
                               active=False, now=now)
    session.commit()
    with pytest.raises(ActivityInvalid) as excinfo:
        activities.create_activity(session, users["mediator"], free(world, thematiques=["Sante"]), now=now)
    assert errors_of(excinfo)["thematiques"] == ("Thématique désactivée dans la liste de référence : « Santé ». "
                                                 "Choisissez une autre valeur.")
    # the old record keeps it while it is edited
    data = ActivityData.from_activity(a)
    data.duration_minutes = 45
    activities.update_activity(session, users["mediator"], a, data, now=now)
    assert a.thematiques == ["Email", "Sante"] and a.duration_minutes == 45
    # … but cannot take another deactivated value
    reference_lists.save_entry(session, users["coordinator"], "materiel", "Tablette", label="Tablette", position=20,
                               active=False, now=now)
    data.materiel = ["Tablette"]
    with pytest.raises(ActivityInvalid) as excinfo:
        activities.update_activity(session, users["mediator"], a, data, now=now)
    assert "Matériel désactivé" in errors_of(excinfo)["materiel"]


# --- month lock -----------------------------------------------------------------------------------------------------

def lock_last_month(session, user_id):
    sheet = session.execute(select(Timesheet).where(Timesheet.user_id == user_id,
                                                    Timesheet.month == LAST_MONTH)).scalar_one_or_none()
    if sheet is None:
        sheet = Timesheet(user_id=user_id, month=LAST_MONTH)
        session.add(sheet)
    sheet.status = TimesheetStatus.VALIDATED
    session.commit()


def test_a_validated_month_refuses_create_update_and_delete(session, users, world, now):
    a = activities.create_activity(session, users["mediator"], free(world), now=now)
    session.commit()
    lock_last_month(session, users["mediator"].id)
    for data in (free(world), individual(session_id=world["past_session"])):
        with pytest.raises(DomainError) as excinfo:
            activities.create_activity(session, users["mediator"], data, now=now)
        assert f"Le mois {formats.of(LAST_MONTH_LABEL)} est validé et verrouillé" in excinfo.value.message
    moved = ActivityData.from_activity(a)
    moved.date = days.month_end(-2)  # out of the locked month: the old date still counts
    with pytest.raises(DomainError, match=f"{LAST_MONTH_LABEL} est validé"):
        activities.update_activity(session, users["mediator"], a, moved, now=now)
    with pytest.raises(DomainError, match=f"{LAST_MONTH_LABEL} est validé"):
        activities.delete_activity(session, users["mediator"], a, now=now)
    # moving an activity into a locked month is refused too
    earlier = activities.create_activity(session, users["mediator"],
                                         free(world, date=days.month_start(-2).replace(day=5)), now=now)
    into = ActivityData.from_activity(earlier)
    into.date = LAST_MONTH.replace(day=5)
    with pytest.raises(DomainError, match=f"{LAST_MONTH_LABEL} est validé"):
        activities.update_activity(session, users["mediator"], earlier, into, now=now)


# --- access ---------------------------------------------------------------------------------------------------------

def test_a_mediator_touches_only_their_own_activities(session, users, world, now):
    other = session.get(Activity, world["other_activity"])
    with pytest.raises(Forbidden):
        activities.update_activity(session, users["mediator"], other, ActivityData.from_activity(other), now=now)
    with pytest.raises(Forbidden):
        activities.delete_activity(session, users["mediator"], other, now=now)
    with pytest.raises(Forbidden):
        activities.create_activity(session, users["member"], free(world), now=now)
    data = ActivityData.from_activity(other)
    data.duration_minutes = 60
    activities.update_activity(session, users["coordinator"], other, data, now=now)
    assert other.duration_minutes == 60 and other.mediator_id == world["other_mediator"]
    assert access.can_view_activity(users["coordinator"], other) and not access.can_view_activity(users["mediator"], other)
    assert not access.can_view_activity(users["authority"], other)


# --- beneficiaries of an activity -----------------------------------------------------------------------------------

def test_an_anonymous_individual_keeps_its_minimal_data(session, users, world, now):
    a = activities.create_activity(session, users["mediator"], free(
        world, beneficiary_genre="Feminin", beneficiary_tranche_age="SoixanteDixPlus",
        beneficiary_statut_social="Retraite", beneficiary_commune="Buxerolles"), now=now)
    assert (a.beneficiary_genre, a.beneficiary_tranche_age, a.beneficiary_statut_social, a.beneficiary_commune) == (
        "Feminin", "SoixanteDixPlus", "Retraite", "Buxerolles")
    assert a.beneficiary_links == []


def test_a_followed_person_is_linked_and_their_last_activity_updated(session, users, world, now):
    b = session.get(Beneficiary, world["own_beneficiary"])
    a = activities.create_activity(session, users["mediator"], free(world, beneficiary_ids=[b.id],
                                                                    beneficiary_genre="Masculin"), now=now)
    assert [link.beneficiary_id for link in a.beneficiary_links] == [b.id]
    assert a.beneficiary_genre is None  # their data is on their record
    assert b.last_activity_on == FREE_DAY
    later = activities.create_activity(session, users["mediator"], individual(session_id=world["past_session"],
                                                                              beneficiary_ids=[b.id]), now=now)
    assert b.last_activity_on == FREE_DAY
    activities.delete_activity(session, users["mediator"], a, now=now)
    assert b.last_activity_on == later.date == SESSION_DAY
    # someone else's followed person cannot be linked
    theirs = factories.beneficiary(session, mediator=session.get(type(users["mediator"]), world["other_mediator"]),
                                   first_name="Paul", last_name="Martin")
    with pytest.raises(ActivityInvalid) as excinfo:
        activities.create_activity(session, users["mediator"], free(world, beneficiary_ids=[theirs.id]), now=now)
    assert "suivie par un autre médiateur" in errors_of(excinfo)["beneficiary_ids"]
    with pytest.raises(ActivityInvalid) as excinfo:
        activities.create_activity(session, users["mediator"], free(world, beneficiary_ids=[b.id, 999]), now=now)


def test_a_new_person_is_created_inline_with_the_duplicate_warning(session, users, world, now):
    data = free(world, new_beneficiary=BeneficiaryData(first_name="Jeanne", last_name="DURAND",
                                                             birth_year=days.TODAY.year - 78))  # 70 and over
    with pytest.raises(DuplicateBeneficiary) as excinfo:
        activities.create_activity(session, users["mediator"], data, now=now)
    assert excinfo.value.message.startswith("Une personne du même nom existe déjà")
    assert [c.id for c in excinfo.value.candidates] == [world["own_beneficiary"]]
    session.rollback()
    data.confirm_new_beneficiary = True
    a = activities.create_activity(session, users["mediator"], data, now=now)
    (link,) = a.beneficiary_links
    person = session.get(Beneficiary, link.beneficiary_id)
    assert person.id != world["own_beneficiary"] and person.mediator_id == users["mediator"].id
    assert person.tranche_age == "SoixanteDixPlus" and person.last_activity_on == FREE_DAY


def test_a_workshop_links_followed_people_up_to_its_participants(session, users, world, now):
    mediator = users["mediator"]
    people = [world["own_beneficiary"]] + [factories.beneficiary(session, mediator=mediator, first_name=n).id
                                           for n in ("Ali", "Rose")]
    base = {"kind": "Collectif", "duration_minutes": 90, "session_id": world["past_session"],
            "thematiques": ["Email"], "workshop_title": "Le courriel", "beneficiary_ids": people}
    with pytest.raises(ActivityInvalid) as excinfo:
        activities.create_activity(session, mediator, ActivityData(**base, participants=2), now=now)
    assert "3 personnes suivies cochées pour 2 participants" in errors_of(excinfo)["beneficiary_ids"]
    a = activities.create_activity(session, mediator, ActivityData(**base, participants=6), now=now)
    assert len(a.beneficiary_links) == 3 and a.anonymous_participants == 3


def test_audit_without_personal_data(session, users, world, now):
    a = activities.create_activity(session, users["mediator"], free(
        world, beneficiary_commune="Buxerolles", notes="Madame X, très inquiète",
        new_beneficiary=BeneficiaryData(first_name="Hélène", last_name="Zorba")), now=now)
    data = ActivityData.from_activity(a)
    data.duration_minutes = 60
    activities.update_activity(session, users["mediator"], a, data, now=now)
    activities.delete_activity(session, users["mediator"], a, now=now)
    session.commit()
    rows = session.execute(select(AuditLog).where(AuditLog.object_type.in_(["Activity", "Beneficiary"]))
                           .order_by(AuditLog.id)).scalars().all()
    assert [r.action for r in rows if r.object_type == "Activity"] == ["create", "update", "delete"]
    assert rows[-1].summary.startswith(f"Activité n° {a.id} : Accompagnement individuel, 60 min, le {FREE_DAY:%d/%m/%Y}")
    text = " ".join(f"{r.summary} {r.changes}" for r in rows)
    assert "Zorba" not in text and "Hélène" not in text and "inquiète" not in text
