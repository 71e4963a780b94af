"""Password hashing (argon2id), API tokens and signed one-use tokens."""

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_hasher = PasswordHasher()
# Verifying against this keeps the time of a login with an unknown e-mail the same as with a known one.
_DUMMY_HASH = _hasher.hash("not-a-password")


def use_fast_hashing_for_tests() -> None:
    """Cheap argon2 parameters: for the test suite only, where thousands of logins happen."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    _DUMMY_HASH = _hasher.hash("not-a-password")

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """A French message if the password is too weak, else None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Le mot de passe doit comporter au moins {MIN_PASSWORD_LENGTH} caractères."
    if password.isdigit() or password.isalpha():
        return "Le mot de passe doit mêler lettres et chiffres ou symboles."
    return None


def new_api_token() -> tuple[str, str, str]:
    """Return (clear token, its SHA-256 hex, display prefix)."""
    token = "cn_" + secrets.token_urlsafe(32)
    return token, token_digest(token), token[:10]


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _serializer(secret_key: str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=salt)


def make_reset_token(secret_key: str, user_id: int, password_hash: str | None) -> str:
    """A signed token for a password reset; it stops working once the password has changed (single use)."""
    fingerprint = hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]
    return _serializer(secret_key, "password-reset").dumps({"u": user_id, "p": fingerprint})


def read_reset_token(secret_key: str, token: str, max_age: int) -> tuple[int, str] | None:
    try:
        data = _serializer(secret_key, "password-reset").loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    return int(data["u"]), str(data["p"])


def reset_fingerprint(password_hash: str | None) -> str:
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]
