"""The tally of a resolution: quorum, votes cast per college, the weighted result and the majority.

Exact arithmetic (``fractions.Fraction``) all along; floats only in the JSON answer.

- quorum: members present, remote or represented over the members with voting rights on the day of the assembly
  (settings ``members.quorum_{ago,age}_{first,second}``: at least that fraction);
- votes cast: "for" and "against" (abstentions and blank ballots are not votes cast);
- in each college, the share of "for" among its votes cast; the result is the sum of these shares times the
  college weights. A college that casts no vote: its weight is shared among the others in proportion to their
  weights (``members.empty_college_rule`` = "redistribute") or counts as 0 ("zero");
- majority: AGO more than ``members.majority_ago`` (1/2), AGE at least ``members.majority_age`` (2/3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlmodel import Session

from coopnum.core import settings
from coopnum.core.clock import paris_today
from coopnum.members.models import (
    Assembly,
    AssemblyKind,
    Attendance,
    AttendanceMode,
    BallotCount,
    Choice,
    College,
    Member,
    Resolution,
)

CHOICES = (Choice.FOR, Choice.AGAINST, Choice.ABSTAIN, Choice.BLANK)
RULES = ("redistribute", "zero")


def fraction(value) -> Fraction:
    """A setting written "1/5", "0", 0.2 or Decimal, as an exact fraction."""
    return Fraction(str(value).strip().replace(",", "."))


# --- members with voting rights -------------------------------------------------------------------------------------

def voting_members(session: Session, on: date) -> list[Member]:
    """Admitted members (admitted on or before ``on``) holding at least one share that day (the register's rule)."""
    from coopnum.members.services.capital import voting_members as from_capital

    return list(from_capital(session, on))


def voting_member_ids(session: Session, on: date) -> set[int]:
    return {m.id for m in voting_members(session, on)}


def assembly_day(assembly: Assembly) -> date:
    return paris_today(assembly.starts_at)


# --- the pure computation -------------------------------------------------------------------------------------------

@dataclass
class CollegeCounts:
    college_id: int | None
    name: str
    weight: Fraction  # 0–1
    counts: dict[str, int]

    @property
    def cast(self) -> int:
        return self.counts.get(Choice.FOR, 0) + self.counts.get(Choice.AGAINST, 0)

    @property
    def share_for(self) -> Fraction | None:
        return Fraction(self.counts.get(Choice.FOR, 0), self.cast) if self.cast else None


def weighted_for(colleges: list[CollegeCounts], rule: str) -> Fraction:
    """The weighted share of "for" (0–1). Without colleges (one bucket of weight 1), the share by head."""
    voting = [c for c in colleges if c.cast]
    if not voting:
        return Fraction(0)
    total = sum((c.weight * c.share_for for c in voting), Fraction(0))
    if rule == "redistribute":
        weights = sum((c.weight for c in voting), Fraction(0))
        return total / weights if weights else Fraction(0)
    return total


def majority_reached(kind: str, share: Fraction, majority: Fraction) -> bool:
    """AGO: strictly more than the majority (1/2); AGE: at least the majority (2/3)."""
    return share >= majority if kind == AssemblyKind.AGE else share > majority


def quorum_setting_key(kind: str, convocation: int) -> str:
    return f"members.quorum_{'age' if kind == AssemblyKind.AGE else 'ago'}_{'second' if convocation == 2 else 'first'}"


def quorum_reached(attending: int, voting: int, required: Fraction) -> bool:
    if required == 0:
        return True
    return voting > 0 and Fraction(attending, voting) >= required


def _ratio(value: Fraction | None, digits: int = 6) -> float | None:
    return None if value is None else round(float(value), digits)


# --- from the database ----------------------------------------------------------------------------------------------

def attendance_counts(session: Session, assembly: Assembly) -> dict:
    """Present, remote and represented among the members with voting rights, and how many have them."""
    voters = voting_member_ids(session, assembly_day(assembly))
    rows = session.execute(select(Attendance.member_id, Attendance.mode)
                           .where(Attendance.assembly_id == assembly.id)).all()
    counts = {str(mode): 0 for mode in AttendanceMode}
    for member_id, mode in rows:
        if member_id in voters:
            counts[mode] = counts.get(mode, 0) + 1
    counts["attending"] = sum(counts[str(m)] for m in AttendanceMode)
    counts["voting_members"] = len(voters)
    return counts


def quorum(session: Session, assembly: Assembly) -> dict:
    counts = attendance_counts(session, assembly)
    required = fraction(settings.get(session, quorum_setting_key(assembly.kind, assembly.convocation)))
    return {**counts, "required": str(required),
            "reached": quorum_reached(counts["attending"], counts["voting_members"], required)}


def college_counts(session: Session, resolution: Resolution) -> list[CollegeCounts]:
    return college_counts_of(session, [resolution.id])[resolution.id]


def college_counts_of(session: Session, resolution_ids: list[int]) -> dict[int, list[CollegeCounts]]:
    """The counts per college of several resolutions, in two queries whatever their number."""
    rows = session.execute(select(BallotCount.resolution_id, BallotCount.college_id, BallotCount.choice,
                                  BallotCount.count).where(BallotCount.resolution_id.in_(resolution_ids))).all()
    colleges = {c.id: c for c in session.execute(select(College)).scalars().all()}
    by_resolution: dict[int, list] = {resolution_id: [] for resolution_id in resolution_ids}
    for resolution_id, *row in rows:
        by_resolution[resolution_id].append(row)
    return {resolution_id: _college_counts(found, colleges) for resolution_id, found in by_resolution.items()}


def _college_counts(rows, colleges: dict[int, College]) -> list[CollegeCounts]:
    by_college: dict[int | None, dict[str, int]] = {}
    for college_id, choice, count in rows:
        by_college.setdefault(college_id, {str(c): 0 for c in CHOICES})[choice] = count
    result = []
    for college_id, counts in by_college.items():
        college = colleges.get(college_id)
        weight = Fraction(str(Decimal(college.weight_percent))) / 100 if college is not None else Fraction(1)
        result.append(CollegeCounts(college_id, college.name if college else "", weight, counts))
    order = {c.id: (c.position, c.id) for c in colleges.values()}
    result.sort(key=lambda c: order.get(c.college_id, (0, 0)))
    if len(result) > 1 and any(c.college_id is None for c in result):
        # ballots without a college next to college ones (a member without a college): count them by head
        # in their own bucket of weight 0, so they appear but never change the weighted result
        for c in result:
            if c.college_id is None:
                c.weight = Fraction(0)
    return result


def _frozen(resolution: Resolution) -> bool:
    return resolution.result is not None and resolution.closed_at is not None


def tally(session: Session, resolution: Resolution, assembly: Assembly | None = None) -> dict:
    """The result of a resolution as it stands (JSON-ready). Once the vote is closed, the frozen result."""
    if _frozen(resolution):
        return resolution.result
    return compute(session, resolution, assembly or session.get(Assembly, resolution.assembly_id))


def tallies_of(session: Session, assembly: Assembly, resolutions: list[Resolution], *,
               quorum_: dict | None = None) -> dict[int, dict]:
    """``tally`` of several resolutions of one assembly, in a fixed number of queries whatever their number
    (``quorum_``: the assembly's ``quorum`` when already computed)."""
    result = {r.id: r.result for r in resolutions if _frozen(r)}
    live = [r for r in resolutions if r.id not in result]
    if live:
        rule, majority = _rules(session, assembly)
        q = quorum_ if quorum_ is not None else quorum(session, assembly)
        counts = college_counts_of(session, [r.id for r in live])
        result.update({r.id: _result(r, assembly, rule, majority, counts[r.id], q) for r in live})
    return {r.id: result[r.id] for r in resolutions}


def _rules(session: Session, assembly: Assembly) -> tuple[str, Fraction]:
    """The empty-college rule and the majority of the assembly's kind (settings)."""
    rule = settings.get(session, "members.empty_college_rule")
    rule = rule if rule in RULES else "redistribute"
    majority_key = "members.majority_age" if assembly.kind == AssemblyKind.AGE else "members.majority_ago"
    return rule, fraction(settings.get(session, majority_key))


def compute(session: Session, resolution: Resolution, assembly: Assembly) -> dict:
    rule, majority = _rules(session, assembly)
    return _result(resolution, assembly, rule, majority, college_counts(session, resolution),
                   quorum(session, assembly))


def _result(resolution: Resolution, assembly: Assembly, rule: str, majority: Fraction,
            colleges: list[CollegeCounts], q: dict) -> dict:
    share = weighted_for(colleges, rule)
    totals = {str(c): sum(col.counts.get(c, 0) for col in colleges) for c in CHOICES}
    votes_cast = totals[Choice.FOR] + totals[Choice.AGAINST]
    adopted = bool(q["reached"] and votes_cast and majority_reached(assembly.kind, share, majority))
    return {
        "resolution_id": resolution.id,
        "quorum_reached": q["reached"],
        "quorum": dict(q),
        "votes_cast": votes_cast,
        **totals,
        "weighted_for": _ratio(share),
        "weighted_for_exact": f"{share.numerator}/{share.denominator}",
        "per_college": [{
            "college_id": c.college_id, "name": c.name, "weight": _ratio(c.weight, 4),
            "for": c.counts.get(Choice.FOR, 0), "against": c.counts.get(Choice.AGAINST, 0),
            "abstain": c.counts.get(Choice.ABSTAIN, 0), "blank": c.counts.get(Choice.BLANK, 0),
            "votes_cast": c.cast, "share_for": _ratio(c.share_for),
        } for c in colleges],
        "empty_college_rule": rule,
        "majority": str(majority),
        "kind": assembly.kind,
        "adopted": adopted,
        "frozen": False,
    }
