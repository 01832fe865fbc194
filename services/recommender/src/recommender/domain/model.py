"""What matching knows about a seeker and an offer: matching facts only, never contact data."""

from __future__ import annotations

from dataclasses import dataclass

from contracts import OfferPublished, ProfileUpdated

MIN_RADIUS_KM_AFTER_FEEDBACK = 1.0


def normalise(label: str) -> str:
    return " ".join(label.casefold().split())


@dataclass(frozen=True, slots=True)
class Seeker:
    """A seeker's matching facts as the recommender uses them, after their feedback."""

    seeker_id: str
    version: int
    occupations: tuple[str, ...]
    latitude: float
    longitude: float
    radius_km: float
    contracts: tuple[str, ...] = ()
    working_time: str = "any"
    min_salary: int | None = None
    experience_months: int = 0
    skills: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    licences: frozenset[str] = frozenset()
    counsellor_id: str | None = None
    consent: bool = True
    needs_review: bool = False
    via_counsellor: bool = False
    excluded_occupations: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Offer:
    offer_id: str
    version: int
    title: str
    rome_code: str
    latitude: float
    longitude: float
    contract_type: str
    working_time: str
    experience: str = "D"
    experience_months: int = 0
    required_skills: tuple[str, ...] = ()
    wished_skills: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    licences: tuple[str, ...] = ()
    salary_min: int | None = None
    salary_max: int | None = None
    positions: int = 1


def seeker_from_event(event: ProfileUpdated) -> Seeker:
    by_priority = sorted(event.occupations, key=lambda o: o.priority)
    contracts = sorted(event.contract_types, key=lambda c: c.priority)
    return Seeker(
        seeker_id=event.seeker_id,
        version=event.version,
        occupations=tuple(dict.fromkeys(o.rome_code for o in by_priority)),
        latitude=event.place.latitude,
        longitude=event.place.longitude,
        radius_km=float(event.radius_km),
        contracts=tuple(dict.fromkeys(c.contract_type.value for c in contracts)),
        working_time=event.working_time.value,
        min_salary=event.min_monthly_salary_eur,
        experience_months=event.experience_years * 12,
        skills=frozenset(normalise(s) for s in event.skills),
        languages=frozenset(lang.casefold() for lang in event.languages),
        licences=frozenset(lic.upper() for lic in event.driving_licences),
        counsellor_id=event.counsellor_id,
        consent=event.consent_to_matching,
        needs_review=event.review_before_send or event.needs_support,
        via_counsellor=event.no_smartphone,
    )


# The offer's facts the recommender keeps as the event states them.
OFFER_FACTS_AS_PUBLISHED = {
    "offer_id",
    "version",
    "title",
    "rome_code",
    "experience_months",
    "positions",
}


def offer_from_event(event: OfferPublished) -> Offer:
    return Offer(
        **event.model_dump(include=OFFER_FACTS_AS_PUBLISHED),
        latitude=event.place.latitude,
        longitude=event.place.longitude,
        contract_type=event.contract_type.value,
        working_time=event.working_time.value,
        experience=event.experience_required.value,
        required_skills=tuple(normalise(s.label) for s in event.skills if s.required),
        wished_skills=tuple(normalise(s.label) for s in event.skills if not s.required),
        languages=tuple(lang.casefold() for lang in event.languages),
        licences=tuple(lic.upper() for lic in event.driving_licences),
        salary_min=event.salary_min_monthly_eur,
        salary_max=event.salary_max_monthly_eur,
    )
