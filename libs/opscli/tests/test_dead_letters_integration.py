"""Dead letters listed with their reasons, then replayed to their original topic exactly once."""

import json
from dataclasses import replace

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from testkit.stack import FailedRecord, header, read_records

from contracts import DEAD_LETTER, OFFER_PUBLISHED, PROFILE_DELETED, topic_name
from servicekit.broker import dead_letters_of, make_broker
from servicekit.settings import KafkaSettings

pytestmark = pytest.mark.integration


async def dead_letter(kafka: KafkaSettings, record: FailedRecord, reason: str) -> None:
    broker = make_broker(kafka, "recommender")
    async with broker:
        await broker.start()
        await dead_letters_of(broker).send(record, reason, "poison")


async def count(kafka: KafkaSettings, base: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers)
    await consumer.start()
    try:
        topic = topic_name(base, kafka.topic_suffix)
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
        return sum(ends[tp] - starts[tp] for tp in partitions)
    finally:
        await consumer.stop()


# Records as consumers held them, on base topics: `of_this_run` names the run's topic.
AN_OFFER = FailedRecord(
    OFFER_PUBLISHED,
    1,
    41,
    b"offer-1",
    b'{"event_type": "offer-published", "payload": {}}',
    [("event_id", b"e-offer-1"), ("content-type", b"application/json")],
)
A_DELETION = FailedRecord(
    PROFILE_DELETED, 0, 7, b"seeker-9", b"{not json", [("event_id", b"e-deleted-9")]
)


def of_this_run(kafka: KafkaSettings, record: FailedRecord) -> FailedRecord:
    return replace(record, topic=topic_name(record.topic, kafka.topic_suffix))


async def test_list_shows_where_each_dead_letter_came_from_and_why(
    kafka: KafkaSettings, tremplin
) -> None:
    await dead_letter(
        kafka, of_this_run(kafka, AN_OFFER), "invalid event: payload.title: Field required"
    )
    await dead_letter(
        kafka, of_this_run(kafka, A_DELETION), "not valid JSON: Expecting property name"
    )

    result = await tremplin("dead-letters", "list", "--json", kafka=kafka)

    assert result.exit_code == 0, result.output
    letters = sorted(json.loads(result.stdout), key=lambda d: d["original_topic"])
    assert [
        (d["original_topic"], d["original_partition"], d["original_offset"], d["key"], d["kind"])
        for d in letters
    ] == [
        (topic_name(OFFER_PUBLISHED, kafka.topic_suffix), "1", "41", "offer-1", "poison"),
        (topic_name(PROFILE_DELETED, kafka.topic_suffix), "0", "7", "seeker-9", "poison"),
    ]
    assert letters[0]["reason"] == "invalid event: payload.title: Field required"
    assert letters[1]["failed_by"] == "recommender"


async def test_list_keeps_the_newest(kafka: KafkaSettings, tremplin) -> None:
    for offset in range(3):
        record = of_this_run(kafka, AN_OFFER)
        record.offset = offset
        await dead_letter(kafka, record, f"failure {offset}")

    result = await tremplin("dead-letters", "list", "--json", "--limit", "2", kafka=kafka)

    assert result.exit_code == 0, result.output
    assert [d["reason"] for d in json.loads(result.stdout)] == ["failure 1", "failure 2"]


async def test_replay_republishes_to_the_original_topic_once(
    kafka: KafkaSettings, tremplin
) -> None:
    offer = of_this_run(kafka, AN_OFFER)
    await dead_letter(kafka, offer, "invalid event: payload.title: Field required")
    await dead_letter(kafka, of_this_run(kafka, A_DELETION), "not valid JSON")

    only_offers = await tremplin("dead-letters", "replay", "--topic", OFFER_PUBLISHED, kafka=kafka)

    assert only_offers.exit_code == 0, only_offers.output
    assert "1 dead letters replayed" in only_offers.stdout
    assert "1 of other topics left for later" in only_offers.stdout
    [replayed] = await read_records(kafka, OFFER_PUBLISHED, 1)
    assert (replayed.key, replayed.value) == (offer.key, offer.value)
    assert header(replayed, "event_id") == "e-offer-1"
    assert header(replayed, "content-type") == "application/json"
    assert header(replayed, "x-dead-letter-reason") is None
    assert header(replayed, "x-original-topic") is None
    assert header(replayed, "x-replayed-from").startswith(
        topic_name(DEAD_LETTER, kafka.topic_suffix)
    )
    assert await count(kafka, PROFILE_DELETED) == 0

    the_rest = await tremplin("dead-letters", "replay", kafka=kafka)

    assert the_rest.exit_code == 0, the_rest.output
    assert "1 dead letters replayed (profile-deleted: 1)" in the_rest.stdout
    assert "1 were replayed before" in the_rest.stdout
    [deletion] = await read_records(kafka, PROFILE_DELETED, 1)
    assert deletion.value == b"{not json"

    again = await tremplin("dead-letters", "replay", kafka=kafka)
    again_offers = await tremplin("dead-letters", "replay", "--topic", OFFER_PUBLISHED, kafka=kafka)

    assert "0 dead letters replayed" in again.stdout
    assert "0 dead letters replayed" in again_offers.stdout
    assert await count(kafka, OFFER_PUBLISHED) == 1
    assert await count(kafka, PROFILE_DELETED) == 1


async def test_replay_since_an_offset_passes_over_the_earlier_ones(
    kafka: KafkaSettings, tremplin
) -> None:
    # Each letter has a key of its own (servicekit.broker), so letters spread over the dead-letter
    # topic's 3 partitions: with 6 of them, some partition holds two or more.
    for offset in range(6):
        record = of_this_run(kafka, AN_OFFER)
        record.offset = offset
        await dead_letter(kafka, record, f"failure {offset}")
    letters = await read_records(kafka, DEAD_LETTER, 6)
    later = sorted(header(r, "x-original-offset") or "" for r in letters if r.offset >= 1)
    assert 0 < len(later) < 6

    result = await tremplin("dead-letters", "replay", "--since-offset", "1", kafka=kafka)

    assert result.exit_code == 0, result.output
    assert f"{len(later)} dead letters replayed" in result.stdout
    replayed = await read_records(kafka, OFFER_PUBLISHED, len(later))
    assert {r.key for r in replayed} == {b"offer-1"}, "with the key they had on their topic"
    assert all(header(r, "x-replayed-from").rsplit(":", 1)[1] != "0" for r in replayed)


async def test_replay_refuses_an_unknown_topic(kafka: KafkaSettings, tremplin) -> None:
    result = await tremplin("dead-letters", "replay", "--topic", "offers", kafka=kafka)

    assert result.exit_code == 2
    assert "--topic must be one of" in result.output
