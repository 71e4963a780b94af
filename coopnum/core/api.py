"""The JSON API under /api/v1: bearer tokens, JSON errors, and an OpenAPI document generated from the routes.

Every endpoint is declared with ``@endpoint(...)``, which records its method, path, roles, parameters and
request/response models (pydantic/SQLModel classes): the OpenAPI document is built from that record, so the
code and its description cannot drift. Endpoints call the same services as the HTML views."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, g, jsonify, request
from pydantic import BaseModel, ValidationError
from sqlmodel import SQLModel

from coopnum.core import clock, services
from coopnum.core.access import has_role
from coopnum.core.db import db
from coopnum.core.errors import DomainError
from coopnum.core.handlers import json_error

bp = Blueprint("api", __name__, url_prefix="/api/v1")
API_VERSION = "1.0.0"


@dataclass
class Param:
    name: str
    description: str = ""
    type: str = "string"
    format: str | None = None
    required: bool = False
    location: str = "query"


@dataclass
class Spec:
    rule: str
    method: str
    summary: str
    roles: tuple[str, ...]
    tag: str
    params: list[Param] = field(default_factory=list)
    body: type[BaseModel] | None = None
    response: Any = None  # a model class, or [Model] for a list
    status: int = 200
    public: bool = False
    paginated: bool = False
    content_type: str = "application/json"


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
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError("Le corps de la requête doit être un objet JSON.", details={})
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = {".".join(str(p) for p in e["loc"]): _french(e) for e in exc.errors()}
        raise DomainError("Données invalides : " + ", ".join(fields), details={"fields": fields}) from exc


def _french(error: dict) -> str:
    kind = error.get("type", "")
    return {
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
    }.get(kind, error.get("msg", "invalide"))


def endpoint(rule: str, method: str = "GET", *, summary: str, roles=(), tag: str = "core", params=(), body=None,
             response=None, status: int = 200, public: bool = False, paginated: bool = False,
             content_type: str = "application/json") -> Callable:
    """Declare an API endpoint: route + bearer authentication + role check + OpenAPI record."""
    spec = Spec(rule, method, summary, tuple(str(r) for r in roles), tag, list(params), body, response, status,
                public, paginated, content_type)
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
            return view(*args, **kwargs)

        wrapped.api_spec = spec
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapped, methods=[method])
        return wrapped

    return decorator


def dump(model: type[BaseModel], obj) -> dict:
    return model.model_validate(obj, from_attributes=True).model_dump(mode="json")


def page_response(model: type[BaseModel], page) -> Any:
    return jsonify({
        "items": [dump(model, o) for o in page.items],
        "page": page.page, "per_page": page.per_page, "total": page.total, "pages": page.pages,
    })


# --- OpenAPI ------------------------------------------------------------------------------------------------------

def _schema_ref(model, components: dict) -> dict:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode="serialization")
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
        op: dict[str, Any] = {
            "summary": spec.summary,
            "tags": [spec.tag],
            "operationId": f"{spec.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', spec.rule.lower()).strip('_')}",
            "responses": {},
        }
        if spec.roles:
            op["description"] = "Rôles : " + ", ".join(spec.roles)
        params = []
        for name in re.findall(r"<(?:\w+:)?(\w+)>", spec.rule):
            params.append({"name": name, "in": "path", "required": True, "schema": {"type": "integer"
                           if f"<int:{name}>" in spec.rule else "string"}})
        for p in spec.params:
            schema = {"type": p.type} | ({"format": p.format} if p.format else {})
            params.append({"name": p.name, "in": p.location, "required": p.required, "description": p.description,
                           "schema": schema})
        if spec.paginated:
            params += [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                       {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}]
        if params:
            op["parameters"] = params
        if spec.body is not None:
            op["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": _schema_ref(spec.body, components)}}}
        if spec.response is None:
            ok = {"description": "OK"}
        elif spec.content_type != "application/json":
            ok = {"description": "OK", "content": {spec.content_type: {"schema": {"type": "string", "format": "binary"}}}}
        else:
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
            ok = {"description": "OK", "content": {"application/json": {"schema": schema}}}
        op["responses"][str(spec.status)] = ok
        error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        if not spec.public:
            op["security"] = [{"bearer": []}]
            op["responses"]["401"] = {"description": "Jeton manquant ou invalide", **error}
            if spec.roles:
                op["responses"]["403"] = {"description": "Accès refusé", **error}
        if spec.body is not None or spec.method in ("POST", "PUT", "PATCH"):
            op["responses"]["422"] = {"description": "Données invalides", **error}
        if "<" in spec.rule:
            op["responses"]["404"] = {"description": "Introuvable", **error}
        paths.setdefault(path, {})[spec.method.lower()] = op
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


# --- core endpoints -------------------------------------------------------------------------------------------------

class MePublic(SQLModel):
    id: int
    email: str
    full_name: str
    roles: list[str]
    organisation_id: int | None
    locale: str | None


@endpoint("/openapi.json", summary="Ce document OpenAPI", public=True, tag="core")
def openapi():
    return jsonify(openapi_document())


@endpoint("/me", summary="Le compte du jeton utilisé", response=MePublic, tag="core")
def me():
    user = g.api_user
    return jsonify(MePublic(id=user.id, email=user.email, full_name=user.full_name,
                            roles=sorted(r.role for r in user.roles), organisation_id=user.organisation_id,
                            locale=user.locale).model_dump(mode="json"))
