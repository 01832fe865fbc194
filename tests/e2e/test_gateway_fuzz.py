"""Property-based fuzzing of the gateway's OpenAPI document against the running stack.

Every operation gets generated requests, valid and not, sent with a token of a role allowed on
it: no answer may be a server error (5xx, including a service failing behind the gateway), and
every answer must match the schema the gateway publishes for it.
"""

import os
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from gateway.security import RULES

GATEWAY = os.environ.get("GATEWAY_URL", "http://127.0.0.1:8000")
SUBJECTS = {"seeker": "fuzz-seeker", "counsellor": "fuzz-counsellor", "employer": "fuzz-employer"}

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def gateway_schema() -> Any:
    return schemathesis.openapi.from_url(f"{GATEWAY}/openapi.json")


@pytest.fixture(scope="session")
def tokens() -> dict[str, dict[str, str]]:
    out = {}
    for role in ("seeker", "counsellor", "employer", "operator"):
        response = httpx.post(
            f"{GATEWAY}/v1/auth/dev-token",
            json={"sub": SUBJECTS.get(role, "fuzz-operator"), "role": role},
        )
        response.raise_for_status()
        out[role] = {"Authorization": f"Bearer {response.json()['access_token']}"}
    return out


schema = schemathesis.pytest.from_fixture("gateway_schema")


@schema.exclude(path_regex=r"(/stream$|^/health/|^/docs|^/redoc)").parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_gateway_never_fails_and_keeps_its_schema(
    case: Any, tokens: dict[str, dict[str, str]]
) -> None:
    allowed = RULES.get((case.method.upper(), case.path))
    role = min(r.value for r in allowed) if allowed else "seeker"
    case.call_and_validate(
        base_url=GATEWAY,
        headers=tokens[role],
        checks=[not_a_server_error, response_schema_conformance],
        timeout=30,
    )
