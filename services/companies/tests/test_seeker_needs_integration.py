"""The companies service keeps each seeker's needs from profile-updated, ranks from them without
the gateway reading the profile, and forgets them for good on profile-deleted."""

from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from testkit.builders import METZ, profile_updated
from testkit.service_harness import bearer
from testkit.stack import eventually

from contracts import (
    PROFILE_DELETED,
    PROFILE_UPDATED,
    EventPayload,
    ProfileDeleted,
    ProfileUpdated,
    encode,
    new_envelope,
    topic_name,
)
from servicekit.auth import Role
from servicekit.broker import make_broker
from servicekit.settings import KafkaSettings

pytestmark = pytest.mark.integration


def profile(seeker_id: str, version: int, rome_code: str = "D1212") -> ProfileUpdated:
    occupations = [{"rome_code": rome_code, "priority": 1}]
    return profile_updated(seeker_id, version, occupations=occupations, place=METZ, radius_km=20)


async def test_needs_from_events_serve_the_seeker_and_an_erasure_is_final(
    app: FastAPI, client: httpx.AsyncClient, kafka: KafkaSettings
) -> None:
    headers = bearer(Role.SEEKER, "s-1")
    broker = make_broker(kafka, "test")

    async def send(payload: EventPayload, base: str) -> None:
        envelope = new_envelope(payload, producer="test")
        await broker.publish(
            encode(envelope), topic_name(base, kafka.topic_suffix), key=envelope.key.encode()
        )

    async with broker:
        await broker.start()
        unknown = await client.get("/companies/for-seeker/s-1", headers=headers)
        assert unknown.status_code == 404, unknown.text

        await send(profile("s-1", 2), PROFILE_UPDATED)
        await send(profile("s-1", 1, rome_code="K2204"), PROFILE_UPDATED)  # older: ignored

        async def served() -> int:
            answer = await client.get("/companies/for-seeker/s-1?limit=5", headers=headers)
            return answer.status_code

        assert await eventually(served, 200, timeout_s=30) == 200
        found = (await client.get("/companies/for-seeker/s-1?limit=5", headers=headers)).json()
        asked = {
            "seeker_id": "s-1",
            "occupations": ["D1212"],
            "latitude": METZ["latitude"],
            "longitude": METZ["longitude"],
            "radius_km": 20,
            "limit": 5,
        }
        long_way = await client.post("/companies/for-seeker", json=asked, headers=headers)
        assert found["items"], "the reference establishments of Metz hire D1212"
        assert [i["siret"] for i in found["items"]] == [
            i["siret"] for i in long_way.json()["items"]
        ]
        assert {i["rome_code"] for i in found["items"]} == {"D1212"}, "version 2, not 1"
        other = await client.get("/companies/for-seeker/s-2", headers=headers)
        assert other.status_code == 403, "a seeker asks for themselves only"

        await send(ProfileDeleted(seeker_id="s-1", deleted_at=datetime.now(UTC)), PROFILE_DELETED)
        assert await eventually(served, 404, timeout_s=30) == 404
        # A late profile-updated (still in its partition) does not bring the seeker back.
        await send(profile("s-1", 3), PROFILE_UPDATED)
        needs = app.state.seekers
        applied = await needs.remember([profile("s-1", 4)])
        assert applied == set()
        assert await eventually(served, 404, timeout_s=3) == 404
        assert await needs.seekers.get("s-1") is None
