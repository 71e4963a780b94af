"""Template filters and globals: dates in Europe/Paris, money in euros, the menu, pagination links."""

from datetime import date, datetime
from decimal import Decimal

from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale

from coopnum.core import navigation


def money(cents: int | None, currency: bool = True) -> str:
    """Integer cents → '1 234,56 €' (French) or '€1,234.56' (English)."""
    if cents is None:
        return ""
    value = (Decimal(cents) / 100).quantize(Decimal("0.01"))
    text = format_decimal(value, format="#,##0.00")
    if not currency:
        return text
    return f"{text} €" if str(get_locale()).startswith("fr") else f"€{text}"


def percent(ratio, digits: int = 2) -> str:
    """A ratio (0–1) as a percentage in the reader's language: 0.5303 → '53,03 %' (French) or '53.03%'."""
    if ratio is None:
        return ""
    value = (Decimal(str(ratio)) * 100).quantize(Decimal(1).scaleb(-digits))
    text = format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0")
    return f"{text}\u00a0%" if str(get_locale()).startswith("fr") else f"{text}%"


def dt(value: datetime | None, fmt: str = "short") -> str:
    return format_datetime(value, fmt) if value else ""


def d(value: date | None, fmt: str = "short") -> str:
    return format_date(value, fmt) if value else ""


def url_for_page(page: int) -> str:
    args = dict(request.view_args or {})
    # a query string's name that url_for reads itself (endpoint, _external, _scheme…) is left out: no 500, no link
    # to another scheme
    args.update({k: v for k, v in request.args.to_dict().items() if k != "endpoint" and not k.startswith("_")})
    args["page"] = page
    return url_for(request.endpoint, **args)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(money=money, dt=dt, d=d, percent=percent)
    from coopnum.core.forms import ROLE_LABELS

    app.jinja_env.globals.update(url_for_page=url_for_page, nav_items=navigation.items_for, nav_menu=navigation.menu_for,
                                  nav_side=navigation.side_menu, role_labels=ROLE_LABELS)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _globals():
        return {"current_locale": str(get_locale()), "app_name": app.config["COOPNUM_NAME"]}
