"""Schemathesis over the gateway's OpenAPI document, against the running stack, as each role.

Every check schemathesis has (server errors, undocumented statuses, content types, headers and
bodies against the schema, schema-valid data accepted, invalid data refused, authentication
enforced, methods...) on every operation, with a token of each role: a seeker's, a counsellor's,
an employer's and an operator's. What the schema cannot say (reference-data formats, rules across
fields) comes from `fuzz_hooks.py`, which `schemathesis run` loads too (schemathesis.toml).
"""

import importlib.util
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

GATEWAY = os.environ.get("GATEWAY_URL", "http://127.0.0.1:8000")
ROLES = ("seeker", "counsellor", "employer", "operator")
SKIPPED = ("/stream",)  # endless Server-Sent Events: tested in test_routes.py
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def load_hooks() -> None:
    """The formats and the filter of fuzz_hooks.py, registered once per process."""
    if "fuzz_hooks" in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(
        "fuzz_hooks", Path(__file__).with_name("fuzz_hooks.py")
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_hooks"] = module
    spec.loader.exec_module(module)


def token(role: str) -> dict[str, str]:
    response = httpx.post(
        f"{GATEWAY}/v1/auth/dev-token", json={"sub": f"fuzz-{role}", "role": role}, timeout=30
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.mark.timeout(900)
@pytest.mark.parametrize("role", ROLES)
def test_the_gateway_keeps_its_contract(role: str) -> None:
    load_hooks()
    schema = schemathesis.openapi.from_url(f"{GATEWAY}/openapi.json")
    headers = token(role)
    failures: list[str] = []
    tested = 0
    spent: dict[str, float] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.endswith(SKIPPED):
            continue

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def keeps_its_contract(case: Any) -> None:
            case.call_and_validate(base_url=GATEWAY, headers=headers, timeout=30)

        began = time.monotonic()
        try:
            keeps_its_contract()
        except Exception as error:  # every operation's failures, then one report
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
        tested += 1
        spent[f"{operation.method.upper()} {operation.path}"] = time.monotonic() - began
    slowest = sorted(spent.items(), key=lambda item: -item[1])[:5]
    print(f"{role}: {sum(spent.values()):.0f} s; slowest: {slowest}")  # noqa: T201
    assert tested >= 30
    assert not failures, "\n\n".join(failures)
