"""The profiles seekers send through the gateway in the end-to-end tests and the benches: short
ones, by commune only, as the web app and a mobile app send them."""

from __future__ import annotations

from typing import Any

METZ_SEEKER: dict[str, Any] = {
    "contact": {"first_name": "Léa", "last_name": "Muller"},
    "occupations": [{"rome_code": "D1212", "priority": 1}],
    "place": {"commune_code": "57463"},
    "radius_km": 20,
    "contract_types": [{"contract_type": "CDI", "priority": 1}],
}


def lyon_seeker(contact: dict[str, str], **changes: Any) -> dict[str, Any]:
    """Cleaning work (K2204) within 20 km of Lyon, CDI, full time, three years of experience:
    `testkit.builders.offer_in` suits them."""
    profile: dict[str, Any] = {
        "contact": contact,
        "occupations": [{"rome_code": "K2204", "priority": 1}],
        "place": {"commune_code": "69123"},
        "radius_km": 20,
        "contract_types": [{"contract_type": "CDI", "priority": 1}],
        "working_time": "full_time",
        "experience_years": 3,
    }
    profile.update(changes)
    return profile
