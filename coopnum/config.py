"""Settings from environment variables. Every setting has a safe default for a local installation."""

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("COOPNUM_INSTANCE", ROOT / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on", "oui")


def _secret_key() -> str:
    """SECRET_KEY from the environment; else one generated once and kept in instance/secret_key."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = INSTANCE / "secret_key"
    if path.exists():
        return path.read_text().strip()
    INSTANCE.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def from_env(**overrides) -> dict:
    base_url = (overrides.get("COOPNUM_BASE_URL") or os.environ.get("COOPNUM_BASE_URL", "http://127.0.0.1:5000")).rstrip("/")
    secure = _bool("COOPNUM_SECURE_COOKIES", base_url.startswith("https://"))
    config = {
        "SECRET_KEY": overrides.get("SECRET_KEY") or _secret_key(),
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE / 'coopnum.db'}"),
        "COOPNUM_BASE_URL": base_url,
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "SMTP_USER": os.environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS", False),
        "SMTP_FROM": os.environ.get("SMTP_FROM", "coopnum <no-reply@localhost>"),
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        "COOPNUM_LANGUAGES": ("fr", "en"),
        "COOPNUM_NAME": os.environ.get("COOPNUM_NAME", "coopnum"),
        # The cooperative's SIRET and territory, used in the open-data file name (until the billing settings).
        "COOPNUM_SIRET": os.environ.get("COOPNUM_SIRET", ""),
        "COOPNUM_TERRITORY": os.environ.get("COOPNUM_TERRITORY", ""),
        # Login rate limiting: this many failures per (address, account) within the window; past 4× per address,
        # slow down.
        "LOGIN_MAX_FAILURES": int(os.environ.get("COOPNUM_LOGIN_MAX_FAILURES", "5")),
        "LOGIN_WINDOW_MINUTES": int(os.environ.get("COOPNUM_LOGIN_WINDOW_MINUTES", "15")),
        "LOGIN_SLOWDOWN_SECONDS": float(os.environ.get("COOPNUM_LOGIN_SLOWDOWN_SECONDS", "1")),
        "PASSWORD_RESET_MAX_AGE": 3600,
        # Behind N reverse proxies, trust their X-Forwarded-For/-Proto (werkzeug's ProxyFix): the client's address
        # (login rate limiting) and the scheme. 0: no proxy, the headers are ignored.
        "COOPNUM_TRUSTED_PROXIES": int(os.environ.get("COOPNUM_TRUSTED_PROXIES", "0") or 0),
        # Cookies: never readable by scripts, not sent on cross-site subrequests, Secure with an https base URL
        # (then Strict-Transport-Security too: see core/headers.py).
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_NAME": "coopnum_session",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "PER_PAGE": 25,
    }
    config.update(overrides)
    return config
