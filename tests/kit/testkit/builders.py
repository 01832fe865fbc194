"""Valid events and API bodies for every package's tests, changed field by field where a test
cares: a seeker of Lyon looking for cleaning work (K2204), an offer for it 4 km away."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from contracts import MatchFound, OfferPublished, ProfileUpdated, Reason
from contracts.offers import Offer

LYON = {"commune_code": "69123", "latitude": 45.76, "longitude": 4.83}
VILLEURBANNE = {"commune_code": "69266", "latitude": 45.77, "longitude": 4.88}  # ~4 km from Lyon
GRENOBLE = {"commune_code": "38185", "latitude": 45.19, "longitude": 5.72}  # ~95 km from Lyon
METZ = {"commune_code": "57463", "latitude": 49.1193, "longitude": 6.1757}
GAP = {"commune_code": "05061", "latitude": 44.56, "longitude": 6.08}
# The company that company_in_reach suggests and company_application applies to.
MEUBLES_CENTRE = {
    "siret": "11111111100011",
    "name": "MEUBLES CENTRE",
    "naf_label": "Commerce de détail de meubles",
}


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
        "place": {**LYON, "postcode": "69001"},
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


def stored_offer(offer_id: str = "o-1", **changes: Any) -> Offer:
    """An offer as the offers service keeps and answers it, from France Travail."""
    when = datetime(2026, 12, 3, tzinfo=UTC)
    facts: dict[str, Any] = {
        **offer_in(offer_id),
        "place": VILLEURBANNE,
        "created_at": when,
        "updated_at": when,
        "valid_until": when,
        "origin": "france-travail",
    }
    facts.update(changes)
    return Offer.model_validate(facts)


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
        "place": dict(LYON),
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


def training_session(**changes: Any) -> dict[str, Any]:
    """A session as the trainings service answers it: a driving licence course in Gap."""
    session: dict[str, Any] = {
        "id": "F1:A1:S1",
        "formation_id": "F1",
        "action_id": "A1",
        "title": "Permis de conduire B",
        "rome_codes": [],
        "formacodes": ["31812"],
        "nsf_codes": ["311"],
        "place": {**GAP, "postcode": "05000"},
        "city": "Gap",
        "starts_on": "2027-02-01",
        "ends_on": "2027-02-26",
        "recruiting": True,
        "funding_possible": True,
        "funders": ["4"],
        "exit_level": None,
        "certifying": False,
        "rncp_code": None,
        "hours": 35,
        "price_eur": 1450.0,
        "body_name": "Auto-école du Centre",
        "url": "https://formation.example/permis-b",
    }
    session.update(changes)
    return session


def company_in_reach(**changes: Any) -> dict[str, Any]:
    """A company as the companies service answers it: a furniture shop in Metz."""
    company: dict[str, Any] = {
        **MEUBLES_CENTRE,
        "naf": "4759A",
        "headcount": "20-49",
        "address": "1 RUE SERPENOISE",
        "postcode": "57000",
        "commune_code": "57463",
        "distance_km": 0.4,
        "rome_code": "D1212",
        "expected_hires": 3.5,
        "hiring_flags": [],
        "reasons": [{"code": "distance", "params": {"distance_km": 0.4}, "fr": "", "en": ""}],
    }
    company.update(changes)
    return company


def company_application(**changes: Any) -> dict[str, Any]:
    """A spontaneous application as the companies service answers it, kept for the counsellor."""
    application: dict[str, Any] = {
        "application_id": "a" * 32,
        "seeker_id": "s-1",
        "siret": MEUBLES_CENTRE["siret"],
        "company_name": MEUBLES_CENTRE["name"],
        "naf_label": MEUBLES_CENTRE["naf_label"],
        "message": "Bonjour",
        "consent_to_share_contact": True,
        "route": "kept_for_counsellor",
        "created_at": "2026-12-03T10:00:00+00:00",
        "notice": "Une candidature spontanée ne répond à aucune offre publiée.",
    }
    application.update(changes)
    return application


ProfileBuilder = Callable[..., ProfileUpdated]
OfferBuilder = Callable[..., OfferPublished]
BodyBuilder = Callable[..., dict[str, Any]]
