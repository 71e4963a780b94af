"""The member's own space: shares and certificate, assemblies and convocations, proxies, ballots, minutes."""

from dataclasses import dataclass, field

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopnum.core import clock
from coopnum.core import dashboard as panels
from coopnum.core.access import require, roles_required
from coopnum.core.db import db
from coopnum.core.models import Role
from coopnum.core.views import commit_or_flash
from coopnum.members import access, queries
from coopnum.members import forms_assemblies as forms
from coopnum.members.models import (
    Assembly,
    Attendance,
    Convocation,
    Member,
    Resolution,
    ResolutionStatus,
)
from coopnum.members.services import assemblies as services
from coopnum.members.services import tally as tallies
from coopnum.members.views import bp


@dataclass
class Upcoming:
    assembly: Assembly
    convocation: Convocation | None
    attendance: Attendance | None
    holder: Member | None  # who carries my proxy
    represented: list[Member]  # the members whose proxy I carry
    documents: list
    votes: list = field(default_factory=list)  # (resolution, [(member, ballot or None)])
    holders: list = field(default_factory=list)  # choices for a proxy


def _balance(member: Member):
    from coopnum.members.services import capital

    return capital.balance(db.session, member.id)


def _upcoming(me: Member, now) -> list[Upcoming]:
    rows = queries.convened_assemblies(db.session)
    result = []
    for assembly in rows:
        if not access.can_see_assembly(current_user, assembly, me):
            continue
        attendance = services.attendance_of(db.session, assembly, me.id)
        holder = db.session.get(Member, attendance.proxy_holder_id) if attendance and attendance.proxy_holder_id \
            else None
        represented = [db.session.get(Member, a.member_id) for a in services.held_proxies(db.session, assembly, me.id)]
        convocation = queries.latest_convocation(db.session, assembly.id, me.id)
        item = Upcoming(assembly, convocation, attendance, holder, represented,
                        services.documents_of(db.session, assembly))
        for resolution in services.resolutions_of(db.session, assembly):
            if resolution.status != ResolutionStatus.OPEN:
                continue
            voters = [] if holder else [me]
            voters += represented
            item.votes.append((resolution, [(m, services.ballot_of(db.session, resolution, m.id)) for m in voters],
                               _window_open(resolution, now)))
        if attendance is None and now < assembly.starts_at:
            voters = tallies.voting_members(db.session, tallies.assembly_day(assembly))
            item.holders = [(m.id, m.name) for m in voters if m.id != me.id]
        result.append(item)
    return result


def _window_open(resolution: Resolution, now) -> bool:
    try:
        services.check_window(resolution, now)
    except Exception:  # noqa: BLE001 - DomainError: closed
        return False
    return True


@bp.route("/me")
@roles_required(Role.MEMBER)
def my_space():
    me = services.member_for_user(db.session, current_user)
    now = clock.now()
    context = {"me": me, "labels": forms, "upcoming": [], "past": [], "balance": None,
               "certificate": True}
    if me is not None:
        context["upcoming"] = _upcoming(me, now)
        context["past"] = queries.held_assemblies(db.session, newest_first=True)
        context["balance"] = _balance(me)
    return render_template("members/space.html", proxy_form=forms.ProxyForm(), ballot_form=forms.MyBallotForm(),
                           **context)


def _my_member() -> Member:
    me = services.member_for_user(db.session, current_user)
    if me is None:
        abort(403)
    return me


@bp.route("/me/assemblies/<int:assembly_id>/proxy", methods=["POST"])
@roles_required(Role.MEMBER)
def my_proxy(assembly_id: int):
    me = _my_member()
    assembly = db.session.get(Assembly, assembly_id)
    if assembly is None:
        abort(404)
    require(access.can_see_assembly(current_user, assembly, me))
    form = forms.ProxyForm()
    form.proxy_holder_id.choices = [(m.id, m.name) for m in
                                    tallies.voting_members(db.session, tallies.assembly_day(assembly))]
    if form.validate_on_submit():
        holder = db.session.get(Member, form.proxy_holder_id.data)
        commit_or_flash(lambda: services.give_proxy(db.session, current_user._get_current_object(), assembly, me,
                                                    holder, now=clock.now()),
                        _("Votre pouvoir est enregistré : %(name)s votera pour vous.", name=holder.name))
    else:
        flash(_("Choisissez le sociétaire à qui donner votre pouvoir."), "error")
    return redirect(url_for("members.my_space"))


@bp.route("/me/resolutions/<int:resolution_id>/vote", methods=["POST"])
@roles_required(Role.MEMBER)
def my_vote(resolution_id: int):
    me = _my_member()
    resolution = db.session.get(Resolution, resolution_id)
    if resolution is None:
        abort(404)
    assembly = db.session.get(Assembly, resolution.assembly_id)
    require(access.can_see_assembly(current_user, assembly, me))
    form = forms.MyBallotForm()
    if form.validate_on_submit() and form.choice.data in forms.CHOICE_LABELS:
        try:
            member_id = int(form.member_id.data or me.id)
        except ValueError:
            member_id = me.id
        member = db.session.get(Member, member_id) or me
        ok, _cast = commit_or_flash(lambda: services.cast_ballot(
            db.session, current_user._get_current_object(), resolution, member, form.choice.data, by_member=me,
            now=clock.now()))
        if ok:
            flash(_("Vote enregistré pour %(name)s : %(choice)s.", name=member.name,
                    choice=forms.CHOICE_LABELS[form.choice.data]), "success")
    else:
        flash(_("Choisissez pour, contre, abstention ou blanc."), "error")
    return redirect(url_for("members.my_space") + f"#resolution-{resolution.id}")


# --- the dashboard panel of a member ----------------------------------------------------------------------------------

def _pending_panel(user) -> dict:
    me = services.member_for_user(db.session, user)
    if me is None:
        return {"me": None, "votes": 0, "convocations": []}
    votes, assemblies = services.pending_for(db.session, me.id, clock.now())
    return {"me": me, "votes": votes,
            "convocations": [a for a in assemblies if access.can_see_assembly(current_user, a, me)]}


def register_panels() -> None:
    """The member's dashboard panel: its pending votes and convocations."""
    panels.register("members.pending", "members/space_panel.html", (Role.MEMBER,), _pending_panel, 390)
