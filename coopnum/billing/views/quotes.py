"""Billing pages: quotes (devis) — list, new (optionally answering a request), detail and editing of a draft,
sending (numbered; e-mailed with its PDF, or only marked as sent), acceptance (→ a draft convention or a draft
invoice), refusal, duplication (a new version) and the PDF."""

from decimal import Decimal

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coopnum.billing import queries
from coopnum.billing.forms.quotes import (
    BLANK_LINES,
    LINE_UNIT_LABELS,
    QUOTE_STATUS_BADGES,
    QUOTE_STATUS_LABELS,
    AcceptQuoteForm,
    QuoteFilterForm,
    QuoteForm,
    SendQuoteForm,
    chosen_recipients,
    recipient_choices,
)
from coopnum.billing.models import Quote, QuoteStatus
from coopnum.billing.services import quotes as svc
from coopnum.billing.services import sending
from coopnum.billing.views import bp
from coopnum.core import clock, outbox
from coopnum.core.access import load_or_404, roles_required
from coopnum.core.db import db
from coopnum.core.errors import DomainError
from coopnum.core.models import Role
from coopnum.core.pagination import page_args, paginate
from coopnum.core.validation import bounded_int
from coopnum.core.views import commit_or_flash, commit_or_show, form_error, form_status, link_to
from coopnum.missions.models import ServiceRequest
from coopnum.organisations.forms.catalogue import VAT_LABELS

LABELS = {"quote_status_labels": QUOTE_STATUS_LABELS, "quote_status_badges": QUOTE_STATUS_BADGES,
          "line_unit_labels": LINE_UNIT_LABELS, "vat_labels": VAT_LABELS}


def qty(value) -> str:
    """A quantity or a percentage without useless decimals: 12, 2,5, 0,125."""
    return format_decimal(value or 0, format="#,##0.###")


def _render(template: str, http_status: int = 200, **context):
    return render_template(template, link_to=link_to, today=clock.today(), effective_status=svc.effective_status,
                           qty=qty, **LABELS, **context), http_status


def _organisation_choices(current: int | None = None) -> list[tuple[int, str]]:
    rows = queries.open_organisations(db.session, keep=current or -1)
    return [(0, _("— Choisissez une structure —"))] + [(r.id, r.name) for r in rows]


def _load(quote_id: int) -> Quote:
    return load_or_404(Quote, quote_id)


# --- the lines' form ------------------------------------------------------------------------------------------------

def _line_data(line) -> dict:
    return {"service_id": line.service_id or 0, "description": line.description, "quantity": line.quantity,
            "unit": line.unit, "unit_price_cents": line.unit_price_cents,
            "discount_percent": line.discount_percent or None}


def _blank() -> dict:
    return {"service_id": 0, "description": "", "quantity": None, "unit": "", "unit_price_cents": None,
            "discount_percent": None}


def _quote_form(quote: Quote | None, *, data: dict | None = None) -> QuoteForm:
    if data is None:
        data = {"organisation_id": quote.organisation_id, "title": quote.title, "vat_regime": quote.vat_regime,
                "notes": quote.notes, "lines": [_line_data(line) for line in quote.lines]} if quote else {}
        data["lines"] = data.get("lines", []) + [_blank() for _i in range(BLANK_LINES)]
    form = QuoteForm(data=data)
    form.organisation_id.choices = _organisation_choices(quote.organisation_id if quote else None)
    services = [(0, _("— Ligne libre —"))] + [
        (s.id, f"{s.name} ({s.unit_price_cents / 100:.2f} €)".replace(".", ",")) for s in svc.catalogue(db.session)]
    for entry in form.lines:
        entry.form.service_id.choices = services
    return form


def _line_inputs(form: QuoteForm) -> list[svc.LineInput]:
    rows = []
    for entry in form.lines:
        sub = entry.form
        if sub.remove.data or sub.is_blank():
            continue
        rows.append(svc.LineInput(
            service_id=sub.service_id.data or None, description=sub.description.data or "",
            quantity=sub.quantity.data if sub.quantity.data is not None else Decimal(1),
            unit=sub.unit.data or None, unit_price_cents=sub.unit_price_cents.data,
            discount_percent=sub.discount_percent.data or Decimal(0)))
    return rows


def _show_error(form: QuoteForm, exc: DomainError) -> None:
    if exc.field == "lines":
        form.line_errors = [exc.message]
    else:
        form_error(form, exc)


# --- list, new ------------------------------------------------------------------------------------------------------

@bp.route("/quotes")
@roles_required(Role.COORDINATOR)
def quotes():
    form = QuoteFilterForm(request.args)
    form.organisation_id.choices = [(0, _("Toutes"))] + _organisation_choices()[1:]
    status = request.args.get("status", "")
    if status not in {s.value for s in QuoteStatus}:
        status = ""
    organisation_id = request.args.get("organisation_id", type=bounded_int) or None
    stmt = queries.quote_list_stmt(status=status or None, organisation_id=organisation_id,
                                   q=(request.args.get("q") or "").strip() or None, today=clock.today())
    page = paginate(db.session, stmt, *page_args())
    return _render("billing/quotes/list.html", form=form, page=page)


@bp.route("/quotes/new", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def quote_new():
    req = None
    request_id = request.args.get("request_id", type=bounded_int)
    if request_id:
        req = db.session.get(ServiceRequest, request_id)
        if req is None:
            abort(404)
    data = None
    if request.method == "GET":
        data = {"organisation_id": request.args.get("organisation_id", type=bounded_int) or 0, "lines": []}
        if req is not None:
            data |= {"organisation_id": req.organisation_id, "title": req.service.name if req.service else "",
                     "vat_regime": req.service.vat_regime if req.service else "standard"}
            if req.service:
                data["lines"] = [{"service_id": req.service.id, "description": req.service.name, "quantity": 1,
                                  "unit": req.service.unit, "unit_price_cents": req.service.unit_price_cents,
                                  "discount_percent": None}]
        data["lines"] += [_blank() for _i in range(BLANK_LINES + (0 if data["lines"] else 1))]
    form = _quote_form(None, data=data)
    if form.validate_on_submit():
        ok, quote = commit_or_show(form, lambda: svc.create(
            db.session, current_user, organisation_id=form.organisation_id.data, title=form.title.data,
            request=req, vat_regime=form.vat_regime.data, notes=form.notes.data or "",
            lines=_line_inputs(form), now=clock.now()), show=_show_error)
        if ok:
            flash(_("Devis enregistré (brouillon)."), "success")
            return redirect(url_for("billing.quote_detail", quote_id=quote.id))
    return _render("billing/quotes/form.html", form_status(), form=form, quote=None, req=req)


# --- detail and editing ---------------------------------------------------------------------------------------------

def _send_form(quote: Quote, form: SendQuoteForm | None = None) -> SendQuoteForm:
    recipients = sending.recipients_of(db.session, quote.organisation)
    if form is None:
        form = SendQuoteForm(prefix="send", data={"recipients": [r.email for r in recipients if r.default]})
    form.recipients.choices = recipient_choices(recipients)
    return form


def _accept_form(quote: Quote, form: AcceptQuoteForm | None = None) -> AcceptQuoteForm:
    if form is None:
        start, end = svc.default_convention_dates(db.session, quote, clock.today())
        priced = any(line.unit in svc.UNIT_PRICING for line in quote.lines)
        form = AcceptQuoteForm(prefix="accept", data={"target": "convention" if priced else "invoice",
                                                      "start_date": start, "end_date": end})
    return form


def _detail(quote: Quote, http_status: int = 200, **forms):
    context = {"quote": quote, "status": svc.effective_status(quote, clock.today()),
               "req": db.session.get(ServiceRequest, quote.request_id) if quote.request_id else None,
               "convention": svc.convention_of(db.session, quote),
               "mails": outbox.mails_about(db.session, "quote", [quote.id]).get(quote.id, [])}
    if quote.status == QuoteStatus.DRAFT:
        context["form"] = forms.get("form") or _quote_form(quote)
    context["send_form"] = _send_form(quote, forms.get("send_form"))
    context["accept_form"] = _accept_form(quote, forms.get("accept_form"))
    return _render("billing/quotes/detail.html", http_status, **context)


@bp.route("/quotes/<int:quote_id>", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def quote_detail(quote_id: int):
    quote = _load(quote_id)
    if request.method == "POST":
        if quote.status != QuoteStatus.DRAFT:
            flash(_("Ce devis est envoyé : il ne change plus. Dupliquez-le pour en faire une nouvelle version."),
                  "error")
            return redirect(url_for("billing.quote_detail", quote_id=quote.id))
        form = _quote_form(quote, data={})
        if form.validate_on_submit():
            ok, _result = commit_or_show(form, lambda: svc.update(
                db.session, current_user, quote, organisation_id=form.organisation_id.data, title=form.title.data,
                vat_regime=form.vat_regime.data, notes=form.notes.data or "", lines=_line_inputs(form),
                now=clock.now()), show=_show_error)
            if ok:
                flash(_("Devis enregistré."), "success")
                return redirect(url_for("billing.quote_detail", quote_id=quote.id))
            quote = _load(quote_id)
        return _detail(quote, 400, form=form)
    return _detail(quote)


@bp.route("/quotes/<int:quote_id>/delete", methods=["POST"])
@roles_required(Role.COORDINATOR)
def quote_delete(quote_id: int):
    quote = _load(quote_id)
    ok, _result = commit_or_flash(lambda: svc.delete(db.session, current_user, quote, now=clock.now()),
                                  _("Brouillon de devis supprimé."))
    if ok:
        return redirect(url_for("billing.quotes"))
    return redirect(url_for("billing.quote_detail", quote_id=quote_id))


# --- send, accept, decline, duplicate, PDF --------------------------------------------------------------------------

outbox.register_kind(svc.MAIL_KIND, _l("Devis"))


def _queue_mail(quote: Quote, recipients: list[str], message: str) -> None:
    """Write the quote's mail, its PDF attached, into the outbox (in the caller's transaction)."""
    pdf = svc.render_pdf(db.session, quote)
    outbox.queue(db.session, svc.mail_for(db.session, quote, pdf, recipients, message), kind=svc.MAIL_KIND,
                 about=quote, actor=current_user._get_current_object(), now=clock.now())


def _mail_flash(quote: Quote, recipients: list[str]) -> None:
    if outbox.smtp_configured():
        flash(_("Devis %(number)s : le courriel part dans la minute pour %(to)s.", number=quote.number,
                to=", ".join(recipients)), "success")
    else:
        flash(_("Devis %(number)s : le courriel est en file d'envoi pour %(to)s, mais aucun serveur d'envoi (SMTP) "
                "n'est configuré : il partira quand il le sera.", number=quote.number, to=", ".join(recipients)),
              "warning")


@bp.route("/quotes/<int:quote_id>/send", methods=["POST"])
@roles_required(Role.COORDINATOR)
def quote_send(quote_id: int):
    """A draft: number it and e-mail it (or only mark it as sent). A sent quote: e-mail it again. The mail is
    written into the outbox in the same transaction, and leaves after the commit."""
    quote = _load(quote_id)
    form = _send_form(quote, SendQuoteForm(prefix="send"))
    if not form.validate_on_submit():
        return _detail(quote, 400, send_form=form)
    by_mail = quote.status != QuoteStatus.DRAFT or form.mode.data != "mark"
    recipients: list[str] = []
    message = form.message.data or ""
    if by_mail:
        try:
            recipients = sending.clean_recipients(
                chosen_recipients(form), [], who=_("La structure « %(name)s »", name=quote.organisation.name))
        except DomainError as exc:
            form.recipients.errors = [*form.recipients.errors, exc.message]
            return _detail(quote, 400, send_form=form)
    if quote.status == QuoteStatus.DRAFT:
        def send_and_mail():
            svc.send(db.session, current_user, quote, now=clock.now())
            if by_mail:
                _queue_mail(quote, recipients, message)

        ok, _result = commit_or_show(form, send_and_mail)
        if not ok:
            return _detail(_load(quote_id), 400, send_form=form)
        if not by_mail:
            flash(_("Devis %(number)s marqué comme envoyé.", number=quote.number), "success")
    elif quote.status != QuoteStatus.SENT:
        flash(_("Ce devis n'est plus en attente de réponse : il ne se renvoie pas."), "error")
        return redirect(url_for("billing.quote_detail", quote_id=quote.id))
    else:
        ok, _result = commit_or_show(form, lambda: _queue_mail(quote, recipients, message))
        if not ok:
            return _detail(_load(quote_id), 400, send_form=form)
    if by_mail:
        _mail_flash(quote, recipients)
    return redirect(url_for("billing.quote_detail", quote_id=quote.id))


@bp.route("/quotes/<int:quote_id>/accept", methods=["POST"])
@roles_required(Role.COORDINATOR)
def quote_accept(quote_id: int):
    quote = _load(quote_id)
    form = AcceptQuoteForm(prefix="accept")
    if form.validate_on_submit():
        ok, _result = commit_or_show(form, lambda: svc.accept(
            db.session, current_user, quote, target=form.target.data, start_date=form.start_date.data,
            end_date=form.end_date.data, now=clock.now()))
        if ok:
            if quote.convention_id:
                flash(_("Devis accepté : la convention est créée en brouillon. Complétez-la puis faites-la "
                        "signer."), "success")
                target = link_to("organisations.convention_detail", quote.convention_id)
            else:
                flash(_("Devis accepté : la facture est créée en brouillon. Relisez-la puis émettez-la."),
                      "success")
                target = link_to("billing.invoice", quote.invoice_id)
            return redirect(target or url_for("billing.quote_detail", quote_id=quote.id))
        quote = _load(quote_id)
    return _detail(quote, 400, accept_form=form)


@bp.route("/quotes/<int:quote_id>/decline", methods=["POST"])
@roles_required(Role.COORDINATOR)
def quote_decline(quote_id: int):
    quote = _load(quote_id)
    commit_or_flash(lambda: svc.decline(db.session, current_user, quote, now=clock.now()),
                    _("Devis marqué comme refusé."))
    return redirect(url_for("billing.quote_detail", quote_id=quote_id))


@bp.route("/quotes/<int:quote_id>/duplicate", methods=["POST"])
@roles_required(Role.COORDINATOR)
def quote_duplicate(quote_id: int):
    quote = _load(quote_id)
    ok, copy = commit_or_flash(lambda: svc.duplicate(db.session, current_user, quote, now=clock.now()),
                               _("Nouvelle version créée en brouillon : modifiez-la puis envoyez-la."))
    return redirect(url_for("billing.quote_detail", quote_id=copy.id if ok else quote_id))


@bp.route("/quotes/<int:quote_id>/pdf")
@roles_required(Role.COORDINATOR)
def quote_pdf(quote_id: int):
    quote = _load(quote_id)
    pdf = svc.render_pdf(db.session, quote)
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    disposition = "attachment" if request.args.get("download") else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{svc.pdf_filename(quote)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
