"""How a seeker's "not for me, because..." changes what they are suggested next."""

from __future__ import annotations

from dataclasses import dataclass, replace

from contracts.vocabulary import FeedbackReason
from recommender.domain.model import MIN_RADIUS_KM_AFTER_FEEDBACK, Seeker

TOO_FAR_SHRINK = 0.8  # "too far" at 20 km: from now on, nothing beyond 16 km


@dataclass(frozen=True, slots=True)
class Feedback:
    """What the seeker said, with the facts of the offer they said it about."""

    offer_id: str
    reason: FeedbackReason
    rome_code: str
    contract_type: str
    distance_km: float
    salary_eur: int | None


def with_feedback(seeker: Seeker, feedback: list[Feedback]) -> Seeker:
    """The seeker's facts as matching uses them once their feedback is taken into account."""
    for said in feedback:
        if said.reason is FeedbackReason.TOO_FAR:
            radius = max(MIN_RADIUS_KM_AFTER_FEEDBACK, said.distance_km * TOO_FAR_SHRINK)
            seeker = replace(seeker, radius_km=min(seeker.radius_km, round(radius, 1)))
        elif said.reason is FeedbackReason.WRONG_CONTRACT:
            remaining = tuple(c for c in seeker.contracts if c != said.contract_type)
            if not seeker.contracts:
                remaining = tuple(c for c in ALL_CONTRACTS if c != said.contract_type)
            if remaining:
                seeker = replace(seeker, contracts=remaining)
        elif said.reason is FeedbackReason.SALARY and said.salary_eur is not None:
            floor = said.salary_eur + 1
            if seeker.min_salary is None or seeker.min_salary < floor:
                seeker = replace(seeker, min_salary=floor)
        elif said.reason is FeedbackReason.NOT_MY_OCCUPATION:
            seeker = replace(
                seeker, excluded_occupations=seeker.excluded_occupations | {said.rome_code}
            )
    return seeker


ALL_CONTRACTS = ("CDI", "CDD", "MIS", "SAI", "LIB", "FRA", "REP", "CCE", "DDI", "DIN")
