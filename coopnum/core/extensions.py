"""Flask extensions, created once and bound to each app by create_app()."""

from flask import request, session
from flask_babel import Babel
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user
from flask_wtf import CSRFProtect

csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
login_manager.login_view = "core.login"
# translated when flashed, in the reader's language (a lazy string cannot be kept in the session as it is)
login_manager.login_message = _l("Connectez-vous pour accéder à cette page.")
login_manager.localize_callback = str
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


def select_locale() -> str:
    from flask import current_app

    languages = current_app.config["COOPNUM_LANGUAGES"]
    if request and (lang := request.args.get("lang")) in languages:
        return lang
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@login_manager.user_loader
def load_user(user_id: str):
    from coopnum.core.db import db
    from coopnum.core.models import User

    try:
        uid, version = user_id.split(":", 1)
        user = db.session.get(User, int(uid))
    except (ValueError, TypeError):
        return None
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return user
