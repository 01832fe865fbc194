"""Builders of valid profile documents, changed field by field in each test."""

from collections.abc import Callable
from typing import Any

import pytest

from servicekit.auth import InternalAuthSettings, Principal, Role, issue_internal_token


def a_profile(**changes: Any) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "contact": {
            "first_name": "Amina",
            "last_name": "Diallo",
            "email": "amina.diallo@example.org",
            "phone": "+33 6 12 34 56 78",
        },
        "counsellor_id": "c-1",
        "occupations": [{"rome_code": "K2204", "priority": 1}],
        "skills": ["Nettoyage de locaux"],
        "experience_years": 2,
        "languages": ["fr"],
        "place": {
            "commune_code": "69123",
            "postcode": "69001",
            "latitude": 45.76,
            "longitude": 4.83,
        },
        "radius_km": 15,
        "contract_types": [{"contract_type": "CDI", "priority": 1}],
        "working_time": "full_time",
    }
    profile.update(changes)
    return profile


ProfileBuilder = Callable[..., dict[str, Any]]
AuthHeaders = Callable[..., dict[str, str]]


@pytest.fixture(name="a_profile")
def a_profile_builder() -> ProfileBuilder:
    return a_profile


def headers_for(sub: str, role: str = "seeker") -> dict[str, str]:
    token = issue_internal_token(Principal(sub=sub, role=Role(role)), InternalAuthSettings())
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(name="as_")
def auth_headers() -> AuthHeaders:
    """`as_("s-1")` or `as_("c-1", "counsellor")`: headers of an internal call by that principal."""
    return headers_for
