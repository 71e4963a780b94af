"""Core operations: accounts, authentication with rate limiting, password reset, API tokens.

Services take plain values, the acting user and ``now``; they never commit and raise DomainError in French."""

from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlmodel import Session

from coopnum.core import audit
from coopnum.core.errors import DomainError, NotFound
from coopnum.core.models import ApiToken, LoginAttempt, Role, User
from coopnum.core.security import (
    hash_password,
    needs_rehash,
    new_api_token,
    password_problem,
    reset_fingerprint,
    token_digest,
    verify_password,
)


class TooManyAttempts(DomainError):
    code = "rate_limited"
    status = 429


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise DomainError("Adresse électronique invalide.", field="email") from exc


def user_by_email(session: Session, email: str) -> User | None:
    return session.execute(select(User).where(func.lower(User.email) == email.strip().lower())).scalar_one_or_none()


def create_user(
    session: Session,
    actor: User | None,
    *,
    email: str,
    full_name: str,
    roles: list[Role | str],
    password: str | None = None,
    organisation_id: int | None = None,
    phone: str | None = None,
    now: datetime,
) -> User:
    email = normalise_email(email)
    if not full_name.strip():
        raise DomainError("Le nom est obligatoire.", field="full_name")
    if not roles:
        raise DomainError("Choisissez au moins un rôle.", field="roles")
    if user_by_email(session, email):
        raise DomainError("Un compte existe déjà avec cette adresse.", field="email")
    if Role.AUTHORITY in {Role(r) for r in roles} and not organisation_id:
        raise DomainError("Un compte « collectivité » doit être rattaché à une structure.", field="organisation_id")
    if password is not None and (problem := password_problem(password)):
        raise DomainError(problem, field="password")
    user = User(
        email=email,
        full_name=full_name.strip(),
        password_hash=hash_password(password) if password else None,
        organisation_id=organisation_id,
        phone=phone or None,
        created_at=now,
        updated_at=now,
    )
    user.set_roles(roles)
    session.add(user)
    audit.record(session, actor, "create", user, summary=f"Compte créé : {email} ({', '.join(sorted(map(str, roles)))})", now=now)
    return user


def update_user(
    session: Session,
    actor: User,
    user: User,
    *,
    full_name: str,
    roles: list[Role | str],
    active: bool,
    organisation_id: int | None,
    phone: str | None,
    now: datetime,
) -> User:
    before = {"full_name": user.full_name, "roles": sorted(r.role for r in user.roles), "active": user.active,
              "organisation_id": user.organisation_id}
    if not roles:
        raise DomainError("Choisissez au moins un rôle.", field="roles")
    if Role.AUTHORITY in {Role(r) for r in roles} and not organisation_id:
        raise DomainError("Un compte « collectivité » doit être rattaché à une structure.", field="organisation_id")
    if user.id == actor.id and (not active or (user.has_role(Role.ADMIN) and Role.ADMIN not in {Role(r) for r in roles})):
        raise DomainError("Vous ne pouvez ni désactiver votre propre compte ni vous retirer le rôle administrateur.")
    user.full_name = full_name.strip()
    user.set_roles(roles)
    if user.active and not active:
        user.session_version += 1  # log the user out everywhere
    user.active = active
    user.organisation_id = organisation_id
    user.phone = phone or None
    after = {"full_name": user.full_name, "roles": sorted(str(r) for r in roles), "active": active,
             "organisation_id": organisation_id}
    audit.record(session, actor, "update", user, summary=f"Compte modifié : {user.email}",
                 before=before, after=after, now=now)
    return user


# Login rate limiting. Failures are counted per (address, account): an attacker who fails on one account from one
# address is refused that account from that address, without locking anyone else out (behind a proxy, the whole
# cooperative shares one address). Per address, past ADDRESS_FACTOR × the limit, attempts are only slowed down: the
# correct password of another account still logs in.
ADDRESS_FACTOR = 4


def _failures_since(session: Session, since: datetime, *, ip: str, email: str | None = None) -> int:
    stmt = select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.ip == ip, LoginAttempt.success.is_(False), LoginAttempt.at >= since
    )
    if email is not None:
        stmt = stmt.where(LoginAttempt.email == email)
    return session.execute(stmt).scalar_one()


def start_login_attempt(session: Session, email: str, *, ip: str, now: datetime) -> LoginAttempt:
    """Record a login attempt, as a failure until its password is found right. The caller commits it *before*
    ``authenticate``, so that every concurrent attempt counts it: the count is one INSERT per attempt and a query,
    never a read-modify-write, and no more than the limit of attempts ever get their password checked."""
    attempt = LoginAttempt(at=now, email=email.strip().lower()[:254], ip=ip[:45], success=False)
    session.add(attempt)
    session.flush()
    return attempt


def address_is_throttled(session: Session, ip: str, *, now: datetime, max_failures: int, window_minutes: int) -> bool:
    """Whether that address failed so often (on any accounts) that its attempts are to be slowed down."""
    since = now - timedelta(minutes=window_minutes)
    return _failures_since(session, since, ip=ip) > max_failures * ADDRESS_FACTOR


def authenticate(
    session: Session, attempt: LoginAttempt, password: str, *, now: datetime, max_failures: int, window_minutes: int
) -> User:
    """Check the password of a committed ``start_login_attempt``. Refused (without checking the password) when
    that account already failed ``max_failures`` times from that address within the window."""
    since = now - timedelta(minutes=window_minutes)
    # This attempt and the concurrent ones not yet decided count as failures: counting too many can only refuse.
    if _failures_since(session, since, ip=attempt.ip, email=attempt.email) > max_failures:
        session.delete(attempt)  # no password was checked: not a failure, and the window is not extended
        raise TooManyAttempts(
            f"Trop de tentatives de connexion. Réessayez dans {window_minutes} minutes "
            "ou réinitialisez votre mot de passe."
        )
    user = user_by_email(session, attempt.email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None:
        raise DomainError("Adresse électronique ou mot de passe incorrect.")
    if not user.active:
        raise DomainError("Ce compte est désactivé. Contactez la coordination.")
    attempt.success = True
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    audit.record(session, user, "login", user, summary="Connexion", ip=attempt.ip, now=now)
    return user


def set_password(session: Session, actor: User | None, user: User, password: str, *, now: datetime) -> None:
    if problem := password_problem(password):
        raise DomainError(problem, field="password")
    user.password_hash = hash_password(password)
    user.session_version += 1
    user.updated_at = now
    audit.record(session, actor or user, "password", user, summary="Mot de passe changé", now=now)


def end_sessions(session: Session, user: User, *, ip: str | None = None, now: datetime) -> None:
    """Log the user out everywhere: every session and "remember me" cookie issued so far stops working."""
    user.session_version += 1
    audit.record(session, user, "logout", user, summary="Déconnexion", ip=ip, now=now)


def change_password(session: Session, user: User, current: str, new: str, *, now: datetime) -> None:
    if not verify_password(user.password_hash, current):
        raise DomainError("Le mot de passe actuel est incorrect.", field="current_password")
    set_password(session, user, user, new, now=now)


def user_for_reset(session: Session, user_id: int, fingerprint: str) -> User:
    user = session.get(User, user_id)
    if user is None or not user.active or reset_fingerprint(user.password_hash) != fingerprint:
        raise DomainError("Ce lien de réinitialisation n'est plus valable. Demandez-en un nouveau.")
    return user


def create_token(session: Session, actor: User, user: User, name: str, *, now: datetime,
                 expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    name = (name or "").strip()
    if not name:
        raise DomainError("Donnez un nom au jeton (par exemple l'outil qui l'utilise).", field="name")
    clear, digest, prefix = new_api_token()
    token = ApiToken(user_id=user.id, name=name[:100], token_hash=digest, prefix=prefix, created_at=now,
                     expires_at=expires_at)
    session.add(token)
    audit.record(session, actor, "create", token, summary=f"Jeton d'API « {name} » créé pour {user.email}", now=now)
    return token, clear


def revoke_token(session: Session, actor: User, token: ApiToken, *, now: datetime) -> None:
    if token.revoked_at is None:
        token.revoked_at = now
        audit.record(session, actor, "revoke", token, summary=f"Jeton d'API « {token.name} » révoqué", now=now)


def user_for_token(session: Session, clear: str, *, now: datetime) -> User | None:
    token = session.execute(select(ApiToken).where(ApiToken.token_hash == token_digest(clear))).scalar_one_or_none()
    if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
        return None
    user = token.user
    if user is None or not user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        token.last_used_at = now  # coarse, so that reads do not write on every call
    return user


def get_or_404(session: Session, model, obj_id) -> object:
    obj = session.get(model, obj_id)
    if obj is None:
        raise NotFound("Élément introuvable.")
    return obj
