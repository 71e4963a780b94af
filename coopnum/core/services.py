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


def _recent_failures(session: Session, column, value: str, since: datetime) -> int:
    return session.execute(
        select(func.count()).select_from(LoginAttempt).where(
            column == value, LoginAttempt.success.is_(False), LoginAttempt.at >= since
        )
    ).scalar_one()


def authenticate(
    session: Session, email: str, password: str, *, ip: str, now: datetime, max_failures: int, window_minutes: int
) -> User:
    """Check e-mail and password; refuse after too many failures for this e-mail or from this address."""
    email_key = email.strip().lower()[:254]
    since = now - timedelta(minutes=window_minutes)
    if (
        _recent_failures(session, LoginAttempt.email, email_key, since) >= max_failures
        or _recent_failures(session, LoginAttempt.ip, ip, since) >= max_failures * 4
    ):
        raise TooManyAttempts(
            f"Trop de tentatives de connexion. Réessayez dans {window_minutes} minutes "
            "ou réinitialisez votre mot de passe."
        )
    user = user_by_email(session, email_key)
    ok = verify_password(user.password_hash if user else None, password)
    session.add(LoginAttempt(at=now, email=email_key, ip=ip, success=bool(ok and user and user.active)))
    if not ok or user is None:
        raise DomainError("Adresse électronique ou mot de passe incorrect.")
    if not user.active:
        raise DomainError("Ce compte est désactivé. Contactez la coordination.")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    audit.record(session, user, "login", user, summary="Connexion", ip=ip, now=now)
    return user


def set_password(session: Session, actor: User | None, user: User, password: str, *, now: datetime) -> None:
    if problem := password_problem(password):
        raise DomainError(problem, field="password")
    user.password_hash = hash_password(password)
    user.session_version += 1
    user.updated_at = now
    audit.record(session, actor or user, "password", user, summary="Mot de passe changé", now=now)


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
