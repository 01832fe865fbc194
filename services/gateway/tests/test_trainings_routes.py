"""The trainings routes: what the gateway gathers for the proposals, and the import's body."""

import json
from typing import Any

import httpx
from testkit.builders import GAP, stored_profile

PROFILE = stored_profile(
    place=GAP, radius_km=30, occupations=[{"rome_code": "A1410", "priority": 1}]
)
SUGGESTIONS = [
    {"offer_id": "o-1", "score": 0.8, "missing": [{"code": "licence_missing", "text": "…"}]},
    {"offer_id": "o-2", "score": 0.5, "missing": []},
]


async def test_the_proposals_get_the_seekers_place_targets_and_near_matches_only(
    client: httpx.AsyncClient, token_for: Any, answering: Any
) -> None:
    seen = await answering(
        {"profiles": (200, PROFILE), "recommender": (200, SUGGESTIONS), "trainings": (200, [])}
    )

    response = await client.get("/v1/me/trainings", headers=token_for("s-1", "seeker"))

    assert response.status_code == 200, response.text
    assert response.json() == []
    [asked] = [r for r in seen if r.url.path == "/trainings/proposals"]
    assert json.loads(asked.content) == {
        "seeker_id": "s-1",
        "latitude": GAP["latitude"],
        "longitude": GAP["longitude"],
        "radius_km": 30,
        "occupations": ["A1410"],
        "near_matches": [
            {"score": 0.8, "missing": ["licence_missing"]},
            {"score": 0.5, "missing": []},
        ],
    }
    assert {r.url.path for r in seen} >= {"/seekers/s-1/profile", "/seekers/s-1/recommendations"}


async def test_an_import_in_another_media_type_gets_a_415_saying_which(
    client: httpx.AsyncClient, token_for: Any
) -> None:
    response = await client.post(
        "/v1/trainings/import",
        content=b"{}",
        headers={**token_for("ops-1", "operator"), "Content-Type": "application/json"},
    )

    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"
    assert "application/xml" in response.json()["detail"]


DECISION = {
    "seeker_id": "s-1",
    "session_id": "F1:A1:S1",
    "state": "recommended",
    "counsellor_id": "c-1",
    "note": "Allez-y",
    "reason": None,
    "decided_at": "2026-12-03T10:00:00Z",
}


async def test_a_recommendation_checks_the_caseload_then_sends_the_note(
    client: httpx.AsyncClient, token_for: Any, answering: Any
) -> None:
    seen = await answering({"profiles": (200, PROFILE), "trainings": (200, DECISION)})

    response = await client.post(
        "/v1/caseload/s-1/trainings/F1:A1:S1/recommend",
        json={"note": "Allez-y"},
        headers=token_for("c-1", "counsellor"),
    )

    assert response.status_code == 200, response.text
    assert response.json()["state"] == "recommended"
    assert [r.url.path for r in seen] == [
        "/seekers/s-1/profile",
        "/trainings/seekers/s-1/sessions/F1:A1:S1/recommendation",
    ]
    assert json.loads(seen[1].content) == {"note": "Allez-y"}


async def test_outside_the_caseload_nothing_is_recommended(
    client: httpx.AsyncClient, token_for: Any, answering: Any
) -> None:
    seen = await answering(
        {"profiles": (404, {"detail": "not yours"}), "trainings": (200, DECISION)}
    )

    response = await client.post(
        "/v1/caseload/s-9/trainings/F1:A1:S1/dismiss",
        json={"reason": "Non"},
        headers=token_for("c-1", "counsellor"),
    )

    assert response.status_code == 404
    assert [r.url.path for r in seen] == ["/seekers/s-9/profile"]


async def test_a_session_that_takes_no_more_trainees_is_a_409_saying_so(
    client: httpx.AsyncClient, token_for: Any, answering: Any
) -> None:
    closed = {"detail": "This session takes no more trainees (begun, full or closed)."}
    await answering({"profiles": (200, PROFILE), "trainings": (409, closed)})

    response = await client.post(
        "/v1/caseload/s-1/trainings/F1:A1:S1/recommend",
        json={},
        headers=token_for("c-1", "counsellor"),
    )

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "no more trainees" in response.json()["detail"]


async def test_a_note_over_a_thousand_characters_is_refused_before_anything_is_sent(
    client: httpx.AsyncClient, token_for: Any
) -> None:
    response = await client.post(
        "/v1/caseload/s-1/trainings/F1:A1:S1/recommend",
        json={"note": "x" * 1001},
        headers=token_for("c-1", "counsellor"),
    )

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["pointer"] == "/note"
