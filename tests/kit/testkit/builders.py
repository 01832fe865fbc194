"""Valid events and API bodies for every package's tests, changed field by field where a test
cares: a seeker of Lyon looking for cleaning work (K2204), an offer for it 4 km away."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from contracts import MatchFound, OfferPublished, ProfileUpdated, Reason

LYON = {"commune_code": "69123", "latitude": 45.76, "longitude": 4.83}
VILLEURBANNE = {"commune_code": "69266", "latitude": 45.77, "longitude": 4.88}  # ~4 km from Lyon
GRENOBLE = {"commune_code": "38185", "latitude": 45.19, "longitude": 5.72}  # ~95 km from Lyon
METZ = {"commune_code": "57463", "latitude": 49.1193, "longitude": 6.1757}


def profile_updated(seeker_id: str = "s-1", version: int = 1, **changes: Any) -> ProfileUpdated:
    facts: dict[str, Any] = {
        "seeker_id": seeker_id,
        "version": version,
        "counsellor_id": "c-1",
        "occupations": [{"rome_code": "K2204", "priority": 1}],
        "skills": ["Nettoyage de locaux"],
        "experience_years": 2,
        "languages": ["fr"],
        "place": LYON,
        "radius_km": 15,
        "contract_types": [{"contract_type": "CDI", "priority": 1}],
        "working_time": "full_time",
    }
    facts.update(changes)
    return ProfileUpdated.model_validate(facts)


def offer_published(offer_id: str = "o-1", version: int = 1, **changes: Any) -> OfferPublished:
    facts: dict[str, Any] = {
        "offer_id": offer_id,
        "version": version,
        "title": "Agent d'entretien (H/F)",
        "rome_code": "K2204",
        "place": VILLEURBANNE,
        "contract_type": "CDI",
        "working_time": "full_time",
        "experience_required": "D",
        "published_at": datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        "origin": "employer",
    }
    facts.update(changes)
    return OfferPublished.model_validate(facts)


def match_found(seeker_id: str = "s-1", offer_id: str = "o-1", **changes: Any) -> MatchFound:
    facts: dict[str, Any] = {
        "seeker_id": seeker_id,
        "offer_id": offer_id,
        "offer_version": 1,
        "profile_version": 1,
        "score": 0.8,
        "reasons": [
            Reason(code="distance_within_radius", params={"distance_km": 12, "radius_km": 15})
        ],
        "offer_title": f"Agent d'entretien {offer_id}",
        "rome_code": "K2204",
        "distance_km": 12.0,
        "counsellor_id": "c-1",
        "needs_review": False,
    }
    facts.update(changes)
    return MatchFound.model_validate(facts)


def profile_in(**changes: Any) -> dict[str, Any]:
    """The profile a seeker sends (`PUT /v1/me/profile`, the profiles service's `PUT`)."""
    profile: dict[str, Any] = {
        "contact": {
            "first_name": "Amina",
            "last_name": "Diallo",
            "email": "amina.diallo@example.org",
            "phone": "+33 6 12 34 56 78",
        },
        "occupations": [{"rome_code": "K2204", "priority": 1}],
        "skills": ["Nettoyage de locaux"],
        "experience_years": 2,
        "languages": ["fr"],
        "place": {"commune_code": "69123", "postcode": "69001", **_COORDINATES_OF_LYON},
        "radius_km": 15,
        "contract_types": [{"contract_type": "CDI", "priority": 1}],
        "working_time": "full_time",
    }
    profile.update(changes)
    return profile


def offer_in(offer_id: str = "o-1", **changes: Any) -> dict[str, Any]:
    """The offer an employer publishes through the gateway (its place by commune only)."""
    offer: dict[str, Any] = {
        "id": offer_id,
        "title": "Agent d'entretien H/F",
        "rome_code": "K2204",
        "place": {"commune_code": "69266"},
        "contract_type": "CDI",
        "experience_required": "D",
        "working_time": "full_time",
    }
    offer.update(changes)
    return offer


def stored_profile(seeker_id: str = "s-1", version: int = 1, **changes: Any) -> dict[str, Any]:
    """A profile as the profiles service answers it (`GET /seekers/{id}/profile`)."""
    profile: dict[str, Any] = {
        "contact": {"first_name": "Amina", "last_name": "Diallo", "email": "a@example.org"},
        "language": "fr",
        "time_zone": "Europe/Paris",
        "occupations": [{"rome_code": "K2204", "priority": 1}],
        "skills": [],
        "experience_years": 2,
        "languages": ["fr"],
        "driving_licences": [],
        "place": {"commune_code": "69123", **_COORDINATES_OF_LYON},
        "radius_km": 15,
        "contract_types": [{"contract_type": "CDI", "priority": 1}],
        "working_time": "full_time",
        "no_smartphone": False,
        "accessibility_needs": False,
        "consent_to_matching": True,
        "review_before_send": False,
    }
    profile.update(changes)
    return {
        "seeker_id": seeker_id,
        "version": version,
        "updated_at": "2026-11-25T10:00:00Z",
        "profile": profile,
    }


_COORDINATES_OF_LYON = {"latitude": 45.76, "longitude": 4.83}

ProfileBuilder = Callable[..., ProfileUpdated]
OfferBuilder = Callable[..., OfferPublished]
BodyBuilder = Callable[..., dict[str, Any]]
