"""The answers for apps say each reason in the reader's language (match reasons' `text`) or in
both (companies' and trainings' `fr` and `en`), naming occupations and sectors, from the codes
and figures the services give."""

from typing import Any

import httpx
from testkit.builders import GAP, company_in_reach, stored_profile, training_session

from refdata import Names

NAMES = Names(
    occupations={"D1212": "Vente en décoration", "A1410": "Élevage ovin ou caprin"},
    communes={"05061": "GAP"},
    sectors={"4759A": "Commerce de détail de meubles"},
)
COMPANIES = {
    "items": [
        company_in_reach(
            hiring_flags=["junior"],
            reasons=[
                {
                    "code": "sector_hires",
                    "params": {
                        "rome_code": "D1212",
                        "naf": "4759A",
                        "share_pct": 75,
                        "expected_hires": 3.5,
                    },
                    "fr": "",
                    "en": "",
                },
                {"code": "distance", "params": {"distance_km": 0.4}, "fr": "", "en": ""},
                {"code": "flag_junior", "params": {}, "fr": "", "en": ""},
            ],
        )
    ],
    "total_in_reach": 1,
}
PROPOSALS = [
    {
        "session": training_session(title="Permis B", city=None),
        "distance_km": 2.0,
        "fills": "licence_missing",
        "reasons": [
            {
                "code": "session",
                "params": {"commune_code": "05061", "distance_km": 2, "starts_on": "2027-02-01"},
                "fr": "",
                "en": "",
            },
            {"code": "no_rome_code", "params": {"formacodes": "31812"}, "fr": "", "en": ""},
        ],
    }
]
PROFILE = stored_profile(
    place=GAP, radius_km=30, occupations=[{"rome_code": "A1410", "priority": 1}]
)
SUGGESTIONS = [
    {
        "offer_id": "o-1",
        "score": 0.8,
        "reasons": [{"code": "occupation_exact", "params": {"rome_code": "A1410"}, "text": "…"}],
        "missing": [
            {"code": "licence_missing", "params": {"count": 1, "licences": "B"}, "fr": "", "en": ""}
        ],
    }
]


async def test_companies_come_with_their_reasons_in_french_and_english(
    client: httpx.AsyncClient, gateway: Any, token_for: Any, answering: Any
) -> None:
    await answering({"companies": (200, COMPANIES)})
    gateway.state.names = NAMES

    response = await client.get("/v1/me/companies", headers=token_for("s-1", "seeker"))

    assert response.status_code == 200, response.text
    reasons = response.json()["items"][0]["reasons"]
    assert [r["fr"] for r in reasons] == [
        "Le secteur « Commerce de détail de meubles » recrute beaucoup en Vente en décoration "
        "(75 % de ses embauches) ; environ 4 embauches attendues ici",
        "À 0,4 km de chez vous",
        "Cette entreprise recrute des débutants",
    ]
    assert [r["en"] for r in reasons] == [
        "The sector “Commerce de détail de meubles” hires many people in Vente en décoration "
        "(75% of its hires); about 4 hires expected here",
        "0.4 km from home",
        "This company hires people starting out",
    ]
    assert reasons[1]["params"] == {"distance_km": 0.4}


async def test_trainings_come_with_their_reasons_in_french_and_english(
    client: httpx.AsyncClient, gateway: Any, token_for: Any, answering: Any
) -> None:
    await answering(
        {
            "profiles": (200, PROFILE),
            "recommender": (200, SUGGESTIONS),
            "trainings": (200, PROPOSALS),
        }
    )
    gateway.state.names = NAMES

    response = await client.get("/v1/me/trainings", headers=token_for("s-1", "seeker"))

    assert response.status_code == 200, response.text
    reasons = response.json()[0]["reasons"]
    assert [r["fr"] for r in reasons] == [
        "Cette formation à Gap (2 km) commence le 01/02/2027.",
        "L'organisme n'indique pas de métier (code ROME) : proposée d'après son intitulé et ses "
        "codes (FORMACODE 31812).",
    ]
    assert [r["en"] for r in reasons] == [
        "This training in Gap (2 km) starts on 1 February 2027.",
        "The body gives no occupation (ROME code): proposed from its title and codes "
        "(FORMACODE 31812).",
    ]


async def test_a_counsellor_reads_a_seekers_suggestions_in_the_counsellors_language(
    client: httpx.AsyncClient, gateway: Any, token_for: Any, answering: Any
) -> None:
    await answering({"recommender": (200, SUGGESTIONS)})
    gateway.state.names = NAMES
    headers = {**token_for("c-1", "counsellor"), "Accept-Language": "en"}

    response = await client.get("/v1/caseload/s-1/recommendations", headers=headers)

    assert response.status_code == 200, response.text
    [suggestion] = response.json()
    assert suggestion["reasons"][0]["text"] == (
        "This is the occupation you look for: Élevage ovin ou caprin."
    )
    assert suggestion["missing"][0]["text"] == (
        "Driving licence asked for that your profile does not mention: B."
    )
