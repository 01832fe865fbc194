"""Which trainings a seeker is proposed, and the words that say why."""

from datetime import date, timedelta
from typing import Any

from contracts import Place
from trainings.domain.proposals import NearMatch, Seeker, gaps, propose
from trainings.domain.session import Session

TODAY = date(2027, 1, 4)
METZ = Place(commune_code="57463", postcode="57000", latitude=49.1081, longitude=6.1955)
NANCY = Place(commune_code="54395", postcode="54000", latitude=48.6921, longitude=6.1844)
SEEKER = Seeker(latitude=49.12, longitude=6.18, radius_km=20, occupations=("N4101",))
NO_LICENCE = NearMatch(0.7, ("licence_missing",))


def a_session(**changes: Any) -> Session:
    facts: dict[str, Any] = {
        "id": "F1:A1:S1",
        "formation_id": "F1",
        "action_id": "A1",
        "title": "Permis de conduire B",
        "nsf_codes": ["311"],
        "place": METZ,
        "city": "Metz",
        "starts_on": TODAY + timedelta(days=8),
        "ends_on": TODAY + timedelta(days=12),
        "funding_possible": True,
        "funders": ["4"],
    }
    return Session.model_validate({**facts, **changes})


def test_a_seeker_missing_a_licence_on_most_near_matches_gets_a_licence_training_near_them() -> (
    None
):
    near = [NO_LICENCE, NO_LICENCE, NO_LICENCE, NearMatch(0.8, ())]

    [proposal] = propose(SEEKER, near, [a_session()], TODAY)

    assert proposal.fills == "licence_missing"
    assert [r.code for r in proposal.reasons] == [
        "gap_licence_missing",
        "session",
        "funding",
        "no_rome_code",
    ]
    assert [r.params for r in proposal.reasons] == [
        {"count": 3, "near": 4},
        {
            "commune_code": "57463",
            "city": "Metz",
            "distance_km": 2,
            "starts_on": "2027-01-12",
            "days": 5,
        },
        {"funders": "4"},
        {"nsf_codes": "311"},
    ]


def test_sessions_begun_full_or_beyond_the_radius_are_not_proposed() -> None:
    near = [NO_LICENCE, NO_LICENCE]
    sessions = [
        a_session(id="begun", starts_on=TODAY - timedelta(days=1)),
        a_session(id="today", starts_on=TODAY),
        a_session(id="no-start", starts_on=None),
        a_session(id="full", recruiting=False),
        a_session(id="far", place=NANCY),
        a_session(id="open"),
    ]

    assert [p.session.id for p in propose(SEEKER, near, sessions, TODAY)] == ["open"]


def test_a_gap_only_a_few_near_matches_share_proposes_nothing_when_suggestions_are_good() -> None:
    near = [NO_LICENCE] + [NearMatch(0.8, ())] * 4

    assert gaps(near) == []
    assert propose(SEEKER, near, [a_session()], TODAY) == []


def test_thin_suggestions_bring_trainings_towards_the_target_occupation() -> None:
    towards = a_session(
        id="driver",
        title="Titre professionnel conducteur livreur",
        rome_codes=["N4101"],
        nsf_codes=[],
        funders=[],
        funding_possible=False,
    )
    elsewhere = a_session(id="cook", title="Cuisine", rome_codes=["G1602"], nsf_codes=[])

    [proposal] = propose(SEEKER, [NearMatch(0.4, ())], [towards, elsewhere], TODAY)

    assert proposal.session.id == "driver"
    assert proposal.fills is None
    assert [r.code for r in proposal.reasons] == ["leads_to_target", "session"]  # no funding said


def test_gaps_come_first_then_the_nearest() -> None:
    near = [NO_LICENCE, NO_LICENCE, NearMatch(0.3, ())]
    target = a_session(id="target", title="Conducteur routier", rome_codes=["N4101"], nsf_codes=[])
    licence_far = a_session(id="licence-far", place=METZ.model_copy(update={"latitude": 49.2}))
    licence_near = a_session(id="licence-near")

    ranked = propose(SEEKER, near, [target, licence_far, licence_near], TODAY)

    assert [p.session.id for p in ranked] == ["licence-near", "licence-far", "target"]
