"""The paths to the services: suggestions said in the reader's language, reused internal tokens."""

from typing import Any

import httpx
import pytest

from gateway.config import Settings
from gateway.upstream import Upstreams
from servicekit.auth import InternalAuthSettings, Principal, Role, read_internal_token

SUGGESTIONS = {
    "offer_id": "o-1",
    "score": 0.9,
    "reasons": [
        {"code": "distance_within_radius", "params": {"distance_km": 3.5, "radius_km": 10}},
        {"code": "a_code_of_tomorrow", "params": {}, "text": "Une raison de demain."},
    ],
    "missing": [{"code": "contract_not_wished", "params": {"contract_type": "CDD"}, "text": ""}],
}


def upstreams_answering(answer: Any) -> tuple[Upstreams, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer(request)

    upstreams = Upstreams(Settings(upstream_retries=0))
    upstreams.clients["recommender"] = httpx.AsyncClient(
        transport=httpx.MockTransport(handle), base_url="http://recommender"
    )
    return upstreams, seen


@pytest.mark.parametrize(
    ("accept_language", "said"),
    [
        (
            "en-GB,en;q=0.9",
            [
                "The job is 3.5 km from home, within the 10 km you accept.",
                "Another part of your profile was taken into account.",
                "It is a fixed-term contract, which you did not ask for.",
            ],
        ),
        (
            None,
            [
                "Le poste est à 3,5 km de chez vous, dans les 10 km que vous acceptez.",
                "Un autre élément de votre profil a été pris en compte.",
                "C'est un CDD, que vous n'avez pas demandé.",
            ],
        ),
    ],
)
async def test_suggestions_reach_the_seeker_with_their_reasons_in_their_language(
    client: httpx.AsyncClient,
    gateway: Any,
    token_for: Any,
    accept_language: str | None,
    said: list[str],
) -> None:
    upstreams, seen = upstreams_answering(lambda r: httpx.Response(200, json=[SUGGESTIONS]))
    gateway.state.upstreams = upstreams
    headers = token_for("s-1", "seeker")
    if accept_language:
        headers["Accept-Language"] = accept_language

    response = await client.get("/v1/me/recommendations", headers=headers)

    assert response.status_code == 200
    [suggestion] = response.json()
    reasons = suggestion["reasons"] + suggestion["missing"]
    assert [r["text"] for r in reasons] == said
    assert [r["code"] for r in reasons] == [
        "distance_within_radius",
        "a_code_of_tomorrow",
        "contract_not_wished",
    ]
    assert reasons[0]["params"] == {"distance_km": 3.5, "radius_km": 10}
    assert seen[0].url.path == "/seekers/s-1/recommendations"
    await upstreams.close()


@pytest.mark.parametrize(("upstream", "expected"), [(404, 404), (403, 403), (500, 502)])
async def test_an_upstream_error_is_not_relayed_as_it_is(
    client: httpx.AsyncClient, gateway: Any, token_for: Any, upstream: int, expected: int
) -> None:
    upstreams, _ = upstreams_answering(
        lambda r: httpx.Response(upstream, json={"detail": "No suggestions for this seeker."})
    )
    gateway.state.upstreams = upstreams

    response = await client.get("/v1/me/recommendations", headers=token_for("s-1", "seeker"))

    assert response.status_code == expected
    assert "internal" not in response.text.lower()
    await upstreams.close()


async def test_an_internal_token_is_reused_then_renewed(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("gateway.upstream.time.monotonic", lambda: now[0])
    upstreams = Upstreams(Settings(internal_auth=InternalAuthSettings(token_ttl_s=60)))
    seeker, other = Principal(sub="s-1", role=Role.SEEKER), Principal(sub="s-2", role=Role.SEEKER)

    first = upstreams._headers(seeker)
    now[0] += 29
    again = upstreams._headers(seeker)
    theirs = upstreams._headers(other)
    now[0] += 2
    renewed = upstreams._headers(seeker)

    assert first == again
    assert read_internal_token(theirs["Authorization"][7:], InternalAuthSettings()).sub == "s-2"
    assert read_internal_token(renewed["Authorization"][7:], InternalAuthSettings()).sub == "s-1"
    assert upstreams._tokens[("s-1", "seeker", None)][1] == 1031.0 + 30
    await upstreams.close()
