"""Each reason of a match on hand-made cases (pure: no I/O)."""

from collections.abc import Callable
from itertools import pairwise

import pytest

from contracts import OfferPublished, ProfileUpdated
from contracts.reasons import MatchReasonCode
from recommender.domain.model import offer_from_event, seeker_from_event
from recommender.domain.occupations import OccupationGraph
from recommender.domain.scoring import WEIGHTS, Scored, explain
from refdata import Names, distance_km
from wording import GENERIC, render

ProfileBuilder = Callable[..., ProfileUpdated]
OfferBuilder = Callable[..., OfferPublished]
LYON = {"commune_code": "69123", "latitude": 45.76, "longitude": 4.83}
GRENOBLE = {"commune_code": "38185", "latitude": 45.19, "longitude": 5.72}  # ~95 km from Lyon
OCCUPATIONS = {"K2204": "Nettoyage de locaux", "K1304": "Services domestiques"}
LABELS = Names(occupations=OCCUPATIONS, communes={}, sectors={})


def score(graph: OccupationGraph, profile: ProfileUpdated, offer: OfferPublished) -> Scored | None:
    km = distance_km(
        profile.place.latitude, profile.place.longitude, offer.place.latitude, offer.place.longitude
    )
    return explain(
        seeker_from_event(profile),
        offer_from_event(offer),
        graph.neighbours_of_offer(offer.rome_code),
        km,
        OCCUPATIONS,
    )


def ranked(*best_first: Scored | None) -> list[Scored]:
    """Each was scored, each above the next."""
    scored = [s for s in best_first if s is not None]
    assert len(scored) == len(best_first), "an offer was not scored"
    assert all(higher.score > lower.score for higher, lower in pairwise(scored))
    return scored


def codes(scored: Scored | None) -> tuple[set[str], set[str]]:
    assert scored is not None
    return {r.code for r in scored.reasons}, {r.code for r in scored.missing}


def test_the_weights_add_up_to_one() -> None:
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)


def test_a_perfect_fit_scores_high_and_says_why_in_plain_words(
    graph: OccupationGraph, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    scored = score(graph, a_profile(), an_offer())

    assert scored is not None
    assert 0.9 < scored.score <= 1.0
    reasons, missing = codes(scored)
    assert {"occupation_exact", "distance_within_radius", "contract_wished"} <= reasons
    assert {"working_time_fits", "experience_not_required"} <= reasons
    assert missing == set()
    distance = next(r for r in scored.reasons if r.code == "distance_within_radius")
    assert distance.params["radius_km"] == 15
    assert 3 < float(distance.params["distance_km"]) < 6
    assert scored.reasons[0].params == {"rome_code": "K2204"}


def test_the_deprecated_text_is_the_catalogues_french_for_the_previous_consumers(
    graph: OccupationGraph, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    scored = score(graph, a_profile(), an_offer())

    assert scored is not None
    with pytest.warns(DeprecationWarning, match="wording catalogue"):
        first = scored.reasons[0].text
    assert first == "C'est le métier que vous recherchez : Nettoyage de locaux."
    for reason in scored.reasons:
        with pytest.warns(DeprecationWarning, match="wording catalogue"):
            assert reason.text == render(reason, "fr", LABELS)


def test_a_neighbouring_occupation_matches_for_less_than_the_exact_one(
    graph: OccupationGraph, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    exact = score(graph, a_profile(), an_offer())
    neighbour = score(
        graph, a_profile(occupations=[{"rome_code": "K1304", "priority": 1}]), an_offer()
    )

    assert exact is not None
    assert neighbour is not None
    assert neighbour.score < exact.score
    assert "occupation_neighbour" in codes(neighbour)[0]
    assert neighbour.reasons[0].params == {"rome_code": "K2204", "your_rome_code": "K1304"}


def test_an_unrelated_occupation_or_a_weak_neighbour_is_no_match(
    graph: OccupationGraph, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    unrelated = a_profile(occupations=[{"rome_code": "A1101", "priority": 1}])
    weak = a_profile(occupations=[{"rome_code": "G1501", "priority": 1}])  # 0.02 < threshold

    assert score(graph, unrelated, an_offer()) is None
    assert score(graph, weak, an_offer()) is None


def test_beyond_the_radius_is_no_match(
    graph: OccupationGraph, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    assert score(graph, a_profile(), an_offer(place=GRENOBLE)) is None
    assert score(graph, a_profile(radius_km=120), an_offer(place=GRENOBLE)) is not None


def test_no_consent_is_no_match(
    graph: OccupationGraph, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    assert score(graph, a_profile(consent_to_matching=False), an_offer()) is None


def test_the_farther_within_the_radius_the_lower(
    graph: OccupationGraph, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    near = score(graph, a_profile(), an_offer(place=LYON))
    farther = score(graph, a_profile(), an_offer())

    ranked(near, farther)


def test_a_contract_not_wished_is_missing_and_costs_its_weight(
    graph: OccupationGraph, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    wished = score(graph, a_profile(), an_offer())
    not_wished = score(graph, a_profile(), an_offer(contract_type="MIS"))

    assert wished is not None
    assert not_wished is not None
    assert "contract_not_wished" in codes(not_wished)[1]
    assert wished.score - not_wished.score == pytest.approx(WEIGHTS["contract"], abs=1e-3)
    assert not_wished.missing[0].params == {"contract_type": "MIS"}


def test_a_second_choice_contract_counts_less_than_the_first(
    graph: OccupationGraph, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    seeker = a_profile(
        contract_types=[
            {"contract_type": "CDI", "priority": 1},
            {"contract_type": "CDD", "priority": 2},
        ]
    )
    first = score(graph, seeker, an_offer())
    second = score(graph, seeker, an_offer(contract_type="CDD"))

    assert first is not None
    assert second is not None
    assert second.score < first.score
    assert "contract_wished" in codes(second)[0]


def test_working_time_against_the_wish(
    graph: OccupationGraph, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    differs = score(graph, a_profile(), an_offer(working_time="part_time"))
    anything = score(graph, a_profile(working_time="any"), an_offer(working_time="part_time"))

    assert "working_time_differs" in codes(differs)[1]
    assert "working_time_fits" in codes(anything)[0]


def test_salary_against_the_minimum(
    graph: OccupationGraph, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    seeker = a_profile(min_monthly_salary_eur=2000)
    enough = score(
        graph, seeker, an_offer(salary_min_monthly_eur=1900, salary_max_monthly_eur=2100)
    )
    too_low = score(graph, seeker, an_offer(salary_min_monthly_eur=1800))
    unknown = score(graph, seeker, an_offer())

    assert "salary_meets_minimum" in codes(enough)[0]
    assert "salary_below_minimum" in codes(too_low)[1]
    assert "salary_unknown" in codes(unknown)[1]
    _, _, lowest = ranked(enough, unknown, too_low)
    below = next(r for r in lowest.missing if r.code == "salary_below_minimum")
    assert below.params == {"salary_eur": 1800, "min_salary_eur": 2000}


def test_required_skills_met_and_missing(
    graph: OccupationGraph, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    skills = [
        {"label": "Nettoyage de locaux", "required": True},
        {"label": "Autolaveuse", "required": True},
        {"label": "Vitrerie", "required": False},
    ]
    scored = score(graph, a_profile(skills=["nettoyage  de LOCAUX"]), an_offer(skills=skills))

    reasons, missing = codes(scored)
    assert "skills_met" in reasons
    assert "skills_missing" in missing
    assert scored is not None
    lacking = next(r for r in scored.missing if r.code == "skills_missing")
    assert lacking.params == {"count": 1, "required": 2, "skills": "autolaveuse"}


def test_experience_required_wished_or_not(
    graph: OccupationGraph, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    required = score(graph, a_profile(), an_offer(experience_required="E", experience_months=60))
    wished = score(graph, a_profile(), an_offer(experience_required="S", experience_months=60))
    met = score(graph, a_profile(), an_offer(experience_required="E", experience_months=12))

    assert "experience_short" in codes(required)[1]
    assert "experience_short" in codes(wished)[1]
    assert "experience_met" in codes(met)[0]
    _, wished_scored, required_scored = ranked(met, wished, required)
    assert required_scored.missing[0].params == {"years": 2, "asked_years": 5, "experience": "E"}
    assert wished_scored.missing[0].params["experience"] == "S"


def test_languages_and_licences(
    graph: OccupationGraph, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    scored = score(
        graph, a_profile(languages=["fr"]), an_offer(languages=["fr", "en"], driving_licences=["B"])
    )

    reasons, missing = codes(scored)
    assert "languages_met" in reasons
    assert {"languages_missing", "licence_missing"} <= missing


def test_scoring_is_deterministic_and_bounded(
    graph: OccupationGraph, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    worst = an_offer(
        contract_type="SAI",
        working_time="part_time",
        salary_min_monthly_eur=100,
        experience_required="E",
        experience_months=240,
        skills=[{"label": "Soudure", "required": True}],
        languages=["de"],
    )
    seeker = a_profile(
        occupations=[{"rome_code": "K1304", "priority": 1}], min_monthly_salary_eur=3000
    )

    first, again = score(graph, seeker, worst), score(graph, seeker, worst)

    assert first == again
    assert first is not None
    assert 0.0 <= first.score < 0.5


def test_every_reason_is_a_code_of_the_contract_said_in_both_languages(
    graph: OccupationGraph, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    offers = [
        an_offer(),
        an_offer(
            contract_type="SAI",
            working_time="part_time",
            salary_min_monthly_eur=100,
            experience_required="E",
            experience_months=240,
            skills=[{"label": "Soudure", "required": True}, {"label": "Tri", "required": False}],
            languages=["de", "fr"],
            driving_licences=["C"],
        ),
        an_offer(salary_min_monthly_eur=2500, experience_required="S", experience_months=12),
    ]
    seeker = a_profile(min_monthly_salary_eur=2000, languages=["fr"], skills=["tri"])
    said = [
        r for offer in offers if (s := score(graph, seeker, offer)) for r in s.reasons + s.missing
    ]

    assert {r.code for r in said} <= set(MatchReasonCode)
    assert len({r.code for r in said}) >= 12
    for reason in said:
        for language in ("fr", "en"):
            text = render(reason, language, LABELS)
            assert text != GENERIC[language], (reason.code, reason.params)
