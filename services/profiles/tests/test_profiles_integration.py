"""The profiles service against the real Kafka broker and FerretDB."""

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from contracts import PROFILE_UPDATED, ProfileUpdated, decode
from profiles.config import Settings
from profiles.main import create_app
from servicekit.outbox import PENDING
from servicekit.settings import KafkaSettings, MongoSettings
from servicekit.testing import eventually, header, read_records

ProfileBuilder = Callable[..., dict[str, Any]]


pytestmark = pytest.mark.integration


@pytest.fixture
async def app(kafka: KafkaSettings, mongo: MongoSettings, run_id: str) -> AsyncIterator[FastAPI]:
    app = create_app(Settings(kafka=kafka, mongo=mongo, database=f"test_{run_id}"))
    async with LifespanManager(app):
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://profiles") as client:
        yield client


async def test_a_new_profile_is_published_without_contact_data(
    client: httpx.AsyncClient, kafka: KafkaSettings, a_profile: ProfileBuilder
) -> None:
    response = await client.put("/seekers/s-1/profile", json=a_profile())

    assert response.status_code == 201
    [record] = await read_records(kafka, PROFILE_UPDATED, 1)
    event = decode(record.value, ProfileUpdated)
    assert record.key == b"s-1"
    assert event.payload.seeker_id == "s-1"
    assert event.payload.version == 1
    assert event.payload.occupations[0].rome_code == "K2204"
    assert header(record, "event_id") == str(event.event_id)
    for personal in (b"Amina", b"Diallo", b"amina.diallo@example.org", b"12 34 56 78"):
        assert personal not in record.value


async def test_only_material_changes_publish(
    client: httpx.AsyncClient, kafka: KafkaSettings, a_profile: ProfileBuilder
) -> None:
    await client.put("/seekers/s-2/profile", json=a_profile())
    same_again = await client.put("/seekers/s-2/profile", json=a_profile())
    new_phone = a_profile(
        contact={"first_name": "Amina", "last_name": "Diallo", "phone": "0700000000"}
    )
    contact_only = await client.put("/seekers/s-2/profile", json=new_phone)
    wider = await client.put("/seekers/s-2/profile", json=a_profile(radius_km=40))

    assert [same_again.json()["version"], contact_only.json()["version"]] == [1, 1]
    assert wider.json()["version"] == 2
    records = await read_records(kafka, PROFILE_UPDATED, 2)
    versions = [decode(r.value, ProfileUpdated).payload.version for r in records]
    assert versions == [1, 2]
    with pytest.raises(AssertionError, match="got 2"):
        await read_records(kafka, PROFILE_UPDATED, 3, timeout_s=2)


async def test_the_stored_profile_reads_back(
    client: httpx.AsyncClient, a_profile: ProfileBuilder
) -> None:
    await client.put("/seekers/s-3/profile", json=a_profile())

    response = await client.get("/seekers/s-3/profile")

    assert response.status_code == 200
    assert response.json()["profile"]["contact"]["last_name"] == "Diallo"
    assert (await client.get("/seekers/nobody/profile")).status_code == 404


async def test_a_crash_between_publish_and_removal_publishes_again_with_the_same_id(
    app: FastAPI, client: httpx.AsyncClient, kafka: KafkaSettings, a_profile: ProfileBuilder
) -> None:
    relay = app.state.relay
    crashes: list[list[str]] = []

    async def crash_once(event_ids: list[str]) -> None:
        if not crashes:
            crashes.append(event_ids)
            raise RuntimeError("relay killed after publishing, before removing")

    relay.after_publish = crash_once
    await client.put("/seekers/s-4/profile", json=a_profile())

    first, second = await read_records(kafka, PROFILE_UPDATED, 2)

    assert len(crashes) == 1
    assert first.value == second.value
    assert (
        decode(first.value, ProfileUpdated).event_id
        == decode(second.value, ProfileUpdated).event_id
    )
    assert await eventually(lambda: relay.collection.count_documents(PENDING)) == 0
