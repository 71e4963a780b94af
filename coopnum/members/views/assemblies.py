"""General assemblies: convening, convocations, attendance and proxies, resolutions, votes, tally, minutes."""

from datetime import timedelta

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coopnum.core import clock, formats, navigation, settings
from coopnum.core.access import require, roles_required
from coopnum.core.db import db
from coopnum.core.i18n import ngettext
from coopnum.core.models import Role
from coopnum.core.views import commit_or_flash, commit_or_show, form_status
from coopnum.members import access, queries
from coopnum.members import forms_assemblies as forms
from coopnum.members.models import (
    Assembly,
    AssemblyDocument,
    AssemblyStatus,
    AttendanceMode,
    Member,
    Resolution,
    ResolutionStatus,
)
from coopnum.members.services import annual_report as annual_reports
from coopnum.members.services import assemblies as services
from coopnum.members.services import convocations
from coopnum.members.services import tally as tallies
from coopnum.members.views import bp


def register_navigation() -> None:
    navigation.register("members.assemblies", _l("Assemblées"), (Role.COORDINATOR,), 410)


def _me():
    return services.member_for_user(db.session, current_user)


def _assembly_or_404(assembly_id: int) -> Assembly:
    assembly = db.session.get(Assembly, assembly_id)
    if assembly is None:
        abort(404)
    require(access.can_see_assembly(current_user, assembly, _me()))
    return assembly


def _managed(assembly_id: int) -> Assembly:
    assembly = db.session.get(Assembly, assembly_id)
    if assembly is None:
        abort(404)
    require(access.can_manage_assemblies(current_user))
    return assembly


def _resolution_managed(resolution_id: int) -> Resolution:
    resolution = db.session.get(Resolution, resolution_id)
    if resolution is None:
        abort(404)
    require(access.can_manage_assemblies(current_user))
    return resolution


def _actor():
    return current_user._get_current_object()


def _voters_choices(assembly: Assembly, empty: str | None = None, members=None) -> list[tuple[int, str]]:
    """``members``: the assembly's voting members when already read."""
    if members is None:
        members = tallies.voting_members(db.session, tallies.assembly_day(assembly))
    choices = [(m.id, f"{m.name}" + (f" (n° {m.number})" if m.number else "")) for m in members]
    return ([(0, empty)] if empty else []) + choices


def render_pdf(template: str, **context) -> bytes:
    from weasyprint import HTML

    with force_locale("fr"):
        html = render_template(template, **context)
    return HTML(string=html, base_url=request.url_root if request else None).write_pdf()


def _pdf_response(content: bytes, filename: str) -> Response:
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


def _cooperative() -> str:
    return settings.cooperative_name(db.session)


# --- list, new, detail ----------------------------------------------------------------------------------------------

@bp.route("/assemblies")
@roles_required(Role.COORDINATOR, Role.MEMBER)
def assemblies():
    me = _me()
    rows = queries.assemblies_newest_first(db.session)
    rows = [a for a in rows if access.can_see_assembly(current_user, a, me)]
    return render_template("members/assemblies/list.html", assemblies=rows, labels=forms,
                           manage=access.can_manage_assemblies(current_user))


@bp.route("/assemblies/new", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def assembly_new():
    form = forms.AssemblyForm()
    if form.validate_on_submit():
        ok, assembly = commit_or_show(form, lambda: services.create_assembly(
            db.session, _actor(), kind=form.kind.data, convocation=form.convocation.data,
            starts_at=clock.paris_datetime(form.day.data, form.time.data), place=form.place.data or "",
            mode=form.mode.data, agenda=form.agenda.data or "", title=form.title.data or "",
            remote_link=form.remote_link.data or "", convened_on=form.convened_on.data, now=clock.now()))
        if ok:
            flash(_("Assemblée créée."), "success")
            return redirect(url_for("members.assembly", assembly_id=assembly.id))
    return render_template("members/assemblies/form.html", form=form), form_status()


def _detail_context(assembly: Assembly) -> dict:
    resolutions = services.resolutions_of(db.session, assembly)
    manage = access.can_manage_assemblies(current_user)
    quorum = tallies.quorum(db.session, assembly) if manage else None
    results = tallies.tallies_of(db.session, assembly, [
        r for r in resolutions if r.status != ResolutionStatus.DRAFT and access.can_see_result(current_user, r)],
        quorum_=quorum)
    attendances = services.attendances_of(db.session, assembly) if manage else []
    sent = convocations.convocations_of(db.session, assembly) if manage else []
    members = queries.members_by_id(db.session, (
        {a.member_id for a in attendances} | {a.proxy_holder_id for a in attendances if a.proxy_holder_id}
        | {c.member_id for c in sent})) if manage else {}
    return {"assembly": assembly, "resolutions": resolutions, "results": results, "manage": manage,
            "documents": services.documents_of(db.session, assembly), "convocations": sent,
            "attendances": attendances, "members": members, "quorum": quorum, "labels": forms,
            "annual_year": annual_reports.year_for(assembly),
            "can_attach_annual": (assembly.kind == "AGO" and access.can_attach_annual_report(current_user, assembly)
                                  and assembly.status not in (AssemblyStatus.HELD, AssemblyStatus.CANCELLED))}


@bp.route("/assemblies/<int:assembly_id>")
@roles_required(Role.COORDINATOR, Role.MEMBER)
def assembly(assembly_id: int):
    assembly = _assembly_or_404(assembly_id)
    context = _detail_context(assembly)
    if context["manage"]:
        attendance_form = forms.AttendanceForm(prefix="att")
        voters = tallies.voting_members(db.session, tallies.assembly_day(assembly))
        attendance_form.member_id.choices = _voters_choices(assembly, members=voters)
        attendance_form.proxy_holder_id.choices = _voters_choices(assembly, empty=_("— personne —"), members=voters)
        context.update(attendance_form=attendance_form, resolution_form=forms.ResolutionForm(prefix="res"),
                       document_form=forms.DocumentForm(prefix="doc"), open_form=forms.OpenVoteForm(prefix="open"),
                       minutes_form=forms.MinutesForm(obj=assembly, prefix="pv"),
                       sign_form=forms.SignForm(prefix="sign", data={"signed_on": clock.today()}))
    return render_template("members/assemblies/detail.html", **context)


# --- convening, documents -------------------------------------------------------------------------------------------

def proxy_form_pdf(assembly: Assembly, member: Member | None = None) -> bytes:
    return render_pdf("members/assemblies/pdf/proxy_form.html", assembly=assembly, member=member,
                      cooperative=_cooperative(), label=services.assembly_label(assembly))


@bp.route("/assemblies/<int:assembly_id>/convene", methods=["POST"])
@roles_required(Role.COORDINATOR)
def assembly_convene(assembly_id: int):
    assembly = _managed(assembly_id)
    space_url = current_app.config.get("COOPNUM_BASE_URL", "") + url_for("members.my_space")
    try:
        proxy = proxy_form_pdf(assembly)
    except Exception:  # noqa: BLE001 - a convocation without the PDF form is better than none (it says how)
        current_app.logger.exception("proxy form")
        proxy = None
    ok, sent = commit_or_flash(lambda: convocations.convene(db.session, _actor(), assembly, now=clock.now(),
                                                        cooperative=_cooperative(), space_url=space_url,
                                                        proxy_form=proxy))
    if ok:
        flash(ngettext("%(num)s convocation envoyée (les courriels partent dans la minute ; ceux sans adresse "
                       "sont à envoyer par courrier).",
                       "%(num)s convocations envoyées (les courriels partent dans la minute ; ceux sans adresse "
                       "sont à envoyer par courrier).", len(sent)), "success")
    return redirect(url_for("members.assembly", assembly_id=assembly.id))


@bp.route("/assemblies/<int:assembly_id>/documents", methods=["POST"])
@roles_required(Role.COORDINATOR)
def assembly_document_new(assembly_id: int):
    assembly = _managed(assembly_id)
    form = forms.DocumentForm(prefix="doc")
    if form.validate_on_submit():
        upload = form.file.data
        content = upload.read()
        ok, _doc = commit_or_flash(lambda: services.add_document(
            db.session, _actor(), assembly, title=form.title.data or upload.filename or "", now=clock.now(),
            filename=(upload.filename or "document")[:200], content=content,
            mimetype=upload.mimetype or "application/octet-stream"), _("Document ajouté."))
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect(url_for("members.assembly", assembly_id=assembly.id) + "#documents")


@bp.route("/assemblies/documents/<int:document_id>")
@roles_required(Role.COORDINATOR, Role.MEMBER)
def assembly_document(document_id: int):
    document = db.session.get(AssemblyDocument, document_id)
    if document is None:
        abort(404)
    _assembly_or_404(document.assembly_id)
    return Response(document.content, mimetype=document.mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{document.filename}"'})


@bp.route("/assemblies/<int:assembly_id>/proxy-form.pdf")
@roles_required(Role.COORDINATOR, Role.MEMBER)
def assembly_proxy_form(assembly_id: int):
    assembly = _assembly_or_404(assembly_id)
    return _pdf_response(proxy_form_pdf(assembly, _me()), f"pouvoir-{assembly.id}.pdf")


# --- attendance, resolutions, votes ---------------------------------------------------------------------------------

@bp.route("/assemblies/<int:assembly_id>/attendance", methods=["POST"])
@roles_required(Role.COORDINATOR)
def assembly_attendance(assembly_id: int):
    assembly = _managed(assembly_id)
    form = forms.AttendanceForm(prefix="att")
    form.member_id.choices = _voters_choices(assembly)
    form.proxy_holder_id.choices = _voters_choices(assembly, empty="—")
    if form.validate_on_submit():
        member = db.session.get(Member, form.member_id.data)
        holder = db.session.get(Member, form.proxy_holder_id.data) if form.proxy_holder_id.data else None
        commit_or_flash(lambda: services.record_attendance(
            db.session, _actor(), assembly, member, mode=form.mode.data,
            proxy_holder=holder if form.mode.data == AttendanceMode.REPRESENTED else None, now=clock.now()),
            _("Présence enregistrée."))
    else:
        flash(_("Choisissez un sociétaire et sa présence."), "error")
    return redirect(url_for("members.assembly", assembly_id=assembly.id) + "#attendance")


@bp.route("/assemblies/<int:assembly_id>/resolutions", methods=["POST"])
@roles_required(Role.COORDINATOR)
def resolution_new(assembly_id: int):
    assembly = _managed(assembly_id)
    form = forms.ResolutionForm(prefix="res")
    if form.validate_on_submit():
        commit_or_flash(lambda: services.add_resolution(db.session, _actor(), assembly, title=form.title.data,
                                                        text=form.text.data or "", ballot=form.ballot.data,
                                                        now=clock.now()), _("Résolution ajoutée."))
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect(url_for("members.assembly", assembly_id=assembly.id) + "#resolutions")


@bp.route("/resolutions/<int:resolution_id>/open", methods=["POST"])
@roles_required(Role.COORDINATOR)
def resolution_open(resolution_id: int):
    resolution = _resolution_managed(resolution_id)
    form = forms.OpenVoteForm(prefix="open")
    now = clock.now()
    if form.validate_on_submit():
        closes_at = now + timedelta(hours=form.online_hours.data) if form.online_hours.data else None
        commit_or_flash(lambda: services.open_vote(db.session, _actor(), resolution, closes_at=closes_at, now=now),
                        _("Vote ouvert."))
    else:
        flash(_("Durée du vote en ligne invalide."), "error")
    return redirect(url_for("members.resolution", resolution_id=resolution.id))


@bp.route("/resolutions/<int:resolution_id>/close", methods=["POST"])
@roles_required(Role.COORDINATOR)
def resolution_close(resolution_id: int):
    resolution = _resolution_managed(resolution_id)
    commit_or_flash(lambda: services.close_vote(db.session, _actor(), resolution, now=clock.now()),
                    _("Vote clos : le résultat est figé."))
    return redirect(url_for("members.resolution", resolution_id=resolution.id))


@bp.route("/resolutions/<int:resolution_id>", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def resolution(resolution_id: int):
    """The secretary's page: record the ballots in the room, the live tally."""
    resolution = _resolution_managed(resolution_id)
    assembly = db.session.get(Assembly, resolution.assembly_id)
    form = forms.BallotForm()
    present = services.attendances_of(db.session, assembly)
    members = queries.members_by_id(
        db.session, {a.member_id for a in present} | {a.proxy_holder_id for a in present if a.proxy_holder_id})
    voted = {b.member_id for b in services.ballots_of(db.session, resolution)}
    form.member_id.choices = [(a.member_id, members[a.member_id].name + (
        f" — {_('pouvoir porté par')} {members[a.proxy_holder_id].name}" if a.proxy_holder_id else ""))
        for a in present if a.member_id not in voted]
    if form.validate_on_submit():
        member = db.session.get(Member, form.member_id.data)
        ok, _cast = commit_or_show(form, lambda: services.cast_ballot(db.session, _actor(), resolution, member,
                                                                       form.choice.data, now=clock.now()))
        if ok:
            flash(formats.elide(_("Vote de %(name)s enregistré.", name=member.name), member.name), "success")
            return redirect(url_for("members.resolution", resolution_id=resolution.id))
    result = tallies.tally(db.session, resolution, assembly) if resolution.status != ResolutionStatus.DRAFT else None
    return render_template("members/assemblies/resolution.html", resolution=resolution, assembly=assembly,
                           form=form, result=result, voted=len(voted), labels=forms,
                           open_form=forms.OpenVoteForm(prefix="open")), form_status()


# --- holding, minutes, attendance sheet, register -------------------------------------------------------------------

@bp.route("/assemblies/<int:assembly_id>/minutes", methods=["POST"])
@roles_required(Role.COORDINATOR)
def assembly_minutes(assembly_id: int):
    assembly = _managed(assembly_id)
    form = forms.MinutesForm(prefix="pv")
    if form.validate_on_submit():
        commit_or_flash(lambda: services.record_bureau(
            db.session, _actor(), assembly, services.Bureau.from_form(form), now=clock.now()),
            _("Bureau et débats enregistrés."))
    else:
        flash(_("Texte trop long."), "error")
    return redirect(url_for("members.assembly", assembly_id=assembly.id) + "#minutes")


@bp.route("/assemblies/<int:assembly_id>/hold", methods=["POST"])
@roles_required(Role.COORDINATOR)
def assembly_hold(assembly_id: int):
    assembly = _managed(assembly_id)
    commit_or_flash(lambda: services.close_assembly(db.session, _actor(), assembly, now=clock.now()),
                    _("Assemblée déclarée tenue : le procès-verbal peut être signé."))
    return redirect(url_for("members.assembly", assembly_id=assembly.id) + "#minutes")


@bp.route("/assemblies/<int:assembly_id>/sign", methods=["POST"])
@roles_required(Role.COORDINATOR)
def assembly_sign(assembly_id: int):
    assembly = _managed(assembly_id)
    form = forms.SignForm(prefix="sign")
    if form.validate_on_submit():
        commit_or_flash(lambda: services.sign_minutes(db.session, _actor(), assembly, signed_by=form.signed_by.data,
                                                      signed_on=form.signed_on.data, now=clock.now()),
                        _("Signature du procès-verbal enregistrée."))
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect(url_for("members.assembly", assembly_id=assembly.id) + "#minutes")


def minutes_context(assembly: Assembly) -> dict:
    resolutions = services.resolutions_of(db.session, assembly)
    attendances = services.attendances_of(db.session, assembly)
    ids = {a.member_id for a in attendances} | {a.proxy_holder_id for a in attendances if a.proxy_holder_id}
    members = queries.members_by_id(db.session, ids)
    quorum = tallies.quorum(db.session, assembly)
    results = tallies.tallies_of(db.session, assembly, [r for r in resolutions if r.status != ResolutionStatus.DRAFT],
                                 quorum_=quorum)
    return {"assembly": assembly, "label": services.assembly_label(assembly), "cooperative": _cooperative(),
            "resolutions": resolutions, "results": results,
            "attendances": attendances, "members": members, "quorum": quorum,
            "documents": services.documents_of(db.session, assembly), "labels": forms,
            "delay": services.convocation_delay(db.session, assembly.convocation),
            "convocations": len(convocations.convocations_of(db.session, assembly)),
            "starts": clock.to_paris(assembly.starts_at)}


@bp.route("/assemblies/<int:assembly_id>/minutes.pdf")
@roles_required(Role.COORDINATOR, Role.MEMBER)
def assembly_minutes_pdf(assembly_id: int):
    assembly = _assembly_or_404(assembly_id)
    if not access.can_manage_assemblies(current_user) and assembly.status != AssemblyStatus.HELD:
        abort(404)
    return _pdf_response(render_pdf("members/assemblies/pdf/minutes.html", **minutes_context(assembly)),
                         f"proces-verbal-{assembly.id}.pdf")


@bp.route("/assemblies/<int:assembly_id>/attendance.pdf")
@roles_required(Role.COORDINATOR)
def assembly_attendance_pdf(assembly_id: int):
    assembly = _managed(assembly_id)
    context = minutes_context(assembly)
    context["voters"] = tallies.voting_members(db.session, tallies.assembly_day(assembly))
    context["by_member"] = {a.member_id: a for a in context["attendances"]}
    holders = {a.proxy_holder_id for a in context["attendances"] if a.proxy_holder_id}
    context["members"].update({m.id: m for m in context["voters"] if m.id in holders})
    return _pdf_response(render_pdf("members/assemblies/pdf/attendance.html", **context),
                         f"feuille-de-presence-{assembly.id}.pdf")


@bp.route("/deliberations")
@roles_required(Role.COORDINATOR, Role.MEMBER)
def deliberations():
    """The register of deliberations: every assembly held, its resolutions and their results."""
    held = queries.held_assemblies(db.session)
    me = _me()
    held = [a for a in held if access.can_see_assembly(current_user, a, me)]
    resolutions = queries.resolutions_by_assembly(db.session, [a.id for a in held])
    entries = [(a, [(r, r.result) for r in resolutions.get(a.id, []) if r.status == ResolutionStatus.CLOSED])
               for a in held]
    return render_template("members/assemblies/register.html", entries=entries, labels=forms,
                           label=services.assembly_label)
