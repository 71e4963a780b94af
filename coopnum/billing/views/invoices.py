"""Billing pages: invoices — the list (filters, summary), the month's run, a new draft (from the work, after a
preview of what is billable, or free), a draft (header, lines with the sessions they bill, warnings, issue, delete),
an issued invoice or credit note (documents, balance, credit notes, payments, reminders, sendings) and the credit
note form. Coordination only (an admin passes the role checks)."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from io import BytesIO

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from coopnum.billing import amounts, company, queries
from coopnum.billing.forms.invoices import (
    DOCUMENT_LABELS,
    FILTER_STATE_LABELS,
    KIND_LABELS,
    PAYMENT_LABELS,
    STATE_BADGES,
    STATE_LABELS,
    STATUS_LABELS,
    UNIT_LABELS,
    CreditNoteForm,
    FreeInvoiceForm,
    FromWorkForm,
    HeaderForm,
    InvoiceFilterForm,
    LineForm,
    NewLineForm,
    RunForm,
    parse_month,
    unit_word,
)
from coopnum.billing.models import (
    DocumentKind,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceSending,
    InvoiceStatus,
    LineUnit,
    Payment,
    Reminder,
)
from coopnum.billing.services import billable, credit_notes, issuing
from coopnum.billing.services import invoices as service
from coopnum.billing.views import bp
from coopnum.core import clock
from coopnum.core.access import is_staff, load_or_404, roles_required
from coopnum.core.db import db
from coopnum.core.errors import DomainError
from coopnum.core.filters import d as format_day
from coopnum.core.filters import money
from coopnum.core.models import Role
from coopnum.core.pagination import page_args
from coopnum.core.views import commit_or_flash, commit_or_show, form_error, form_status, safe_next
from coopnum.organisations.forms.catalogue import VAT_LABELS
from coopnum.organisations.models import Convention, Organisation, Service, VatRegime
from coopnum.reports.services.reports import Period, add_months, month_starts

# --- helpers --------------------------------------------------------------------------------------------------------


def _last_month(today: date) -> tuple[date, date]:
    first = today.replace(day=1)
    return add_months(first, -1), first - timedelta(days=1)


def _month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


def month_key(day: date) -> str:
    return f"{day:%Y-%m}"


def qty(value) -> str:
    """A quantity the way it is typed: 2,5 / 10 / 1,125 (French) or 2.5 (English)."""
    if value is None:
        return ""
    return format_decimal(Decimal(value).normalize(), format="#,##0.###")


def _typed(value) -> str:
    """A quantity or a percentage as prefilled in a field (French decimal comma, no thousands separator)."""
    return format(Decimal(value).normalize(), "f").replace(".", ",")


def size_kb(size: int) -> str:
    return format_decimal(Decimal(size) / 1024, format="#,##0.0")


def _int(text) -> int | None:
    text = str(text or "").strip()
    return int(text) if text.isdigit() and len(text) <= 9 else None


def can_manage(user, _obj=None) -> bool:
    return is_staff(user)


def _load(invoice_id: int) -> Invoice:
    return load_or_404(Invoice, invoice_id, can_manage)


def _actor():
    return current_user._get_current_object()


@bp.app_template_global("unit_word")
def unit_word_of(unit: str, quantity) -> str:
    """{{ unit_word(line.unit, line.quantity) }}: « 1 heure », « 14,75 heures » (invoice and quote lines, in every
    template, the PDFs' macros included)."""
    return unit_word(unit, quantity, get_locale())


def _labels() -> dict:
    return {"state_labels": STATE_LABELS, "state_badges": STATE_BADGES, "status_labels": STATUS_LABELS,
            "kind_labels": KIND_LABELS, "unit_labels": UNIT_LABELS, "vat_labels": VAT_LABELS,
            "document_labels": DOCUMENT_LABELS, "payment_labels": PAYMENT_LABELS, "qty": qty,
            "format_rate": amounts.format_rate, "size_kb": size_kb, "month_key": month_key, "today": clock.today()}


def _render(template: str, status: int = 200, **context):
    return render_template(template, **_labels(), **context), status


def _back_to(invoice: Invoice):
    """To ``next`` (a local path, e.g. the month's run) or to the invoice."""
    return redirect(safe_next(request.values.get("next")) or url_for("billing.invoice", invoice_id=invoice.id))


def _refuse_unless_draft(invoice: Invoice):
    """A redirect with the service's message when the invoice is issued (None for a draft)."""
    try:
        service.ensure_draft(invoice)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("billing.invoice", invoice_id=invoice.id))
    return None


# --- the list -------------------------------------------------------------------------------------------------------

def _filter_choices(form: InvoiceFilterForm, today: date) -> None:
    orgs = queries.invoiced_organisations(db.session)
    form.organisation_id.choices = [("", _("Tous"))] + [(str(r.id), r.name) for r in orgs]
    conventions = queries.invoiced_conventions(db.session)
    form.convention_id.choices = [("", _("Toutes"))] + [(str(r.id), r.reference) for r in conventions]
    first = queries.first_issue_date(db.session)
    years = range(today.year, min(first.year if first else today.year, today.year) - 1, -1)
    form.year.choices = [("", _("Toutes"))] + [(str(y), str(y)) for y in years]


def _filters(form: InvoiceFilterForm) -> queries.InvoiceFilters:
    def pick(value, allowed):
        return value if value in allowed else None

    return queries.InvoiceFilters(
        status=pick(form.status.data, set(InvoiceStatus)), kind=pick(form.kind.data, set(InvoiceKind)),
        state=pick(form.state.data, set(FILTER_STATE_LABELS)), organisation_id=_int(form.organisation_id.data),
        convention_id=_int(form.convention_id.data), year=_int(form.year.data),
        q=(form.q.data or "").strip()[:100] or None)


@bp.route("/invoices")
@roles_required(Role.COORDINATOR)
def invoices():
    today = clock.today()
    form = InvoiceFilterForm(request.args)
    _filter_choices(form, today)
    page = queries.invoice_list(db.session, _filters(form), today, *page_args())
    return _render("billing/invoices/list.html", form=form, page=page,
                   summary=queries.invoice_summary(db.session, today))


# --- the month's run ------------------------------------------------------------------------------------------------

def _not_invoiced(month: date, invoiced: list[Invoice]) -> list[Convention]:
    """Signed conventions active in the month with no invoice for that month (to look at one by one)."""
    done = {inv.convention_id for inv in invoiced}
    return [c for c in billable.active_conventions(db.session, month, _month_end(month)) if c.id not in done]


@bp.route("/invoices/run", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def invoice_run():
    today = clock.today()
    form = RunForm()
    result = None
    month = parse_month(request.args.get("month")) or _last_month(today)[0]
    if request.method == "GET":
        form.month.data = month_key(month)
    elif form.validate_on_submit():
        month = parse_month(form.month.data)
        # the page shows the run's result (drafts created, conventions skipped): no flash repeating it
        _ok, result = commit_or_show(form, lambda: billable.monthly_run(db.session, _actor(), month, now=clock.now()))
    elif parse_month(form.month.data):
        month = parse_month(form.month.data)
    month_invoices = queries.month_invoices(db.session, month, _month_end(month))
    return _render("billing/invoices/run.html", form_status() if result is None else 200, form=form, month=month,
                   month_end=_month_end(month), result=result, month_invoices=month_invoices,
                   not_invoiced=[] if result else _not_invoiced(month, month_invoices),
                   back=url_for("billing.invoice_run", month=month_key(month)))


# --- a new draft ----------------------------------------------------------------------------------------------------

def _signed_conventions() -> list[tuple[int, str]]:
    return [(c.id, f"{c.reference} — {c.organisation.name} — {c.title}")
            for c in queries.signed_conventions(db.session)]


def _organisations() -> list[tuple[int, str]]:
    return [(r.id, r.name) for r in queries.open_organisations(db.session)]


def _preview(work: billable.Work | None) -> dict | None:
    """The proposed lines with their totals, and the document's totals (rounded per line, VAT per rate)."""
    if work is None:
        return None
    rows, bases = [], {}
    for line in work.lines:
        total = amounts.line_total_cents(line.quantity, line.unit_price_cents)
        rows.append({"line": line, "total": total})
        bases[line.vat_rate_bp] = bases.get(line.vat_rate_bp, 0) + total
    excl = sum(bases.values())
    vat = sum(amounts.vat_cents(base, rate) for rate, base in bases.items())
    return {"rows": rows, "excl": excl, "vat": vat, "incl": excl + vat}


@bp.route("/invoices/new", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def invoice_new():
    """From the work: choose a convention and a period (``?convention_id=&period_start=&period_end=`` too), see
    what is billable and what is held back, create the draft. Or a free draft for a client."""
    start, end = _last_month(clock.today())
    mode = request.form.get("mode") if request.method == "POST" else None
    if mode == "work":
        work_form = FromWorkForm()
    elif "convention_id" in request.args:
        work_form = FromWorkForm(formdata=request.args, meta={"csrf": False})
    else:
        work_form = FromWorkForm(formdata=None, data={"period_start": start, "period_end": end},
                                 meta={"csrf": False})
    work_form.convention_id.choices = [(0, "—")] + _signed_conventions()
    free_form = FreeInvoiceForm(formdata=request.form if mode == "free" else None)
    free_form.organisation_id.choices = [(0, "—")] + _organisations()
    status, work = 200, None

    if mode == "free":
        if free_form.validate_on_submit():
            org = db.session.get(Organisation, free_form.organisation_id.data)
            ok, invoice = commit_or_show(free_form, lambda: service.new_draft(
                db.session, _actor(), org, title=free_form.title.data or "", now=clock.now()))
            if ok:
                flash(_("Brouillon créé : ajoutez ses lignes."), "success")
                return redirect(url_for("billing.invoice", invoice_id=invoice.id))
        status = 400
    elif mode == "work" or "convention_id" in request.args:
        valid = work_form.validate_on_submit() if mode == "work" else work_form.validate()
        if valid:
            convention = db.session.get(Convention, work_form.convention_id.data)
            start, end = work_form.period_start.data, work_form.period_end.data
            try:
                work = billable.billable_work(db.session, convention, start, end, now=clock.now())
            except DomainError as exc:
                form_error(work_form, exc)
                status = 400
            else:
                if mode == "work":
                    ok, invoice = commit_or_show(work_form, lambda: billable.draft_from_work(
                        db.session, _actor(), convention, start, end, now=clock.now(), work=work))
                    if ok:
                        flash(_("Brouillon créé à partir du travail réalisé : relisez-le, puis émettez-le."),
                              "success")
                        return redirect(url_for("billing.invoice", invoice_id=invoice.id))
                    status = 400
        else:
            status = 400
    return _render("billing/invoices/new.html", status, work_form=work_form, free_form=free_form, work=work,
                   preview=_preview(work),
                   timesheet_months=month_starts(work.period_start, work.period_end)[:12] if work else [])


# --- an invoice -----------------------------------------------------------------------------------------------------

def _header_form(invoice: Invoice) -> HeaderForm:
    return HeaderForm(prefix="h", formdata=None, obj=invoice)


def _line_form(invoice: Invoice, line: InvoiceLine, formdata=None) -> LineForm:
    data = {"description": line.description, "quantity": _typed(line.quantity), "unit": line.unit,
            "unit_price_cents": line.unit_price_cents, "discount_percent": _typed(line.discount_percent),
            "vat_rate_bp": line.vat_rate_bp}
    form = LineForm(prefix=f"l{line.id}", formdata=formdata, data=data)
    if invoice.vat_regime != VatRegime.STANDARD:
        del form.vat_rate_bp
    return form


def _new_line_form(invoice: Invoice, formdata=None) -> NewLineForm:
    form = NewLineForm(prefix="add", formdata=formdata,
                       data={"vat_rate_bp": amounts.rate_of(invoice.vat_regime), "discount_percent": "0"})
    form.service_id.choices = [(0, "—")] + [(s.id, f"{s.name} ({s.code})")
                                            for s in queries.active_services(db.session)]
    if invoice.vat_regime != VatRegime.STANDARD:
        del form.vat_rate_bp
    return form


def _service_prices(invoice: Invoice) -> dict[int, int]:
    """The catalogue price of each active service, or the convention's negotiated one."""
    prices = queries.catalogue_prices(db.session)
    if invoice.convention is not None:
        for item in invoice.convention.services:
            if item.unit_price_cents is not None:
                prices[item.service_id] = item.unit_price_cents
    return prices


def draft_warnings(invoice: Invoice) -> tuple[list[str], list[str]]:
    """(what would stop the issue — the service's checks, all at once —, what to check: Chorus Pro references)."""
    blockers = issuing.issue_blockers(invoice, company.identity(db.session))
    advice = []
    org = invoice.organisation
    if org is not None and org.is_public and not any(service.chorus_references(invoice)):
        advice.append(_("Acheteur public sans code service ni numéro d'engagement : vérifiez s'il en exige un "
                        "(sinon Chorus Pro rejette la facture) et indiquez-le dans l'en-tête ou sur la structure."))
    return blockers, advice


def _billed(invoice: Invoice) -> tuple[dict, dict]:
    """(line id → billed items, session id → session) in two queries."""
    items = service.billed_sessions(db.session, invoice)
    ids = {item.session_id for rows in items.values() for item in rows if item.session_id}
    return items, queries.sessions_by_id(db.session, ids)


def _report_url(invoice: Invoice) -> str | None:
    if not (invoice.convention_id and invoice.period_start and invoice.period_end):
        return None
    period = Period("custom", invoice.period_start, invoice.period_end)
    return url_for("reports.convention_report", convention_id=invoice.convention_id, **period.args())


def _send_form(invoice: Invoice):
    """The e-mail form (its checkboxes: the organisation's addresses)."""
    from coopnum.billing.views.sending import send_form

    return send_form(invoice)


def _render_invoice(invoice: Invoice, *, status: int = 200, header_form=None, line_forms=None, add_form=None,
                    open_line: int | None = None):
    items, sessions = _billed(invoice)
    context = {"invoice": invoice, "state": invoice.payment_state(clock.today()), "billed": items,
               "sessions": sessions, "report_url": _report_url(invoice),
               "vat_mention": amounts.VAT_MENTIONS.get(invoice.vat_regime, "")}
    if invoice.is_draft:
        forms = {line.id: _line_form(invoice, line) for line in invoice.lines}
        forms.update(line_forms or {})
        add_form = add_form or _new_line_form(invoice)
        blockers, advice = draft_warnings(invoice)
        context.update(header_form=header_form or _header_form(invoice), line_forms=forms, add_form=add_form,
                       service_prices=_service_prices(invoice), blockers=blockers, advice=advice,
                       open_line=open_line)
    else:
        context.update(
            documents=queries.documents_without_content(db.session, invoice.id),
            credit_notes=credit_notes.credit_notes_of(db.session, invoice) if not invoice.is_credit_note else [],
            credited_invoice=db.session.get(Invoice, invoice.credit_of_id) if invoice.credit_of_id else None,
            credited=service.credited_quantities(db.session, invoice) if not invoice.is_credit_note else {},
            payments=queries.rows_of(db.session, Payment, invoice.id, Payment.received_on),
            reminders=queries.rows_of(db.session, Reminder, invoice.id, Reminder.level),
            sendings=queries.rows_of(db.session, InvoiceSending, invoice.id, InvoiceSending.sent_at.desc()),
            send_form=_send_form(invoice))
    return _render("billing/invoices/detail.html", status, **context)


@bp.route("/invoices/<int:invoice_id>")
@roles_required(Role.COORDINATOR)
def invoice(invoice_id: int):
    return _render_invoice(_load(invoice_id))


@bp.route("/invoices/<int:invoice_id>/update", methods=["POST"])
@roles_required(Role.COORDINATOR)
def invoice_update(invoice_id: int):
    invoice = _load(invoice_id)
    if refused := _refuse_unless_draft(invoice):
        return refused
    form = HeaderForm(prefix="h")
    if form.validate_on_submit():
        ok, _result = commit_or_show(form, lambda: service.update_header(
            db.session, _actor(), invoice, title=form.title.data or "", notes=form.notes.data or "",
            payment_terms_days=form.payment_terms_days.data, vat_regime=form.vat_regime.data,
            period_start=form.period_start.data, period_end=form.period_end.data,
            chorus_service_code=form.chorus_service_code.data,
            chorus_engagement_number=form.chorus_engagement_number.data, now=clock.now()))
        if ok:
            flash(_("En-tête enregistré."), "success")
            return redirect(url_for("billing.invoice", invoice_id=invoice.id))
    return _render_invoice(invoice, status=400, header_form=form)


def _line_of(invoice: Invoice, line_id: int) -> InvoiceLine:
    line = db.session.get(InvoiceLine, line_id)
    if line is None or line.invoice_id != invoice.id:
        abort(404)
    return line


@bp.route("/invoices/<int:invoice_id>/lines", methods=["POST"])
@roles_required(Role.COORDINATOR)
def invoice_line_add(invoice_id: int):
    invoice = _load(invoice_id)
    if refused := _refuse_unless_draft(invoice):
        return refused
    form = _new_line_form(invoice, formdata=request.form)
    if form.validate_on_submit():
        chosen = db.session.get(Service, form.service_id.data) if form.service_id.data else None
        description = (form.description.data or "").strip() or (chosen.name if chosen else "")
        unit = form.unit.data or (chosen.unit if chosen and chosen.unit in set(LineUnit) else LineUnit.UNIT)
        price = form.unit_price_cents.data
        if price is None and chosen is not None:
            price = _service_prices(invoice).get(chosen.id, chosen.unit_price_cents)
        if price is None:
            form.unit_price_cents.errors.append(_("Indiquez le prix unitaire."))
        else:
            ok, _line = commit_or_show(form, lambda: service.add_line(
                db.session, _actor(), invoice, description=description, quantity=form.quantity.data,
                unit=unit, unit_price_cents=price, discount_percent=form.discount_percent.data or 0,
                vat_rate_bp=form.vat_rate_bp.data if "vat_rate_bp" in form else None,
                service_id=chosen.id if chosen else None, now=clock.now()))
            if ok:
                flash(_("Ligne ajoutée."), "success")
                return redirect(url_for("billing.invoice", invoice_id=invoice.id) + "#lines")
    return _render_invoice(invoice, status=400, add_form=form)


@bp.route("/invoices/<int:invoice_id>/lines/<int:line_id>", methods=["POST"])
@roles_required(Role.COORDINATOR)
def invoice_line_update(invoice_id: int, line_id: int):
    invoice = _load(invoice_id)
    line = _line_of(invoice, line_id)
    if refused := _refuse_unless_draft(invoice):
        return refused
    form = _line_form(invoice, line, formdata=request.form)
    if form.validate_on_submit():
        ok, _line = commit_or_show(form, lambda: service.update_line(
            db.session, _actor(), invoice, line, description=form.description.data,
            quantity=form.quantity.data, unit_price_cents=form.unit_price_cents.data,
            discount_percent=form.discount_percent.data or 0, unit=form.unit.data,
            vat_rate_bp=form.vat_rate_bp.data if "vat_rate_bp" in form else None, now=clock.now()))
        if ok:
            flash(_("Ligne enregistrée."), "success")
            return redirect(url_for("billing.invoice", invoice_id=invoice.id) + f"#line-{line_id}")
    return _render_invoice(invoice, status=400, line_forms={line_id: form}, open_line=line_id)


@bp.route("/invoices/<int:invoice_id>/lines/<int:line_id>/delete", methods=["POST"])
@roles_required(Role.COORDINATOR)
def invoice_line_delete(invoice_id: int, line_id: int):
    invoice = _load(invoice_id)
    line = _line_of(invoice, line_id)
    commit_or_flash(lambda: service.delete_line(db.session, _actor(), invoice, line, now=clock.now()),
                    _("Ligne supprimée."))
    return redirect(url_for("billing.invoice", invoice_id=invoice.id) + "#lines")


@bp.route("/invoices/<int:invoice_id>/issue", methods=["POST"])
@roles_required(Role.COORDINATOR)
def invoice_issue(invoice_id: int):
    """Number, freeze and render in one transaction: on any refusal nothing is committed (no number is used)."""
    invoice = _load(invoice_id)
    ok, _issued = commit_or_flash(lambda: issuing.issue(db.session, _actor(), invoice, now=clock.now()))
    if ok:
        if invoice.is_credit_note:
            flash(_("Avoir %(number)s émis.", number=invoice.number), "success")
        else:
            flash(_("Facture %(number)s émise : %(total)s TTC, échéance le %(due)s.", number=invoice.number,
                    total=money(invoice.total_incl_cents), due=format_day(invoice.due_date)), "success")
    return _back_to(invoice)


@bp.route("/invoices/<int:invoice_id>/delete", methods=["POST"])
@roles_required(Role.COORDINATOR)
def invoice_delete(invoice_id: int):
    invoice = _load(invoice_id)
    ok, _done = commit_or_flash(lambda: service.delete_draft(db.session, _actor(), invoice, now=clock.now()),
                                _("Brouillon supprimé."))
    if ok:
        return redirect(url_for("billing.invoices"))
    return redirect(url_for("billing.invoice", invoice_id=invoice_id))


@bp.route("/invoices/<int:invoice_id>/documents/<kind>")
@roles_required(Role.COORDINATOR)
def invoice_document(invoice_id: int, kind: str):
    """The document stored at issue, byte for byte (never rendered again)."""
    invoice = _load(invoice_id)
    if kind not in set(DocumentKind):
        abort(404)
    doc = issuing.document(db.session, invoice, kind)
    if doc is None:
        abort(404)
    response = send_file(BytesIO(doc.content), mimetype="application/pdf", as_attachment=True,
                         download_name=doc.filename, etag=doc.sha256, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- credit note ----------------------------------------------------------------------------------------------------

def _credit_value(text: str | None) -> str:
    """The quantity typed for a line; anything equal to zero (0, 0,0, empty) means « nothing »."""
    text = (text or "").strip()
    try:
        return "0" if Decimal(text.replace(",", ".").replace(" ", "") or "0") == 0 else text
    except InvalidOperation:
        return text


@bp.route("/invoices/<int:invoice_id>/credit-note", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def invoice_credit_note(invoice_id: int):
    invoice = _load(invoice_id)
    if invoice.is_draft or invoice.is_credit_note:
        flash(_("Un avoir s'établit sur une facture émise.") if invoice.is_draft
              else _("On ne fait pas d'avoir sur un avoir."), "error")
        return redirect(url_for("billing.invoice", invoice_id=invoice.id))
    form = CreditNoteForm()
    already = service.credited_quantities(db.session, invoice)
    values = {line.id: _credit_value(request.form.get(f"qty-{line.id}")) for line in invoice.lines} \
        if request.method == "POST" else {}
    line_errors: list[str] = []

    def show(form_, exc: DomainError) -> None:
        if exc.field in ("lines", "quantity", None):
            line_errors.append(exc.message)
        else:
            form_error(form_, exc)

    if form.validate_on_submit():
        lines = None if form.all_lines.data else values
        ok, note = commit_or_show(form, lambda: credit_notes.create_credit_note(
            db.session, _actor(), invoice, reason=form.reason.data, lines=lines, now=clock.now()), show)
        if ok:
            flash(_("Avoir %(number)s émis sur la facture %(invoice)s : %(total)s TTC.", number=note.number,
                    invoice=invoice.number, total=money(note.total_incl_cents)), "success")
            return redirect(url_for("billing.invoice", invoice_id=note.id))
    rows = [{"line": line, "credited": already.get(line.id, Decimal(0)),
             "remaining": line.quantity - already.get(line.id, Decimal(0)), "value": values.get(line.id, "0")}
            for line in invoice.lines]
    return _render("billing/invoices/credit_note.html", form_status(), invoice=invoice, form=form, rows=rows,
                   line_errors=line_errors)
