"""A job offer, as France Travail's "Offres d'emploi v2" describes it, in English names."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Protocol

from contracts import OfferPublished
from contracts.offers import (
    COMMUNE_PATTERN,
    OFFER_ID_PATTERN,
    ROME_PATTERN,
    Language,
    Licence,
    Offer,
    OfferFacts,
    OfferIn,
    Origin,
    PlaceIn,
    Salary,
    Skill,
    WorkPlace,
)
from refdata import Commune, distance_km

__all__ = [
    "COMMUNE_PATTERN",
    "OFFER_ID_PATTERN",
    "ROME_PATTERN",
    "InvalidOffer",
    "Language",
    "Licence",
    "Offer",
    "OfferFacts",
    "OfferIn",
    "Origin",
    "PlaceIn",
    "ReferenceData",
    "Salary",
    "Skill",
    "WorkPlace",
]


class ReferenceData(Protocol):
    """What an offer is checked against: `refdata.Referential` answers it."""

    def is_rome(self, code: str) -> bool: ...

    def occupation_label(self, rome_code: str) -> str | None: ...

    def commune(self, insee_code: str) -> Commune | None: ...

    def communes_by_postcode(self, postcode: str) -> list[Commune]: ...


class InvalidOffer(ValueError):
    """A fact of the offer that reference data refutes; `field` names it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def default_validity(last_update: datetime, days: int) -> datetime:
    return last_update + timedelta(days=days)


def check_occupation(rome_code: str, reference: ReferenceData, field: str) -> str | None:
    if not reference.is_rome(rome_code):
        raise InvalidOffer(field, f"{rome_code!r} is not a ROME occupation code")
    return reference.occupation_label(rome_code)


def resolve_place(place: PlaceIn, reference: ReferenceData, prefix: str = "") -> WorkPlace:
    """The commune (from its code, else the postcode) and its coordinates unless given."""
    commune = reference.commune(place.commune_code) if place.commune_code else None
    if commune is None and place.postcode:
        commune = _commune_of_postcode(place, reference)
    if commune is None:
        if place.commune_code:
            reason = f"unknown commune {place.commune_code!r}"
            if place.postcode:
                reason += f", and no commune has postcode {place.postcode!r}"
            raise InvalidOffer(prefix + "commune_code", reason)
        if place.postcode:
            raise InvalidOffer(prefix + "postcode", f"no commune has postcode {place.postcode!r}")
        raise InvalidOffer(prefix + "commune_code", "give a commune code or a postcode")
    latitude, longitude = place.latitude, place.longitude
    if latitude is None or longitude is None:
        latitude, longitude = commune.latitude, commune.longitude
    if latitude is None or longitude is None:
        raise InvalidOffer(
            prefix + "latitude",
            f"no coordinates given, and none are known for commune {commune.insee_code}",
        )
    postcode = place.postcode
    if postcode is None and len(commune.postcodes) == 1:
        postcode = commune.postcodes[0]
    return WorkPlace(
        commune_code=commune.insee_code,
        postcode=postcode,
        latitude=latitude,
        longitude=longitude,
        label=place.label,
    )


def _commune_of_postcode(place: PlaceIn, reference: ReferenceData) -> Commune | None:
    assert place.postcode is not None
    candidates = [c for c in reference.communes_by_postcode(place.postcode) if c.has_coordinates]
    if not candidates:
        return None
    if place.latitude is None or place.longitude is None:
        return candidates[0]
    latitude, longitude = place.latitude, place.longitude
    return min(
        candidates,
        key=lambda c: distance_km(latitude, longitude, c.latitude or 0.0, c.longitude or 0.0),
    )


def published_payload(offer: Offer, version: int) -> OfferPublished:
    """The event's facts, read from the offer's fields of the same name (the rest ignored)."""
    return OfferPublished.model_validate(
        {
            **offer.model_dump(exclude={"languages", "driving_licences", "origin"}),
            "offer_id": offer.id,
            "version": version,
            "languages": list(dict.fromkeys(language.code for language in offer.languages)),
            "driving_licences": list(
                dict.fromkeys(licence.category for licence in offer.driving_licences)
            ),
            "salary_min_monthly_eur": offer.salary.min_monthly_eur,
            "salary_max_monthly_eur": offer.salary.max_monthly_eur,
            "salary_text": offer.salary.text,
            "published_at": offer.created_at,
            "origin": offer.origin.value,
        }
    )


_NOT_MATERIAL = {"offer_id", "version", "published_at", "valid_until"}


def fingerprint(payload: OfferPublished) -> str:
    """Equal for offers whose matching facts are equal: such an update publishes nothing.

    Dates are left out: a feed refreshes an offer's update date (and so its validity) without
    changing anything a seeker would notice.
    """
    facts = payload.model_dump_json(exclude=_NOT_MATERIAL)
    return hashlib.sha256(facts.encode()).hexdigest()


def content_hash(offer: Offer) -> str:
    """Equal for identical offers: re-importing one writes nothing at all."""
    return hashlib.sha256(offer.model_dump_json().encode()).hexdigest()
