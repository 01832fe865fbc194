"""The trainings routes: what the gateway gathers for the proposals, and the import's body."""

import json
from typing import Any

import httpx

from gateway.config import Settings
from gateway.upstream import Upstreams

PROFILE = {
    "profile": {
        "place": {"commune_code": "05061", "latitude": 44.58, "longitude": 6.06},
        "radius_km": 30,
        "occupations": [{"rome_code": "A1410", "priority": 1}],
    }
}
SUGGESTIONS = [
    {"offer_id": "o-1", "score": 0.8, "missing": [{"code": "licence_missing", "text": "…"}]},
    {"offer_id": "o-2", "score": 0.5, "missing": []},
]


def mocked(answers: dict[str, Any]) -> tuple[Upstreams, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    upstreams = Upstreams(Settings(upstream_retries=0))
    for name, answer in answers.items():

        def handle(request: httpx.Request, answer: Any = answer) -> httpx.Response:
            seen.append(request)
            return httpx.Response(200, json=answer)

        upstreams.clients[name] = httpx.AsyncClient(
            transport=httpx.MockTransport(handle), base_url=f"http://{name}"
        )
    return upstreams, seen


async def test_the_proposals_get_the_seekers_place_targets_and_near_matches_only(
    client: httpx.AsyncClient, gateway: Any, token_for: Any
) -> None:
    upstreams, seen = mocked({"profiles": PROFILE, "recommender": SUGGESTIONS, "trainings": []})
    gateway.state.upstreams = upstreams

    response = await client.get("/v1/me/trainings", headers=token_for("s-1", "seeker"))

    assert response.status_code == 200, response.text
    assert response.json() == []
    [asked] = [r for r in seen if r.url.path == "/trainings/proposals"]
    assert json.loads(asked.content) == {
        "seeker_id": "s-1",
        "latitude": 44.58,
        "longitude": 6.06,
        "radius_km": 30,
        "occupations": ["A1410"],
        "near_matches": [
            {"score": 0.8, "missing": ["licence_missing"]},
            {"score": 0.5, "missing": []},
        ],
    }
    assert {r.url.path for r in seen} >= {"/seekers/s-1/profile", "/seekers/s-1/recommendations"}
    await upstreams.close()


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
