from typing import Any

import pytest

from contracts.reasons import CompanyReasonCode, MatchReasonCode, ProposalReasonCode
from contracts.vocabulary import FeedbackReason
from wording import CATALOGUE, GENERIC, LANGUAGES, Namer, render

FAMILIES = (MatchReasonCode, CompanyReasonCode, ProposalReasonCode, FeedbackReason)
CODES = [code.value for family in FAMILIES for code in family]

# The fullest figures each producer gives with each code.
SAMPLES: dict[str, dict[str, Any]] = {
    "occupation_exact": {"rome_code": "K2204"},
    "occupation_neighbour": {"rome_code": "K2204", "your_rome_code": "G1501"},
    "distance_within_radius": {"distance_km": 3.5, "radius_km": 20.0},
    "contract_wished": {"contract_type": "CDI"},
    "contract_not_wished": {"contract_type": "MIS"},
    "working_time_fits": {"working_time": "full_time"},
    "working_time_differs": {"working_time": "part_time", "your_working_time": "full_time"},
    "salary_unknown": {"min_salary_eur": 1800},
    "salary_meets_minimum": {"salary_eur": 2100, "min_salary_eur": 1800},
    "salary_below_minimum": {"salary_eur": 1500, "min_salary_eur": 1800},
    "skills_met": {"count": 2, "required": 3, "skills": "nettoyage, tri"},
    "skills_missing": {"count": 1, "required": 3, "skills": "vitrerie"},
    "wished_skills_met": {"count": 1, "skills": "autonomie"},
    "experience_not_required": {},
    "experience_met": {"years": 3, "asked_years": 2},
    "experience_short": {"years": 1, "asked_years": 2.5, "experience": "E"},
    "languages_met": {"count": 1, "languages": "anglais"},
    "languages_missing": {"count": 1, "languages": "espagnol"},
    "licence_missing": {"count": 1, "licences": "C"},
    "sector_hires": {"rome_code": "K2204", "naf": "8121Z", "share_pct": 35, "expected_hires": 3.2},
    "distance": {"distance_km": 2.4},
    "flag_apprenticeship": {},
    "flag_junior": {},
    "flag_senior": {},
    "flag_disability_friendly": {},
    "gap_licence_missing": {"count": 4, "near": 6},
    "gap_languages_missing": {"count": 4, "near": 6},
    "gap_skills_missing": {"count": 4, "near": 6},
    "gap_experience_short": {"count": 4, "near": 6},
    "leads_to_target": {"rome_code": "K2204"},
    "session": {
        "city": "Lyon",
        "commune_code": "69123",
        "distance_km": 12,
        "starts_on": "2027-01-04",
        "days": 20,
    },
    "funding": {"funders": "4 2"},
    "funding_possible": {},
    "no_rome_code": {"formacodes": "31812", "nsf_codes": "311"},
    "recommended": {},
    "too_far": {},
    "wrong_contract": {},
    "salary": {},
    "not_my_occupation": {},
    "already_applied": {},
    "other": {},
}


def test_the_families_share_no_code() -> None:
    assert len(CODES) == len(set(CODES))


def test_every_code_has_figures_to_test_with() -> None:
    assert sorted(SAMPLES) == sorted(CODES)


@pytest.mark.parametrize("code", CODES)
def test_every_code_is_said_in_both_languages(code: str) -> None:
    entry = CATALOGUE[code]
    assert entry.fr
    assert entry.en
    assert len(entry.fr) == len(entry.en)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", CODES)
def test_every_code_renders_its_fullest_sentence(code: str, language: str, names: Namer) -> None:
    text = render({"code": code, "params": SAMPLES[code]}, language, names)
    assert text != GENERIC[language]
    assert "{" not in text
    assert "}" not in text
    sentences = CATALOGUE[code].sentences(language)
    assert text.startswith(sentences[0].split("{")[0])


@pytest.mark.parametrize("code", CODES)
def test_the_two_languages_differ(code: str, names: Namer) -> None:
    fr = render({"code": code, "params": SAMPLES[code]}, "fr", names)
    en = render({"code": code, "params": SAMPLES[code]}, "en", names)
    assert fr != en


@pytest.mark.parametrize("code", CODES)
def test_missing_figures_give_a_sentence_never_a_placeholder(code: str) -> None:
    for language in LANGUAGES:
        text = render({"code": code, "params": {}}, language)
        assert "{" not in text
        assert text
