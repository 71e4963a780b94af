"""Core pages: login and password reset, dashboard, account and API tokens, user administration, audit log."""

import time as time_module
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import defaultload, defer, lazyload

from coopnum.core import audit as audit_log
from coopnum.core import clock, mail, navigation, outbox, services, settings, slots, validation
from coopnum.core import dashboard as panels
from coopnum.core.access import can_edit_account, client_ip, login_required, roles_required
from coopnum.core.clock import PARIS
from coopnum.core.db import db
from coopnum.core.errors import DomainError, conflict_from_database
from coopnum.core.forms import (
    AuditFilterForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    TokenForm,
    UserForm,
    audit_action_label,
)
from coopnum.core.i18n import ngettext
from coopnum.core.models import ApiToken, AuditLog, MailStatus, OutboxMail, Role, Setting, User, UserRole
from coopnum.core.pagination import COUNT_LIMIT, page_args, paginate
from coopnum.core.security import make_reset_token, read_reset_token

bp = Blueprint("core", __name__)


def safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def form_status() -> int:
    """The status of a page showing a form: 400 when a submitted form is shown again with its errors."""
    return 400 if request.method == "POST" else 200


def _run_and_commit(action) -> tuple[DomainError | None, object]:
    """Run a service call and commit: (None, its result), or (the DomainError, None) after a rollback. A database
    error meaning that a concurrent request won (a unique row it committed first, a deadlock) is a Conflict too:
    the constraints kept the data right, the person gets a French message rather than an internal error."""
    try:
        result = action()
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return exc, None
    except DBAPIError as exc:
        db.session.rollback()
        conflict = conflict_from_database(exc)
        if conflict is None:
            raise
        return conflict, None
    return None, result


def link_to(endpoint: str, obj_id: int | None = None, **values) -> str:
    """The URL of a page; ``obj_id`` fills the rule's only path argument, whatever its name (``convention_id``,
    ``id``…)."""
    if obj_id is not None:
        for rule in current_app.url_map.iter_rules(endpoint):
            if len(rule.arguments) == 1:
                values[next(iter(rule.arguments))] = obj_id
                break
    return url_for(endpoint, **values)


def commit_or_show(form, action, show=None) -> tuple[bool, object]:
    """Run a service call for a valid form: commit and return (True, its result); on DomainError (or a concurrent
    request's conflict), roll back, show the message next to its field (or with ``show(form, exc)``) and return
    (False, None)."""
    error, result = _run_and_commit(action)
    if error is not None:
        (show or form_error)(form, error)
        return False, None
    return True, result


def commit_or_flash(action, success=None) -> tuple[bool, object]:
    """Run the service call of a button (no form to show errors in): commit and flash ``success``, returning
    (True, its result); on DomainError (or a concurrent request's conflict), roll back and flash the message as an
    error, returning (False, None)."""
    error, result = _run_and_commit(action)
    if error is not None:
        flash(error.message, "error")
        return False, None
    if success:
        flash(success, "success")
    return True, result


def form_error(form, exc: DomainError) -> None:
    """Show a domain error next to its field when the form has it, else at the top of the form."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message] if isinstance(field.errors, list) else [exc.message]
    else:
        flash(exc.message, "error")


# --- authentication ---------------------------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        limits = {"max_failures": current_app.config["LOGIN_MAX_FAILURES"],
                  "window_minutes": current_app.config["LOGIN_WINDOW_MINUTES"]}
        attempt = services.start_login_attempt(db.session, form.email.data, ip=client_ip(), now=clock.now())
        throttled = services.address_is_throttled(db.session, attempt.ip, now=clock.now(), **limits)
        db.session.commit()  # concurrent attempts count this one from now on
        if throttled:
            slow_down(current_app.config.get("LOGIN_SLOWDOWN_SECONDS", 1.0))  # no lock held while waiting
        try:
            user = services.authenticate(db.session, attempt, form.password.data, now=clock.now(), **limits)
        except services.TooManyAttempts as exc:
            db.session.commit()  # forget the refused attempt: it checked no password
            flash(exc.message, "error")
            status = 429
        except DomainError as exc:
            db.session.commit()  # keep the failed attempt, for rate limiting
            flash(exc.message, "error")
            status = 401
        else:
            db.session.commit()
            session.clear()
            login_user(user, remember=form.remember.data)
            if user.locale:
                session["lang"] = user.locale
            return redirect(safe_next(request.args.get("next")) or url_for("core.dashboard"))
    elif request.method == "POST":
        status = 400
    return render_template("core/login.html", form=form), status


def slow_down(seconds: float) -> None:
    """Wait before checking a password from an address that failed too often (on any accounts)."""
    if seconds > 0:
        time_module.sleep(seconds)


@bp.route("/logout", methods=["POST"])
def logout():
    lang = session.get("lang") or (current_user.locale if current_user.is_authenticated else None)
    if current_user.is_authenticated:
        # End the session server-side: every session cookie and "remember me" cookie issued so far stops working,
        # including a copy of this one replayed later.
        services.end_sessions(db.session, current_user._get_current_object(), ip=client_ip(), now=clock.now())
        db.session.commit()
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang  # the language chosen stays for the login page
    flash(_("Vous êtes déconnecté·e."), "info")
    response = redirect(url_for("core.login"))
    config = current_app.config
    response.delete_cookie(
        config.get("REMEMBER_COOKIE_NAME", "remember_token"),
        path=config.get("REMEMBER_COOKIE_PATH", "/"),
        domain=config.get("REMEMBER_COOKIE_DOMAIN"),
        secure=config.get("REMEMBER_COOKIE_SECURE", False),
        httponly=config.get("REMEMBER_COOKIE_HTTPONLY", True),
        samesite=config.get("REMEMBER_COOKIE_SAMESITE"),
    )
    return response


RESET_MAIL_INTERVAL = timedelta(minutes=2)  # one reset mail per account at most every two minutes (no mail bombing)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = services.user_by_email(db.session, form.email.data)
        if user is not None and user.active and not outbox.recently_queued(
                db.session, "core.password_reset", user, since=clock.now() - RESET_MAIL_INTERVAL):
            queue_password_link(user, invitation=False)
            db.session.commit()
        # Same answer whether or not the account exists, and the same work: the mail leaves later, through the
        # outbox, so neither the answer nor its time tells which addresses have an account.
        flash(_("Si un compte existe pour cette adresse, un courriel avec un lien vient de lui être envoyé."), "info")
        return redirect(url_for("core.login"))
    return render_template("core/forgot_password.html", form=form), form_status()


def queue_password_link(user: User, *, invitation: bool) -> None:
    """Write into the outbox a mail with a link to choose a password (the caller commits). The mail is sensitive:
    its body is never shown and is blanked once sent."""
    token = make_reset_token(current_app.config["SECRET_KEY"], user.id, user.password_hash)
    link = current_app.config["COOPNUM_BASE_URL"] + url_for("core.reset_password", token=token)
    hours = current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600
    name = current_app.config["COOPNUM_NAME"]
    if invitation:
        subject = _("Votre compte %(name)s", name=name)
        intro = _("Un compte vient d'être créé pour vous sur %(name)s. Choisissez votre mot de passe :", name=name)
    else:
        subject = _("Réinitialisation de votre mot de passe %(name)s", name=name)
        intro = _("Pour choisir un nouveau mot de passe, ouvrez ce lien :")
    body = (
        f"{_('Bonjour')} {user.first_name},\n\n{intro}\n\n{link}\n\n"
        + ngettext("Ce lien est valable %(num)s heure et ne sert qu'une fois.",
                   "Ce lien est valable %(num)s heures et ne sert qu'une fois.", hours)
        + "\n"
        + _("Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.")
        + "\n"
    )
    actor = current_user._get_current_object() if current_user.is_authenticated else None
    outbox.queue(db.session, mail.Mail(to=[user.email], subject=subject, body=body),
                 kind="core.invitation" if invitation else "core.password_reset", about=user, sensitive=True,
                 actor=actor, now=clock.now())


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    data = read_reset_token(current_app.config["SECRET_KEY"], token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    try:
        if data is None:
            raise DomainError(_("Ce lien de réinitialisation n'est plus valable. Demandez-en un nouveau."))
        user = services.user_for_reset(db.session, *data)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("core.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        if commit_or_show(form, lambda: services.set_password(db.session, None, user, form.password.data,
                                                              now=clock.now()))[0]:
            flash(_("Votre mot de passe est enregistré. Vous pouvez vous connecter."), "success")
            return redirect(url_for("core.login"))
    return render_template("core/reset_password.html", form=form, user=user), form_status()


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    if code not in current_app.config["COOPNUM_LANGUAGES"]:
        abort(404)
    session["lang"] = code
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("core.dashboard"))


@bp.route("/healthz")
def healthz():
    db.session.execute(select(1))
    return {"status": "ok"}


# --- dashboard & account ------------------------------------------------------------------------------------------

@bp.route("/")
@login_required
def dashboard():
    return render_template("core/dashboard.html", panels=panels.panels_for(current_user))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ProfileForm(obj=current_user, locale=current_user.locale or "fr")
    password_form = ChangePasswordForm(prefix="pw")
    token_form = TokenForm(prefix="tok")
    if form.validate_on_submit():
        current_user.full_name = form.full_name.data.strip()
        current_user.phone = form.phone.data or None
        current_user.locale = form.locale.data
        session["lang"] = form.locale.data
        db.session.commit()
        flash(_("Profil enregistré."), "success")
        return redirect(url_for("core.account"))
    tokens = db.session.execute(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())
    ).scalars().all()
    return render_template("core/account.html", form=form, password_form=password_form, token_form=token_form,
                           tokens=tokens, new_token=session.pop("new_token", None)), form_status()


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        if commit_or_flash(lambda: services.change_password(db.session, current_user, form.current_password.data,
                                                            form.password.data, now=clock.now()))[0]:
            login_user(current_user._get_current_object())  # the session version changed: keep this session, others are logged out
            flash(_("Mot de passe changé. Vos autres sessions ont été déconnectées."), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect(url_for("core.account"))


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create_token():
    form = TokenForm(prefix="tok")
    if form.validate_on_submit():
        _token, clear = services.create_token(db.session, current_user, current_user, form.name.data, now=clock.now())
        db.session.commit()
        session["new_token"] = clear  # shown once on the next page, then forgotten
    else:
        flash(_("Donnez un nom au jeton."), "error")
    return redirect(url_for("core.account") + "#tokens")


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    services.revoke_token(db.session, current_user, token, now=clock.now())
    db.session.commit()
    flash(_("Jeton révoqué."), "success")
    return redirect(url_for("core.account") + "#tokens")


# --- user administration (coordination manages accounts; only an admin grants admin) ----------------------------

def _organisation_choices():
    """The organisations an authority contact's account may be attached to (the organisations domain lists them)."""
    return [(0, "—")] + slots.provided_one("users.organisation_choices", db.session, default=[])


def _check_role_grant(roles: list[str]) -> None:
    if Role.ADMIN.value in roles and not current_user.has_role(Role.ADMIN):
        raise DomainError(_("Seul un administrateur peut donner le rôle administrateur."), field="roles")


@bp.route("/users")
@roles_required(Role.COORDINATOR)
def users():
    q = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    stmt = select(User).order_by(User.full_name)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(func.lower(User.full_name).like(like), func.lower(User.email).like(like)))
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    page = paginate(db.session, stmt, *page_args())
    return render_template("core/users.html", page=page, q=q, role=role, roles=list(Role),
                           can_edit_account=can_edit_account)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def user_new():
    form = UserForm()
    form.organisation_id.choices = _organisation_choices()
    if form.validate_on_submit():
        def create():
            _check_role_grant(form.roles.data)
            user = services.create_user(
                db.session, current_user, email=form.email.data, full_name=form.full_name.data,
                roles=form.roles.data, organisation_id=form.organisation_id.data or None, phone=form.phone.data,
                now=clock.now(),
            )
            user.active = form.active.data
            if form.send_invitation.data and user.active:
                db.session.flush()
                queue_password_link(user, invitation=True)
            return user

        done, user = commit_or_show(form, create)
        if done:
            flash(_("Compte créé pour %(email)s.", email=user.email), "success")
            return redirect(url_for("core.users"))
    return render_template("core/user_form.html", form=form, user=None), form_status()


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def user_edit(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if not can_edit_account(current_user, user):
        abort(403)  # a coordinator cannot edit an administrator's account
    form = UserForm(obj=user, data={"roles": [r.role for r in user.roles], "organisation_id": user.organisation_id or 0,
                                    "active": user.active})
    form.organisation_id.choices = _organisation_choices()
    del form.send_invitation
    if form.validate_on_submit():
        def update():
            _check_role_grant(form.roles.data)
            services.update_user(
                db.session, current_user, user, full_name=form.full_name.data, roles=form.roles.data,
                active=form.active.data, organisation_id=form.organisation_id.data or None, phone=form.phone.data,
                now=clock.now(),
            )

        if commit_or_show(form, update)[0]:
            flash(_("Compte enregistré."), "success")
            return redirect(url_for("core.users"))
    mails = outbox.mails_about(db.session, "user", [user.id]).get(user.id, [])[:20]
    return render_template("core/user_form.html", form=form, user=user, mails=mails), form_status()


@bp.route("/users/<int:user_id>/send-reset", methods=["POST"])
@roles_required(Role.COORDINATOR)
def user_send_reset(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if user.has_role(Role.ADMIN) and not current_user.has_role(Role.ADMIN):
        abort(403)
    queue_password_link(user, invitation=user.password_hash is None)
    db.session.commit()
    flash(_("Lien mis en file d'envoi pour %(email)s.", email=user.email), "success")
    return redirect(url_for("core.user_edit", user_id=user.id))


# --- audit log ----------------------------------------------------------------------------------------------------

def _parse_day(text: str | None):
    """A day of the audit filter, or None when unreadable or outside the years a record can have."""
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date() if text else None
    except ValueError:
        return None
    return day if day is None or validation.date_in_range(day) else None


@bp.route("/audit")
@roles_required(Role.ADMIN)
def audit():
    form = AuditFilterForm(request.args)
    actions = db.session.execute(select(AuditLog.action).distinct().order_by(AuditLog.action)).scalars().all()
    types = db.session.execute(select(AuditLog.object_type).distinct().order_by(AuditLog.object_type)).scalars().all()
    form.action.choices = [("", _("Toutes"))] + sorted(((a, audit_action_label(a)) for a in actions),
                                                       key=lambda c: c[1].casefold())
    form.object_type.choices = [("", _("Tous"))] + sorted(((t, audit_log.type_label(t)) for t in types if t),
                                                         key=lambda c: c[1].casefold())
    stmt = (select(AuditLog).options(defaultload(AuditLog.actor).lazyload(User.roles))  # the page shows names only
            .order_by(AuditLog.at.desc(), AuditLog.id.desc()))
    if form.q.data:
        stmt = stmt.where(func.lower(AuditLog.summary).like(f"%{form.q.data.lower()}%"))
    if form.actor.data:
        stmt = stmt.where(func.lower(AuditLog.actor_label).like(f"%{form.actor.data.lower()}%"))
    if form.action.data:
        stmt = stmt.where(AuditLog.action == form.action.data)
    if form.object_type.data:
        stmt = stmt.where(AuditLog.object_type == form.object_type.data)
    if request.args.get("object_id"):
        stmt = stmt.where(AuditLog.object_id == request.args["object_id"])
    if day := _parse_day(form.date_from.data):
        stmt = stmt.where(AuditLog.at >= datetime.combine(day, time.min, PARIS))
    if day := _parse_day(form.date_to.data):
        stmt = stmt.where(AuditLog.at < datetime.combine(day + timedelta(days=1), time.min, PARIS))
    page = paginate(db.session, stmt, *page_args(50), count_limit=COUNT_LIMIT)
    return render_template("core/audit.html", page=page, form=form, action_label=audit_action_label,
                           names=audit_log.object_names(db.session, page.items))


# --- the mail outbox -----------------------------------------------------------------------------------------------

OUTBOX_FILTERS = ("", "queued", "retry", "abandoned", "sent")


@bp.route("/admin/outbox")
@roles_required(Role.ADMIN, Role.COORDINATOR)
def outbox_page():
    """Every mail of the outbox, newest first, with its status and "Renvoyer" for those that failed."""
    status = request.args.get("status", "")
    if status not in OUTBOX_FILTERS:
        status = ""
    stmt = select(OutboxMail).options(defer(OutboxMail.body)).order_by(OutboxMail.created_at.desc(),
                                                                       OutboxMail.id.desc())
    if status == "retry":
        stmt = stmt.where(OutboxMail.status.in_((MailStatus.RETRY, MailStatus.SENDING)))
    elif status:
        stmt = stmt.where(OutboxMail.status == status)
    counts = dict(db.session.execute(select(OutboxMail.status, func.count()).group_by(OutboxMail.status)).all())
    page = paginate(db.session, stmt, *page_args(50))
    return render_template("core/outbox.html", page=page, status=status, counts=counts,
                           smtp=outbox.smtp_configured())


@bp.route("/admin/outbox/<int:mail_id>/resend", methods=["POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def outbox_resend(mail_id: int):
    row = db.session.get(OutboxMail, mail_id)
    if row is None:
        abort(404)
    error, _result = _run_and_commit(lambda: outbox.resend(db.session, current_user._get_current_object(), row,
                                                           now=clock.now()))
    if error is None:
        flash(_("Courriel remis en file d'envoi : il part au prochain passage (chaque minute)."), "success")
    else:
        flash(error.message, "error")
    return redirect(safe_next(request.values.get("next")) or url_for("core.outbox_page"))


# --- dashboard panels of the core domain ------------------------------------------------------------------------

def _accounts_panel(user) -> dict:
    rows = db.session.execute(select(UserRole.role, func.count()).group_by(UserRole.role)).all()
    recent = []
    if user.has_role(Role.ADMIN):
        # newest first as the audit page orders them (entries of the same instant by id: without it, which five
        # came first was the database's choice); the panel shows the actor's recorded label, not the account
        recent = db.session.execute(select(AuditLog).options(lazyload(AuditLog.actor))
                                    .order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(5)).scalars().all()
    return {"counts": dict(rows), "recent": recent}


def register() -> None:
    """Core's menu entries and dashboard panels (called by the factory)."""
    navigation.register("core.dashboard", _l("Tableau de bord"), (), 0)
    navigation.register("core.users", _l("Comptes"), (Role.COORDINATOR,), 900, group="admin")
    navigation.register("core.audit", _l("Journal d'audit"), (Role.ADMIN,), 910, group="admin")
    audit_log.describe("User", _l("Compte"), User, lambda u: u.full_name or u.email,
                       lambda u: url_for("core.user_edit", user_id=u.id))
    audit_log.describe("Setting", _l("Paramètre"), Setting, lambda s: f"{_('Paramètre')} « {settings.label(s.key)} »")
    audit_log.describe("ApiToken", _l("Jeton d'API"))
    audit_log.describe("OutboxMail", _l("Courriel"))
    navigation.register("core.outbox_page", _l("Courriels"), (Role.ADMIN, Role.COORDINATOR), 905, group="admin")
    panels.register("accounts", "core/panels/accounts.html", (Role.COORDINATOR,), _accounts_panel, 800)
    panels.register("member", "core/panels/member.html", (Role.MEMBER,), lambda user: {}, 400)
