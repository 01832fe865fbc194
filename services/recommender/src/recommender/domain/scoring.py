"""Explainable scoring of one seeker against one offer.

Every figure of the score comes with a reason in plain French. The weights live here and only
here; docs/matching.md explains them for counsellors. Occupation and distance are hard filters: an
offer outside the seeker's occupations (or close neighbours) or beyond their radius is no match.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts import Reason
from recommender.domain.model import Offer, Seeker

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

CONTRACT_LABELS = {
    "CDI": "un CDI",
    "CDD": "un CDD",
    "MIS": "une mission d'intérim",
    "SAI": "un contrat saisonnier",
    "LIB": "une activité indépendante",
    "FRA": "une franchise",
    "REP": "une reprise d'entreprise",
    "CCE": "un contrat d'agent commercial",
    "DDI": "un CDD d'insertion",
    "DIN": "un CDI intérimaire",
}
WORKING_TIME_LABELS = {
    "full_time": "temps plein",
    "part_time": "temps partiel",
    "any": "indifférent",
}


@dataclass(frozen=True, slots=True)
class Scored:
    score: float
    distance_km: float
    reasons: tuple[Reason, ...]
    missing: tuple[Reason, ...]


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
    labels = occupation_labels or {}
    occupation, via = occupation_fit(seeker, offer.rome_code, neighbours)
    radius = max(seeker.radius_km, MIN_RADIUS_KM)
    if occupation <= 0 or distance_km > radius or not seeker.consent:
        return None
    reasons: list[Reason] = []
    missing: list[Reason] = []
    km = round(distance_km, 1)
    offer_label = labels.get(offer.rome_code, offer.rome_code)
    if via == offer.rome_code:
        reasons.append(
            Reason(
                code="occupation_exact",
                text=f"C'est le métier que vous recherchez : {offer_label}.",
                params={"rome_code": offer.rome_code},
            )
        )
    else:
        reasons.append(
            Reason(
                code="occupation_neighbour",
                text=(
                    f"Ce métier ({offer_label}) est proche de celui que vous recherchez "
                    f"({labels.get(via, via)}) : vos compétences s'y transfèrent."
                ),
                params={"rome_code": offer.rome_code, "your_rome_code": via},
            )
        )
    distance = 1.0 - DISTANCE_SPAN * min(1.0, distance_km / radius)
    reasons.append(
        Reason(
            code="distance_within_radius",
            text=f"Le poste est à {km:g} km de chez vous, dans les {seeker.radius_km:g} km "
            "que vous acceptez.",
            params={"distance_km": km, "radius_km": seeker.radius_km},
        )
    )
    contract = contract_fit(seeker, offer.contract_type)
    contract_label = CONTRACT_LABELS.get(offer.contract_type, offer.contract_type)
    if contract > 0:
        reasons.append(
            Reason(
                code="contract_wished",
                text=f"C'est {contract_label}, un contrat que vous acceptez.",
                params={"contract_type": offer.contract_type},
            )
        )
    else:
        missing.append(
            Reason(
                code="contract_not_wished",
                text=f"C'est {contract_label}, que vous n'avez pas demandé.",
                params={"contract_type": offer.contract_type},
            )
        )
    working_time = 1.0 if seeker.working_time in ("any", offer.working_time) else 0.0
    time_label = WORKING_TIME_LABELS.get(offer.working_time, offer.working_time)
    if working_time:
        reasons.append(
            Reason(
                code="working_time_fits",
                text=f"Le poste est à {time_label}, comme vous le souhaitez.",
                params={"working_time": offer.working_time},
            )
        )
    else:
        missing.append(
            Reason(
                code="working_time_differs",
                text=f"Le poste est à {time_label}, vous cherchez "
                f"{WORKING_TIME_LABELS.get(seeker.working_time, seeker.working_time)}.",
                params={"working_time": offer.working_time},
            )
        )
    salary = salary_fit(seeker, offer)
    best_salary = offer_best_salary(offer)
    if seeker.min_salary is not None and best_salary is None:
        missing.append(
            Reason(
                code="salary_unknown",
                text="L'offre ne précise pas le salaire.",
                params={"min_salary_eur": seeker.min_salary},
            )
        )
    elif seeker.min_salary is not None and best_salary is not None:
        params: dict[str, str | int | float] = {
            "salary_eur": best_salary,
            "min_salary_eur": seeker.min_salary,
        }
        if salary:
            reasons.append(
                Reason(
                    code="salary_meets_minimum",
                    text=f"Le salaire peut atteindre {best_salary} € brut par mois, au moins "
                    f"les {seeker.min_salary} € que vous demandez.",
                    params=params,
                )
            )
        else:
            missing.append(
                Reason(
                    code="salary_below_minimum",
                    text=f"Le salaire ne dépasse pas {best_salary} € brut par mois, moins que "
                    f"les {seeker.min_salary} € que vous demandez.",
                    params=params,
                )
            )
    required = offer.required_skills
    met = [s for s in required if s in seeker.skills]
    lacking = [s for s in required if s not in seeker.skills]
    skills = len(met) / len(required) if required else 1.0
    if met:
        reasons.append(
            Reason(
                code="skills_met",
                text="Vous avez les compétences demandées : " + ", ".join(met) + ".",
                params={"count": len(met), "required": len(required)},
            )
        )
    if lacking:
        missing.append(
            Reason(
                code="skills_missing",
                text="Compétences demandées que votre profil ne mentionne pas : "
                + ", ".join(lacking)
                + ".",
                params={"count": len(lacking), "required": len(required)},
            )
        )
    wished = [s for s in offer.wished_skills if s in seeker.skills]
    if wished:
        reasons.append(
            Reason(
                code="wished_skills_met",
                text="Vous avez aussi des compétences appréciées : " + ", ".join(wished) + ".",
                params={"count": len(wished)},
            )
        )
    experience = experience_fit(seeker, offer)
    years = seeker.experience_months // 12
    asked_years = round(offer.experience_months / 12, 1)
    if offer.experience == "D":
        reasons.append(
            Reason(code="experience_not_required", text="Les débutants sont acceptés.", params={})
        )
    elif experience == 1.0:
        reasons.append(
            Reason(
                code="experience_met",
                text=f"Votre expérience ({years} ans) couvre les {asked_years:g} ans demandés.",
                params={"years": years, "asked_years": asked_years},
            )
        )
    else:
        missing.append(
            Reason(
                code="experience_short",
                text=f"L'offre {'exige' if offer.experience == 'E' else 'souhaite'} "
                f"{asked_years:g} ans d'expérience, vous en avez {years}.",
                params={"years": years, "asked_years": asked_years},
            )
        )
    spoken = [lang for lang in offer.languages if lang in seeker.languages]
    unspoken = [lang for lang in offer.languages if lang not in seeker.languages]
    languages = len(spoken) / len(offer.languages) if offer.languages else 1.0
    if spoken:
        reasons.append(
            Reason(
                code="languages_met",
                text="Vous parlez les langues demandées : " + ", ".join(spoken) + ".",
                params={"count": len(spoken)},
            )
        )
    if unspoken:
        missing.append(
            Reason(
                code="languages_missing",
                text="Langues demandées que votre profil ne mentionne pas : "
                + ", ".join(unspoken)
                + ".",
                params={"count": len(unspoken)},
            )
        )
    lacking_licences = [lic for lic in offer.licences if lic not in seeker.licences]
    if lacking_licences:
        missing.append(
            Reason(
                code="licence_missing",
                text="Permis demandé que votre profil ne mentionne pas : "
                + ", ".join(lacking_licences)
                + ".",
                params={"count": len(lacking_licences)},
            )
        )
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
