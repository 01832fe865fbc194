"""Limits, allow-lists, the access log and unavailable services, in front of a fake upstream."""

from typing import Any

import httpx
import pytest
from testkit.builders import profile_in

from gateway.config import Settings
from gateway.limits import TokenBuckets
from gateway.main import create_app
from gateway.upstream import Upstreams

PROFILE = profile_in()


async def test_responses_carry_only_allow_listed_fields(
    client: httpx.AsyncClient, token_for: Any
) -> None:
    response = await client.get("/v1/me/profile", headers=token_for("s-1", "seeker"))

    assert response.status_code == 200
    assert "secret_internal_field" not in response.text
    assert "fingerprint" not in response.text


async def test_a_seeker_cannot_set_their_counsellor_or_role(
    client: httpx.AsyncClient, token_for: Any
) -> None:
    me = token_for("s-1", "seeker")
    put = await client.put("/v1/me/profile", json={**PROFILE, "counsellor_id": "c-x"}, headers=me)
    patch = await client.patch("/v1/me/profile", json={"role": "operator"}, headers=me)

    assert put.status_code == 422
    assert put.headers["content-type"] == "application/problem+json"
    assert put.json()["errors"][0]["pointer"] == "/counsellor_id"
    assert put.json()["errors"][0]["message"] == "unknown field: remove it"
    assert patch.status_code == 422
    assert patch.json()["errors"][0]["field"] == "role"


async def test_the_seeker_sees_who_opened_their_file(
    client: httpx.AsyncClient, token_for: Any
) -> None:
    await client.get("/v1/caseload/s-1", headers=token_for("c-1", "counsellor"))
    await client.get("/v1/caseload/s-1/recommendations", headers=token_for("c-1", "counsellor"))
    await client.get("/v1/caseload/s-2", headers=token_for("c-1", "counsellor"))  # not theirs

    log = await client.get("/v1/me/access-log", headers=token_for("s-1", "seeker"))

    assert [(e["by"], e["what"]) for e in log.json()] == [
        ("c-1", "profile"),
        ("c-1", "recommendations"),
    ]
    assert (await client.get("/v1/me/access-log", headers=token_for("s-2", "seeker"))).json() == []


async def test_page_sizes_are_capped(client: httpx.AsyncClient, token_for: Any) -> None:
    response = await client.get(
        "/v1/me/notifications?page_size=1000", headers=token_for("s-1", "seeker")
    )

    assert response.status_code == 422
    problem = response.json()
    assert (problem["errors"][0]["location"], problem["errors"][0]["field"]) == (
        "query",
        "page_size",
    )
    assert "page_size" in problem["detail"]


async def test_a_large_body_is_refused_with_413(client: httpx.AsyncClient, token_for: Any) -> None:
    huge = {**PROFILE, "skills": ["x" * 1000] * 2000}

    response = await client.put("/v1/me/profile", json=huge, headers=token_for("s-1", "seeker"))

    assert response.status_code == 413
    assert "bytes" in response.json()["detail"]


@pytest.mark.parametrize(
    "settings", [Settings(dev_issuer=True, rate_per_token=1, burst_per_token=3)]
)
async def test_too_many_requests_get_429_with_retry_after(
    client: httpx.AsyncClient, token_for: Any
) -> None:
    token = token_for(
        "s-1", "seeker"
    )  # a client keeps its token (ECDSA signs differently each time)
    responses = [await client.get("/v1/me/access-log", headers=token) for _ in range(5)]
    other = await client.get("/v1/me/access-log", headers=token_for("s-2", "seeker"))

    assert [r.status_code for r in responses[3:]] == [429, 429]
    assert int(responses[4].headers["retry-after"]) >= 1
    assert other.status_code != 429


def test_token_buckets_refill_at_their_rate() -> None:
    buckets = TokenBuckets(rate=2, burst=2)

    assert [buckets.take("k", 0.0), buckets.take("k", 0.0)] == [0.0, 0.0]
    assert buckets.take("k", 0.0) == 0.5
    assert buckets.take("k", 0.6) == 0.0


async def test_a_service_that_is_down_gives_503_naming_it(token_for: Any) -> None:
    settings = Settings(dev_issuer=True, notifier_url="http://127.0.0.1:9", upstream_retries=1)
    app = create_app(settings)
    app.state.upstreams = Upstreams(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        response = await client.get("/v1/me/preferences", headers=token_for("s-1", "seeker"))
    await app.state.upstreams.close()

    assert response.status_code == 503
    assert "notifier" in response.json()["detail"]
    assert response.headers["retry-after"] == "5"
