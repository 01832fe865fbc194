"""`tremplin backup`: a dump and its restore through the CLI, and the consumer groups moved back
to the dump's moment, only when told to, and never forward."""

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from contracts import PROFILE_UPDATED, topic_name
from servicekit.settings import KafkaSettings, MongoSettings

pytestmark = pytest.mark.integration


def partition(kafka: KafkaSettings) -> TopicPartition:
    return TopicPartition(topic_name(PROFILE_UPDATED, kafka.topic_suffix), 0)


async def publish(kafka: KafkaSettings, count: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
    await producer.start()
    try:
        for _ in range(count):
            await producer.send_and_wait(partition(kafka).topic, b"{}", key=b"k", partition=0)
    finally:
        await producer.stop()


async def commit(kafka: KafkaSettings, group: str, offset: int) -> None:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap_servers, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign([partition(kafka)])
        await consumer.commit({partition(kafka): offset})
    finally:
        await consumer.stop()


async def committed(kafka: KafkaSettings, group: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group, partitions=[partition(kafka)])
        return int(offsets[partition(kafka)].offset)
    finally:
        await admin.close()


def dump_options(mongo: MongoSettings, run_id: str) -> list[str]:
    return ["--mongo-url", mongo.url, "--prefix", f"test_{run_id}"]


async def test_the_groups_go_back_to_their_offsets_at_the_dumps_start(
    kafka: KafkaSettings, mongo: MongoSettings, run_id: str, tmp_path: Path, tremplin: Any
) -> None:
    await publish(kafka, 2)
    await commit(kafka, f"recommender-{run_id}", 2)  # had applied both when the dump started
    await commit(kafka, f"notifier-{run_id}", 1)  # was one behind
    dumped = await tremplin(
        "backup", "dump", str(tmp_path), *dump_options(mongo, run_id), kafka=kafka
    )
    assert dumped.exit_code == 0, dumped.output
    await asyncio.sleep(0.05)
    await publish(kafka, 3)
    await commit(kafka, f"recommender-{run_id}", 5)
    await commit(kafka, f"notifier-{run_id}", 5)
    await commit(kafka, f"companies-{run_id}", 5)  # a group born after the dump
    await commit(kafka, f"trainings-{run_id}", 1)  # born after it, still behind T

    dry = await tremplin("backup", "rewind", "--from", str(tmp_path), kafka=kafka)

    assert dry.exit_code == 1, dry.output
    assert "Nothing done" in dry.stdout
    assert await committed(kafka, f"recommender-{run_id}") == 5

    done = await tremplin("backup", "rewind", "--from", str(tmp_path), "--yes", kafka=kafka)

    assert done.exit_code == 0, done.output
    assert await committed(kafka, f"recommender-{run_id}") == 2
    assert await committed(kafka, f"notifier-{run_id}") == 1
    assert await committed(kafka, f"companies-{run_id}") == 2  # the first event after T
    assert await committed(kafka, f"trainings-{run_id}") == 1  # never forward
    assert "re-read 10 events" in done.stdout


async def test_a_rewind_to_a_datetime_takes_the_first_event_after_it(
    kafka: KafkaSettings, run_id: str, tremplin: Any
) -> None:
    await publish(kafka, 2)
    await asyncio.sleep(0.05)
    moment = datetime.now(UTC)
    await asyncio.sleep(0.05)
    await publish(kafka, 2)
    await commit(kafka, f"recommender-{run_id}", 4)

    done = await tremplin(
        "backup",
        "rewind",
        "--to",
        moment.strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "--yes",
        "--json",
        kafka=kafka,
    )

    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["events"] == 2
    assert await committed(kafka, f"recommender-{run_id}") == 2


async def test_a_dump_comes_back_through_restore_only_with_yes(
    kafka: KafkaSettings, mongo: MongoSettings, run_id: str, tmp_path: Path, tremplin: Any
) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo.url)
    database = client[f"test_{run_id}"]
    try:
        await database["things"].insert_many([{"_id": n, "n": n} for n in range(10)])
        dumped = await tremplin(
            "backup",
            "dump",
            str(tmp_path),
            "--gzip",
            "--json",
            *dump_options(mongo, run_id),
            kafka=kafka,
        )
        assert dumped.exit_code == 0, dumped.output
        assert json.loads(dumped.stdout)["databases"] == {f"test_{run_id}": 10}
        await database["things"].delete_many({"n": {"$gte": 5}})

        dry = await tremplin("backup", "restore", str(tmp_path), "--mongo-url", mongo.url)
        assert dry.exit_code == 1, dry.output
        assert await database["things"].count_documents({}) == 5

        done = await tremplin(
            "backup", "restore", str(tmp_path), "--mongo-url", mongo.url, "--yes", "--json"
        )
        assert done.exit_code == 0, done.output
        assert json.loads(done.stdout)["documents"] == 10
        assert await database["things"].count_documents({}) == 10
        again = await tremplin("backup", "dump", str(tmp_path), *dump_options(mongo, run_id))
        assert again.exit_code == 2
        assert "not empty" in again.output
    finally:
        await client.close()
