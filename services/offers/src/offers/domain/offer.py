"""A job offer, as France Travail's "Offres d'emploi v2" describes it, in English names."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts import OfferPublished, OfferSkill, Place
from contracts.vocabulary import ContractType, ExperienceRequirement, WorkingTime
from refdata import Commune, distance_km

ROME_PATTERN = r"^[A-N]\d{4}$"
OFFER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
COMMUNE_PATTERN = r"^(\d{5}|2[AB]\d{3})$"


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


class Origin(StrEnum):
    EMPLOYER = "employer"
    FRANCE_TRAVAIL = "france-travail"
    PARTNER = "partner"


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Skill(_Part):
    code: str | None = Field(default=None, max_length=20, description="France Travail skill code.")
    label: str = Field(min_length=1, max_length=300, description="The skill, in the offer's words.")
    required: bool = Field(default=False, description="Required (true) or only wished (false).")


class Language(_Part):
    code: str = Field(pattern=r"^[a-z]{2}$", description="ISO 639-1 code, e.g. `en`.")
    required: bool = Field(default=False, description="Required (true) or only wished (false).")


class Licence(_Part):
    category: str = Field(pattern=r"^[A-Z][A-Z0-9]{0,3}$", description="Category: B, C, CE, ...")
    required: bool = Field(default=False, description="Required (true) or only wished (false).")


class Salary(_Part):
    text: str | None = Field(
        default=None, max_length=500, description="The salary as the employer wrote it."
    )
    min_monthly_eur: int | None = Field(
        default=None, ge=0, le=1_000_000, description="Gross monthly minimum, in euros."
    )
    max_monthly_eur: int | None = Field(
        default=None, ge=0, le=1_000_000, description="Gross monthly maximum, in euros."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        low, high = self.min_monthly_eur, self.max_monthly_eur
        if low is not None and high is not None and high < low:
            raise ValueError("max_monthly_eur is below min_monthly_eur")
        return self


class PlaceIn(_Part):
    label: str | None = Field(default=None, max_length=200, description="e.g. `69 - Lyon 3e`.")
    commune_code: str | None = Field(
        default=None, pattern=COMMUNE_PATTERN, description="INSEE code of the commune."
    )
    postcode: str | None = Field(
        default=None,
        pattern=r"^\d{5}$",
        description="Postcode; finds the commune when its code is missing or unknown.",
    )
    latitude: float | None = Field(default=None, ge=-90, le=90, description="WGS 84 latitude.")
    longitude: float | None = Field(default=None, ge=-180, le=180, description="WGS 84 longitude.")

    @model_validator(mode="after")
    def _both_coordinates(self) -> Self:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        return self


class WorkPlace(Place):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str | None = Field(default=None, description="The place as the offer names it.")


class OfferFacts(BaseModel):
    """What an employer or a feed says about an offer (shared by the input and stored forms)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, max_length=200, description="Offer title (intitulé).")
    description: str | None = Field(default=None, max_length=20_000, description="Full text.")
    rome_code: str = Field(pattern=ROME_PATTERN, description="ROME code of the occupation.")
    job_title: str | None = Field(
        default=None, max_length=200, description="Job title (appellation) label."
    )
    contract_type: ContractType = Field(description="France Travail contract type code.")
    contract_nature: str | None = Field(
        default=None, max_length=100, description="e.g. `Contrat travail`, `Contrat apprentissage`."
    )
    experience_required: ExperienceRequirement = Field(
        default=ExperienceRequirement.BEGINNER_OK, description="D (beginners welcome), S or E."
    )
    experience_months: int = Field(default=0, ge=0, le=600, description="Experience, in months.")
    qualification: int | None = Field(
        default=None, ge=1, le=9, description="France Travail qualification level, 1 to 9."
    )
    qualification_label: str | None = Field(default=None, max_length=100)
    skills: list[Skill] = Field(default_factory=list, max_length=100)
    languages: list[Language] = Field(default_factory=list, max_length=20)
    driving_licences: list[Licence] = Field(default_factory=list, max_length=20)
    salary: Salary = Field(default_factory=Salary)
    working_time: WorkingTime = Field(default=WorkingTime.ANY, description="Full or part time.")
    working_hours: str | None = Field(
        default=None, max_length=200, description="e.g. `35H Horaires normaux`."
    )
    positions: int = Field(default=1, ge=1, le=10_000, description="Number of positions.")
    employer_name: str | None = Field(default=None, max_length=200, description="Trade name.")
    employer_siret: str | None = Field(
        default=None, pattern=r"^\d{14}$", description="SIRET of the hiring establishment."
    )
    open_to_disabled_workers: bool = Field(
        default=False, description="Accessible to disabled workers (accessibleTH)."
    )
    valid_until: datetime | None = Field(
        default=None,
        description="The offer closes after this; by default a fixed number of days after its "
        "last update.",
    )


class OfferIn(OfferFacts):
    """An offer as an employer publishes it through the gateway."""

    id: str | None = Field(
        default=None,
        pattern=OFFER_ID_PATTERN,
        description="Your id for the offer: publishing it again is harmless. Generated if absent.",
    )
    place: PlaceIn = Field(description="Work place: a commune code or a postcode at least.")


class Offer(OfferFacts):
    """An offer whose place and occupation were checked against the reference data."""

    id: str = Field(pattern=OFFER_ID_PATTERN, description="Offer id.")
    place: WorkPlace = Field(description="Work place, with coordinates.")
    occupation_label: str | None = Field(default=None, description="ROME label of the occupation.")
    employer_id: str | None = Field(
        default=None, description="Employer account that owns the offer; none for feed imports."
    )
    created_at: datetime = Field(description="Creation date of the offer.")
    updated_at: datetime = Field(description="Last update of the offer.")
    valid_until: datetime = Field(description="The offer closes after this.")
    origin: Origin = Field(description="Where the offer came from.")
    origin_url: str | None = Field(default=None, max_length=2000, description="Partner's URL.")


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
    return OfferPublished(
        offer_id=offer.id,
        version=version,
        title=offer.title,
        rome_code=offer.rome_code,
        job_title=offer.job_title,
        place=Place(
            commune_code=offer.place.commune_code,
            postcode=offer.place.postcode,
            latitude=offer.place.latitude,
            longitude=offer.place.longitude,
        ),
        contract_type=offer.contract_type,
        working_time=offer.working_time,
        experience_required=offer.experience_required,
        experience_months=offer.experience_months,
        qualification=offer.qualification,
        skills=[OfferSkill(label=s.label, required=s.required) for s in offer.skills],
        languages=list(dict.fromkeys(language.code for language in offer.languages)),
        driving_licences=list(
            dict.fromkeys(licence.category for licence in offer.driving_licences)
        ),
        salary_min_monthly_eur=offer.salary.min_monthly_eur,
        salary_max_monthly_eur=offer.salary.max_monthly_eur,
        salary_text=offer.salary.text,
        positions=offer.positions,
        employer_name=offer.employer_name,
        open_to_disabled_workers=offer.open_to_disabled_workers,
        published_at=offer.created_at,
        valid_until=offer.valid_until,
        origin=offer.origin.value,
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
