from dataclasses import dataclass, field
from typing import Any

import pytest

from contracts import Reason
from wording import GENERIC, Namer, language_of, render
from wording.values import long_day


@dataclass
class Coded:
    code: str
    params: dict[str, Any] = field(default_factory=dict)


def test_occupations_are_named_not_coded(names: Namer) -> None:
    reason = Reason(
        code="occupation_neighbour", params={"rome_code": "K2204", "your_rome_code": "G1501"}
    )
    assert render(reason, "en", names) == (
        "This occupation (Nettoyage de locaux) is close to the one you look for "
        "(Personnel d'étage): your skills carry over."
    )
    assert render(reason, "fr", names) == (
        "Ce métier (Nettoyage de locaux) est proche de celui que vous recherchez "
        "(Personnel d'étage) : vos compétences s'y transfèrent."
    )


def test_an_occupation_unknown_to_the_names_keeps_its_code(names: Namer) -> None:
    reason = {"code": "occupation_exact", "params": {"rome_code": "Z9999"}}
    assert render(reason, "fr", names) == "C'est le métier que vous recherchez : Z9999."
    assert render(reason, "en") == "This is the occupation you look for: Z9999."


def test_numbers_are_written_the_way_each_language_writes_them() -> None:
    reason = Coded("salary_meets_minimum", {"salary_eur": 2100, "min_salary_eur": 1800})
    assert render(reason, "fr") == (
        "Le salaire peut atteindre 2\u202f100 € brut par mois, au moins les 1\u202f800 € que "
        "vous demandez."
    )
    assert render(reason, "en") == (
        "The pay can reach €2,100 gross a month, at least the €1,800 you ask for."
    )
    distance = Coded("distance_within_radius", {"distance_km": 3.5, "radius_km": 20.0})
    assert render(distance, "fr") == (
        "Le poste est à 3,5 km de chez vous, dans les 20 km que vous acceptez."
    )
    assert render(distance, "en") == "The job is 3.5 km from home, within the 20 km you accept."


def test_contracts_and_working_times_are_said_in_words() -> None:
    assert render(Coded("contract_not_wished", {"contract_type": "MIS"}), "en") == (
        "It is a temporary-agency assignment, which you did not ask for."
    )
    differs = Coded(
        "working_time_differs", {"working_time": "part_time", "your_working_time": "full_time"}
    )
    assert render(differs, "fr") == "Le poste est à temps partiel, vous cherchez un temps plein."
    assert render(differs, "en") == "The job is part time; you look for full-time work."


def test_the_verb_of_an_experience_follows_the_offer() -> None:
    required = Coded("experience_short", {"years": 1, "asked_years": 2, "experience": "E"})
    wished = Coded("experience_short", {"years": 1, "asked_years": 2, "experience": "S"})
    assert render(required, "fr") == "L'offre exige 2 ans d'expérience, vous en avez 1."
    assert render(wished, "en") == "The offer would like 2 years of experience; you have 1."


def test_a_reason_scored_before_a_figure_existed_reads_with_the_figures_it_has() -> None:
    older = Coded("skills_met", {"count": 2, "required": 3})
    assert render(older, "fr") == "Vous avez 2 des 3 compétences demandées."
    assert render(Coded("working_time_differs", {"working_time": "full_time"}), "en") == (
        "The job is full time, which you do not look for."
    )


def test_companies_and_trainings_name_their_sector_town_and_dates(names: Namer) -> None:
    sector = Coded(
        "sector_hires",
        {"rome_code": "K2204", "naf": "8121Z", "share_pct": 12, "expected_hires": 0.4},
    )
    assert render(sector, "en", names) == (
        "The sector “Nettoyage courant des bâtiments” hires in Nettoyage de locaux (12% of its "
        "hires); fewer than one hire expected here"
    )
    session = Coded(
        "session", {"commune_code": "69123", "distance_km": 12, "starts_on": "2027-01-04"}
    )
    assert render(session, "fr", names) == (
        "Cette formation à Lyon (12 km) commence le 04/01/2027."
    )
    assert render(session, "en", names) == (
        "This training in Lyon (12 km) starts on 4 January 2027."
    )
    funding = Coded("funding", {"funders": "2 99 16"})
    assert render(funding, "en") == "It can be funded by the Region or an OPCO."


@pytest.mark.parametrize(
    "reason",
    [
        {"code": "no_such_code", "params": {}},
        {"params": {"rome_code": "K2204"}},
        {"code": "experience_met", "params": "not a mapping"},
        {"code": "session", "params": {"starts_on": "not a day", "distance_km": 3}},
        {"code": "funding", "params": {"funders": "99"}},
        {"code": "distance", "params": {"distance_km": True}},
        Coded("experience_met", {"years": None, "asked_years": [1]}),
        None,
        42,
    ],
)
def test_an_unknown_code_or_bad_figures_give_a_generic_sentence(reason: Any) -> None:
    assert render(reason, "fr") == GENERIC["fr"]
    assert render(reason, "en") == GENERIC["en"]


def test_a_fallback_replaces_the_generic_sentence() -> None:
    assert render({"code": "new_code"}, "en", fallback="As the producer said it.") == (
        "As the producer said it."
    )


def test_a_string_is_a_code_without_figures() -> None:
    assert render("too_far", "en") == "It is too far"


@pytest.mark.parametrize(
    ("asked", "language"),
    [("en", "en"), ("en-GB", "en"), ("EN", "en"), ("fr", "fr"), ("de", "fr"), (None, "fr")],
)
def test_the_language_is_english_or_french(asked: object, language: str) -> None:
    assert language_of(asked) == language


def test_a_day_in_words_as_the_pages_say_it() -> None:
    assert long_day("2026-12-01", "fr") == "1er décembre 2026"
    assert long_day("2027-02-14", "fr") == "14 février 2027"
    assert long_day("2026-12-01", "en") == "1 December 2026"
