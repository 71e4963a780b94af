"""The JSON API under /api/v1: bearer tokens, JSON errors, and an OpenAPI document generated from the routes.

Every endpoint is declared with ``@endpoint(...)``, which records its method, path, roles, parameters and
request/response models (pydantic/SQLModel classes): the OpenAPI document is built from that record, so the
code and its description cannot drift. Endpoints call the same services as the HTML views."""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from functools import wraps
from typing import Annotated, Any

from flask import Blueprint, g, jsonify, request
from pydantic import AfterValidator, BaseModel, BeforeValidator, ValidationError
from pydantic import Field as PydField
from pydantic_core import PydanticCustomError
from sqlmodel import SQLModel
from werkzeug.routing import BaseConverter

from coopnum.core import clock, services
from coopnum.core.access import has_role
from coopnum.core.db import db
from coopnum.core.errors import DomainError
from coopnum.core.handlers import MESSAGES, json_error
from coopnum.core.validation import (
    CONTROL_CHARS_MESSAGE,
    DATE_RANGE_MESSAGE,
    INT_MAX,
    INT_MIN,
    MAX_YEAR,
    MIN_YEAR,
    date_in_range,
    forbidden_chars,
    int_in_range,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
API_VERSION = "1.0.0"


class IdConverter(BaseConverter):
    """``<id:name>`` in the API's rules: any run of digits matches the route, and an id beyond INTEGER reaches the
    endpoint's wrapper, which answers the resource's 404 (``_check_path``). With a converter that refuses such an
    id, Werkzeug would answer a write on it with a 405 (another rule of the same path, for GET, matched first)."""

    regex = r"\d+"
    part_isolating = True

    def to_python(self, value: str) -> int:
        return int(value) if len(value) <= 12 else INT_MAX + 1  # int() of thousands of digits raises

    def to_url(self, value) -> str:
        return str(int(value))


bp.record_once(lambda state: state.app.url_map.converters.__setitem__("id", IdConverter))


# --- the types of the request bodies: every value is checked at the boundary ---------------------------------------
#
# The models of the request bodies use these types instead of bare ``str``, ``int``, ``date``, ``datetime`` and
# ``time``: a value the database or the documents cannot hold (a NUL byte, a control character, an integer beyond
# PostgreSQL's INTEGER, the year 1 or 9999, a time with an offset) is refused with a 422 and a French message, before
# any service or query sees it. The OpenAPI document describes the same limits (pattern, minimum/maximum).

# JSON Schema (ECMA-262) patterns equivalent to validation.forbidden_chars (surrogates cannot travel in valid JSON
# text; the check refuses them anyway).
LINE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f\ufffe\uffff]*$"
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]*$"
TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"
TIME_MESSAGE = ("heure locale attendue (HH:MM ou HH:MM:SS, heure de Paris, sans fuseau ni fraction de seconde : "
                "par exemple 09:30)")
AWARE_MESSAGE = "date et heure avec leur fuseau horaire attendues (par exemple 2026-11-24T09:00:00+01:00)"


def _no_control_chars(multiline: bool) -> Callable[[str], str]:
    def check(value: str) -> str:
        if forbidden_chars(value, multiline=multiline):
            raise PydanticCustomError("control_characters", CONTROL_CHARS_MESSAGE)
        return value
    return check


def _years(value):
    if value is not None and not date_in_range(value):
        raise PydanticCustomError("date_range", DATE_RANGE_MESSAGE)
    return value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError("timezone_required", AWARE_MESSAGE)
    return value


def _local_time(value):
    """A wall time in Paris, written HH:MM or HH:MM:SS: an offset ("00:00:00Z") or a fraction is refused (a time
    with an offset cannot be compared with the sessions' local times)."""
    if isinstance(value, time) and value.tzinfo is None and not value.microsecond:
        return value
    if not isinstance(value, str) or not re.fullmatch(TIME_PATTERN, value):
        raise PydanticCustomError("local_time", TIME_MESSAGE)
    return time.fromisoformat(value)


_YEAR_RANGE_NOTE = f"Années {MIN_YEAR} à {MAX_YEAR}."

# One line of text (a name, a title, a code): no control character at all, not even a line feed.
Line = Annotated[str, AfterValidator(_no_control_chars(False)), PydField(json_schema_extra={"pattern": LINE_PATTERN})]
# Text on several lines (notes, a reason): tab, line feed and carriage return allowed, no other control character.
Text = Annotated[str, AfterValidator(_no_control_chars(True)), PydField(json_schema_extra={"pattern": TEXT_PATTERN})]
# Any integer stored in an INTEGER column (ids, amounts in cents, counts).
Int = Annotated[int, PydField(ge=INT_MIN, le=INT_MAX)]
# A calendar day in the years a record may have.
Day = Annotated[date, AfterValidator(_years), PydField(description=_YEAR_RANGE_NOTE)]
# An instant: ISO 8601 with its offset (a naive date-time is ambiguous), in the same years.
Instant = Annotated[datetime, AfterValidator(_aware), AfterValidator(_years),
                    PydField(description="ISO 8601 avec fuseau horaire. " + _YEAR_RANGE_NOTE)]


def _local_time_schema(schema: dict) -> None:
    schema.pop("format", None)
    schema.update(type="string", pattern=TIME_PATTERN, description="Heure locale (Europe/Paris), HH:MM ou HH:MM:SS.")


# A wall time in Paris: "09:30" or "09:30:00", never an offset. Declared as a pattern, not ``format: time``
# (which, in JSON Schema, requires an offset): the answers (HH:MM:SS) match it.
LocalTime = Annotated[time, BeforeValidator(_local_time), PydField(json_schema_extra=_local_time_schema)]


def Amount(*, max_digits: int, decimal_places: int, **kw) -> Any:  # noqa: N802 - reads as a type
    """A decimal that fits a NUMERIC(max_digits, decimal_places) column (finite, not too many digits)."""
    return Annotated[Decimal, PydField(max_digits=max_digits, decimal_places=decimal_places, allow_inf_nan=False,
                                       **kw)]


@dataclass
class Param:
    name: str
    description: str = ""
    type: str = "string"  # string, integer or boolean
    format: str | None = None  # "date" for a day
    required: bool = False
    location: str = "query"
    enum: tuple[str, ...] | None = None  # documented; the endpoint refuses other values (422)
    minimum: int | None = None  # integers: INT_MIN by default
    maximum: int | None = None  # integers: INT_MAX by default
    max_length: int = 200  # strings
    pattern: str | None = None  # strings: what the endpoint accepts (documented; the endpoint checks it)

    def schema(self) -> dict:
        if self.type == "integer":
            return {"type": "integer", "format": "int32",
                    "minimum": INT_MIN if self.minimum is None else self.minimum,
                    "maximum": INT_MAX if self.maximum is None else self.maximum}
        if self.type == "boolean":
            return {"type": "boolean"}
        if self.format == "date":
            return {"type": "string", "format": "date"}
        if self.enum:
            return {"type": "string", "enum": list(self.enum)}
        return {"type": "string", "maxLength": self.max_length, "pattern": self.pattern or LINE_PATTERN}

    def check(self, raw: str) -> None:
        """DomainError (422, French) when the raw query-string value does not match ``schema()``."""
        name = self.name
        if self.type == "integer":
            low = INT_MIN if self.minimum is None else self.minimum
            high = INT_MAX if self.maximum is None else self.maximum
            if not re.fullmatch(r"[+-]?[0-9]{1,20}", raw.strip()):
                raise DomainError(f"« {name} » : nombre entier attendu.", field=name)
            if not int_in_range(int(raw), low=low, high=high):
                raise DomainError(f"« {name} » : nombre hors des limites autorisées ({low} à {high}).", field=name)
        elif self.type == "boolean":
            if raw.strip().lower() not in BOOLEANS:
                raise DomainError(f"« {name} » : true ou false attendu.", field=name)
        elif forbidden_chars(raw):
            raise DomainError(f"« {name} » : {CONTROL_CHARS_MESSAGE}", field=name)
        elif len(raw) > self.max_length:
            raise DomainError(f"« {name} » : texte trop long (au plus {self.max_length} caractères).", field=name)
        elif self.format == "date":
            try:
                day = date.fromisoformat(raw.strip()) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()) else None
            except ValueError:
                day = None
            if day is None:
                raise DomainError(f"« {name} » : date attendue (AAAA-MM-JJ).", field=name)
            if not date_in_range(day):
                raise DomainError(f"« {name} » : {DATE_RANGE_MESSAGE}", field=name)
        # An ``enum`` is documented here and checked by the endpoint, with the words of its domain.


BOOLEANS = ("1", "0", "true", "false", "yes", "no", "on", "off")
PAGING = [Param("page", "Numéro de page (à partir de 1)", type="integer", minimum=1),
          Param("per_page", "Éléments par page (200 au plus)", type="integer", minimum=1, maximum=200)]
PATH_TEXT_MAX = 100
MAX_JSON_DEPTH = 20  # no body of the API nests deeper than 3


@dataclass
class Spec:
    rule: str
    method: str
    summary: str
    roles: tuple[str, ...]
    tag: str
    params: list[Param] = field(default_factory=list)
    body: type[BaseModel] | None = None
    response: Any = None  # a model class, [Model] for a list, or a JSON schema (dict)
    status: int = 200
    public: bool = False
    paginated: bool = False
    content_type: str = "application/json"
    errors: tuple[int, ...] = ()  # statuses the endpoint may answer besides those every endpoint of its kind may


REGISTRY: list[Spec] = []


def _bearer_user():
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    user = services.user_for_token(db.session, header[7:].strip(), now=clock.now())
    if user is not None and db.session.dirty:
        db.session.commit()  # last_used_at
    return user


def parse_body(model: type[BaseModel]) -> BaseModel:
    """Validate the JSON body against a model; 422 with the fields in error (French messages)."""
    return validate_body(model, json_body())


def json_body() -> dict:
    """The request's JSON object, after the checks every body passes whatever its model (see ``_check_json``)."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # Python's JSON parser gives up on thousands of nested arrays
        data = None
    if not isinstance(data, dict):
        raise DomainError("Le corps de la requête doit être un objet JSON.", details={})
    fields = dict(_check_json(data, ()))
    if fields:
        raise _invalid(fields)
    return data


def validate_body(model: type[BaseModel], data: dict) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = {}
        for e in exc.errors():
            fields.setdefault(".".join(str(p) for p in e["loc"]) or "body", _french(e))
        raise _invalid(fields) from exc


def _invalid(fields: dict[str, str]) -> DomainError:
    """One 422 for the fields in error: the field names and their reason in the message, each in ``details``."""
    message = "Données invalides : " + " ; ".join(f"{name} ({reason})" for name, reason in fields.items())
    return DomainError(message, field=next(iter(fields)), details={"fields": fields})


def _check_json(value, path: tuple):
    """Whatever the model says, no JSON value may carry what no column can store: a string with a NUL byte, another
    control character (tab and line breaks aside) or a lone surrogate, an integer beyond INTEGER, a number that
    is not finite (Python's JSON parser reads NaN and Infinity). Yields (field, French reason)."""
    name = ".".join(str(p) for p in path) or "body"
    if len(path) > MAX_JSON_DEPTH:
        yield name, "structure trop imbriquée"
        return
    if isinstance(value, str):
        if forbidden_chars(value, multiline=True):
            yield name, CONTROL_CHARS_MESSAGE
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if not int_in_range(value):
            yield name, f"nombre hors des limites autorisées ({INT_MIN} à {INT_MAX})"
    elif isinstance(value, float):
        if not math.isfinite(value):
            yield name, "nombre fini attendu"
    elif isinstance(value, dict):
        for key, item in value.items():
            if forbidden_chars(str(key)):
                yield name, CONTROL_CHARS_MESSAGE
            else:
                yield from _check_json(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _check_json(item, (*path, index))


# The French message of each pydantic error type (those with a bound say it: ``_bounded``).
PLAIN_MESSAGES = {
    "missing": "champ obligatoire",
    "int_parsing": "nombre entier attendu",
    "date_from_datetime_parsing": "date attendue (AAAA-MM-JJ)",
    "date_parsing": "date attendue (AAAA-MM-JJ)",
    "datetime_parsing": "date et heure attendues (ISO 8601)",
    "datetime_from_date_parsing": "date et heure attendues (ISO 8601)",
    "string_too_long": "texte trop long",
    "extra_forbidden": "champ inconnu",
    "bool_parsing": "booléen attendu",
    "enum": "valeur non autorisée",
    "literal_error": "valeur non autorisée",
    "float_parsing": "nombre attendu",
    "decimal_parsing": "nombre attendu",
    "int_type": "nombre entier attendu",
    "float_type": "nombre attendu",
    "list_type": "liste attendue",
    "string_type": "texte attendu",
    "dict_type": "objet attendu",
    "time_parsing": "heure attendue (HH:MM)",
    "greater_than_equal": "valeur trop petite",
    "less_than_equal": "valeur trop grande",
    "string_too_short": "texte trop court",
    "value_error": "valeur invalide",
    "int_from_float": "nombre entier attendu",
    "finite_number": "nombre fini attendu",
    "decimal_type": "nombre attendu",
    "decimal_max_digits": "nombre trop grand",
    "decimal_max_places": "trop de décimales",
    "decimal_whole_digits": "nombre trop grand",
    "date_type": "date attendue (AAAA-MM-JJ)",
    "date_from_datetime_inexact": "date attendue (AAAA-MM-JJ)",
    "datetime_type": "date et heure attendues (ISO 8601)",
    "datetime_object_invalid": "date et heure attendues (ISO 8601)",
    "timezone_aware": AWARE_MESSAGE,
    "time_type": TIME_MESSAGE,
    "bool_type": "booléen attendu",
    "model_type": "objet attendu",
    "model_attributes_type": "objet attendu",
    "too_long": "liste trop longue",
    "string_pattern_mismatch": "format non valide",
    "string_unicode": CONTROL_CHARS_MESSAGE,
    "union_tag_invalid": "valeur non autorisée",
    "set_type": "liste attendue",
    "int_parsing_size": "nombre hors des limites autorisées",
}


def _bounded(kind: str, bound, ctx: dict) -> str | None:
    """The message of an error on a bound (a minimum, a maximum, a length, digits), naming the bound."""
    messages = {
        "greater_than_equal": f"valeur trop petite (au moins {bound})",
        "greater_than": f"valeur trop petite (plus de {bound})",
        "less_than_equal": f"valeur trop grande (au plus {bound})",
        "less_than": f"valeur trop grande (moins de {bound})",
        "string_too_long": f"texte trop long (au plus {bound} caractères)",
        "string_too_short": f"texte trop court (au moins {bound} caractère{'s' if bound != 1 else ''})",
        "too_long": f"liste trop longue (au plus {ctx.get('max_length')} éléments)",
        "decimal_max_digits": f"nombre trop grand (au plus {bound} chiffres)",
        "decimal_max_places": f"trop de décimales (au plus {bound})",
        "decimal_whole_digits": "nombre trop grand",
    }
    return messages.get(kind)


def _french(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "value_error" and ctx.get("error"):
        return str(ctx["error"])
    bound = next((ctx[k] for k in ("ge", "gt", "le", "lt", "max_length", "min_length", "max_digits",
                                   "decimal_places") if k in ctx), None)
    if kind == "too_long" and isinstance(error.get("input"), str):  # a str type with a validator: a generic check
        kind = "string_too_long"
    if bound is not None and (message := _bounded(kind, bound, ctx)) is not None:
        return message
    return PLAIN_MESSAGES.get(kind, error.get("msg", "invalide"))


def endpoint(rule: str, method: str = "GET", *, summary: str, roles=(), tag: str = "core", params=(), body=None,
             response=None, status: int = 200, public: bool = False, paginated: bool = False,
             content_type: str = "application/json", errors: tuple[int, ...] = ()) -> Callable:
    """Declare an API endpoint: route + bearer authentication + role check + OpenAPI record. ``errors``: other
    statuses it may answer (e.g. 409 for a GET on a resource in the wrong state), documented with the others."""
    spec = Spec(rule, method, summary, tuple(str(r) for r in roles), tag, list(params), body, response, status,
                public, paginated, content_type, tuple(errors))
    REGISTRY.append(spec)

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not public:
                user = _bearer_user()
                if user is None:
                    return json_error(401, "Jeton d'API manquant, inconnu, expiré ou révoqué.", "unauthorized")
                if spec.roles and not has_role(user, *spec.roles):
                    return json_error(403, "Ce jeton ne donne pas accès à cette ressource.", "forbidden")
                g.api_user = user
            refused = _check_path(kwargs)
            if refused is not None:
                return refused
            _check_query(spec)
            return view(*args, **kwargs)

        wrapped.api_spec = spec
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapped, methods=[method])
        return wrapped

    return decorator


def _check_path(values: dict):
    """An id beyond INTEGER can match no row (Flask's int converter takes any number of digits): 404 before the
    database sees it. A text segment with a control character or too long: 422."""
    for name, value in values.items():
        if isinstance(value, int) and not int_in_range(value, low=0):
            return json_error(404, "Ressource introuvable.", "not_found")
        if isinstance(value, str) and (forbidden_chars(value) or len(value) > PATH_TEXT_MAX):
            return json_error(422, f"« {name} » : valeur non valide.", "invalid", field=name)
    return None


def _check_query(spec: Spec) -> None:
    """Every declared query parameter is checked against its declared schema (integer in range, date in the years
    allowed, text without control characters…): DomainError → 422 in French. An empty value is an absent one."""
    for param in spec.params + (PAGING if spec.paginated else []):
        if param.location != "query":
            continue
        raw = request.args.get(param.name)
        if raw is None or raw == "":
            if param.required:
                raise DomainError(f"« {param.name} » : champ obligatoire.", field=param.name)
            continue
        param.check(raw)


def commit_or_raise(action: Callable[[], Any]) -> Any:
    """Run a service call and commit, for an endpoint that writes; a DomainError rolls back and propagates (the
    handler turns it into the JSON error: 422, 404, 409…)."""
    try:
        result = action()
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return result


def dump(model: type[BaseModel], obj) -> dict:
    return model.model_validate(obj, from_attributes=True).model_dump(mode="json")


def page_response(model: type[BaseModel], page) -> Any:
    return jsonify({
        "items": [dump(model, o) for o in page.items],
        "page": page.page, "per_page": page.per_page, "total": page.total, "pages": page.pages,
    })


# --- OpenAPI ------------------------------------------------------------------------------------------------------

def _schema_ref(model, components: dict, mode: str = "serialization") -> dict:
    """The model's JSON schema as a component: what it accepts (``validation``: request bodies) or what it
    answers (``serialization``: responses)."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = sub
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def openapi_document() -> dict:
    paths: dict[str, dict] = {}
    components: dict[str, dict] = {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
                "code": {"type": "string"}, "message": {"type": "string"},
                "field": {"type": "string"}, "details": {"type": "object"}}}},
        }
    }
    for spec in REGISTRY:
        path = "/api/v1" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", spec.rule)
        paths.setdefault(path, {})[spec.method.lower()] = _operation(spec, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "coopnum API", "version": API_VERSION,
                 "description": "API JSON de coopnum. Authentification : en-tête `Authorization: Bearer <jeton>` "
                                "(jeton créé dans « Mon compte » ou par `coopnum create-token EMAIL`)."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": components,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


def _operation(spec, components: dict) -> dict:
    """One endpoint's operation: summary, parameters, body, its success response and the errors it may give."""
    op: dict[str, Any] = {
        "summary": spec.summary,
        "tags": [spec.tag],
        "operationId": f"{spec.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', spec.rule.lower()).strip('_')}",
        "responses": {},
    }
    if spec.roles:
        op["description"] = "Rôles : " + ", ".join(spec.roles)
    params = _parameters(spec)
    if params:
        op["parameters"] = params
    if spec.body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": _schema_ref(spec.body, components, "validation")}}}
    op["responses"][str(spec.status)] = _success(spec, components)
    if not spec.public:
        op["security"] = [{"bearer": []}]
    _add_errors(op["responses"], spec, has_params=bool(params))
    return op


def _parameters(spec) -> list[dict]:
    """The path parameters (bounded integers or texts), then the query's (and the paging's)."""
    params = []
    declared = {p.name: p for p in spec.params if p.location == "path"}
    for name in re.findall(r"<(?:\w+:)?(\w+)>", spec.rule):
        if f"<id:{name}>" in spec.rule or f"<int:{name}>" in spec.rule:
            schema = {"type": "integer", "format": "int32", "minimum": 0, "maximum": INT_MAX}
        elif name in declared:
            schema = declared[name].schema() | {"minLength": 1, "maxLength": PATH_TEXT_MAX}
        else:
            schema = {"type": "string", "minLength": 1, "maxLength": PATH_TEXT_MAX, "pattern": LINE_PATTERN}
        params.append({"name": name, "in": "path", "required": True, "schema": schema}
                      | ({"description": declared[name].description} if name in declared else {}))
    for p in [p for p in spec.params if p.location != "path"] + (PAGING if spec.paginated else []):
        params.append({"name": p.name, "in": p.location, "required": p.required, "description": p.description,
                       "schema": p.schema()})
    return params


def _success(spec, components: dict) -> dict:
    if spec.response is None:
        return {"description": "OK"}
    if isinstance(spec.response, dict):
        return {"description": "OK", "content": {spec.content_type: {"schema": spec.response}}}
    if spec.content_type != "application/json":
        return {"description": "OK", "content": {spec.content_type: {"schema": {"type": "string", "format": "binary"}}}}
    model = spec.response[0] if isinstance(spec.response, list) else spec.response
    ref = _schema_ref(model, components)
    if spec.paginated:
        schema = {"type": "object", "properties": {"items": {"type": "array", "items": ref},
                  "page": {"type": "integer"}, "per_page": {"type": "integer"},
                  "total": {"type": "integer"}, "pages": {"type": "integer"}}}
    elif isinstance(spec.response, list):
        schema = {"type": "array", "items": ref}
    else:
        schema = ref
    return {"description": "OK", "content": {"application/json": {"schema": schema}}}


def _add_errors(responses: dict, spec, *, has_params: bool) -> None:
    """The error responses: 401/403 (unless public), 422, 404, 409 and those the endpoint declares."""
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    if not spec.public:
        responses["401"] = {"description": "Jeton manquant ou invalide", **error}
        if spec.roles:
            responses["403"] = {"description": "Accès refusé", **error}
    if has_params or spec.body is not None or spec.method in ("POST", "PUT", "PATCH"):
        responses["422"] = {"description": "Données invalides (le message dit lesquelles et pourquoi)", **error}
    if "<" in spec.rule:
        responses["404"] = {"description": "Introuvable", **error}
    if spec.method in ("POST", "PUT", "PATCH", "DELETE") or 409 in spec.errors:
        responses["409"] = {"description": "Conflit (avec l'état de la ressource, ou une modification "
                                           "concurrente)", **error}
    for code in spec.errors:
        responses.setdefault(str(code), {"description": MESSAGES.get(code, "Erreur"), **error})


# --- core endpoints -------------------------------------------------------------------------------------------------

class MePublic(SQLModel):
    id: int
    email: str
    full_name: str
    roles: list[str]
    organisation_id: int | None
    locale: str | None


@endpoint("/openapi.json", summary="Ce document OpenAPI", public=True, tag="core", response={"type": "object"})
def openapi():
    return jsonify(openapi_document())


@endpoint("/me", summary="Le compte du jeton utilisé", response=MePublic, tag="core")
def me():
    user = g.api_user
    return jsonify(MePublic(id=user.id, email=user.email, full_name=user.full_name,
                            roles=sorted(r.role for r in user.roles), organisation_id=user.organisation_id,
                            locale=user.locale).model_dump(mode="json"))
