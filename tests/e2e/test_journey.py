"""A seeker's journey through the gateway: profile, live alert, counsellor, feedback, erasure."""

import asyncio
import json
from dataclasses import astuple
from typing import Any

import httpx
import pytest
from fixture_types import FollowedSeeker, Forgotten, OfferPublished
from testkit.gateway_seekers import lyon_seeker

pytestmark = pytest.mark.e2e

AMINA = {"first_name": "Amina", "last_name": "Diallo", "email": "amina@example.org"}


async def first_event(
    client: httpx.AsyncClient,
    path: str,
    headers: dict[str, str],
    offer_id: str,
    ready: asyncio.Event,
) -> dict[str, Any]:
    """The first SSE event that names the offer."""
    async with client.stream("GET", path, headers=headers, timeout=httpx.Timeout(60)) as stream:
        assert stream.status_code == 200
        ready.set()
        data: list[str] = []
        async for line in stream.aiter_lines():
            if line.startswith("data:"):
                data.append(line[5:].strip())
            elif line == "" and data:
                payload = "\n".join(data)
                data = []
                if offer_id in payload:
                    return json.loads(payload)
    raise AssertionError("the stream ended before the alert came")


async def test_a_seeker_journey_through_the_gateway(
    gateway: httpx.AsyncClient,
    unique: str,
    followed_seeker: FollowedSeeker,
    offer_published: OfferPublished,
    forgotten: Forgotten,
) -> None:
    amina = await followed_seeker(f"s-{unique}", f"c-{unique}", lyon_seeker(AMINA))
    seeker_id, seeker, counsellor_id, counsellor = astuple(amina)
    await asyncio.sleep(2)  # the recommender learns of the seeker before the offer comes

    offer_id = f"E2E{unique.upper()}"
    listening = asyncio.Event()
    alert = asyncio.create_task(
        first_event(gateway, "/v1/me/notifications/stream", seeker, offer_id, listening)
    )
    await asyncio.wait_for(listening.wait(), 10)
    await offer_published(offer_id)

    event = await asyncio.wait_for(alert, 30)
    assert offer_id in json.dumps(event)
    assert "reasons" in json.dumps(event) or "raisons" in json.dumps(event).lower()

    suggestions = await gateway.get(f"/v1/caseload/{seeker_id}/recommendations", headers=counsellor)
    assert suggestions.status_code == 200, suggestions.text
    assert offer_id in suggestions.text
    # The reasons, from codes and figures, in the reader's language.
    english = await gateway.get(
        f"/v1/caseload/{seeker_id}/recommendations",
        headers={**counsellor, "Accept-Language": "en-GB,en;q=0.9"},
    )
    [theirs] = [s for s in english.json() if s["offer_id"] == offer_id]
    said_in_english = {r["code"]: r["text"] for r in theirs["reasons"]}
    assert said_in_english["distance_within_radius"].startswith("The job is ")
    [mine] = [
        s
        for s in (await gateway.get("/v1/me/recommendations", headers=seeker)).json()
        if s["offer_id"] == offer_id
    ]
    said_in_french = {r["code"]: r["text"] for r in mine["reasons"]}
    assert said_in_french["distance_within_radius"].startswith("Le poste est à ")

    said = await gateway.post(
        f"/v1/me/recommendations/{offer_id}/feedback", headers=seeker, json={"reason": "too_far"}
    )
    assert said.status_code == 201, said.text
    feedback = await gateway.get(f"/v1/caseload/{seeker_id}/feedback", headers=counsellor)
    assert "too_far" in feedback.text
    looked = await gateway.get("/v1/me/access-log", headers=seeker)
    assert {entry["by"] for entry in looked.json()} == {counsellor_id}

    erased = await gateway.delete("/v1/me", headers=seeker)
    assert erased.status_code == 204
    assert (await gateway.get("/v1/me/profile", headers=seeker)).status_code == 404
    await forgotten(seeker_id)
