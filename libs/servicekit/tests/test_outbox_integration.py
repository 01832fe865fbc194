"""The outbox relay against the real FerretDB and Kafka: nothing lost under concurrent writes."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from contracts import PROFILE_DELETED, ProfileDeleted, decode, new_envelope
from servicekit.broker import make_broker
from servicekit.locks import KeyedLocks
from servicekit.outbox import PENDING, OutboxRelay, outbox_entry
from servicekit.settings import KafkaSettings, MongoSettings
from servicekit.testing import eventually, read_records

pytestmark = pytest.mark.integration


def event(seeker: str) -> dict[str, Any]:
    payload = ProfileDeleted(seeker_id=seeker, deleted_at=datetime.now(UTC))
    return outbox_entry(new_envelope(payload, producer="test"), PROFILE_DELETED)


async def test_events_written_while_the_relay_runs_are_all_published_once(
    kafka: KafkaSettings, mongo: MongoSettings, run_id: str
) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo.url)
    collection = client[f"test_{run_id}"]["documents"]
    locks = KeyedLocks()
    broker = make_broker(kafka, "test")
    relay = OutboxRelay(collection, broker, kafka.topic_suffix, document_locks=locks)
    await collection.insert_many([{"_id": f"d{i}", "outbox": []} for i in range(20)])
    written: list[str] = []

    async def writer(doc: str) -> None:
        for _ in range(10):
            entry = event(doc)
            async with locks.hold([doc]):
                await collection.update_one({"_id": doc}, {"$push": {"outbox": entry}})
            written.append(entry["event_id"])
            relay.wake()
            await asyncio.sleep(0)

    async with broker:
        await broker.start()
        running = asyncio.create_task(relay.run())
        await asyncio.gather(*(writer(f"d{i}") for i in range(20)))
        assert await eventually(lambda: collection.count_documents(PENDING), 0, 30) == 0
        running.cancel()
    records = await read_records(kafka, PROFILE_DELETED, 200)
    await client.close()

    published = [str(decode(r.value, ProfileDeleted).event_id) for r in records]
    assert sorted(published) == sorted(written)
