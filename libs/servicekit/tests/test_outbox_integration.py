"""The outbox relay against the real FerretDB and Kafka: nothing lost under concurrent writes."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from testkit.stack import eventually, read_records

from contracts import PROFILE_DELETED, ProfileDeleted, decode, new_envelope
from servicekit.broker import make_broker
from servicekit.data import Database
from servicekit.outbox import PENDING, OutboxRelay, outbox_entry
from servicekit.settings import KafkaSettings, MongoSettings

pytestmark = pytest.mark.integration


def event(seeker: str) -> dict[str, Any]:
    payload = ProfileDeleted(seeker_id=seeker, deleted_at=datetime.now(UTC))
    return outbox_entry(new_envelope(payload, producer="test"), PROFILE_DELETED)


@pytest.mark.parametrize("named", [False, True], ids=["scanning", "named"])
async def test_events_written_while_the_relay_runs_are_all_published_once(
    kafka: KafkaSettings, mongo: MongoSettings, run_id: str, named: bool
) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo.url)
    documents = (await Database.open(client[f"test_{run_id}"])).documents("documents")
    collection = documents.raw
    broker = make_broker(kafka, "test")
    relay = OutboxRelay(documents, broker, kafka.topic_suffix)
    await collection.insert_many([{"_id": f"d{i}", "outbox": []} for i in range(20)])
    written: list[str] = []

    async def writer(doc: str) -> None:
        for _ in range(10):
            entry = event(doc)
            await documents.update(doc, {"$push": {"outbox": entry}})
            written.append(entry["event_id"])
            relay.wake([doc] if named else None)
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


async def test_a_relay_publishes_what_a_crash_left_unnamed_then_reads_only_named_documents(
    kafka: KafkaSettings, mongo: MongoSettings, run_id: str
) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo.url)
    documents = (await Database.open(client[f"test_{run_id}"])).documents("documents")
    collection = documents.raw
    left = [event(f"crashed{i}") for i in range(3)]
    # Written by a process that died before naming the documents to its relay.
    await collection.insert_many([{"_id": f"crashed{i}", "outbox": [left[i]]} for i in range(3)])
    broker = make_broker(kafka, "test")
    relay = OutboxRelay(documents, broker, kafka.topic_suffix, sweep_interval_s=3600)
    async with broker:
        await broker.start()
        running = asyncio.create_task(relay.run())
        relay.wake([])
        assert await eventually(lambda: collection.count_documents(PENDING), 0, 30) == 0
        named, unnamed = event("named"), event("unnamed")
        await collection.insert_many(
            [{"_id": "named", "outbox": [named]}, {"_id": "unnamed", "outbox": [unnamed]}]
        )
        relay.wake(["named"])
        assert await eventually(lambda: collection.count_documents(PENDING), 1, 30) == 1
        await asyncio.sleep(1.5)  # three poll intervals: the unnamed one still waits for a sweep
        running.cancel()
    records = await read_records(kafka, PROFILE_DELETED, 4)
    still = await collection.find_one({"_id": "unnamed"})
    await client.close()

    published = [str(decode(r.value, ProfileDeleted).event_id) for r in records]
    assert sorted(published) == sorted([e["event_id"] for e in left] + [named["event_id"]])
    assert still is not None
    assert still["outbox"] == [unnamed]
