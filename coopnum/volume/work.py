"""The volume's logged work: the hours of every confirmed session (one entry per mediator), preparation and team
meetings, the month timesheets (validated, last month submitted), the activity reports of the held sessions
(individual accompaniments at permanences, one collective report per workshop, with the national reference
lists' values and the demo's weights) and the followed beneficiaries linked to some accompaniments.

About ``ACTIVITIES_PER_SESSION`` reports per held permanence, so ~1,200 a mediator and year. As in the demo, the
last days' held sessions are partly not reported yet."""

from __future__ import annotations

from datetime import date, time, timedelta

from coopnum.activities import cra_reference as ref
from coopnum.activities.models import Activity, ActivityBeneficiary, Beneficiary
from coopnum.activities.services.beneficiaries import name_key, tranche_age_for
from coopnum.demo import FIRST_NAMES, LAST_NAMES
from coopnum.missions.models import MissionKind, SessionStatus
from coopnum.timesheets import demo as weights
from coopnum.timesheets.models import TimeCategory, TimeEntry, Timesheet, TimesheetStatus
from coopnum.volume.bulk import Bulk, Period, Weighted, add_months, paris

# Individual accompaniments per held permanence: (count, weight); the mean is 3.
ACTIVITIES_PER_SESSION = [(1, 1), (2, 2), (3, 4), (4, 2), (5, 1)]
FOLLOWED_SHARE = 0.2  # individual accompaniments of a followed (named) beneficiary
POOL = 120  # followed beneficiaries of a mediator at a time


class Logbook:
    """Writes the work of the sessions one year at a time; the beneficiaries and their links at the end."""

    def __init__(self, bulk: Bulk, period: Period, rng, coordinator):
        self.bulk, self.period, self.rng, self.coordinator = bulk, period, rng, coordinator
        self.per_session = Weighted(ACTIVITIES_PER_SESSION)
        self.pick = {name: Weighted(getattr(weights, name)) for name in (
            "THEMES", "DEMARCHES", "AGES", "STATUSES", "GENRES", "AUTONOMY", "MATERIAL", "REDIRECTIONS",
            "DURATIONS")}
        self.followed: dict[int, list[dict]] = {}  # mediator id → their current followed beneficiaries
        self.beneficiaries: list[dict] = []
        self.links: list[dict] = []

    def log(self, sessions) -> None:
        entries, activities = [], []
        recent = self.period.now - timedelta(days=6)
        for s in sessions:
            if s.status not in (SessionStatus.HELD, SessionStatus.NOT_HELD):
                continue
            for uid in s.mediator_ids:
                entries.append({"user_id": uid, "day": s.day, "minutes": s.minutes, "category": TimeCategory.SESSION,
                                "session_id": s.id, "convention_id": s.mission.convention.id, "note": "",
                                "created_by_id": uid, "created_at": s.confirmed_at, "updated_at": s.confirmed_at})
            if s.status != SessionStatus.HELD or (s.start > recent and self.rng.random() < 0.4):
                continue  # held but not reported yet
            if s.mission.kind == MissionKind.WORKSHOP_SERIES:
                activities.append(self._workshop(s))
            else:
                activities += [self._individual(s) for _ in range(self.per_session(self.rng))]
        self.bulk.insert(TimeEntry, entries)
        ids = self.bulk.ids(Activity, len(activities))
        for activity_id, row in zip(ids, activities, strict=True):
            row["id"] = activity_id
            beneficiary = row.pop("_beneficiary")
            if beneficiary is not None:
                self.links.append({"activity_id": activity_id, "beneficiary_id": beneficiary})
        self.bulk.insert(Activity, activities)

    def _common(self, s, mediator_id: int) -> dict:
        place = s.mission.place
        return {"mediator_id": mediator_id, "session_id": s.id, "convention_id": s.mission.convention.id,
                "place_id": place.id, "date": s.day, "place_type": "LieuActivite", "commune": "",
                "commune_insee": None, "commune_postal_code": None, "notes": "", "created_by_id": mediator_id,
                "created_at": s.confirmed_at, "updated_at": s.confirmed_at, "_beneficiary": None}

    def _individual(self, s) -> dict:
        rng, pick = self.rng, self.pick
        themes = {pick["THEMES"](rng)}
        if rng.random() < 0.3:
            themes.add(pick["THEMES"](rng))
        demarches, precision = [], ""
        if ref.THEMATIQUE_AIDE_DEMARCHES in themes:
            demarches, precision = [pick["DEMARCHES"](rng)], rng.choice(weights.PRECISIONS)
        oriented = rng.random() < 0.15
        mediator_id = s.mediator_ids[0] if len(s.mediator_ids) == 1 else rng.choice(s.mediator_ids)
        place = s.mission.place
        row = self._common(s, mediator_id) | {
            "kind": ref.TYPE_INDIVIDUEL, "duration_minutes": pick["DURATIONS"](rng), "materiel": [pick["MATERIAL"](rng)],
            "thematiques": sorted(themes), "thematiques_demarche": demarches, "precisions_demarche": precision,
            "autonomie": pick["AUTONOMY"](rng), "oriented": oriented,
            "structure_redirection": pick["REDIRECTIONS"](rng) if oriented else None, "workshop_title": "",
            "workshop_level": None, "participants": 1, "beneficiary_genre": pick["GENRES"](rng),
            "beneficiary_tranche_age": pick["AGES"](rng), "beneficiary_statut_social": pick["STATUSES"](rng),
            "beneficiary_commune": place.city, "beneficiary_commune_insee": place.insee_code,
            "beneficiary_postal_code": place.postal_code}
        if rng.random() < FOLLOWED_SHARE:
            followed = self._followed(mediator_id, s.day, place)
            row.update(_beneficiary=followed["id"], beneficiary_genre=None, beneficiary_tranche_age=None,
                       beneficiary_statut_social=None, beneficiary_commune="", beneficiary_commune_insee=None,
                       beneficiary_postal_code=None)
        return row

    def _workshop(self, s) -> dict:
        rng = self.rng
        title = s.mission.title.split("«")[-1].strip(" »")
        return self._common(s, s.mediator_ids[0]) | {
            "kind": ref.TYPE_COLLECTIF, "duration_minutes": s.minutes, "materiel": [rng.choice(
                ["Telephone", "Tablette", "Ordinateur"])], "thematiques": ["PrendreEnMainDuMateriel",
                                                                          "NavigationSurInternet"],
            "thematiques_demarche": [], "precisions_demarche": "", "autonomie": None, "oriented": False,
            "structure_redirection": None, "workshop_title": title,
            "workshop_level": rng.choice(["Debutant", "Debutant", "Intermediaire"]), "participants": rng.randint(4, 10),
            "beneficiary_genre": None, "beneficiary_tranche_age": None, "beneficiary_statut_social": None,
            "beneficiary_commune": "", "beneficiary_commune_insee": None, "beneficiary_postal_code": None}

    def _followed(self, mediator_id: int, day: date, place) -> dict:
        """One of the mediator's followed beneficiaries (a new one now and then, replacing an old one)."""
        rng = self.rng
        pool = self.followed.setdefault(mediator_id, [])
        if len(pool) < POOL and (len(pool) < 10 or rng.random() < 0.15) or rng.random() < 0.04:
            if len(pool) >= POOL:
                pool.pop(rng.randrange(len(pool)))
            pool.append(self._new_beneficiary(mediator_id, day, place))
        b = rng.choice(pool)
        b["last_activity_on"] = max(b["last_activity_on"] or day, day)
        return b

    def _new_beneficiary(self, mediator_id: int, day: date, place) -> dict:
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        born = rng.randint(1935, 2005)
        genre = rng.choice(["Feminin", "Masculin"])
        created = paris(day, time(10))
        row = {"id": self.bulk.next_id(Beneficiary), "mediator_id": mediator_id, "first_name": first,
               "last_name": last, "name_key": name_key(first, last), "birth_year": born, "genre": genre,
               "tranche_age": tranche_age_for(born, self.period.today),
               "statut_social": "Retraite" if born < 1960 else rng.choice(["EnEmploi", "SansEmploi"]),
               "commune": place.city, "commune_insee": place.insee_code, "postal_code": place.postal_code,
               "last_activity_on": None, "created_at": created, "updated_at": created}
        self.beneficiaries.append(row)
        return row

    def finish(self) -> None:
        """The followed beneficiaries, then their links to the accompaniments."""
        self.bulk.insert(Beneficiary, self.beneficiaries)
        self.bulk.insert(ActivityBeneficiary, self.links)


def extra_hours(bulk: Bulk, period: Period, rng, mediator_ids: list[int], on_leave) -> None:
    """Preparation every worked week and a team meeting on the first Monday of each month, per mediator."""
    rows = []
    first, last = period.first_month, period.today - timedelta(days=1)
    monday = first - timedelta(days=first.weekday())
    while monday <= last:
        for uid in mediator_ids:
            if on_leave(uid, monday):
                continue
            prep = monday + timedelta(days=rng.randint(0, 4))
            if first <= prep <= last:
                rows.append(_entry(uid, prep, rng.choice((30, 60, 60, 90)), TimeCategory.PREPARATION,
                                   "Préparation des permanences"))
            if monday.day <= 7 and first <= monday <= last:
                rows.append(_entry(uid, monday, 120, TimeCategory.MEETING, "Réunion d'équipe mensuelle"))
        monday += timedelta(days=7)
    bulk.insert(TimeEntry, rows)


def _entry(uid: int, day: date, minutes: int, category: str, note: str) -> dict:
    at = paris(day, time(18))
    return {"user_id": uid, "day": day, "minutes": minutes, "category": category, "session_id": None,
            "convention_id": None, "note": note, "created_by_id": uid, "created_at": at, "updated_at": at}


def timesheets(bulk: Bulk, period: Period, mediator_ids: list[int], coordinator_id: int) -> None:
    """Each month of the period: validated a few days after its end; last month: submitted, to validate."""
    rows = []
    for month in period.months():
        next_month = add_months(month, 1)
        submitted = min(paris(next_month + timedelta(days=1), time(17)), period.now)
        validated = min(paris(next_month + timedelta(days=4), time(10)), period.now)
        done = month < period.last_month
        for uid in mediator_ids:
            rows.append({"user_id": uid, "month": month,
                         "status": TimesheetStatus.VALIDATED if done else TimesheetStatus.SUBMITTED, "comment": "",
                         "submitted_at": submitted, "validated_at": validated if done else None,
                         "validated_by_id": coordinator_id if done else None,
                         "created_at": paris(month, time(9)), "updated_at": validated if done else submitted})
    bulk.insert(Timesheet, rows)
