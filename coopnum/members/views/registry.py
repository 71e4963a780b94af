"""Members, colleges and the share capital: the register (search, CSV/XLSX export), a member's page (data, status
and college history, ledger lines, the forms to admit, leave, move, subscribe, pay, transfer, reimburse, cancel),
the certificate of shares (PDF), the colleges, the capital page (figures, history, chart).

Coordination (and admin) only, except the certificate, which the member itself may download."""

import csv
import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import force_locale, format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from coopnum.core import clock, formats, navigation
from coopnum.core.access import is_staff, require, roles_required
from coopnum.core.db import db
from coopnum.core.filters import money
from coopnum.core.models import Role, User
from coopnum.core.pagination import page_args, paginate
from coopnum.core.spreadsheet import csv_row, xlsx_cell
from coopnum.core.validation import parse_id
from coopnum.core.views import commit_or_show, form_status
from coopnum.members import access, queries
from coopnum.members.forms import (
    BODY_LABELS,
    KIND_LABELS,
    OPERATION_LABELS,
    STATUS_BADGES,
    STATUS_LABELS,
    AdmitForm,
    CancelSharesForm,
    CollegeForm,
    LeaveForm,
    LinkUserForm,
    MemberForm,
    MoveForm,
    PayForm,
    RegisterFilterForm,
    ReimburseForm,
    SubscribeForm,
    TransferForm,
)
from coopnum.members.models import College, Member, MemberStatus
from coopnum.members.services import capital, registry
from coopnum.members.views import bp

STAFF = (Role.COORDINATOR,)


def register_navigation() -> None:
    navigation.register("members.index", _l("Vie coopérative"), (Role.COORDINATOR, Role.MEMBER), 400)


@bp.app_context_processor
def _member_labels():
    return {"member_status_labels": STATUS_LABELS, "member_status_badges": STATUS_BADGES,
            "member_kind_labels": KIND_LABELS, "body_labels": BODY_LABELS, "operation_labels": OPERATION_LABELS}


def _actor() -> User:
    return current_user._get_current_object()


def _load(member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None:
        abort(404)
    return member


def _college_choices(active_only: bool = True) -> list[tuple[int, str]]:
    return [(c.id, c.name) for c in registry.colleges(db.session, active_only=active_only)]


# --- the register ---------------------------------------------------------------------------------------------------

def _filters():
    form = RegisterFilterForm(request.args)
    form.college_id.choices = [("", _("Tous"))] + [(str(i), n) for i, n in _college_choices(False)]
    form.validate()
    return form, registry.search_stmt(
        form.q.data or "" if not form.q.errors else "",
        college_id=parse_id(form.college_id.data) if not form.college_id.errors else None,
        status=(form.status.data or None) if not form.status.errors else None)


@bp.route("/")
@roles_required(Role.COORDINATOR, Role.MEMBER)
def index():
    if not is_staff(current_user):
        return redirect(url_for("members.my_space"))
    form, stmt = _filters()
    page = paginate(db.session, stmt, *page_args(50))
    held = capital.balances(db.session, [m.id for m in page.items])
    # only the filter's own fields go back into the export links (``**request.args`` would hand url_for its own
    # keywords, e.g. ?endpoint=… or ?_external=…)
    filter_args = {name: request.args[name] for name in ("q", "college_id", "status") if request.args.get(name)}
    return render_template("members/register.html", form=form, page=page, held=held, filter_args=filter_args,
                           problems=registry.college_problems(db.session))


EXPORT_COLUMNS = (_l("N°"), _l("Nom"), _l("Nature"), _l("Organisme public"), _l("Collège"), _l("État"),
                  _l("Candidature"), _l("Admission"), _l("Sortie"), _l("Parts"), _l("Capital souscrit (€)"),
                  _l("Capital libéré (€)"), _l("Courriel"), _l("Téléphone"), _l("Code postal"), _l("Ville"))


def _export_rows(stmt):
    names = registry.college_names(db.session)
    members = list(db.session.execute(stmt).unique().scalars())
    held = capital.balances(db.session, [m.id for m in members])
    for m in members:
        b = held[m.id]
        yield [m.number, m.name, str(KIND_LABELS.get(m.kind, m.kind)), _("oui") if m.public_body else _("non"),
               names.get(m.college_id, ""), str(STATUS_LABELS.get(m.status, m.status)),
               m.applied_on.isoformat() if m.applied_on else "", m.admitted_on.isoformat() if m.admitted_on else "",
               m.left_on.isoformat() if m.left_on else "", b.shares, b.subscribed_cents / 100, b.paid_cents / 100,
               m.email or "", m.phone or "", m.postal_code, m.city]


@bp.route("/register.<fmt>")
@roles_required(*STAFF)
def register_export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    _form, stmt = _filters()
    stamp = clock.today().isoformat()
    header = [str(c) for c in EXPORT_COLUMNS]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        for row in _export_rows(stmt):
            writer.writerow(csv_row(row))
        data = ("\ufeff" + out.getvalue()).encode("utf-8")
        mimetype = "text/csv"  # werkzeug adds "; charset=utf-8" to text/*
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(_("Sociétaires"))
        ws.append(header)
        for row in _export_rows(stmt):
            ws.append([xlsx_cell(ws, v) if v != "" else None for v in row])
        buffer = io.BytesIO()
        wb.save(buffer)
        data = buffer.getvalue()
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                     download_name=f"societaires-{stamp}.{fmt}")


def _details(form) -> registry.ContactDetails:
    return registry.ContactDetails(
        name=form.name.data, kind=form.kind.data, email=form.email.data or "", phone=form.phone.data or "",
        address=form.address.data or "", postal_code=form.postal_code.data or "", city=form.city.data or "",
        public_body=form.public_body.data, notes=form.notes.data or "")


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def member_new():
    form = MemberForm()
    form.college_id.choices = _college_choices()
    if request.method == "GET":
        form.applied_on.data = clock.today()
    if form.validate_on_submit():
        ok, member = commit_or_show(form, lambda: registry.create_candidate(
            db.session, _actor(), _details(form), college_id=form.college_id.data, applied_on=form.applied_on.data,
            now=clock.now()))
        if ok:
            flash(formats.elide(_("Candidature de %(name)s enregistrée.", name=member.name), member.name), "success")
            return redirect(url_for("members.member", member_id=member.id))
    return render_template("members/member_form.html", form=form, member=None), form_status()


# --- a member's page ------------------------------------------------------------------------------------------------

def _forms(member: Member) -> dict:
    today = clock.today()
    forms = {
        "admit": AdmitForm(prefix="admit"), "leave": LeaveForm(prefix="leave"), "move": MoveForm(prefix="move"),
        "link": LinkUserForm(prefix="link"), "subscribe": SubscribeForm(prefix="subscribe"),
        "pay": PayForm(prefix="pay"), "transfer": TransferForm(prefix="transfer"),
        "reimburse": ReimburseForm(prefix="reimburse"), "cancel": CancelSharesForm(prefix="cancel"),
    }
    forms["move"].college_id.choices = [(i, n) for i, n in _college_choices() if i != member.college_id]
    others = queries.transfer_receivers(db.session, member.id)
    forms["transfer"].receiver_id.choices = [(r.id, f"{r.name} (n° {r.number})" if r.number else r.name)
                                             for r in others]
    if request.method == "GET":
        for f in forms.values():
            if hasattr(f, "on"):
                f.on.data = today
        if member.status == MemberStatus.ADMITTED:
            forms["leave"].body.data = "member"
    return forms


def _render_member(member: Member, forms: dict | None = None, status: int = 200):
    forms = forms or _forms(member)
    user = db.session.get(User, member.user_id) if member.user_id else None
    if request.method == "GET" and user is not None:
        forms["link"].email.data = user.email
    return render_template(
        "members/member.html", member=member, forms=forms, balance=capital.balance(db.session, member.id),
        lines=capital.operations_of(db.session, member.id), statuses=registry.status_history(db.session, member.id),
        moves=registry.college_history(db.session, member.id), colleges=registry.college_names(db.session),
        members=queries.member_names(db.session), user=user,
        nominal=capital.nominal_cents(db.session)), status


@bp.route("/<int:member_id>")
@roles_required(*STAFF)
def member(member_id: int):
    return _render_member(_load(member_id))


@bp.route("/<int:member_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def member_edit(member_id: int):
    member = _load(member_id)
    form = MemberForm(obj=member)
    del form.college_id, form.applied_on
    if form.validate_on_submit():
        ok, _m = commit_or_show(form, lambda: registry.update_contact(
            db.session, _actor(), member, _details(form), now=clock.now()))
        if ok:
            flash(_("Coordonnées enregistrées."), "success")
            return redirect(url_for("members.member", member_id=member.id))
    return render_template("members/member_form.html", form=form, member=member), form_status()


ACTIONS = {
    "admit": (lambda m, f: registry.admit(db.session, _actor(), m, on=f.on.data, body=f.body.data,
                                          reference=f.reference.data or "", shares=f.shares.data or 0,
                                          paid_cents=f.paid_cents.data, now=clock.now()),
              _l("Admission enregistrée.")),
    "leave": (lambda m, f: registry.leave(db.session, _actor(), m, status=f.status.data, on=f.on.data,
                                          body=f.body.data, reference=f.reference.data or "",
                                          reason=f.reason.data or "", now=clock.now()),
              _l("Sortie enregistrée.")),
    "move": (lambda m, f: registry.move_college(db.session, _actor(), m, f.college_id.data, on=f.on.data,
                                                reason=f.reason.data or "", now=clock.now()),
             _l("Changement de collège enregistré.")),
    "link": (lambda m, f: registry.link_user(db.session, _actor(), m, _user_by_email(f.email.data), now=clock.now()),
             _l("Compte enregistré.")),
    "subscribe": (lambda m, f: capital.subscribe(db.session, _actor(), m, f.shares.data, on=f.on.data,
                                                 paid_cents=f.paid_cents.data, reference=f.reference.data or "",
                                                 now=clock.now()),
                  _l("Souscription enregistrée.")),
    "pay": (lambda m, f: capital.pay(db.session, _actor(), m, f.amount_cents.data, on=f.on.data,
                                     reference=f.reference.data or "", now=clock.now()),
            _l("Libération enregistrée.")),
    "transfer": (lambda m, f: capital.transfer(db.session, _actor(), m, _load(f.receiver_id.data), f.shares.data,
                                               on=f.on.data, reference=f.reference.data or "", now=clock.now()),
                 _l("Cession enregistrée.")),
    "reimburse": (lambda m, f: capital.reimburse(db.session, _actor(), m, f.shares.data, on=f.on.data,
                                                 amount_cents=f.amount_cents.data, reference=f.reference.data or "",
                                                 now=clock.now()),
                  _l("Remboursement enregistré.")),
    "cancel": (lambda m, f: capital.cancel(db.session, _actor(), m, f.shares.data, on=f.on.data,
                                           reference=f.reference.data or "", now=clock.now()),
               _l("Annulation enregistrée.")),
}


def _user_by_email(email: str | None) -> User | None:
    from coopnum.core.errors import DomainError

    email = (email or "").strip().lower()
    if not email:
        return None
    user = queries.user_by_email(db.session, email)
    if user is None:
        raise DomainError(_("Aucun compte n'a cette adresse : créez-le d'abord dans « Comptes »."), field="email")
    return user


@bp.route("/<int:member_id>/<any(admit, leave, move, link, subscribe, pay, transfer, reimburse, cancel):action>",
          methods=["POST"])
@roles_required(*STAFF)
def member_action(member_id: int, action: str):
    member = _load(member_id)
    forms = _forms(member)
    form = forms[action]
    run, success = ACTIONS[action]
    if form.validate_on_submit():
        ok, _result = commit_or_show(form, lambda: run(member, form))
        if ok:
            flash(str(success), "success")
            return redirect(url_for("members.member", member_id=member.id) + f"#{action}")
    db.session.expire_all()
    return _render_member(_load(member_id), forms, status=400)


# --- the certificate of shares ------------------------------------------------------------------------------------

def certificate_number(member: Member, lines) -> str:
    """The member's register number and the ledger line the certificate reflects: 00012-00157."""
    last = max((line.number for line in lines), default=0)
    return f"{member.number or 0:05d}-{last:05d}"


@bp.route("/<int:member_id>/certificate.pdf")
@roles_required(Role.COORDINATOR, Role.MEMBER)
def certificate(member_id: int):
    member = _load(member_id)
    require(access.can_see_member(current_user, member))
    if member.number is None:
        abort(404)
    from weasyprint import HTML

    from coopnum.billing.company import identity

    lines = capital.operations_of(db.session, member.id)
    held = capital.balance(db.session, member.id)
    today = clock.today()
    with force_locale("fr"):
        html = render_template(
            "members/pdf/certificate.html", member=member, held=held, lines=lines, company=identity(db.session),
            number=certificate_number(member, lines), today=format_date(today, "long"),
            admitted_on=format_date(member.admitted_on, "long") if member.admitted_on else "",
            nominal=money(capital.nominal_cents(db.session)), subscribed=money(held.subscribed_cents),
            paid=money(held.paid_cents), unpaid=money(held.unpaid_cents),
            college=member.college.name if member.college else "")
    pdf = HTML(string=html).write_pdf()
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=False,
                     download_name=f"certificat-parts-{member.number:05d}.pdf")


# --- colleges -------------------------------------------------------------------------------------------------------

@bp.route("/colleges", methods=["GET", "POST"])
@roles_required(*STAFF)
def colleges():
    form = CollegeForm(prefix="new")
    if form.validate_on_submit():
        ok, college = commit_or_show(form, lambda: registry.create_college(
            db.session, _actor(), name=form.name.data, weight_percent=form.weight_percent.data,
            description=form.description.data or "", now=clock.now()))
        if ok:
            flash(_("Collège « %(name)s » créé.", name=college.name), "success")
            return redirect(url_for("members.colleges"))
    return _render_colleges(form), form_status()


def _render_colleges(new_form, edit_forms: dict | None = None):
    all_colleges = registry.colleges(db.session)
    edit_forms = edit_forms or {}
    for c in all_colleges:
        if c.id not in edit_forms:
            edit_forms[c.id] = CollegeForm(prefix=f"c{c.id}", obj=c, formdata=None)
    return render_template("members/colleges.html", colleges=all_colleges, form=new_form, edit_forms=edit_forms,
                           problems=registry.college_problems(db.session),
                           counts=registry.counts_by_college(db.session))


@bp.route("/colleges/<int:college_id>", methods=["POST"])
@roles_required(*STAFF)
def college_edit(college_id: int):
    college = db.session.get(College, college_id)
    if college is None:
        abort(404)
    form = CollegeForm(prefix=f"c{college.id}")
    if form.validate_on_submit():
        ok, _c = commit_or_show(form, lambda: registry.update_college(
            db.session, _actor(), college, name=form.name.data, weight_percent=form.weight_percent.data,
            description=form.description.data or "", active=form.active.data, now=clock.now()))
        if ok:
            flash(_("Collège « %(name)s » enregistré.", name=college.name), "success")
            return redirect(url_for("members.colleges"))
    db.session.expire_all()
    return _render_colleges(CollegeForm(prefix="new", formdata=None), {college_id: form}), 400


# --- the capital page -----------------------------------------------------------------------------------------------

def capital_chart(points) -> Markup:
    """The capital (subscribed and paid) at the end of each year of the ledger, as an inline SVG."""
    from coopnum.reports import charts

    by_year: dict[int, capital.HistoryPoint] = {}
    for p in points:
        by_year[p.on.year] = p
    years = sorted(by_year)
    svg = charts.columns(
        [str(y) for y in years],
        [(_("Capital souscrit (€)"), [by_year[y].subscribed_cents // 100 for y in years]),
         (_("Capital libéré (€)"), [by_year[y].paid_cents // 100 for y in years])],
        title=_("Capital en fin d'année"), empty_text=_("Aucun mouvement de capital."))
    return Markup(svg)


@bp.route("/capital")
@roles_required(*STAFF)
def capital_page():
    today = clock.today()
    totals = capital.total(db.session)
    public = capital.public_bodies_capital(db.session)
    points = capital.history(db.session)
    kind = request.args.get("kind") or ""
    kind = kind if kind in OPERATION_LABELS else ""
    page = paginate(db.session, capital.operations_stmt(kind=kind or None), *page_args(50))
    return render_template(
        "members/capital.html", totals=totals, public=public, floor=capital.capital_floor(db.session),
        highest=capital.highest_capital(db.session), points=list(reversed(points))[:40], chart=capital_chart(points),
        page=page, members=queries.member_names(db.session),
        public_share=format_decimal(round(public * 100 / totals.subscribed_cents, 1) if totals.subscribed_cents else 0,
                                    format="#,##0.0"),
        overdue=capital.overdue(db.session, today), voting=len(capital.voting_members(db.session, today)),
        nominal=capital.nominal_cents(db.session), kind=kind)
