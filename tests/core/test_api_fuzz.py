"""Property-based test of the whole JSON API with schemathesis: every operation of the OpenAPI document, fed with
data generated from that document (valid data, and data that breaks it), must answer without a server error and as
documented (a documented status code, its content type, a body that matches its schema).

Bounded and repeatable: a fixed number of examples per operation, derandomized (the same cases on every run). A
little data is seeded first (an organisation, a convention, a place, a mission and its sessions, invoices) and the
generator is steered towards these ids half of the time, so that the paths with an id reach real rows too.

The unbounded version against a real server (gunicorn, PostgreSQL, the demo data) is ``scripts/fuzz-api``."""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from coopnum.billing import documents
from coopnum.core import clock, services
from coopnum.core.api import openapi_document
from coopnum.organisations.models import Organisation
from tests import days, factories
from tests.billing import factories as bf

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 12}


@pytest.fixture
def seeded(app, session, users, monkeypatch):
    """A few rows of every kind the API reads, and a coordinator's bearer token."""
    monkeypatch.setattr(documents, "render", bf.fake_render)
    coordinator = users["coordinator"]
    own = session.get(Organisation, users["authority"].organisation_id)
    conv, mission, held = bf.billable_convention(session, mediator=users["mediator"], organisation=own)
    issued = bf.issued_invoice(session, coordinator, organisation=own, convention=conv)
    draft = bf.draft_invoice(session, coordinator, organisation=own)
    factories.activity(session, mediator=users["mediator"], convention=conv, mission_session=held[0])
    _token, clear = services.create_token(session, coordinator, coordinator, "fuzz", now=clock.now())
    session.commit()
    ids = {
        "org_id": own.id, "convention_id": conv.id, "place_id": mission.place_id, "mission_id": mission.id,
        "session_id": held[0].id, "invoice_id": issued.id, "mediator": users["mediator"].id,
    }
    return {"token": clear, "ids": ids, "others": {"invoice_id": draft.id}}


def _operations(app):
    schema = schemathesis.openapi.from_dict(openapi_document())
    schema.app = app
    operations = [result.ok() for result in schema.get_all_operations()]
    # The reads first, on the seeded rows as they are (a write may issue the draft invoice, cancel a session…).
    return sorted(operations, key=lambda operation: operation.method.upper() != "GET")


def _steer(operation, seeded: dict) -> list[dict]:
    """Path parameters naming seeded rows (an issued invoice and a draft…): these cases run half of the time,
    anything the schema allows the other half."""
    names = [p.name for p in operation.path_parameters]
    known = {name: seeded["ids"][name] for name in names if name in seeded["ids"]}
    if "month" in names:
        known["month"] = f"{days.TODAY:%Y-%m}"
    if not names or len(known) != len(names):
        return []
    variants = [known]
    variants += [known | {name: value} for name, value in seeded["others"].items() if name in known]
    return variants


def test_every_operation_answers_as_documented(app, seeded):
    """No 5xx, and every answer (status, content type, body) conforms to the OpenAPI document."""
    headers = {"Authorization": f"Bearer {seeded['token']}"}
    failures = []
    for operation in _operations(app):
        variants = _steer(operation, seeded)
        for mode, examples in EXAMPLES.items():
            if mode is GenerationMode.NEGATIVE and not (operation.body or operation.query or operation.path_parameters):
                continue  # nothing to break
            strategies = [operation.as_strategy(generation_mode=mode)]
            if variants and mode is GenerationMode.POSITIVE:
                steered = [operation.as_strategy(generation_mode=mode, path_parameters=v) for v in variants]
                strategies.append(st.one_of(steered))

            @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                             HealthCheck.data_too_large, HealthCheck.large_base_example])
            @given(case=st.one_of(strategies))
            def run(case):
                response = case.call(headers=headers)
                case.validate_response(response, checks=CHECKS, headers=headers)

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # every operation is tried, failures reported together
                failures.append(f"{operation.label} [{mode.value}]: {exc}")
    assert not failures, "\n\n".join(failures)
