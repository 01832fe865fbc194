"""The fast paths to the services: relayed bytes, reused internal tokens."""

from typing import Any

import httpx
import pytest

from gateway.config import Settings
from gateway.upstream import Upstreams
from servicekit.auth import InternalAuthSettings, Principal, Role, read_internal_token

SUGGESTIONS = b'[{"offer_id":"o-1","score":0.9,"reasons":[{"code":"x","text":"\\u00e9t\\u00e9"}]}]'


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


async def test_suggestions_reach_the_seeker_byte_for_byte(
    client: httpx.AsyncClient, gateway: Any, token_for: Any
) -> None:
    upstreams, seen = upstreams_answering(lambda r: httpx.Response(200, content=SUGGESTIONS))
    gateway.state.upstreams = upstreams

    response = await client.get("/v1/me/recommendations", headers=token_for("s-1", "seeker"))

    assert response.status_code == 200
    assert response.content == SUGGESTIONS
    assert response.headers["content-type"] == "application/json"
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
