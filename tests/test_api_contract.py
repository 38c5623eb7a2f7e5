"""The API keeps the contract its own /openapi.json states: schemathesis generates requests, valid and
invalid, against the app in-process on the real index, and checks every answer against the spec."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, strategies
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_every_answer_matches_the_spec(settings, searcher):
    """Schemathesis' pytest loader does not run under this pytest, so each operation's cases are drawn
    here: valid ones, invalid ones and the spec's own examples (a real document id)."""
    from app.web import create_app

    api = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings, searcher))
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 6
    for operation in operations:
        cases = strategies.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
            *api.get_strategies_from_examples(operation),
        )

        @given(case=cases)
        @hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def answers_as_specified(case):
            case.call_and_validate(checks=CHECKS)

        answers_as_specified()


def test_every_success_is_described(client):
    """A 200 with an empty schema would let any body pass the check above."""
    spec = client.get("/openapi.json").json()
    operations = [(path, op) for path, item in spec["paths"].items() for op in item.values()]
    assert len(operations) >= 6
    for path, operation in operations:
        assert operation["summary"] and operation["description"], path
        assert not operation["summary"].startswith(("Api ", "Healthz")), path
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema and (set(schema) - {"title"}), path
        for parameter in operation.get("parameters", []):
            assert parameter.get("description"), (path, parameter["name"])
    for path in ("/api/documents/{doc_id}", "/api/passages/{chunk_id}"):
        assert spec["paths"][path]["get"]["responses"]["404"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ApiError"
        }


@pytest.mark.parametrize("q", ["   ", "", "\t"])
def test_a_blank_question_gets_the_documented_422(client, q):
    response = client.get("/api/search", params={"q": q})
    assert response.status_code == 422
    assert response.json() == {"detail": "Frågan är tom."}
    spec = client.get("/openapi.json").json()
    assert spec["paths"]["/api/search"]["get"]["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ApiError"
    }
