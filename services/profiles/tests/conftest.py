"""The profile builder (testkit.builders) as a fixture, and internal tokens."""

from collections.abc import Callable
from typing import Any

import pytest
from testkit.builders import BodyBuilder, profile_in

from servicekit.auth import InternalAuthSettings, Principal, Role, issue_internal_token

ProfileBuilder = BodyBuilder
AuthHeaders = Callable[..., dict[str, str]]


@pytest.fixture(name="a_profile")
def a_profile_builder() -> ProfileBuilder:
    def with_counsellor(**changes: Any) -> dict[str, Any]:
        return profile_in(**{"counsellor_id": "c-1", **changes})

    return with_counsellor


def headers_for(sub: str, role: str = "seeker") -> dict[str, str]:
    token = issue_internal_token(Principal(sub=sub, role=Role(role)), InternalAuthSettings())
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(name="as_")
def auth_headers() -> AuthHeaders:
    """`as_("s-1")` or `as_("c-1", "counsellor")`: headers of an internal call by that principal."""
    return headers_for
