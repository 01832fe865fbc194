"""The offer page's pure pieces: how to apply, what a seeker lacks, the search form."""

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import HTTPException
from testkit.builders import stored_offer

from contracts.offers import Offer, OfferView
from gateway.models import ProfileOut
from gateway.offer_details import details_of, how_to_apply, missing_for
from gateway.web.companies import refusal_key
from gateway.web.offers import page_link, read_search, salary_in
from refdata import Names

NAMES = Names(
    occupations={"K2204": "Nettoyage de locaux"},
    communes={"69123": "LYON", "69266": "VILLEURBANNE", "42218": "ST ETIENNE"},
    sectors={},
)
NOW = datetime(2026, 12, 3, tzinfo=UTC)


def an_offer(**changes: Any) -> Offer:
    facts: dict[str, Any] = {
        "title": "Agent d'entretien",
        "working_time": "any",
        "experience_required": "E",
        "experience_months": 24,
        "skills": [
            {"label": "Nettoyer des locaux", "required": True},
            {"label": "Trier des déchets", "required": False},
        ],
        "languages": [{"code": "en", "required": True}],
        "driving_licences": [{"category": "B", "required": True}],
    }
    return stored_offer("185QKWT", **{**facts, **changes})


def a_profile(**changes: Any) -> ProfileOut:
    profile: dict[str, Any] = {
        "contact": {"first_name": "Amina", "last_name": "Diallo"},
        "language": "fr",
        "time_zone": "Europe/Paris",
        "occupations": [{"rome_code": "K2204", "priority": 1}],
        "skills": ["NETTOYER des locaux"],
        "experience_years": 1,
        "languages": ["fr"],
        "driving_licences": [],
        "place": {"commune_code": "69123", "latitude": 45.76, "longitude": 4.83},
        "radius_km": 15,
        "contract_types": [{"contract_type": "CDI", "priority": 1}],
        "working_time": "any",
        "no_smartphone": False,
        "accessibility_needs": False,
        "consent_to_matching": True,
    }
    return ProfileOut.model_validate({**profile, **changes})


def test_an_imported_offer_is_applied_to_on_its_france_travail_page() -> None:
    said = how_to_apply(an_offer())
    assert (said.channel.value, said.url) == (
        "france-travail",
        "https://candidat.francetravail.fr/offres/recherche/detail/185QKWT",
    )
    partner = how_to_apply(an_offer(origin="partner", origin_url="https://jobs.example/1"))
    assert (partner.channel.value, partner.url) == ("partner", "https://jobs.example/1")


def test_a_feed_address_that_is_not_a_web_page_is_never_linked() -> None:
    said = how_to_apply(an_offer(origin_url="javascript:alert(1)"))
    assert said.url == "https://candidat.francetravail.fr/offres/recherche/detail/185QKWT"


def test_an_employers_offer_is_applied_to_through_tremplin() -> None:
    said = how_to_apply(an_offer(origin="employer", employer_id="e-1"))
    assert (said.channel.value, said.url) == ("tremplin", None)


def test_what_a_seeker_lacks_is_what_the_offer_requires_and_their_profile_does_not_say() -> None:
    missing = missing_for(an_offer(), a_profile())

    assert [(m.kind, m.label) for m in missing] == [
        ("language", "en"),
        ("driving_licence", "B"),
        ("experience", "24"),
    ]  # the skill matches whatever its case; a wished skill is not missing
    assert missing_for(an_offer(experience_required="S"), a_profile(languages=["EN"])) == [
        m for m in missing_for(an_offer(), a_profile()) if m.kind == "driving_licence"
    ]


def test_the_details_name_the_commune_and_give_a_seeker_the_distance_from_home() -> None:
    view = OfferView(offer=an_offer(), version=1, status="closed", closed_reason="filled")

    for_seeker = details_of(view, NAMES, a_profile())
    for_anyone = details_of(view, NAMES)

    assert for_seeker.commune_name == "Villeurbanne"
    assert for_seeker.distance_from_home_km == pytest.approx(3.9, abs=0.5)
    assert for_seeker.status.value == "closed"
    assert (for_anyone.distance_from_home_km, for_anyone.missing) == (None, None)
    assert details_of(for_seeker, NAMES).commune_name == "Villeurbanne"  # a details is a view


FIRST_VISIT = {
    "q": "",
    "rome": "K2204",
    "commune": "Lyon",
    "radius_km": "15",
    "min_salary_eur": "",
    "contract": [],
}


def test_a_first_visit_searches_the_seekers_occupation_around_home() -> None:
    search = read_search({}, NAMES, "fr", FIRST_VISIT)

    assert not search.errors
    assert search.params == {
        "page": 1,
        "page_size": 10,
        "rome": ["K2204"],
        "commune": "69123",
        "radius_km": 15,
    }


def test_the_search_takes_a_communes_name_and_says_what_to_fix() -> None:
    found = read_search(
        {"commune": ["Saint-Étienne"], "q": ["agent"], "contract": ["CDD", "XYZ"], "page": ["2"]},
        NAMES,
        "fr",
        FIRST_VISIT,
    )
    wrong = read_search(
        {"commune": ["Atlantis"], "min_salary_eur": ["12,5"]}, NAMES, "en", FIRST_VISIT
    )
    too_far = read_search({"commune": ["69123"], "radius_km": ["900"]}, NAMES, "fr", FIRST_VISIT)

    assert found.params["commune"] == "42218"
    assert found.params["contract"] == ["CDD"]
    assert (found.params["q"], found.page) == ("agent", 2)
    assert "rome" not in found.params  # a submitted form without an occupation: any
    assert set(wrong.errors) == {"commune", "min_salary_eur"}
    assert "Unknown commune" in wrong.errors["commune"]
    assert set(too_far.errors) == {"radius_km"}


def test_page_links_keep_the_search() -> None:
    link = page_link({"q": "agent", "commune": "Lyon", "contract": ["CDI"]}, 3)
    assert link == (
        "/app/offers?q=agent&rome=&commune=Lyon&radius_km=&min_salary_eur=&contract=CDI&page=3"
    )


@pytest.mark.parametrize(
    ("status", "detail", "key"),
    [
        (409, "You already applied to this company in the last 90 days", "apply_already"),
        (409, "This company no longer takes spontaneous applications.", "apply_closed_company"),
        (429, "You sent 5 applications today", "apply_too_many"),
        (404, "No company with SIRET 1.", "apply_unknown_company"),
        (422, "message: too long", "apply_failed"),
    ],
)
def test_a_refused_application_is_told_in_plain_words(status: int, detail: str, key: str) -> None:
    assert refusal_key(HTTPException(status, detail)) == key


@pytest.mark.parametrize(
    ("salary", "lang", "shown"),
    [
        ({"min_monthly_eur": 1850, "max_monthly_eur": 1850}, "fr", "1\u202f850 € brut par mois"),
        (
            {"min_monthly_eur": 1800, "max_monthly_eur": 2000},
            "en",
            "€1,800 to €2,000 gross a month",
        ),
        ({"min_monthly_eur": 1800}, "fr", "à partir de 1\u202f800 € brut par mois"),
        (
            {"text": "Mensuel de 1850.00 Euros", "min_monthly_eur": 1850, "max_monthly_eur": 1850},
            "en",
            "€1,850 gross a month (Mensuel de 1850.00 Euros)",
        ),
        ({"text": "Selon profil"}, "fr", "Selon profil"),
        ({}, "fr", None),
    ],
)
def test_the_salary_reads_in_the_pages_words_then_the_employers(
    salary: dict[str, Any], lang: str, shown: str | None
) -> None:
    view = OfferView(offer=an_offer(salary=salary), version=1, status="open")
    assert salary_in(lang, details_of(view, NAMES)) == shown
