"""An erased seeker leaves Kafka: their dead letters are tombstoned and compacted away, a
tombstone on a compacted topic is skipped by the consumers, and the topics are compacted."""

import asyncio

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from testkit.stack import FailedRecord, eventually, header, read_records

from contracts import DEAD_LETTER, PROFILE_DELETED, PROFILE_UPDATED, topic_name
from servicekit.broker import dead_letters_of, make_broker, subscriber
from servicekit.dead_letter_erasure import erase_dead_letters, letters_naming
from servicekit.settings import KafkaSettings

pytestmark = pytest.mark.integration


async def test_an_erased_seekers_dead_letters_are_tombstoned_and_no_one_elses(
    kafka: KafkaSettings,
) -> None:
    broker = make_broker(kafka, "test")
    topic = topic_name(PROFILE_UPDATED, kafka.topic_suffix)
    async with broker:
        await broker.start()
        letters = dead_letters_of(broker)
        await letters.send(FailedRecord(topic, 0, 3, b"s-1", b"{broken"), "bad", "poison")
        await letters.send(FailedRecord(topic, 0, 4, b"s-1", b"{again"), "bad", "poison")
        await letters.send(FailedRecord(topic, 1, 9, b"s-12", b"{other"), "bad", "poison")
        # Keyed by something else, but naming the seeker in its value.
        keyless = FailedRecord(topic, 2, 1, None, b'{"seeker_id": "s-1", "x": 1}')
        await letters.send(keyless, "bad", "poison")

        written = await read_records(kafka, DEAD_LETTER, 4)
        assert {header(r, "x-original-key") for r in written} == {"s-1", "s-12", ""}
        assert len({r.key for r in written}) == 4, "every letter has a key of its own"

        assert await erase_dead_letters(kafka, broker, {"s-1"}) == 3
        assert await letters_naming(kafka, {"s-1"}) == set(), "each of them tombstoned"
        assert await erase_dead_letters(kafka, broker, {"s-1"}) == 0, "idempotent"

    after = await read_records(kafka, DEAD_LETTER, 7)
    tombstones = {r.key for r in after if r.value is None}
    assert tombstones == {r.key for r in written if r.value != b"{other"}
    assert await letters_naming(kafka, {"s-12"}) == {
        next(r.key for r in written if r.value == b"{other")
    }


async def test_a_tombstone_is_skipped_by_a_subscriber_and_is_no_poison(
    kafka: KafkaSettings,
) -> None:
    broker = make_broker(kafka, "test")
    topic = topic_name(PROFILE_DELETED, kafka.topic_suffix)
    seen: list[bytes | None] = []
    done = asyncio.Event()

    @subscriber(broker, topic, group_id=f"test{kafka.topic_suffix}")
    async def handle(body: bytes) -> None:
        seen.append(body)
        done.set()

    async with broker:
        await broker.start()
        await broker.publish(None, topic, key=b"s-1")
        await broker.publish(b"after", topic, key=b"s-1")
        await asyncio.wait_for(done.wait(), 30)
        assert dead_letters_of(broker).sent == 0
    assert seen == [b"after"]


async def cleanup_policies(kafka: KafkaSettings, names: list[str]) -> dict[str, str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        described = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name) for name in names]
        )
    finally:
        await admin.close()
    return {
        resource[3]: entry[1]
        for response in described
        for resource in response.resources
        for entry in resource[4]
        if entry[0] == "cleanup.policy"
    }


async def test_the_compacted_topics_are_created_compacted(kafka: KafkaSettings) -> None:
    names = [topic_name(b, kafka.topic_suffix) for b in (PROFILE_UPDATED, DEAD_LETTER)]
    expected = dict(zip(names, ["compact", "compact,delete"], strict=True))
    # A topic just created may not be described yet by the broker that answers.
    assert await eventually(lambda: cleanup_policies(kafka, names), expected) == expected
