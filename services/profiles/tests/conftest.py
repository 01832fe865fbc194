"""The profile builder (testkit.builders) as a fixture, internal tokens, and the profiles service
over the real stack (its app and client: testkit.service_harness)."""

from collections.abc import Callable
from typing import Any

import pytest
from testkit.builders import BodyBuilder, profile_in
from testkit.service_harness import (
    ServiceUnderTest,
    app,
    app_settings,
    bearer,
    client,
    service,
)

from profiles.config import Settings
from profiles.main import create_app

__all__ = ["app", "app_settings", "client", "service"]  # fixtures, for the integration tests

ProfileBuilder = BodyBuilder
AuthHeaders = Callable[..., dict[str, str]]


@pytest.fixture(name="a_profile")
def a_profile_builder() -> ProfileBuilder:
    def with_counsellor(**changes: Any) -> dict[str, Any]:
        return profile_in(**{"counsellor_id": "c-1", **changes})

    return with_counsellor


def headers_for(sub: str, role: str = "seeker") -> dict[str, str]:
    return bearer(role, sub)


@pytest.fixture(name="as_")
def auth_headers() -> AuthHeaders:
    """`as_("s-1")` or `as_("c-1", "counsellor")`: headers of an internal call by that principal."""
    return headers_for


@pytest.fixture(scope="session")
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest(create_app, Settings, "http://profiles")
