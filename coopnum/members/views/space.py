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
    """The convened assemblies the member sees, with its convocation, attendance, proxies, documents and ballots:
    one query per kind of row, whatever the number of assemblies."""
    from coopnum.members.services import capital

    rows = [a for a in queries.convened_assemblies(db.session) if access.can_see_assembly(current_user, a, me)]
    ids = [a.id for a in rows]
    attendances = queries.attendances_of_member(db.session, ids, me.id)
    proxies = queries.proxies_held(db.session, ids, me.id)
    people = queries.members_by_id(db.session, {a.proxy_holder_id for a in attendances.values() if a.proxy_holder_id}
                                   | {a.member_id for held in proxies.values() for a in held})
    convocations = queries.latest_convocations(db.session, ids, me.id)
    documents = queries.documents_by_assembly(db.session, ids)
    resolutions = {a: [r for r in rs if r.status == ResolutionStatus.OPEN]
                   for a, rs in queries.resolutions_by_assembly(db.session, ids).items()}
    ballots = queries.ballots_by(db.session, [r.id for rs in resolutions.values() for r in rs],
                                 [me.id, *(a.member_id for held in proxies.values() for a in held)])
    asking = [a for a in rows if a.id not in attendances and now < a.starts_at]  # may still give a proxy
    voters_on = capital.voting_members_on(db.session, [tallies.assembly_day(a) for a in asking])
    result = []
    for assembly in rows:
        attendance = attendances.get(assembly.id)
        holder = people.get(attendance.proxy_holder_id) if attendance and attendance.proxy_holder_id else None
        represented = [people[a.member_id] for a in proxies.get(assembly.id, [])]
        item = Upcoming(assembly, convocations.get(assembly.id), attendance, holder, represented,
                        documents.get(assembly.id, []))
        voters = ([] if holder else [me]) + represented
        for resolution in resolutions.get(assembly.id, []):
            item.votes.append((resolution, [(m, ballots.get((resolution.id, m.id))) for m in voters],
                               _window_open(resolution, now)))
        if assembly in asking:
            item.holders = [(m.id, m.name) for m in voters_on[tallies.assembly_day(assembly)] if m.id != me.id]
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
