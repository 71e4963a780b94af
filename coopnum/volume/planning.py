"""The volume's planning: each calendar year, weekly missions under that year's conventions, spread over the
mediators' week (three slots a day: morning, early and late afternoon, 2 to 3 hours), their sessions, the
mediators on them and the mediators' leave.

No mediator is ever booked twice: a mediator's week is a grid of 5 days × 3 slots that never overlap, and each
cell holds at most one mission of the year; a workshop's second mediator takes the same cell of their own grid.
Tuesday morning (``TEAM_CELL``) is the team's: no mission takes it, so that the monthly peer training finds
mediators free at the same time (with a few busy mediators, their free cells would rarely meet).
A mediator on leave (five weeks a year, recorded as absences) has no session that week (a workshop goes on with
the other mediator). About ``SESSIONS_PER_YEAR`` sessions per mediator and year."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from coopnum.missions.models import (
    Absence,
    AbsenceKind,
    Assignment,
    Mission,
    MissionKind,
    MissionMediator,
    MissionSession,
    NotHeldReason,
    SessionStatus,
)
from coopnum.organisations.models import PricingMode
from coopnum.volume.bulk import Bulk, Period, paris, weekdays

SESSIONS_PER_YEAR = 500
LEAVE_WEEKS = 5
PAIRED = 0.1  # workshops held by two mediators (counted once among the sessions, twice among the holdings)
DAYS = ["MO", "TU", "WE", "TH", "FR"]
TEAM_CELL = (1, 0)  # (weekday, slot): Tuesday morning, the team's (meetings, peer trainings)
# Three slots a day that never overlap, each in three variants (start, end).
SLOTS = [[(time(9), time(11, 30)), (time(9), time(12)), (time(9, 30), time(12))],
         [(time(13, 30), time(15, 30)), (time(13, 30), time(16)), (time(14), time(16))],
         [(time(16), time(18)), (time(16, 15), time(18, 15)), (time(16, 30), time(18, 30))]]
WORKSHOPS = ["Premiers pas sur le smartphone", "Naviguer en sécurité", "Mes démarches en ligne",
             "Échanger avec ses proches en visio", "Trier et sauvegarder ses photos", "Découvrir la tablette",
             "Protéger ses données personnelles", "Bien utiliser sa messagerie"]
CANCEL_REASONS = ["Salle indisponible", "Fermeture exceptionnelle du lieu", "Annulée par la collectivité"]


@dataclass
class PlannedMission:
    id: int
    convention: object
    place: object
    kind: str
    title: str
    service_id: int | None
    weekday: int
    start: time
    end: time
    mediator_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Made:
    """A generated session, as the later parts need it (hours, activities, billing)."""

    id: int
    mission: PlannedMission
    day: date
    start: object
    end: object
    status: str
    minutes: int  # held minutes (held), planned duration (not held), 0 otherwise
    mediator_ids: tuple[int, ...]
    confirmed_at: object


class Planner:
    def __init__(self, bulk: Bulk, period: Period, rng, mediators, coordinator, services_by_code: dict):
        self.bulk, self.period, self.rng = bulk, period, rng
        self.mediators, self.coordinator = mediators, coordinator
        self.services = services_by_code
        self.leave: dict[tuple[int, date], bool] = {}  # (mediator id, Monday) → on leave
        self.busy: set[tuple[int, date, bool]] = set()  # (mediator id, day, afternoon): in a session
        self.delivered: dict[int, list[int]] = {}  # convention id → [minutes, sessions, workshops] (not cancelled)

    def year(self, year: int, conventions: list, places_by_org: dict) -> list[Made]:
        """Plan the calendar ``year`` (within the period): missions, sessions, assignments, leave."""
        first = max(date(year, 1, 1), self.period.first_month)
        last = min(date(year, 12, 31), self.period.horizon)
        if first > last or not conventions or not self.mediators:
            return []
        self._plan_leave(year)
        missions = self._missions(year, first, conventions, places_by_org)
        self._write_missions(missions, year)
        return self._sessions(missions, first, last)

    # --- missions ---------------------------------------------------------------------------------------------

    def _missions(self, year: int, first: date, conventions: list, places_by_org: dict) -> list[PlannedMission]:
        """Weekly missions filling each mediator's week up to their share of the year's sessions (a workshop's
        second mediator counts it in their own share)."""
        rng, mediators = self.rng, self.mediators
        total = round(len(mediators) * SESSIONS_PER_YEAR / (52.18 - LEAVE_WEEKS))
        budget = {m.id: total // len(mediators) + (i < total % len(mediators)) for i, m in enumerate(mediators)}
        free = {m.id: [(d, s) for d in range(5) for s in range(3) if (d, s) != TEAM_CELL] for m in mediators}
        for cells in free.values():
            rng.shuffle(cells)
        ordered = sorted(conventions, key=lambda c: c.reference)
        missions, n = [], 0
        while candidates := [m for m in mediators if budget[m.id] > 0 and free[m.id]]:
            mediator = candidates[n % len(candidates)]
            budget[mediator.id] -= 1
            weekday, slot = free[mediator.id].pop()
            convention = ordered[n % len(ordered)]
            places = places_by_org.get(convention.organisation_id) or [None]
            place = places[(n // len(ordered)) % len(places)]
            n += 1
            if place is None:
                continue
            start, end = SLOTS[slot][rng.randrange(3)]
            mission = self._mission(convention, place, weekday, start, end, mediator.id)
            if mission.kind == MissionKind.WORKSHOP_SERIES and rng.random() < PAIRED:
                self._second_mediator(mission, free, budget, (weekday, slot))
            missions.append(mission)
        return missions

    def _mission(self, convention, place, weekday: int, start: time, end: time, mediator_id: int) -> PlannedMission:
        workshop = convention.pricing_mode == PricingMode.PER_WORKSHOP or self.rng.random() < 0.08
        if workshop:
            kind, title = MissionKind.WORKSHOP_SERIES, f"Atelier « {self.rng.choice(WORKSHOPS)} »"
            service = self.services.get("ATELIER")
        else:
            kind, title = MissionKind.PERMANENCE, f"Permanence numérique — {place.name}"
            code = "PERM-ITIN" if convention.pricing_mode == PricingMode.PER_SESSION else "PERM-H"
            service = self.services.get(code)
        return PlannedMission(self.bulk.next_id(Mission), convention, place, kind, title,
                              service.id if service else None, weekday, start, end, [mediator_id])

    def _second_mediator(self, mission: PlannedMission, free: dict, budget: dict, cell: tuple[int, int]) -> None:
        for mediator in self.rng.sample(self.mediators, len(self.mediators)):
            if budget[mediator.id] > 0 and cell in free[mediator.id]:
                free[mediator.id].remove(cell)
                budget[mediator.id] -= 1
                mission.mediator_ids.append(mediator.id)
                return

    def _write_missions(self, missions: list[PlannedMission], year: int) -> None:
        created = paris(date(year - 1, 12, 15), time(10))
        rows, links = [], []
        for m in missions:
            rows.append({
                "id": m.id, "convention_id": m.convention.id, "place_id": m.place.id, "service_id": m.service_id,
                "kind": m.kind, "title": m.title, "rrule": f"FREQ=WEEKLY;BYDAY={DAYS[m.weekday]}",
                "first_date": date(year, 1, 1) + timedelta(days=(m.weekday - date(year, 1, 1).weekday()) % 7),
                "until_date": None, "start_time": m.start, "end_time": m.end, "exclude_holidays": False,
                "holiday_subdiv": None, "exdates": [], "mediators_needed": len(m.mediator_ids), "status": "active",
                "notes": "", "created_at": created, "updated_at": created})
            links += [{"mission_id": m.id, "user_id": uid} for uid in m.mediator_ids]
        self.bulk.insert(Mission, rows)
        self.bulk.insert(MissionMediator, links)

    # --- leave ------------------------------------------------------------------------------------------------

    def _plan_leave(self, year: int) -> None:
        """Five weeks of leave for each mediator: three in summer, one in spring, one in winter."""
        rng = self.rng
        rows = []
        for m in self.mediators:
            summer = _monday(date(year, 7, 1)) + timedelta(weeks=rng.randrange(0, 6))
            spring = _monday(date(year, 4, 1)) + timedelta(weeks=rng.randrange(0, 5))
            winter = _monday(date(year, 12, 24)) if rng.random() < 0.5 else _monday(date(year, 2, 10))
            for monday, weeks in ((summer, 3), (spring, 1), (winter, 1)):
                for w in range(weeks):
                    self.leave[(m.id, monday + timedelta(weeks=w))] = True
                start, end = paris(monday, time(0)), paris(monday + timedelta(weeks=weeks - 1, days=5), time(0))
                if monday > self.period.horizon or monday < self.period.first_month - timedelta(days=7):
                    continue
                rows.append({"user_id": m.id, "kind": AbsenceKind.LEAVE, "start": start, "end": end,
                             "note": "Congés", "created_by_id": self.coordinator.id, "created_at": start - timedelta(
                                 days=30), "updated_at": start - timedelta(days=30)})
        self.bulk.insert(Absence, rows)

    def on_leave(self, mediator_id: int, day: date) -> bool:
        return (mediator_id, _monday(day)) in self.leave

    def free(self, mediator_id: int, day: date, afternoon: bool) -> bool:
        """Whether the mediator has neither leave nor a session that half-day (trainings go there)."""
        return not self.on_leave(mediator_id, day) and (mediator_id, day, afternoon) not in self.busy

    # --- sessions ---------------------------------------------------------------------------------------------

    def _sessions(self, missions: list[PlannedMission], first: date, last: date) -> list[Made]:
        sessions, assignments, held = [], [], []
        created = paris(date(first.year - 1, 12, 15), time(10))
        for m in missions:
            for day in weekdays(first, last, m.weekday):
                present = tuple(uid for uid in m.mediator_ids if not self.on_leave(uid, day))
                if not present or present[0] != m.mediator_ids[0]:
                    continue  # the permanence is closed while its mediator is on leave
                row, record = self._session(m, day, present, created)
                sessions.append(row)
                assignments += [{"session_id": row["id"], "user_id": uid, "created_at": created,
                                 "created_by_id": self.coordinator.id} for uid in present]
                self.busy.update((uid, day, m.start.hour >= 13) for uid in present)
                held.append(record)
                if record.status != SessionStatus.CANCELLED:
                    done = self.delivered.setdefault(m.convention.id, [0, 0, 0])
                    done[0] += record.minutes or int((record.end - record.start).total_seconds() // 60)
                    done[1] += 1
                    done[2] += m.kind == MissionKind.WORKSHOP_SERIES
        self.bulk.insert(MissionSession, sessions)
        self.bulk.insert(Assignment, assignments)
        return held

    def _session(self, m: PlannedMission, day: date, present: tuple[int, ...], created) -> tuple[dict, Made]:
        rng, now = self.rng, self.period.now
        start, end = paris(day, m.start), paris(day, m.end)
        duration = int((end - start).total_seconds() // 60)
        status, minutes, reason, not_held, confirmed = SessionStatus.PLANNED, 0, "", None, None
        if end <= now and not (start > now - timedelta(days=6) and rng.random() < 0.5):
            draw = rng.random()
            confirmed = min(end + timedelta(hours=rng.randint(1, 30)), now)
            if draw < 0.015:
                status, reason, confirmed = SessionStatus.CANCELLED, rng.choice(CANCEL_REASONS), None
            elif draw < 0.045:
                status, minutes, not_held = SessionStatus.NOT_HELD, duration, NotHeldReason.NO_PUBLIC
                reason = "Personne ne s'est présenté."
            else:
                status, minutes = SessionStatus.HELD, duration + rng.choice((0, 0, 0, 0, -15, 15))
        sid = self.bulk.next_id(MissionSession)
        row = {"id": sid, "mission_id": m.id, "start": start, "end": end, "original_start": None, "status": status,
               "cancel_reason": reason, "not_held_reason": not_held,
               "held_minutes": minutes if status == SessionStatus.HELD else None, "confirmed_at": confirmed,
               "confirmed_by_id": present[0] if confirmed else None, "manual": False,
               "sequence": 1 if status != SessionStatus.PLANNED else 0, "notes": "",
               "created_at": created, "updated_at": confirmed or created}
        return row, Made(sid, m, day, start, end, status, minutes, present, confirmed)


    def contract_volumes(self, conventions: list) -> None:
        """Each convention's contracted volume: what its year of sessions delivers (scaled to the whole year when the
        period covers part of it), give or take a few percent, so that its report reads like a real one's."""
        from decimal import Decimal

        from sqlalchemy import bindparam

        from coopnum.organisations.models import Convention, VolumeUnit

        rows = []
        for c in conventions:
            minutes, sessions, workshops = self.delivered.get(c.id, (0, 0, 0))
            first, last = max(c.start_date, self.period.first_month), min(c.end_date, self.period.horizon)
            covered = max((last - first).days + 1, 1) / ((c.end_date - c.start_date).days + 1)
            if c.volume_unit == VolumeUnit.HOURS:
                done = minutes / 60
            else:
                done = workshops if c.pricing_mode == PricingMode.PER_WORKSHOP else sessions
            volume = round(done / covered * self.rng.uniform(0.95, 1.1)) if done else 0
            rows.append({"b_id": c.id, "b_volume": Decimal(max(volume, 1))})
        table = Convention.__table__
        self.bulk.session.execute(table.update().where(table.c.id == bindparam("b_id"))
                                  .values(contracted_volume=bindparam("b_volume")), rows)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())
