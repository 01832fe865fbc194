"""Explainable scoring of one seeker against one offer.

Every figure of the score comes with a reason: a code and its figures, which the wording
catalogue says in the reader's language. The weights live here and only
here; docs/matching.md explains them for counsellors. Occupation and distance are hard filters: an
offer outside the seeker's occupations (or close neighbours) or beyond their radius is no match.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts import Reason
from contracts.reasons import MatchReasonCode as M
from recommender.domain.model import Offer, Seeker
from wording import render

Value = str | int | float

WEIGHTS: dict[str, float] = {
    "occupation": 0.35,
    "distance": 0.20,
    "contract": 0.15,
    "salary": 0.10,
    "skills": 0.10,
    "working_time": 0.05,
    "experience": 0.03,
    "languages": 0.02,
}
PRIORITY_STEP = 0.1  # each lower occupation priority costs 10 % of the occupation part
CONTRACT_STEP = 0.2  # each lower contract priority costs 20 % of the contract part
NEIGHBOUR_FLOOR = 0.5  # a neighbouring occupation is worth at least half an exact one...
NEIGHBOUR_SPAN = 0.4  # ...and at most 0.9 of it, reached at a neighbour score of NEIGHBOUR_FULL
NEIGHBOUR_FULL = 0.3
DISTANCE_SPAN = 0.5  # at the edge of the radius, the distance part is worth half
UNKNOWN_SALARY = 0.5  # an offer without a salary is neither a plus nor a minus
WISHED_EXPERIENCE_SHORT = 0.5
MIN_RADIUS_KM = 1.0


@dataclass(frozen=True, slots=True)
class Scored:
    score: float
    distance_km: float
    reasons: tuple[Reason, ...]
    missing: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class _Labels:
    """Occupation labels by ROME code, for the French text of the previous contract version."""

    occupations: dict[str, str]

    def occupation(self, rome_code: str) -> str | None:
        return self.occupations.get(rome_code)

    def commune(self, insee_code: str) -> str | None:
        return None

    def sector(self, naf_code: str) -> str | None:
        return None


def reason(code: M, names: _Labels, **params: Value) -> Reason:
    """A reason as its code and figures; its French `text` only for the consumers of the
    previous contract version (deprecated: readers render code and figures themselves)."""
    return Reason(
        code=code, params=params, text=render({"code": code, "params": params}, "fr", names)
    )


def occupation_fit(seeker: Seeker, rome: str, neighbours: dict[str, float]) -> tuple[float, str]:
    """Best fit of the offer's occupation among the seeker's, by priority: (fit, seeker's rome)."""
    best, via = 0.0, ""
    for rank, wanted in enumerate(seeker.occupations):
        if wanted in seeker.excluded_occupations and wanted != rome:
            continue
        if wanted == rome:
            fit = 1.0
        elif wanted in neighbours:
            fit = neighbour_fit(neighbours[wanted])
        else:
            continue
        fit *= priority_factor(rank)
        if fit > best:
            best, via = fit, wanted
    if rome in seeker.excluded_occupations:
        return 0.0, ""
    return best, via


def neighbour_fit(similarity: float) -> float:
    return NEIGHBOUR_FLOOR + NEIGHBOUR_SPAN * min(1.0, similarity / NEIGHBOUR_FULL)


def priority_factor(rank: int) -> float:
    return max(0.0, 1.0 - PRIORITY_STEP * rank)


def contract_fit(seeker: Seeker, contract: str) -> float:
    if not seeker.contracts:
        return 1.0
    if contract not in seeker.contracts:
        return 0.0
    return max(0.2, 1.0 - CONTRACT_STEP * seeker.contracts.index(contract))


def salary_fit(seeker: Seeker, offer: Offer) -> float:
    if seeker.min_salary is None:
        return 1.0
    best = offer_best_salary(offer)
    if best is None:
        return UNKNOWN_SALARY
    return 1.0 if best >= seeker.min_salary else 0.0


def offer_best_salary(offer: Offer) -> int | None:
    return offer.salary_max if offer.salary_max is not None else offer.salary_min


def experience_fit(seeker: Seeker, offer: Offer) -> float:
    if offer.experience == "D" or seeker.experience_months >= offer.experience_months:
        return 1.0
    return 0.0 if offer.experience == "E" else WISHED_EXPERIENCE_SHORT


def explain(
    seeker: Seeker,
    offer: Offer,
    neighbours: dict[str, float],
    distance_km: float,
    occupation_labels: dict[str, str] | None = None,
) -> Scored | None:
    """The score of `offer` for `seeker` with its reasons, or None when it is no match at all."""
    occupation, via = occupation_fit(seeker, offer.rome_code, neighbours)
    radius = max(seeker.radius_km, MIN_RADIUS_KM)
    if occupation <= 0 or distance_km > radius or not seeker.consent:
        return None
    names = _Labels(occupation_labels or {})
    reasons: list[Reason] = []
    missing: list[Reason] = []

    def why(code: M, **params: Value) -> None:
        reasons.append(reason(code, names, **params))

    def lacks(code: M, **params: Value) -> None:
        missing.append(reason(code, names, **params))

    km = round(distance_km, 1)
    if via == offer.rome_code:
        why(M.OCCUPATION_EXACT, rome_code=offer.rome_code)
    else:
        why(M.OCCUPATION_NEIGHBOUR, rome_code=offer.rome_code, your_rome_code=via)
    distance = 1.0 - DISTANCE_SPAN * min(1.0, distance_km / radius)
    why(M.DISTANCE_WITHIN_RADIUS, distance_km=km, radius_km=seeker.radius_km)
    contract = contract_fit(seeker, offer.contract_type)
    if contract > 0:
        why(M.CONTRACT_WISHED, contract_type=offer.contract_type)
    else:
        lacks(M.CONTRACT_NOT_WISHED, contract_type=offer.contract_type)
    working_time = 1.0 if seeker.working_time in ("any", offer.working_time) else 0.0
    if working_time:
        why(M.WORKING_TIME_FITS, working_time=offer.working_time)
    else:
        lacks(
            M.WORKING_TIME_DIFFERS,
            working_time=offer.working_time,
            your_working_time=seeker.working_time,
        )
    salary = salary_fit(seeker, offer)
    best_salary = offer_best_salary(offer)
    if seeker.min_salary is not None and best_salary is None:
        lacks(M.SALARY_UNKNOWN, min_salary_eur=seeker.min_salary)
    elif seeker.min_salary is not None and best_salary is not None:
        figures: dict[str, Value] = {
            "salary_eur": best_salary,
            "min_salary_eur": seeker.min_salary,
        }
        if salary:
            why(M.SALARY_MEETS_MINIMUM, **figures)
        else:
            lacks(M.SALARY_BELOW_MINIMUM, **figures)
    required = offer.required_skills
    met = [s for s in required if s in seeker.skills]
    lacking = [s for s in required if s not in seeker.skills]
    skills = len(met) / len(required) if required else 1.0
    if met:
        why(M.SKILLS_MET, count=len(met), required=len(required), skills=", ".join(met))
    if lacking:
        lacks(
            M.SKILLS_MISSING, count=len(lacking), required=len(required), skills=", ".join(lacking)
        )
    wished = [s for s in offer.wished_skills if s in seeker.skills]
    if wished:
        why(M.WISHED_SKILLS_MET, count=len(wished), skills=", ".join(wished))
    experience = experience_fit(seeker, offer)
    years = seeker.experience_months // 12
    asked_years = round(offer.experience_months / 12, 1)
    if offer.experience == "D":
        why(M.EXPERIENCE_NOT_REQUIRED)
    elif experience == 1.0:
        why(M.EXPERIENCE_MET, years=years, asked_years=asked_years)
    else:
        lacks(M.EXPERIENCE_SHORT, years=years, asked_years=asked_years, experience=offer.experience)
    spoken = [lang for lang in offer.languages if lang in seeker.languages]
    unspoken = [lang for lang in offer.languages if lang not in seeker.languages]
    languages = len(spoken) / len(offer.languages) if offer.languages else 1.0
    if spoken:
        why(M.LANGUAGES_MET, count=len(spoken), languages=", ".join(spoken))
    if unspoken:
        lacks(M.LANGUAGES_MISSING, count=len(unspoken), languages=", ".join(unspoken))
    lacking_licences = [lic for lic in offer.licences if lic not in seeker.licences]
    if lacking_licences:
        lacks(M.LICENCE_MISSING, count=len(lacking_licences), licences=", ".join(lacking_licences))
    parts = {
        "occupation": occupation,
        "distance": distance,
        "contract": contract,
        "salary": salary,
        "skills": skills,
        "working_time": working_time,
        "experience": experience,
        "languages": languages,
    }
    score = round(sum(WEIGHTS[name] * value for name, value in parts.items()), 4)
    return Scored(
        score=min(1.0, max(0.0, score)),
        distance_km=km,
        reasons=tuple(reasons),
        missing=tuple(missing),
    )
